/**
 * The tiler heap block (heap.ts): TILER_HEAP_CREATE / DESTROY validation, and heap growth on
 * tiler-OOM events within `max_chunks`, past which the job dies of OOM.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { TilerHeapCreateArgs } from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import type { DrmClient } from '../../src/userspace/client.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  onMachine,
  open,
  read,
  runJob,
  unwrap,
  vmCreate,
} from './helpers.js';

const KB = 1024;
const CHUNK = 128 * KB;

function heapArgs(vmId: number, over: Partial<TilerHeapCreateArgs> = {}): TilerHeapCreateArgs {
  return {
    vmId,
    initialChunkCount: 1,
    chunkSize: CHUNK,
    maxChunks: 3,
    targetInFlight: 1,
    ...over,
  };
}

/** `allocs` heap allocations of 100 KiB (one per 128 KiB chunk), then a store of `value`. */
function heapUser(ctxVa: number, allocs: number, outVa: number, value: number): CsBuilder {
  const b = new CsBuilder().mov48(4, ctxVa).heapSet(4);
  for (let i = 0; i < allocs; i++) b.heapAlloc(100 * KB).run(1000);
  return b.mov48(0, outVa).mov32(2, value).store32(2, 0, 0);
}

function heapOf(c: DrmClient, vmId: number, handle: number) {
  const pool = c.file.vms.get(vmId)?.heapPool;
  assert.ok(pool !== null && pool !== undefined, 'the VM has a heap pool');
  const heap = pool.heaps[handle & 0xffff];
  assert.ok(heap !== null && heap !== undefined);
  return heap;
}

test('TILER_HEAP_CREATE / DESTROY validate their arguments', async () => {
  const m = await onMachine({ seed: 91 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const create = async (over: Partial<TilerHeapCreateArgs>) =>
      errnoOf(await c.tilerHeapCreate(heapArgs(vm, over)));
    const cases: Array<[string, number]> = [
      ['no initial chunk', await create({ initialChunkCount: 0 })],
      ['more initial chunks than max', await create({ initialChunkCount: 4, maxChunks: 3 })],
      ['chunk size not page aligned', await create({ chunkSize: CHUNK + 100 })],
      ['chunk size below 128K', await create({ chunkSize: 64 * KB })],
      ['chunk size above 8M', await create({ chunkSize: 16 * 1024 * KB })],
      ['unknown VM', await create({ vmId: 77 })],
    ];
    for (const [what, errno] of cases) assert.equal(errno, Errno.EINVAL, what);
    const h = unwrap(await c.tilerHeapCreate(heapArgs(vm)), 'TILER_HEAP_CREATE');
    assert.equal((h.handle as number) >>> 16, vm, 'the handle carries the VM id');
    assert.ok((h.tilerHeapCtxGpuVa as number) > 0 && (h.firstHeapChunkGpuVa as number) > 0);
    // The context and the first chunk live in the VM's kernel VA range, above user space.
    const vmObj = c.file.vms.get(vm);
    assert.ok(vmObj !== undefined);
    assert.ok((h.tilerHeapCtxGpuVa as number) >= vmObj.userVaRange);
    assert.ok(vmObj.findMapping(h.firstHeapChunkGpuVa as number) !== undefined, 'chunk mapped');
    assert.equal(errnoOf(await c.tilerHeapDestroy(h.handle as number)), 0);
    assert.equal(
      vmObj.findMapping(h.firstHeapChunkGpuVa as number),
      undefined,
      'chunk unmapped at destroy',
    );
    assert.equal(errnoOf(await c.tilerHeapDestroy(h.handle as number)), Errno.EINVAL, 'twice');
    assert.equal(errnoOf(await c.tilerHeapDestroy((99 << 16) | 0)), Errno.EINVAL, 'unknown VM');
    assert.equal(
      errnoOf(await c.dev.drv.tilerHeapDestroy(c.file, { handle: h.handle as number, pad: 1 })),
      Errno.EINVAL,
      'non-zero pad',
    );
  });
  assertClean(m);
});

test('heap growth: tiler-OOM events add chunks up to max_chunks and the job completes', async () => {
  const m = await onMachine({ seed: 92 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const out = await buffer(c, vm, 0x20_0000);
    const h = unwrap(await c.tilerHeapCreate(heapArgs(vm, { maxChunks: 3 })), 'heap');
    const heap = heapOf(c, vm, h.handle as number);
    assert.equal(heap.chunks.length, 1);
    const g = await group(c, vm);
    const ctxVa = h.tilerHeapCtxGpuVa as number;
    // Three allocations need three chunks: exactly max_chunks.
    assert.equal(await runJob(c, g, cmd, heapUser(ctxVa, 3, out.va, 0xf00d)), 1);
    assert.equal(read(out), 0xf00d);
    assert.equal(heap.chunks.length, 3, 'grown to max_chunks');
    assert.equal(sys.hw.stats.tilerOoms, 2, 'two out-of-memory events');
    assert.equal(dev.heap.grown, 2, 'each answered with a chunk');
    const vmObj = c.file.vms.get(vm);
    for (const ch of heap.chunks) assert.ok(vmObj?.findMapping(ch.va), 'chunk mapped in the VM');
    assert.equal(new Set(heap.chunks.map((ch) => ch.va)).size, 3, 'distinct chunks');
  });
  assertClean(m);
});

test('heap growth stops at max_chunks: the next OOM kills the job with a fatal fault', async () => {
  const m = await onMachine({ seed: 93 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const out = await buffer(c, vm, 0x20_0000);
    // Two chunks allocated up front: the first OOM uses the spare one, the second finds the
    // heap at its maximum.
    const h = unwrap(
      await c.tilerHeapCreate(heapArgs(vm, { initialChunkCount: 2, maxChunks: 2 })),
      'heap',
    );
    const heap = heapOf(c, vm, h.handle as number);
    assert.deepEqual([heap.chunks.length, heap.spare.length], [1, 1]);
    const g = await group(c, vm);
    const status = await runJob(c, g, cmd, heapUser(h.tilerHeapCtxGpuVa as number, 3, out.va, 1));
    assert.equal(status, -Errno.EINVAL, 'out of heap memory: a fatal fault');
    assert.equal(read(out), 0, 'the store after the allocations never ran');
    assert.deepEqual([heap.chunks.length, heap.spare.length], [2, 0], 'never past max_chunks');
    const st = unwrap(await c.groupGetState(g), 'GROUP_GET_STATE');
    assert.equal(st.fatalQueues, 1);
    assert.equal(sys.hw.stats.tilerOoms, 2);
  });
  assertClean(m);
});
