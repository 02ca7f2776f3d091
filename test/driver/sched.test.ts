/**
 * The scheduler block (sched.ts, group.ts): rotation when groups outnumber the CSG slots,
 * GROUP_DESTROY of a running group, submits to groups that cannot run, the per-file group
 * limit, and jobs that wait for other jobs.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { MAX_GROUPS_PER_FILE } from '../../src/driver/file.js';
import { GroupState } from '../../src/driver/group.js';
import { SyncOpFlags } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  groupArgs,
  groupOf,
  MS,
  onMachine,
  open,
  read,
  runJob,
  S,
  submit,
  syncobj,
  vmCreate,
  waitStatus,
} from './helpers.js';

test('rotation: four groups on two CSG slots all run, time-sliced every tick period', async () => {
  const m = await onMachine({ seed: 81, gpu: { csgSlots: 2 } }, async (sys, dev) => {
    const tickNs = dev.cfg.tickPeriodNs;
    const jobNs = 10 * tickNs;
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const handles: number[] = [];
    const syncs: number[] = [];
    for (let i = 0; i < 4; i++) handles.push(await group(c, vm));
    const startNs = sys.k.nowNs;
    for (let i = 0; i < 4; i++) {
      syncs.push(
        await submit(
          c,
          handles[i] as number,
          cmd,
          streams.store(data.va + 4 * i, i + 1, jobNs),
          i * 0x100,
        ),
      );
    }
    // Sample the slots: every group must get one long before the first job could finish if
    // the groups ran one pair after the other.
    const groups = handles.map((h) => groupOf(c, h));
    const seen = new Set<number>();
    const ticksBefore = dev.sched.ticks;
    let maxOnSlots = 0;
    while (sys.k.nowNs - startNs < 4 * tickNs) {
      let on = 0;
      for (const g of groups) {
        if (g.csgId >= 0) {
          seen.add(g.uid);
          on++;
        }
      }
      maxOnSlots = Math.max(maxOnSlots, on);
      await sys.k.sleep(tickNs / 10);
    }
    assert.equal(seen.size, 4, 'every group was on a slot within four tick periods');
    assert.equal(maxOnSlots, 2, 'never more groups on slots than slots');
    assert.ok(dev.sched.ticks - ticksBefore >= 3, 'the tick kept running while they competed');
    for (let i = 0; i < 4; i++) {
      const r = await waitStatus(c, syncs[i] as number, 2 * S);
      assert.deepEqual(r, { waitErrno: 0, status: 1 }, `job ${i}`);
      assert.equal(read(data, 4 * i), i + 1);
    }
    // Four jobs of 10 periods on two slots: about 20 periods in total, not 40.
    const elapsed = sys.k.nowNs - startNs;
    assert.ok(elapsed < 30 * tickNs, `all done in ${elapsed / tickNs} tick periods`);
    assert.ok(elapsed >= 20 * tickNs, `no more GPU time than two slots give (${elapsed / tickNs})`);
  });
  assertClean(m);
});

test('GROUP_DESTROY of a running group: its job ends -ECANCELED, the slot is freed, the group released', async () => {
  const m = await onMachine({ seed: 82 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const running = await submit(c, g, cmd, streams.hang());
    const queued = await submit(c, g, cmd, streams.store(cmd.va + 0x800, 1), 0x100);
    const grp = groupOf(c, g);
    for (let i = 0; i < 100 && grp.csgId < 0; i++) await sys.k.sleep(1 * MS);
    const slot = grp.csgId;
    assert.ok(slot >= 0, 'running on a slot');
    assert.equal(errnoOf(await c.groupDestroy(g)), 0, 'destroying a running group is allowed');
    assert.deepEqual(await waitStatus(c, running, 1 * S), {
      waitErrno: 0,
      status: -Errno.ECANCELED,
    });
    assert.equal((await waitStatus(c, queued, 0)).status, -Errno.ECANCELED);
    assert.equal(grp.csgId, -1);
    assert.equal(dev.sched.csgSlots[slot], null, 'the slot is free');
    assert.equal(grp.state, GroupState.TERMINATED, 'terminated, not suspended');
    for (let i = 0; i < 100 && grp.alive; i++) await sys.k.sleep(1 * MS);
    assert.equal(grp.alive, false, 'the last reference went and the group was released');
    assert.ok(!dev.sched.groups.has(grp));
    // The handle is gone: every group ioctl on it is EINVAL.
    assert.equal(errnoOf(await c.groupGetState(g)), Errno.EINVAL);
    assert.equal(errnoOf(await c.submit(g, 0, 0, 0)), Errno.EINVAL);
    assert.equal(errnoOf(await c.groupDestroy(g)), Errno.EINVAL);
    assert.equal(errnoOf(await c.groupDestroy(g + 1, 0)), Errno.EINVAL, 'unknown handle');
    assert.equal(dev.log.resets.length, 0, 'no reset needed');
  });
  assertClean(m);
});

test('a submit to a group that cannot run is EINVAL, whatever killed it', async () => {
  const m = await onMachine({ seed: 83 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const faulted = await group(c, vm);
    assert.equal(await runJob(c, faulted, cmd, streams.fatal()), -Errno.EINVAL);
    const timedOut = await group(c, vm);
    const so = await submit(c, timedOut, cmd, streams.hang(), 0x100);
    const w = await waitStatus(c, so, dev.cfg.jobTimeoutNs * 2);
    assert.equal(w.status, -Errno.ETIMEDOUT);
    for (const [what, h] of [
      ['faulted', faulted],
      ['timed out', timedOut],
    ] as const) {
      assert.equal(errnoOf(await c.submit(h, 0, cmd.va + 0x200, 8)), Errno.EINVAL, what);
      assert.equal(errnoOf(await c.submit(h, 0, 0, 0)), Errno.EINVAL, `${what}, empty submit`);
    }
    // A group whose VM was destroyed cannot run either.
    const vm2 = await vmCreate(c);
    const orphan = await group(c, vm2);
    assert.equal(errnoOf(await c.vmDestroy(vm2)), 0);
    assert.equal(errnoOf(await c.submit(orphan, 0, 0, 0)), Errno.EINVAL, 'VM destroyed');
    // A healthy group next to them still runs.
    const ok = await group(c, vm);
    assert.equal(await runJob(c, ok, cmd, streams.store(cmd.va + 0x800, 1), 1 * S, 0x300), 1);
  });
  assertClean(m);
});

test('a file may have 128 groups; the next GROUP_CREATE is EBUSY until one is destroyed', async () => {
  const m = await onMachine({ seed: 84 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    for (let i = 1; i <= MAX_GROUPS_PER_FILE; i++) assert.equal(await group(c, vm), i);
    const over = await c.groupCreate(groupArgs(vm));
    assert.equal(errnoOf(over), Errno.EBUSY);
    assert.equal(errnoOf(await c.groupDestroy(7)), 0);
    assert.equal(await group(c, vm), 7, 'the freed handle is reused');
  });
  assertClean(m);
});

test('a job waiting on another job runs after it, across groups', async () => {
  const m = await onMachine({ seed: 85 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const g1 = await group(c, vm);
    const g2 = await group(c, vm);
    const first = await submit(c, g1, cmd, streams.store(data.va, 1, 20 * MS));
    const words = streams.store(data.va + 4, 2).words();
    cmd.map.writeWords(0x100, words);
    const h = await syncobj(c);
    const r = await c.submit(g2, 0, cmd.va + 0x100, words.length * 4, [
      { flags: SyncOpFlags.HANDLE_TYPE_SYNCOBJ, handle: first, timelineValue: 0 },
      { flags: SyncOpFlags.SIGNAL, handle: h, timelineValue: 0 },
    ]);
    assert.equal(errnoOf(r), 0);
    // After 10 ms the first is still running, and the second has not started.
    await sys.k.sleep(10 * MS);
    assert.equal((await waitStatus(c, h, 0)).status, 0, 'the dependent job waits');
    assert.equal(groupOf(c, g2).queues[0]?.entity.queued, 1, 'still on the entity queue');
    assert.deepEqual(await waitStatus(c, h, 1 * S), { waitErrno: 0, status: 1 });
    assert.equal((await waitStatus(c, first, 0)).status, 1, 'the first completed before it');
    assert.deepEqual([read(data), read(data, 4)], [1, 2]);
  });
  assertClean(m);
});
