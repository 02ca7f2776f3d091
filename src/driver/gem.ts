/**
 * DOC: GEM buffer objects (panthor_gem.c).
 *
 * A BO is a list of physical pages, allocated zeroed at creation (shmem-backed BOs in Panthor
 * are populated on first use; allocating up front changes no reset behaviour and keeps the
 * model simple), with a reference count. References are held by the file's handle table, by
 * each VM mapping of the BO, and by kernel users (ring buffers, heap chunks). The pages go back
 * to the allocator at the last put; the GPU touching them afterwards is recorded by the
 * hardware model as an access to freed memory.
 *
 * CPU access is through `read32`/`write32` (the kernel's vmap, and user mappings resolved by
 * the mmap fault handler in `drv.ts`). `NO_MMAP` BOs have no mmap offset.
 */

import type { PhysMem } from '../hw/memory.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { nextId } from '../kernel/ids.js';
import type { Kernel, Lifetime } from '../kernel/kernel.js';
import { Refcount } from '../kernel/refcount.js';

export class Bo implements Lifetime {
  readonly id: number;
  alive = true;
  readonly pages: number[] = [];
  readonly refs: Refcount;
  /** Uid of the VM this BO is private to (0: none). */
  exclusiveVmUid = 0;
  /** Fake mmap offset (page aligned), assigned on first BO_MMAP_OFFSET. */
  mmapOffset = 0;

  constructor(
    private readonly k: Kernel,
    private readonly mem: PhysMem,
    readonly name: string,
    readonly size: number,
    readonly noMmap: boolean,
    /** The VM this BO is private to (Panthor's exclusive_vm), or null. */
    readonly exclusiveVmId: number,
  ) {
    this.id = nextId(k, 'bo');
    this.refs = new Refcount(k, `bo ${name}.refcount`, 1);
    k.kmalloc(`bo ${name}`);
    for (let i = 0; i < size / PAGE_SIZE; i++) this.pages.push(mem.allocPage());
  }

  get(): this {
    this.refs.incNow('get [driver/gem.ts]');
    return this;
  }

  /** Drops a reference; frees the pages at the last one. */
  put(): void {
    if (this.refs.decAndTestNow('put [driver/gem.ts]')) this.free();
  }

  private free(): void {
    for (const pa of this.pages) this.mem.freePage(pa);
    this.k.markFreed(this, 'free [driver/gem.ts]');
  }

  /** Physical address of the byte at `offset`. */
  pa(offset: number): number {
    const page = this.pages[Math.floor(offset / PAGE_SIZE)];
    if (page === undefined) throw new Error(`bo ${this.name}: offset ${offset} out of range`);
    return page + (offset % PAGE_SIZE);
  }

  read32(offset: number): number {
    this.k.checkAlive(this, 'bo read', 'read32 [driver/gem.ts]');
    return this.mem.read32(this.pa(offset));
  }

  write32(offset: number, value: number): void {
    this.k.checkAlive(this, 'bo write', 'write32 [driver/gem.ts]');
    this.mem.write32(this.pa(offset), value >>> 0);
  }

  read64(offset: number): number {
    return this.read32(offset) + this.read32(offset + 4) * 0x1_0000_0000;
  }

  write64(offset: number, value: number): void {
    this.write32(offset, value % 0x1_0000_0000);
    this.write32(offset + 4, Math.floor(value / 0x1_0000_0000));
  }

  /** Copies 32-bit words into the BO at `offset` (the user-mode driver filling a stream). */
  writeWords(offset: number, words: readonly number[]): void {
    for (let i = 0; i < words.length; i++) this.write32(offset + i * 4, words[i] as number);
  }
}

/** Rounds a size up to whole pages; returns 0 for sizes that overflow the model's limits. */
export function pageAlign(size: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) return 0;
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}
