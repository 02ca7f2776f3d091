/**
 * DOC: Tiler heaps (panthor_heap.c).
 *
 * Each VM has at most one heap pool, created on the first TILER_HEAP_CREATE. The pool owns a
 * kernel BO holding the heap contexts (one slot per heap, mapped in the VM: the firmware reads
 * and writes them through the group's address space) and the chunks of every heap. A heap
 * starts with `initial_chunk_count` chunks; when the current chunk is full the firmware raises
 * a tiler-OOM event and the driver hands it another chunk, allocating a new one while the heap
 * has fewer than `max_chunks` (the heap-alloc workqueue does this, outside the fence-signalling
 * path, because it allocates memory).
 *
 * The pool holds a reference on its VM and the VM points at its pool: that cycle is broken by
 * `destroy()`, which VM teardown calls after the groups using the VM were evicted — the firmware
 * writes the heap context back on every CSG suspend, so the context must stay mapped until then.
 */

import * as R from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import { Mutex } from '../kernel/mutex.js';
import type { PanthorDevice } from './device.js';
import { Bo } from './gem.js';
import type { Group } from './group.js';
import type { Vm } from './vm.js';

export const MAX_HEAPS_PER_POOL = 128;
const MIN_CHUNK = 128 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;

interface Chunk {
  bo: Bo;
  va: number;
}

export class TilerHeap {
  readonly chunks: Chunk[] = [];
  /** Chunks allocated but not handed to the firmware yet. */
  readonly spare: Chunk[] = [];

  constructor(
    /** The heap's id in its pool (-1 until allocated). */
    public idx: number,
    public ctxVa: number,
    readonly chunkSize: number,
    readonly maxChunks: number,
    readonly targetInFlight: number,
  ) {}
}

export class HeapPool {
  readonly heaps: Array<TilerHeap | null> = new Array<TilerHeap | null>(MAX_HEAPS_PER_POOL).fill(
    null,
  );
  readonly lock: Mutex;
  ctxBo: Bo;
  ctxVa: number;
  destroyed = false;

  private constructor(
    private readonly dev: PanthorDevice,
    readonly vm: Vm,
    ctxBo: Bo,
    ctxVa: number,
  ) {
    this.lock = new Mutex(dev.k, 'heap_pool.lock');
    this.ctxBo = ctxBo;
    this.ctxVa = ctxVa;
  }

  static async create(dev: PanthorDevice, vm: Vm): Promise<HeapPool> {
    const size = MAX_HEAPS_PER_POOL * R.HEAP_CTX_SIZE;
    const bo = new Bo(dev.k, dev.hw.mem, `vm${vm.uid}-heap-ctxs`, size, true, 0);
    const va = vm.allocKernelVa(size);
    await vm.opLock.lock('create [driver/heap.ts]');
    await vm.map(va, size, bo, 0, { readOnly: false, noExec: true }, true);
    vm.opLock.unlock();
    bo.put();
    // The pool holds its VM: the cycle VM <-> pool is broken by destroy().
    return new HeapPool(dev, vm.get(), bo, va);
  }

  private async allocChunk(heap: TilerHeap): Promise<Chunk> {
    const dev = this.dev;
    const bo = new Bo(dev.k, dev.hw.mem, `heap${heap.idx}-chunk`, heap.chunkSize, true, 0);
    const va = this.vm.allocKernelVa(heap.chunkSize);
    await this.vm.opLock.lock('allocChunk [driver/heap.ts]');
    await this.vm.map(va, heap.chunkSize, bo, 0, { readOnly: false, noExec: true }, true);
    this.vm.opLock.unlock();
    bo.put();
    return { bo, va };
  }

  /** Whether the simulated memory can still back `bytes` (keeping a reserve for the driver). */
  private memoryFor(bytes: number): boolean {
    const mem = this.dev.hw.mem;
    return mem.pageCount - mem.allocatedPages >= bytes / R.PAGE_SIZE + 256;
  }

  /**
   * panthor_heap_create, in the kernel's order: the argument checks (EINVAL), the pool not
   * destroyed (EINVAL), the initial chunks (ENOMEM when the memory cannot back them), then
   * `first_heap_chunk_gpu_va` is reported through `out` *before* the heap id is allocated
   * (ids 0..127; a full pool is EBUSY, and the caller still copies that VA back).
   * `target_in_flight` is not checked.
   */
  async createHeap(
    args: {
      initialChunkCount: number;
      chunkSize: number;
      maxChunks: number;
      targetInFlight: number;
    },
    out: { firstHeapChunkGpuVa: number },
  ): Promise<TilerHeap | number> {
    if (args.initialChunkCount === 0 || args.initialChunkCount > args.maxChunks)
      return -Errno.EINVAL;
    if (
      args.chunkSize % R.PAGE_SIZE !== 0 ||
      args.chunkSize < MIN_CHUNK ||
      args.chunkSize > MAX_CHUNK
    ) {
      return -Errno.EINVAL;
    }
    await this.lock.lock('createHeap [driver/heap.ts]');
    try {
      if (this.destroyed) return -Errno.EINVAL;
      if (!this.memoryFor(args.initialChunkCount * args.chunkSize)) return -Errno.ENOMEM;
      // The id is allocated after the chunks (below); the chunks are named after the id the
      // heap will get.
      const idx = this.heaps.indexOf(null);
      const heap = new TilerHeap(idx, 0, args.chunkSize, args.maxChunks, args.targetInFlight);
      for (let i = 0; i < args.initialChunkCount; i++) heap.spare.push(await this.allocChunk(heap));
      const first = heap.spare.shift() as Chunk;
      heap.chunks.push(first);
      out.firstHeapChunkGpuVa = first.va;
      if (idx < 0) {
        await this.freeChunks(heap);
        return -Errno.EBUSY;
      }
      heap.ctxVa = this.ctxVa + idx * R.HEAP_CTX_SIZE;
      this.heaps[idx] = heap;
      // Initial context: the first chunk, empty.
      const off = idx * R.HEAP_CTX_SIZE;
      this.ctxBo.write64(off + R.HEAP_CTX_CHUNK_VA, first.va);
      this.ctxBo.write32(off + R.HEAP_CTX_USED, 0);
      this.ctxBo.write32(off + R.HEAP_CTX_CHUNK_SIZE, heap.chunkSize);
      this.ctxBo.write32(off + R.HEAP_CTX_CHUNKS, 1);
      return heap;
    } finally {
      this.lock.unlock();
    }
  }

  async destroyHeap(idx: number): Promise<number> {
    await this.lock.lock('destroyHeap [driver/heap.ts]');
    try {
      const heap = this.heaps[idx];
      if (heap === null || heap === undefined) return -Errno.EINVAL;
      this.heaps[idx] = null;
      await this.freeChunks(heap);
      return 0;
    } finally {
      this.lock.unlock();
    }
  }

  private async freeChunks(heap: TilerHeap): Promise<void> {
    await this.vm.opLock.lock('freeChunks [driver/heap.ts]');
    for (const c of [...heap.chunks, ...heap.spare]) await this.vm.unmap(c.va, heap.chunkSize);
    this.vm.opLock.unlock();
    heap.chunks.length = 0;
    heap.spare.length = 0;
  }

  heapForCtx(ctxVa: number): TilerHeap | null {
    for (const h of this.heaps) if (h !== null && h.ctxVa === ctxVa) return h;
    return null;
  }

  /**
   * panthor_heap_grow: a chunk for the heap whose context is at `ctxVa`; 0 when the heap is at
   * its maximum (the firmware then fails or falls back), -EINVAL for an unknown context.
   */
  async grow(ctxVa: number): Promise<number> {
    await this.lock.lock('grow [driver/heap.ts]');
    try {
      const heap = this.heapForCtx(ctxVa);
      if (heap === null) return -Errno.EINVAL;
      let chunk = heap.spare.shift();
      if (chunk === undefined) {
        if (heap.chunks.length >= heap.maxChunks) return 0;
        // Out of memory: no chunk, as at the maximum (the kernel's grow fails with ENOMEM and
        // the firmware is told the same way).
        if (!this.memoryFor(heap.chunkSize)) return 0;
        chunk = await this.allocChunk(heap);
      }
      heap.chunks.push(chunk);
      return chunk.va;
    } finally {
      this.lock.unlock();
    }
  }

  /** Destroys every heap and the context BO, and drops the pool's VM reference. */
  async destroy(): Promise<void> {
    await this.lock.lock('destroy [driver/heap.ts]');
    this.destroyed = true;
    const heaps = this.heaps.filter((h): h is TilerHeap => h !== null);
    this.heaps.fill(null);
    this.lock.unlock();
    for (const h of heaps) await this.freeChunks(h);
    await this.vm.opLock.lock('destroy [driver/heap.ts]');
    await this.vm.unmap(this.ctxVa, this.ctxBo.size);
    this.vm.opLock.unlock();
    await this.vm.put();
  }
}

/** The device-level part: answering tiler-OOM events. */
export class HeapBlock {
  readonly name = 'heap';
  /** OOM events answered, for metrics. */
  grown = 0;

  constructor(private readonly dev: PanthorDevice) {}

  /** group_process_tiler_oom. */
  async processTilerOom(group: Group, csIdx: number): Promise<void> {
    const dev = this.dev;
    const sched = dev.sched;
    await sched.lock.lock('processTilerOom [driver/heap.ts]');
    const slot = group.csgId;
    const iface = slot >= 0 ? dev.fw.cs(slot, csIdx) : null;
    const ctxVa = iface?.output.heapAddress ?? 0;
    // `oom=if-raised`: the event this work was queued for may be gone (the group was suspended
    // or reset and resumed while the work waited for the lock); the stream raises it again.
    const raised = iface !== null && ((iface.input.req ^ iface.output.ack) & R.CS_TILER_OOM) !== 0;
    sched.lock.unlock();
    if (slot < 0) return; // scheduled out: a new OOM event comes when it runs again
    if (!raised && dev.reset.design.factors.oom === 'if-raised') return;
    const pool = group.vm.heapPool;
    let chunkVa = 0;
    if (pool === null) {
      group.fatalQueues |= 1 << csIdx;
      await sched.queueTick(0);
      return;
    }
    // Growing maps the new chunk, and mapping flushes the AS's TLB: a hardware access like the
    // hand-off to the firmware below, so both run inside the gate (growing outside it let this
    // work write AS registers while a reset ran; found by the uAPI fuzzer). A refused gate
    // grows nothing: the firmware raises TILER_OOM again once the group runs after the reset.
    const gate = await dev.gateEnter('worker');
    if (typeof gate === 'number') return;
    try {
      const r = await pool.grow(ctxVa);
      if (r < 0) {
        group.fatalQueues |= 1 << csIdx;
        await sched.queueTick(0);
        return;
      }
      chunkVa = r;
      await sched.lock.lock('processTilerOom [driver/heap.ts]');
      if (group.csgId >= 0) {
        const heap = pool.heapForCtx(ctxVa);
        const cs = dev.fw.cs(group.csgId, csIdx);
        const csg = dev.fw.csg(group.csgId);
        cs.input.heapStart = chunkVa;
        cs.input.heapEnd = chunkVa === 0 ? 0 : chunkVa + (heap?.chunkSize ?? 0);
        await dev.fw.updateReqs(cs, cs.output.ack, R.CS_TILER_OOM);
        dev.fw.toggleField(
          csg.input as unknown as Record<string, number>,
          'doorbellReq',
          csg.output.doorbellAck,
          1 << csIdx,
        );
        dev.fw.ringCsgDoorbells(1 << group.csgId);
        this.grown++;
      }
      sched.lock.unlock();
    } finally {
      dev.gateExit(gate);
    }
  }
}
