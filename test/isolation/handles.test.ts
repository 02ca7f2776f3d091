/**
 * `isolation`, file part: a file cannot use another file's BO, VM, group, syncobj, heap, mmap
 * offset or user mapping. Handles are per-file names (both files count from 1), so a foreign
 * handle either names nothing in the calling file (the lookup fails: ENOENT for BOs (EINVAL
 * in VM_BIND) and syncobj waits, EINVAL for VMs, groups, heaps and the rest, as the kernel
 * does) or names the calling file's own object; it never reaches the other file's.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { objArray, SIZEOF } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  groupArgs,
  onMachine,
  open,
  read,
  runJob,
  unwrap,
  vmCreate,
} from './helpers.js';

const SIGNAL = 0x8000_0000;
const ENOENT = Errno.ENOENT;
const EINVAL = Errno.EINVAL;

function errnoOf(r: { ok: boolean; errno?: number }): number {
  return r.ok ? 0 : (r.errno as number);
}

test("a file cannot use another file's handles, and the other file's objects are untouched", async () => {
  const m = await onMachine({ seed: 1 }, async (sys) => {
    const a = open(sys);
    const b = open(sys);
    // File A owns one of everything.
    const vm = await vmCreate(a);
    const data = await buffer(a, vm, 0x10_0000);
    const cmd = await buffer(a, vm, 0x20_0000);
    const g = await group(a, vm);
    const so = unwrap(await a.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
    const heap = unwrap(
      await a.tilerHeapCreate({
        vmId: vm,
        initialChunkCount: 1,
        chunkSize: 128 * 1024,
        maxChunks: 2,
        targetInFlight: 0,
      }),
      'TILER_HEAP_CREATE',
    ).handle as number;
    const offset = unwrap(await a.boMmapOffset(data.handle), 'BO_MMAP_OFFSET').offset as number;
    unwrap(await a.perfcntEnable(true), 'PERFCNT_ENABLE');

    // File B has nothing: every one of A's names fails, with the kernel's errno.
    const mapOfA = () => ({
      flags: 0,
      boHandle: data.handle,
      boOffset: 0,
      va: 0x30_0000,
      size: 4096,
      syncs: objArray([], SIZEOF.syncOp),
    });
    const expect: Array<[string, number, number]> = [
      ['VM_DESTROY', errnoOf(await b.vmDestroy(vm)), EINVAL],
      ['VM_GET_STATE', errnoOf(await b.vmGetState(vm)), EINVAL],
      ["VM_BIND on A's VM", errnoOf(await b.vmMap(vm, data.handle, 0x30_0000, 4096)), EINVAL],
      ["BO_CREATE exclusive to A's VM", errnoOf(await b.boCreate(4096, 0, vm)), EINVAL],
      ['BO_MMAP_OFFSET', errnoOf(await b.boMmapOffset(data.handle)), ENOENT],
      ['GEM_CLOSE', errnoOf(await b.gemClose(data.handle)), EINVAL],
      ["mmap of A's offset", errnoOf(b.mmap(offset, 4096)), Errno.EACCES],
      ["GROUP_CREATE on A's VM", errnoOf(await b.groupCreate(groupArgs(vm))), EINVAL],
      ['GROUP_GET_STATE', errnoOf(await b.groupGetState(g)), EINVAL],
      ['GROUP_SUBMIT', errnoOf(await b.submit(g, 0, 0, 0)), EINVAL],
      ['GROUP_DESTROY', errnoOf(await b.groupDestroy(g)), EINVAL],
      ['SYNCOBJ_WAIT', errnoOf(await b.wait(so, 1000)), ENOENT],
      ['SYNCOBJ_QUERY', errnoOf(await b.queryPoint(so)), ENOENT],
      ['SYNCOBJ_HANDLE_TO_FD (sync_file)', errnoOf(await b.exportSyncFile(so)), ENOENT],
      ['SYNCOBJ_DESTROY', errnoOf(await b.syncobjDestroy(so)), EINVAL],
      [
        "TILER_HEAP_CREATE on A's VM",
        errnoOf(
          await b.tilerHeapCreate({
            vmId: vm,
            initialChunkCount: 1,
            chunkSize: 128 * 1024,
            maxChunks: 1,
            targetInFlight: 0,
          }),
        ),
        EINVAL,
      ],
      ['TILER_HEAP_DESTROY', errnoOf(await b.tilerHeapDestroy(heap)), EINVAL],
      ['PERFCNT_DUMP by a non-owner', errnoOf(await b.perfcntDump({ buf: [0, 0] })), EINVAL],
      ['PERFCNT_ENABLE(0) by a non-owner', errnoOf(await b.perfcntEnable(false)), EINVAL],
      ['PERFCNT_ENABLE while A owns it', errnoOf(await b.perfcntEnable(true)), Errno.EBUSY],
      [
        "read through A's mapping id",
        errnoOf(b.dev.drv.mapRead(b.file, data.map.id, 0)),
        Errno.EFAULT,
      ],
      ["munmap of A's mapping id", errnoOf(b.dev.drv.munmap(b.file, data.map.id)), EINVAL],
    ];
    // A's BO and syncobjs through B's own VM and group: the BO and syncobj lookups fail.
    const bvm = await vmCreate(b);
    const bg = await group(b, bvm);
    expect.push(
      [
        "VM_BIND of A's BO into B's VM",
        errnoOf(
          await b.vmBind({ vmId: bvm, flags: 0, ops: objArray([mapOfA()], SIZEOF.vmBindOp) }),
        ),
        EINVAL,
      ],
      [
        "GROUP_SUBMIT waiting on A's syncobj",
        errnoOf(await b.submit(bg, 0, 0, 0, [{ flags: 0, handle: so, timelineValue: 0 }])),
        ENOENT,
      ],
      [
        "GROUP_SUBMIT signalling A's syncobj",
        errnoOf(await b.submit(bg, 0, 0, 0, [{ flags: SIGNAL, handle: so + 5, timelineValue: 0 }])),
        EINVAL,
      ],
    );
    for (const [what, got, want] of expect)
      assert.equal(got, want, `${what}: errno ${got}, want ${want}`);

    // A's objects still work: a job through A's group stores into A's buffer.
    assert.equal(await runJob(a, g, cmd, streams.store(data.va, 0xa11ce)), 1);
    assert.equal(read(data), 0xa11ce);
    const words = (a.dev.perfcnt.bytes / 4) | 0;
    assert.ok(unwrap(await a.perfcntDump({ buf: new Array(words).fill(0) }), 'PERFCNT_DUMP'));
    unwrap(await a.tilerHeapDestroy(heap), 'TILER_HEAP_DESTROY');
    await a.close();
    await b.close();
  });
  assertClean(m);
});

test("the same handle numbers in two files name each file's own objects", async () => {
  const m = await onMachine({ seed: 2 }, async (sys) => {
    const a = open(sys);
    const b = open(sys);
    const avm = await vmCreate(a);
    const bvm = await vmCreate(b);
    assert.equal(avm, bvm, 'both files count VM ids from 1');
    const adata = await buffer(a, avm, 0x10_0000);
    const acmd = await buffer(a, avm, 0x20_0000);
    const bdata = await buffer(b, bvm, 0x10_0000);
    assert.equal(adata.handle, bdata.handle);
    const ag = await group(a, avm);
    const bg = await group(b, bvm);
    assert.equal(ag, bg);
    const aso = unwrap(await a.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
    const bso = unwrap(await b.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
    assert.equal(aso, bso);

    // B destroys "its 1" of everything: A's objects with the same numbers survive.
    unwrap(await b.groupDestroy(bg), 'GROUP_DESTROY');
    unwrap(await b.syncobjDestroy(bso), 'SYNCOBJ_DESTROY');
    unwrap(await b.gemClose(bdata.handle), 'GEM_CLOSE');
    unwrap(await b.vmDestroy(bvm), 'VM_DESTROY');
    assert.equal(errnoOf(await b.vmGetState(bvm)), EINVAL, 'B no longer has VM 1');
    assert.ok((await a.vmGetState(avm)).ok, 'A still has VM 1');
    assert.ok((await a.queryPoint(aso)).ok, 'A still has syncobj 1');
    assert.equal(await runJob(a, ag, acmd, streams.store(adata.va, 7)), 1);
    assert.equal(read(adata), 7);

    // After A closes, its numbers name nothing anywhere; a new file starts from 1 afresh.
    await a.close();
    const c = open(sys);
    assert.equal(errnoOf(await c.vmGetState(avm)), EINVAL);
    assert.equal(errnoOf(await c.boMmapOffset(adata.handle)), ENOENT);
    assert.equal(errnoOf(await c.groupGetState(ag)), EINVAL);
    assert.equal(await vmCreate(c), 1);
    await b.close();
    await c.close();
  });
  assertClean(m);
});
