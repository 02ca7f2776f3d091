/**
 * The firmware's view of a queue (panthor_sched.c): CS_STATUS_BLOCKED_REASON read on a
 * STATUS_UPDATE or a suspend (cs_slot_sync_queue_state_locked), the scheduler's waiting list and
 * its sync-update work (sync_upd_work, panthor_queue_eval_syncwait), idleness from the
 * firmware's idle/blocked bits (group_is_idle), and the timer of a blocked queue of an idle
 * group that keeps running when the group is suspended (queue_suspend_timeout_locked).
 *
 * The workloads are Mesa-style: a job's own stream waits on a user sync object
 * (`streams.waitSync`), which another queue's job sets (`streams.signalSync`).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PmState } from '../../src/driver/pm.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  groupOf,
  MS,
  onMachine,
  open,
  read,
  S,
  submit,
  vmCreate,
  waitStatus,
} from './helpers.js';

test('cs_slot_sync_queue_state_locked: a stream in SYNC_WAIT64 leaves its queue blocked, its group idle and on the waiting list', async () => {
  const m = await onMachine({ seed: 401 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const a = await group(c, vm);
    const so = await submit(c, a, cmd, streams.waitSync(data.va, 0, data.va + 64, 7));
    // The group starts, its stream blocks, the firmware reports the CSG idle, and the tick
    // that follows reads the queue state through a STATUS_UPDATE.
    await sys.k.sleep(20 * MS);
    const g = groupOf(c, a);
    assert.ok(g.csgId >= 0, 'the group is on a slot');
    assert.equal(g.blockedQueues, 1, 'queue 0 is blocked');
    assert.equal(g.idleQueues, 0, 'and not idle (its ring is not consumed)');
    assert.ok(g.isIdle(), 'group_is_idle: every queue idle or blocked');
    assert.ok(g.waiting, 'the group is on the waiting list');
    const q = g.queues[0];
    assert.ok(q !== undefined);
    assert.equal(q.syncwait.gpuVa, data.va, 'the wait object is the one the stream named');
    assert.equal(q.syncwait.ref, 0);
    assert.equal(q.syncwait.gt, true, 'CS_STATUS_WAIT_SYNC_COND_GT');
    assert.equal(q.syncwait.sync64, true, 'CS_STATUS_WAIT_SYNC_64B');
    assert.equal(read(data, 64), 0, 'the job has not gone past its wait');
    // The CPU sets the object; nothing tells the scheduler, so the queue stays blocked.
    assert.ok(data.map.write32(0, 1).ok);
    await sys.k.sleep(5 * MS);
    assert.equal(g.blockedQueues, 1, 'a CPU write alone does not unblock the queue');
    // Another group's job sets the object: its CSG_SYNC_UPDATE queues the scheduler's
    // sync-update work, which finds the wait satisfied.
    const b = await group(c, vm);
    const sb = await submit(c, b, cmd, streams.signalSync(data.va, 2), 0x100);
    assert.equal((await waitStatus(c, sb, 1 * S)).status, 1);
    const r = await waitStatus(c, so, 1 * S);
    assert.equal(r.status, 1, 'the waiting job completes');
    assert.equal(read(data, 64), 7);
    assert.equal(g.blockedQueues, 0, 'sync_upd_work cleared the blocked bit');
    assert.equal(g.waiting, false, 'and took the group off the waiting list');
    assert.equal(g.queues[0]?.syncwaitObj, null, 'the wait object reference is dropped');
  });
  assertClean(m);
});

test('queue_suspend_timeout_locked: a blocked queue of an idle group keeps its timer across a suspend, and times out', async () => {
  const m = await onMachine({ seed: 402 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const a = await group(c, vm);
    const startNs = sys.k.nowNs;
    // Nobody ever signals the object.
    const so = await submit(c, a, cmd, streams.waitSync(data.va, 0, data.va + 64, 7));
    // Idle (blocked): the scheduler drops its PM reference, the device autosuspends, and the
    // suspend evicts the group with its job still in the ring.
    let suspended = false;
    for (let i = 0; i < 400 && !suspended; i++) {
      await sys.k.sleep(1 * MS);
      suspended = dev.pm.state.peek() === PmState.SUSPENDED;
    }
    assert.ok(suspended, 'the device suspends although a job waits in a ring');
    const g = groupOf(c, a);
    assert.equal(g.csgId, -1, 'the group was evicted by the suspend');
    assert.equal(g.blockedQueues, 1, 'the suspend read the queue as blocked');
    // The timer kept running: the job times out the job timeout after it was handed over.
    const r = await waitStatus(c, so, 10 * S);
    assert.equal(r.waitErrno, 0);
    assert.equal(r.status, -Errno.ETIMEDOUT, 'the job fails with -ETIMEDOUT');
    const tookNs = sys.k.nowNs - startNs;
    assert.ok(
      tookNs >= dev.cfg.jobTimeoutNs && tookNs < dev.cfg.jobTimeoutNs + 500 * MS,
      `it times out after about the job timeout (${tookNs} ns)`,
    );
    assert.ok(g.timedout);
    assert.equal(g.waiting, false, 'a timed-out group leaves the waiting list');
  });
  assertClean(m);
});

test('sync_upd_work: an evicted group whose blocked queue is satisfied becomes runnable and takes the only slot from a busy group', async () => {
  const m = await onMachine({ seed: 403, gpu: { csgSlots: 1 } }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const a = await group(c, vm);
    const so = await submit(c, a, cmd, streams.waitSync(data.va, 0, data.va + 64, 9));
    for (let i = 0; i < 400 && dev.pm.state.peek() !== PmState.SUSPENDED; i++)
      await sys.k.sleep(1 * MS);
    const g = groupOf(c, a);
    assert.equal(g.csgId, -1, 'evicted by the suspend');
    assert.ok(g.waiting);
    // Another group takes the only slot, sets the object at once, then keeps the GPU busy.
    const b = await group(c, vm);
    const busyNs = 200 * MS;
    const sb = await submit(c, b, cmd, streams.signalSync(data.va, 1).run(busyNs), 0x100);
    const r = await waitStatus(c, so, 1 * S);
    assert.equal(r.waitErrno, 0);
    assert.equal(r.status, 1);
    assert.equal(read(data, 64), 9);
    // Still idle in the scheduler's eyes, the group would only get the slot once the busy group
    // is done; unblocked by sync_upd_work it is runnable, and the tick rotates it in.
    assert.equal(
      (await c.wait(sb, 0)).ok,
      false,
      'the waiting job completed while the busy group still ran',
    );
    assert.equal((await waitStatus(c, sb, 1 * S)).status, 1);
  });
  assertClean(m);
});

test('after a reset a blocked queue of an idle group has no timer: queue_stop disables it while it ran, and queue_resume_timeout only re-arms a suspended one (the kernel does the same)', async () => {
  const m = await onMachine(
    { seed: 404 },
    async (sys, dev) => {
      const c = open(sys);
      const vm = await vmCreate(c);
      const cmd = await buffer(c, vm, 0x10_0000);
      const data = await buffer(c, vm, 0x20_0000);
      const a = await group(c, vm);
      // Keep the device active (a second client's job runs long), so the group stays on its slot.
      const b = await group(c, vm);
      await submit(c, b, cmd, streams.store(data.va + 128, 1, 60 * S), 0x100);
      const so = await submit(c, a, cmd, streams.waitSync(data.va, 0, data.va + 64, 7));
      await sys.k.sleep(20 * MS);
      const g = groupOf(c, a);
      assert.equal(g.blockedQueues, 1, 'blocked before the reset');
      await dev.reset.schedule('test');
      for (let i = 0; i < 1000 && dev.reset.isPending(); i++) await sys.k.sleep(1 * MS);
      assert.equal(dev.reset.isPending(), false, 'the reset ran');
      // Well past the job timeout: the blocked job is neither done nor timed out.
      const r = await waitStatus(c, so, 3 * dev.cfg.jobTimeoutNs);
      assert.equal(r.status, 0, 'still pending');
      assert.equal(g.timedout, false, 'never timed out');
      const q = g.queues[0];
      assert.ok(q !== undefined);
      assert.equal(q.timeout.pending, false, 'no timer armed');
    },
    true,
  );
  // The pending job is reported at the end of the run (its fence never signals).
  assert.ok(m.violations.every((v) => v.invariant === 'fence-signalled'));
});
