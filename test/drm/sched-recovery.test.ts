/**
 * The DRM GPU scheduler's recovery helpers (src/drm/sched/scheduler.ts): drm_sched_stop,
 * drm_sched_start, drm_sched_wqueue_stop and drm_sched_wqueue_start (drivers/gpu/drm/scheduler/
 * sched_main.c), used the way Panthor's queue_stop / queue_start use them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedStat } from '../../src/drm/sched/ops.js';
import { Errno } from '../../src/kernel/errno.js';
import { MS, onBench, type TestJob, until } from './sched-helpers.js';

/** Panthor's queue_start: every pending job gets its hardware fence back as parent. */
function reattach(jobs: readonly TestJob[]): void {
  for (const j of jobs) j.fence().parent = j.hw;
}

test('drm_sched_stop / drm_sched_start: a parent that signalled while stopped completes its job at start, with its error', async () => {
  await onBench(async (b) => {
    const a = await b.submit('a', { durationNs: -1 });
    const c = await b.submit('b', { durationNs: -1 });
    await until(b.k, () => b.runs().length === 2);
    await b.sched.stop(null);
    assert.equal(b.sched.isStopped(), true);
    assert.deepEqual(b.sched.pendingList, [a, c], 'jobs stay pending');
    assert.equal(a.fence().parent, null, 'parent callbacks detached');
    assert.equal(c.fence().parent, null);
    assert.equal(b.sched.creditCount, 0, 'their credits are not counted while stopped');
    // The hardware finishes a while the scheduler is stopped: nobody is listening.
    a.hw?.setError(-Errno.EIO);
    a.hw?.signal();
    await b.k.sleep(10 * MS);
    assert.equal(a.fence().finished.signalled, false);
    assert.equal(a.freedAtNs, -1);
    reattach([a, c]);
    await b.sched.start(0);
    assert.equal(a.fence().finished.signalled, true, 'completed at start');
    assert.equal(a.fence().finished.error, -Errno.EIO, 'with the parent error');
    assert.equal(c.fence().finished.signalled, false, 'b is watched again');
    assert.equal(b.sched.creditCount, 16, "b's credits are back");
    c.hw?.signal();
    await until(b.k, () => b.frees.size === 2);
    assert.deepEqual([...b.frees.values()], [1, 1]);
    assert.equal(b.sched.creditCount, 0);
  });
});

test('drm_sched_start(errno): a job without a parent completes with errno, or -ECANCELED for 0', async () => {
  for (const errno of [0, -Errno.ENODEV]) {
    const errors: number[] = [];
    await onBench(async (b) => {
      const free = b.sched.ops.freeJob;
      b.sched.ops.freeJob = async (job) => {
        errors.push(job.fence().finished.error);
        await free(job);
      };
      const a = await b.submit('a', { durationNs: -1 });
      await until(b.k, () => a.ranAtNs >= 0);
      await b.sched.stop(null);
      await b.sched.start(errno); // no reattach: the driver dropped the hardware fence
      await until(b.k, () => a.freedAtNs >= 0);
      a.hw?.signal(); // later: nobody listens
    });
    assert.deepEqual(errors, [errno === 0 ? -Errno.ECANCELED : errno], `errno ${errno}`);
  }
});

test('drm_sched_stop: a job whose hardware fence already signalled is taken off the list and freed by stop', async () => {
  await onBench(async (b) => {
    const hung = await b.submit('hung', { durationNs: -1 });
    const done = await b.submit('done', { durationNs: -1 });
    await until(b.k, () => b.runs().length === 2);
    done.hw?.signal();
    await b.k.sleep(MS);
    assert.equal(done.freedAtNs, -1, 'behind the hung head, so not freed yet');
    await b.sched.stop(null);
    assert.equal(b.frees.get(done), 1, 'freed by drm_sched_stop');
    assert.deepEqual(b.sched.pendingList, [hung]);
    reattach([hung]);
    await b.sched.start(0);
    hung.hw?.signal();
    await until(b.k, () => hung.freedAtNs >= 0);
    assert.equal(b.frees.get(done), 1, 'and only once');
  });
});

test('drm_sched_stop / drm_sched_start: the timeout is cancelled by stop and re-armed by start', async () => {
  let timeouts = 0;
  await onBench(
    async (b) => {
      b.onTimeout = async () => {
        timeouts++;
        return SchedStat.NO_HANG;
      };
      const a = await b.submit('a', { durationNs: -1 });
      await until(b.k, () => a.ranAtNs >= 0);
      assert.equal(b.sched.workTdr.pending, true);
      await b.sched.stop(null);
      assert.equal(b.sched.workTdr.pending, false, 'cancel_delayed_work(work_tdr)');
      await b.k.sleep(300 * MS);
      assert.equal(timeouts, 0, 'no timeout while stopped');
      reattach([a]);
      const t = b.k.nowNs;
      await b.sched.start(0);
      await until(b.k, () => timeouts === 1);
      // A full timeout from start (seen by `until`, which polls every millisecond).
      const waited = b.k.nowNs - t;
      assert.ok(waited >= 100 * MS && waited <= 101 * MS, `${waited} ns`);
      a.hw?.signal();
      await until(b.k, () => a.freedAtNs >= 0);
    },
    { timeoutNs: 100 * MS },
  );
});

test('drm_sched_wqueue_stop / drm_sched_wqueue_start: nothing runs while stopped; the timeout is not stopped', async () => {
  let timeouts = 0;
  await onBench(
    async (b) => {
      b.onTimeout = async () => {
        timeouts++;
        return SchedStat.NO_HANG;
      };
      const hung = await b.submit('hung', { durationNs: -1 });
      await until(b.k, () => hung.ranAtNs >= 0);
      await b.sched.wqueueStop();
      const later = await b.submit('later');
      await b.k.sleep(150 * MS);
      assert.deepEqual(b.runs(), ['run hung'], 'the pushed job waits');
      assert.equal(b.sched.workRunJob.pending, false, 'drm_sched_run_job_queue: not while paused');
      assert.equal(timeouts, 1, 'work_tdr still fires');
      b.sched.wqueueStart();
      await until(b.k, () => later.ranAtNs >= 0);
      hung.hw?.signal();
      await until(b.k, () => b.frees.size === 2);
    },
    { timeoutNs: 100 * MS },
  );
});
