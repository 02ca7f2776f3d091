/**
 * The syncobj block (src/drm/syncobj*.ts through drv.ts's ioctl table): binary and timeline
 * syncobjs, waits (timeout, WAIT_ALL, WAIT_FOR_SUBMIT) and the status rules as a sync_file
 * export reads them: 0 while pending, 1 once signalled, a negative errno when the job was
 * killed — and a wait on a killed job still returns 0, since the error is in the fence, not in
 * the wait. The kernel-order argument checks are in test/uapi/.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { SyncOpFlags, SyncobjCreateFlags, SyncobjWaitFlags } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  MS,
  onMachine,
  open,
  S,
  submit,
  syncobj,
  unwrap,
  vmCreate,
  waitStatus,
} from './helpers.js';

const TIMELINE_SIGNAL = (SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ) >>> 0;

test('syncobj create, destroy and the argument checks', async () => {
  const m = await onMachine({ seed: 111 }, async (sys) => {
    const c = open(sys);
    const a = await syncobj(c);
    const b = unwrap(await c.syncobjCreate(SyncobjCreateFlags.SIGNALED), 'create SIGNALED').handle;
    assert.equal(b, a + 1, 'handles count up from 1');
    assert.equal(errnoOf(await c.fenceStatus(a)), Errno.EINVAL, 'no fence: nothing to export');
    assert.equal(unwrap(await c.fenceStatus(b), 'status'), 1, 'SIGNALED: 1');
    assert.deepEqual(await waitStatus(c, b as number, 0), { waitErrno: 0, status: 1 });
    assert.equal(errnoOf(await c.syncobjCreate(0b10)), Errno.EINVAL, 'unknown create flag');
    // A wait on a syncobj that has no fence (and no WAIT_FOR_SUBMIT) is EINVAL.
    assert.equal(errnoOf(await c.wait(a, 1 * MS)), Errno.EINVAL);
    assert.equal(errnoOf(await c.wait(99, 1 * MS)), Errno.ENOENT, 'unknown handle');
    assert.equal(errnoOf(await c.queryPoint(99)), Errno.ENOENT);
    assert.equal(
      errnoOf(await c.syncobjWait({ handles: [], timeoutNsec: 0, countHandles: 0, flags: 0 })),
      0,
      'no handles: nothing to wait for (current kernels)',
    );
    assert.equal(
      errnoOf(await c.syncobjWait({ handles: [b], timeoutNsec: 0, countHandles: 1, flags: 0x10 })),
      Errno.EINVAL,
      'unknown wait flag',
    );
    assert.equal(errnoOf(await c.syncobjDestroy(a)), 0);
    assert.equal(errnoOf(await c.syncobjDestroy(a)), Errno.EINVAL, 'destroyed twice');
    assert.equal(errnoOf(await c.queryPoint(a)), Errno.ENOENT);
  });
  assertClean(m);
});

test('binary syncobj: pending (0), then signalled (1); a wait times out with ETIME at its deadline', async () => {
  const m = await onMachine({ seed: 112 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await submit(c, g, cmd, streams.store(cmd.va + 0x800, 1, 20 * MS));
    const t0 = sys.k.nowNs;
    const w = await c.wait(so, 5 * MS);
    assert.equal(errnoOf(w), Errno.ETIME);
    assert.equal(sys.k.nowNs - t0, 5 * MS, 'the wait returned exactly at its timeout');
    assert.equal(unwrap(await c.fenceStatus(so), 'status'), 0, 'still pending');
    assert.deepEqual(await waitStatus(c, so, 1 * S), { waitErrno: 0, status: 1 });
    assert.ok(sys.k.nowNs - t0 >= 20 * MS, 'signalled after the job ran');
    // A second job signalling the same syncobj replaces its fence.
    const words = streams.store(cmd.va + 0x800, 2, 20 * MS).words();
    cmd.map.writeWords(0x100, words);
    unwrap(
      await c.submit(g, 0, cmd.va + 0x100, words.length * 4, [
        { flags: SyncOpFlags.SIGNAL, handle: so, timelineValue: 0 },
      ]),
      'GROUP_SUBMIT',
    );
    assert.equal(unwrap(await c.fenceStatus(so), 'status'), 0, 'the new fence is pending');
    assert.deepEqual(await waitStatus(c, so, 1 * S), { waitErrno: 0, status: 1 });
  });
  assertClean(m);
});

test('a killed job: the wait returns 0, the status is the negative errno', async () => {
  const m = await onMachine({ seed: 113 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await submit(c, g, cmd, streams.fatal());
    const w = await c.wait(so, 1 * S);
    assert.equal(errnoOf(w), 0, 'the wait succeeds');
    assert.equal(unwrap(await c.fenceStatus(so), 'status'), -Errno.EINVAL);
  });
  assertClean(m);
});

test('WAIT_ALL waits for every syncobj; without it the first signalled one is reported', async () => {
  const m = await onMachine({ seed: 114 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g1 = await group(c, vm);
    const g2 = await group(c, vm);
    const slow = await submit(c, g1, cmd, streams.store(cmd.va + 0x800, 1, 30 * MS));
    const fast = await submit(c, g2, cmd, streams.store(cmd.va + 0x804, 1, 5 * MS), 0x100);
    const t0 = sys.k.nowNs;
    const any = unwrap(
      await c.syncobjWait({
        handles: [slow, fast],
        timeoutNsec: sys.k.nowNs + 1 * S,
        countHandles: 2,
        flags: 0,
      }),
      'WAIT any',
    );
    assert.equal(any.firstSignaled, 1, 'the fast one (index 1) signalled first');
    assert.ok(sys.k.nowNs - t0 < 30 * MS, 'returned before the slow job finished');
    unwrap(
      await c.syncobjWait({
        handles: [slow, fast],
        timeoutNsec: sys.k.nowNs + 1 * S,
        countHandles: 2,
        flags: SyncobjWaitFlags.WAIT_ALL,
      }),
      'WAIT all',
    );
    assert.ok(sys.k.nowNs - t0 >= 30 * MS, 'WAIT_ALL returned after the slow job');
    assert.equal(unwrap(await c.fenceStatus(slow), 'status'), 1);
  });
  assertClean(m);
});

test('WAIT_FOR_SUBMIT waits for a fence to be attached, then for it to signal', async () => {
  const m = await onMachine({ seed: 115 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await syncobj(c);
    // Nothing is ever submitted: ETIME, not EINVAL.
    assert.equal(
      errnoOf(
        await c.syncobjWait({
          handles: [so],
          timeoutNsec: sys.k.nowNs + 2 * MS,
          countHandles: 1,
          flags: SyncobjWaitFlags.WAIT_FOR_SUBMIT,
        }),
      ),
      Errno.ETIME,
    );
    // Another task submits 5 ms into the wait.
    sys.spawn('submitter', async () => {
      await sys.k.sleep(5 * MS);
      const words = streams.store(cmd.va + 0x800, 1, 5 * MS).words();
      cmd.map.writeWords(0, words);
      await c.submit(g, 0, cmd.va, words.length * 4, [
        { flags: SyncOpFlags.SIGNAL, handle: so, timelineValue: 0 },
      ]);
    });
    const t0 = sys.k.nowNs;
    const w = await c.syncobjWait({
      handles: [so],
      timeoutNsec: sys.k.nowNs + 1 * S,
      countHandles: 1,
      flags: SyncobjWaitFlags.WAIT_FOR_SUBMIT,
    });
    assert.equal(errnoOf(w), 0);
    assert.ok(sys.k.nowNs - t0 >= 10 * MS, 'returned once the job submitted later completed');
    assert.equal(unwrap(await c.fenceStatus(so), 'status'), 1);
  });
  assertClean(m);
});

test('timeline syncobj: points signal in order and a wait for a point returns when it signals', async () => {
  const m = await onMachine({ seed: 116 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const tl = await syncobj(c);
    for (const [point, off, runNs] of [
      [1, 0, 10 * MS],
      [2, 0x100, 10 * MS],
    ] as const) {
      const words = streams.store(cmd.va + 0x800 + point * 4, point, runNs).words();
      cmd.map.writeWords(off, words);
      unwrap(
        await c.submit(g, 0, cmd.va + off, words.length * 4, [
          { flags: TIMELINE_SIGNAL, handle: tl, timelineValue: point },
        ]),
        `submit point ${point}`,
      );
    }
    assert.equal(unwrap(await c.queryPoint(tl), 'QUERY'), 0, 'nothing signalled yet');
    // A wait for a point nobody submitted is EINVAL (no fence, no WAIT_FOR_SUBMIT).
    assert.equal(errnoOf(await c.wait(tl, 1 * MS, 3)), Errno.EINVAL);
    unwrap(await c.wait(tl, 1 * S, 1), 'wait point 1');
    assert.equal(unwrap(await c.queryPoint(tl), 'QUERY'), 1, 'point 1 signalled');
    assert.equal(unwrap(await c.fenceStatus(tl, 2), 'status'), 0, 'the last point pending');
    unwrap(await c.wait(tl, 1 * S, 2), 'wait point 2');
    assert.equal(unwrap(await c.queryPoint(tl), 'QUERY'), 2);
    assert.equal(unwrap(await c.fenceStatus(tl, 2), 'status'), 1);
    // A timeline point on a binary sync op type is EINVAL (panthor_check_sync_op).
    assert.equal(
      errnoOf(
        await c.submit(g, 0, 0, 0, [{ flags: SyncOpFlags.SIGNAL, handle: tl, timelineValue: 4 }]),
      ),
      Errno.EINVAL,
    );
  });
  assertClean(m);
});
