/**
 * Acceptance tests (the round-one acceptance list, kept as tests here), object lifetime topic:
 * `perfcnt-ownership` (panfrost_perfcnt.c) and `vm-destroy-with-active-group` (Panthor's
 * "evict groups before VM termination").
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { BugId } from '../../src/driver/bugs.js';
import { GroupState } from '../../src/driver/group.js';
import { Errno } from '../../src/kernel/errno.js';
import { builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';
import type { System } from '../../src/system/system.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  groupOf,
  MS,
  onMachine,
  open,
  S,
  submit,
  unwrap,
  vmCreate,
  waitStatus,
} from './helpers.js';

test('perfcnt-ownership: one owner at a time, behind the unstable-ioctls switch', async () => {
  // Without the switch: ENOSYS for both ioctls.
  const off = await onMachine({ seed: 31, driver: { unstableIoctls: false } }, async (sys) => {
    const c = open(sys);
    assert.equal(errnoOf(await c.perfcntEnable(true)), Errno.ENOSYS);
    assert.equal(errnoOf(await c.perfcntDump({ buf: [0] })), Errno.ENOSYS);
  });
  assertClean(off);

  const m = await onMachine({ seed: 31 }, async (sys) => {
    const dev = sys.dev;
    assert.ok(dev !== null);
    // Read through a function: `assert.equal(x, null)` narrows a property for good.
    const session = () => dev.perfcnt.session;
    const a = open(sys);
    const b = open(sys);
    // Bad counterset (this GPU has counter sets 0 and 1).
    assert.equal(errnoOf(await a.perfcntEnable(true, 2)), Errno.EINVAL, 'bad counterset');
    assert.equal(session(), null, 'a rejected enable creates no session');
    assert.equal(errnoOf(await a.perfcntEnable(true)), 0, 'the first file owns the counters');
    assert.equal(errnoOf(await b.perfcntEnable(true)), Errno.EBUSY, 'a second file enables');
    // panfrost_perfcnt_enable_locked: the owner enabling again is a no-op that succeeds.
    assert.equal(errnoOf(await a.perfcntEnable(true)), 0, 'the owner enables again');
    assert.equal(errnoOf(await b.perfcntDump({ buf: [0] })), Errno.EINVAL, 'a non-owner dumps');
    assert.equal(errnoOf(await b.perfcntEnable(false)), Errno.EINVAL, 'a non-owner disables');
    const words = new Array<number>(dev.perfcnt.bytes / 4).fill(0xdead);
    const dump = unwrap(await a.perfcntDump({ buf: words }), 'PERFCNT_DUMP');
    assert.equal(dump.samplesLost, 0, 'no reset: no samples lost');
    assert.ok(
      words.every((w) => w !== 0xdead),
      'the sample was copied into the whole buffer',
    );
    // The owner closes its file: ownership is released, and its AS reference with it.
    const ownerVm = session()?.vm;
    assert.ok(ownerVm !== undefined);
    assert.equal(ownerVm.activeCnt.peek(), 1, 'the session holds its address space');
    await a.close();
    assert.equal(session(), null, 'released at close');
    assert.equal(ownerVm.alive, false, 'the session VM was freed');
    assert.equal(errnoOf(await b.perfcntEnable(true)), 0, 'another file may now enable');
    // The sample is copied whole (copy_to_user of the buffer size): a short buffer faults.
    assert.equal(errnoOf(await b.perfcntDump({ buf: [0] })), Errno.EFAULT, 'a short buffer');
    assert.equal(errnoOf(await b.perfcntDump({ buf: words })), 0);
    assert.equal(errnoOf(await b.perfcntEnable(false)), 0, 'the owner disables');
    assert.equal(session(), null);
  });
  assertClean(m);
});

/**
 * One CSG slot and two groups with work, so that the scheduler's tick rotates them (suspends
 * one, resumes the other) every tick period: the suspend is when the firmware writes the tiler
 * heap context back into the group's VM. The VM is destroyed while its group is on the slot in
 * the middle of a frame that uses the heap. Returns what the test observes.
 */
async function destroyVmUnderGroup(bugs: BugId[]): Promise<{
  sys: System;
  violations: string[];
  atDestroy: { csgId: number; state: string; heapPool: boolean } | null;
  atPoolDestroy: { csgId: number; state: string } | null;
  wasOnSlot: boolean;
}> {
  let atDestroy: { csgId: number; state: string; heapPool: boolean } | null = null;
  let atPoolDestroy: { csgId: number; state: string } | null = null;
  let wasOnSlot = false;
  const m = await onMachine({ seed: 32, bugs, gpu: { csgSlots: 1 } }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const out = await buffer(c, vm, 0x20_0000);
    const heap = unwrap(
      await c.tilerHeapCreate({
        vmId: vm,
        initialChunkCount: 1,
        chunkSize: 128 * 1024,
        maxChunks: 4,
        targetInFlight: 1,
      }),
      'TILER_HEAP_CREATE',
    );
    const g = await group(c, vm);
    // A second file keeps a second group busy, so the single slot rotates.
    const other = open(sys);
    const ovm = await vmCreate(other);
    const ocmd = await buffer(other, ovm, 0x10_0000);
    const og = await group(other, ovm);
    await submit(other, og, ocmd, streams.store(ocmd.va + 0x800, 1, 200 * MS));
    const frame = streams.frame(heap.tilerHeapCtxGpuVa as number, out.va, 1, 100 * MS, 16 * 1024);
    const so = await submit(c, g, cmd, frame);
    // Wait until the group is on the slot and running its frame.
    const grp = groupOf(c, g);
    for (let i = 0; i < 200 && grp.csgId < 0; i++) await sys.k.sleep(1 * MS);
    wasOnSlot = grp.csgId >= 0;
    const vmObj = c.file.vms.get(vm);
    assert.ok(vmObj !== undefined && vmObj.heapPool !== null);
    // Observe the order of teardown: where the group is when the heap pool goes away.
    const pool = vmObj.heapPool;
    const destroy = pool.destroy.bind(pool);
    pool.destroy = async () => {
      atPoolDestroy = { csgId: grp.csgId, state: grp.state };
      await destroy();
    };
    atDestroy = { csgId: grp.csgId, state: grp.state, heapPool: vmObj.heapPool !== null };
    assert.equal(errnoOf(await c.vmDestroy(vm)), 0, 'VM_DESTROY with a group still on it');
    // The group's job cannot finish now: it ends with an error, and the wait does not hang.
    const r = await waitStatus(c, so, 2 * S);
    assert.equal(r.waitErrno, 0, 'the job fence signals');
    assert.ok(r.status < 0, `with an error (${r.status})`);
    // Let any late rotation happen, then tear everything down.
    await sys.k.sleep(50 * MS);
    await c.close();
    await other.close();
  });
  return {
    sys: m.sys,
    violations: m.violations.map((v) => v.invariant),
    atDestroy,
    atPoolDestroy,
    wasOnSlot,
  };
}

test('vm-destroy-with-active-group: the group is evicted before its VM goes; no GPU fault', async () => {
  const r = await destroyVmUnderGroup([]);
  assert.ok(r.wasOnSlot, 'the group was on a CSG slot');
  assert.ok(r.atDestroy !== null && r.atDestroy.csgId >= 0, 'still on its slot at VM_DESTROY');
  assert.equal(r.atDestroy?.heapPool, true, 'holding a tiler heap');
  assert.deepEqual(
    r.atPoolDestroy,
    { csgId: -1, state: GroupState.TERMINATED },
    'off the slot (terminated, not suspended) before the heap pool is destroyed',
  );
  assert.deepEqual(
    r.sys.hw.pageFaults.map((f) => f.source),
    [],
    'no GPU page fault at all',
  );
  assert.deepEqual(r.violations, []);
});

test('vm-destroy-with-active-group: the check catches the historical bug (vm-destroy-no-evict)', async () => {
  // The same steps with the eviction skipped: the heap pool goes while the group is still on
  // its slot, and the firmware's heap-context write-back on the next suspend faults.
  const r = await destroyVmUnderGroup(['vm-destroy-no-evict']);
  assert.ok(r.atPoolDestroy !== null && r.atPoolDestroy.csgId >= 0, 'pool destroyed on-slot');
  assert.ok(
    r.sys.hw.pageFaults.some((f) => f.source === 'fw-heap'),
    'the firmware faulted writing the heap context',
  );
  assert.ok(r.violations.includes('teardown-page-fault'), r.violations.join(', '));
});

test('vm-destroy-with-active-group: the built-in vm-teardown scenario is clean', async () => {
  const spec = builtinScenario('vm-teardown');
  assert.ok(spec !== undefined);
  const r = await runScenario(spec, { seed: 5, design: 'default', record: false });
  assert.deepEqual(
    r.violations.map((v) => `${v.invariant}: ${v.message}`),
    [],
  );
  assert.ok(r.recovered, 'the liveness probe got a job done');
  assert.ok(r.jobs.completed > 0);
});
