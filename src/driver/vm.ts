/**
 * DOC: GPU virtual address spaces (the VM half of panthor_mmu.c).
 *
 * A VM owns a page table and a list of mappings (BO ranges at VAs). The user part of the VA
 * space is `[0, userVaRange)`; kernel objects (ring buffers, sync objects, heap contexts and
 * chunks) are mapped above it at automatically chosen addresses, as with Panthor's
 * PANTHOR_VM_KERNEL_AUTO_VA.
 *
 * Updates to the page table of a VM that is bound to an AS happen inside a locked region of that
 * AS (LOCK, change the tables, FLUSH_PT, UNLOCK) under the AS slots lock, as Panthor's
 * lock_region / unlock_region pair: the GPU stalls on the region instead of translating through
 * a stale entry while the tables change. A VM whose asynchronous bind failed becomes UNUSABLE: new maps are refused and
 * its groups can no longer run.
 *
 * Teardown order (`destroy`): mark destroyed, evict the groups using it and wait for the
 * scheduler tick (the firmware writes the tiler heap context on CSG suspend), destroy the heap
 * pool (this breaks the pool -> VM reference cycle), unmap everything, drop the file's
 * reference. Skipping the eviction is the `vm-destroy-no-evict` bug.
 */

import { PAGE_SIZE, VA_BITS } from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import type { FenceContext } from '../kernel/fence.js';
import { nextId } from '../kernel/ids.js';
import type { Kernel, Lifetime } from '../kernel/kernel.js';
import { Mutex } from '../kernel/mutex.js';
import { Refcount } from '../kernel/refcount.js';
import type { PanthorDevice } from './device.js';
import type { Bo } from './gem.js';
import type { HeapPool } from './heap.js';
import { PageTable, type PteFlags } from './pgtable.js';
import type { VmBindQueue } from './vm-bind.js';

export interface VmMapping {
  va: number;
  size: number;
  bo: Bo;
  boOffset: number;
  flags: PteFlags;
  /** Kernel-owned mapping (ring buffers, heap chunks, ...). */
  kernel: boolean;
}

export const VA_LIMIT = 2 ** VA_BITS;
/** Default user VA range when VM_CREATE passes 0: the lower half, as Panthor does. */
export const DEFAULT_USER_VA_RANGE = 2 ** (VA_BITS - 1);

export class Vm implements Lifetime {
  readonly uid: number;
  alive = true;
  readonly pt: PageTable;
  /** AS slot, or -1 when not bound. */
  asId = -1;
  /** Users that need the VM bound to an AS (groups on CSG slots, the perfcnt session). */
  readonly activeCnt: Refcount;
  readonly refs: Refcount;
  destroyed = false;
  unusable = false;
  unhandledFault = false;
  readonly mappings: VmMapping[] = [];
  readonly opLock: Mutex;
  heapPool: HeapPool | null = null;
  /** The asynchronous VM_BIND queue and its fence context, created on first use. */
  bindQueue: VmBindQueue | null = null;
  bindFenceCtx: FenceContext | null = null;
  private kernelVaNext: number;

  constructor(
    readonly dev: PanthorDevice,
    readonly name: string,
    readonly forMcu: boolean,
    readonly userVaRange: number,
  ) {
    const k = dev.k;
    this.uid = nextId(k, 'vm');
    this.pt = new PageTable(k, dev.hw.mem, `vm ${name}`);
    this.activeCnt = new Refcount(k, `vm ${name}.as.active_cnt`, 0);
    this.refs = new Refcount(k, `vm ${name}.refcount`, 1);
    this.opLock = new Mutex(k, 'vm.op_lock');
    this.kernelVaNext = forMcu ? 0x100_0000 : userVaRange;
  }

  private get k(): Kernel {
    return this.dev.k;
  }

  get(): this {
    this.refs.incNow('get [driver/vm.ts]');
    return this;
  }

  /** Drops a reference; the last one releases the AS and the page tables. */
  async put(): Promise<void> {
    if (!this.refs.decAndTestNow('put [driver/vm.ts]')) return;
    await this.dev.mmu.releaseVm(this);
    for (const m of this.mappings.splice(0)) m.bo.put();
    this.pt.destroy();
    this.k.markFreed(this, 'put [driver/vm.ts]');
  }

  /** Picks a free kernel VA range of `size` bytes (PANTHOR_VM_KERNEL_AUTO_VA). */
  allocKernelVa(size: number): number {
    const va = this.kernelVaNext;
    this.kernelVaNext += size + PAGE_SIZE; // a guard page between kernel objects
    return va;
  }

  findMapping(va: number): VmMapping | undefined {
    return this.mappings.find((m) => va >= m.va && va < m.va + m.size);
  }

  /** panthor_vm_get_bo_for_va. */
  boForVa(va: number): { bo: Bo; offset: number } | null {
    const m = this.findMapping(va);
    return m === undefined ? null : { bo: m.bo, offset: m.boOffset + (va - m.va) };
  }

  /**
   * Maps `size` bytes of `bo` at `va`. Overlapping mappings are replaced, as drm_gpuvm's remap
   * does, in the same locked update: the GPU never sees the range half unmapped. Caller holds
   * `opLock`. Returns 0 or -errno.
   */
  async map(
    va: number,
    size: number,
    bo: Bo,
    boOffset: number,
    flags: PteFlags,
    kernel = false,
  ): Promise<number> {
    if (!this.k.checkAlive(this, 'vm map', 'map [driver/vm.ts]')) return -Errno.EINVAL;
    let released: Bo[] = [];
    bo.get();
    const ret = await this.dev.mmu.updateRange(this, va, size, () => {
      released = this.removeRange(va, size);
      for (let off = 0; off < size; off += PAGE_SIZE) {
        this.pt.map(va + off, bo.pa(boOffset + off), flags);
      }
      this.mappings.push({ va, size, bo, boOffset, flags, kernel });
      this.mappings.sort((a, b) => a.va - b.va);
    });
    // Pages go back to the allocator only after the TLB flush: until then the GPU may still
    // translate to them.
    for (const b of released) b.put();
    return ret;
  }

  /**
   * Unmaps `[va, va+size)`: mappings fully inside are removed, partially covered ones are split.
   * Unmapping a range with nothing mapped is not an error (Panthor returns 0).
   */
  async unmap(va: number, size: number): Promise<number> {
    const end = va + size;
    if (!this.mappings.some((m) => m.va < end && m.va + m.size > va)) return 0;
    let released: Bo[] = [];
    const ret = await this.dev.mmu.updateRange(this, va, size, () => {
      released = this.removeRange(va, size);
    });
    for (const b of released) b.put();
    return ret;
  }

  /**
   * The page-table and mapping-list half of an unmap, with no decision point: it runs inside
   * the MMU's locked region. Returns the BOs whose mappings went away (to put after the flush).
   */
  private removeRange(va: number, size: number): Bo[] {
    const end = va + size;
    const touched: VmMapping[] = this.mappings.filter((m) => m.va < end && m.va + m.size > va);
    const released: Bo[] = [];
    for (const m of touched) {
      const i = this.mappings.indexOf(m);
      this.mappings.splice(i, 1);
      const lo = Math.max(m.va, va);
      const hi = Math.min(m.va + m.size, end);
      for (let p = lo; p < hi; p += PAGE_SIZE) this.pt.unmap(p);
      if (m.va < lo) {
        this.mappings.push({ ...m, size: lo - m.va });
        m.bo.get();
      }
      if (m.va + m.size > hi) {
        this.mappings.push({
          ...m,
          va: hi,
          size: m.va + m.size - hi,
          boOffset: m.boOffset + (hi - m.va),
        });
        m.bo.get();
      }
      released.push(m.bo);
    }
    this.mappings.sort((a, b) => a.va - b.va);
    return released;
  }

  async unmapAll(): Promise<number> {
    if (this.mappings.length === 0) return 0;
    const first = this.mappings[0] as VmMapping;
    const last = this.mappings[this.mappings.length - 1] as VmMapping;
    return this.unmap(first.va, last.va + last.size - first.va);
  }
}
