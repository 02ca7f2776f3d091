/**
 * The DRM GPU scheduler's timeouts (src/drm/sched/scheduler.ts): drm_sched_start_timeout,
 * drm_sched_get_finished_job's re-arm, drm_sched_job_timedout with the three statuses,
 * drm_sched_job_reinsert_on_false_timeout and drm_sched_fault (drivers/gpu/drm/scheduler/
 * sched_main.c).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedStat } from '../../src/drm/sched/ops.js';
import { FenceContext } from '../../src/kernel/fence.js';
import { Work } from '../../src/kernel/workqueue.js';
import { MS, onBench, S, until } from './sched-helpers.js';

const T = 100 * MS;

test('drm_sched_start_timeout: the timeout fires only once the job ran for the whole timeout', async () => {
  const at: number[] = [];
  await onBench(
    async (b) => {
      b.onTimeout = async () => {
        at.push(b.k.nowNs);
        return SchedStat.NO_HANG;
      };
      // A job that waited 300 ms for a dependency before it ran: its clock starts at run_job.
      const gate = new FenceContext(b.k, 'gate').create();
      const hung = await b.submit('hung', { deps: [gate], durationNs: -1 });
      await b.k.sleep(300 * MS);
      assert.equal(b.sched.workTdr.pending, false, 'nothing pending, nothing armed');
      gate.signal();
      await until(b.k, () => hung.ranAtNs >= 0);
      assert.equal(hung.ranAtNs, 300 * MS);
      await b.k.sleep(hung.ranAtNs + T - 1 - b.k.nowNs);
      assert.deepEqual(at, [], 'not 1 ns before the timeout');
      await until(b.k, () => at.length === 1);
      assert.equal(at[0], hung.ranAtNs + T, 'exactly one timeout after run_job');
      hung.hw?.signal();
      await until(b.k, () => hung.freedAtNs >= 0);
      // A job that completes within the timeout never times out.
      const quick = await b.submit('quick', { durationNs: T - 10 * MS });
      await until(b.k, () => quick.freedAtNs >= 0);
      await b.k.sleep(2 * T);
      assert.equal(at.length, 1);
      assert.equal(b.sched.workTdr.pending, false, 'cancelled when the last job was freed');
    },
    { timeoutNs: T },
  );
});

test('drm_sched_get_finished_job: the next pending job gets a full timeout from when the head job is freed', async () => {
  const at: number[] = [];
  await onBench(
    async (b) => {
      b.onTimeout = async () => {
        at.push(b.k.nowNs);
        return SchedStat.NO_HANG;
      };
      const first = await b.submit('first', { durationNs: 60 * MS });
      const hung = await b.submit('hung', { durationNs: -1 });
      await until(b.k, () => first.freedAtNs >= 0);
      assert.ok(hung.ranAtNs < first.freedAtNs);
      await until(b.k, () => at.length === 1);
      assert.equal(at[0], first.freedAtNs + T, 're-armed at the free, not at hung.ranAtNs + T');
      hung.hw?.signal();
      await until(b.k, () => hung.freedAtNs >= 0);
    },
    { timeoutNs: T },
  );
});

test('drm_sched_job_timedout: the job is off the pending list in timedout_job; NO_HANG puts it back at the head', async () => {
  await onBench(
    async (b) => {
      const seen: Array<{ pending: boolean; count: number }> = [];
      b.onTimeout = async (j) => {
        seen.push({ pending: b.sched.pendingList.includes(j), count: b.sched.pendingList.length });
        return SchedStat.NO_HANG;
      };
      const a = await b.submit('a', { durationNs: -1 });
      const c = await b.submit('b', { durationNs: -1 });
      await until(b.k, () => seen.length === 1);
      assert.deepEqual(seen[0], { pending: false, count: 1 }, 'removed so free_job cannot race');
      assert.deepEqual(b.sched.pendingList, [a, c], 'reinserted at the head');
      assert.equal(b.sched.workTdr.pending, true, 're-armed after NO_HANG');
      // It is still freed normally (drm_sched_job_reinsert_on_false_timeout queues free work).
      a.hw?.signal();
      c.hw?.signal();
      await until(b.k, () => b.frees.size === 2);
      assert.deepEqual([...b.frees.values()], [1, 1]);
      assert.ok(b.log.indexOf('timedout a') < b.log.indexOf('free a'));
    },
    { timeoutNs: T },
  );
});

test('drm_sched_job_timedout + drm_sched_stop(bad): RESET leaves the job to stop, which puts it back', async () => {
  await onBench(
    async (b) => {
      let afterStop: unknown[] = [];
      b.onTimeout = async (j) => {
        // Panthor's queue_timedout_job: queue_stop, mark the group, queue_start.
        await b.sched.stop(j);
        afterStop = [...b.sched.pendingList];
        for (const p of b.sched.pendingList) p.fence().parent = (p as typeof j).hw;
        await b.sched.start(0);
        return SchedStat.RESET;
      };
      const a = await b.submit('a', { durationNs: -1 });
      await until(b.k, () => b.log.includes('timedout a'));
      assert.deepEqual(afterStop, [a], 'drm_sched_stop: the bad job back at the head');
      assert.deepEqual(b.sched.pendingList, [a]);
      assert.equal(a.fence().finished.signalled, false, 'a reset is not a completion');
      assert.equal(b.sched.workTdr.pending, true, 'drm_sched_start re-armed the timeout');
      a.hw?.signal();
      await until(b.k, () => a.freedAtNs >= 0);
      assert.equal(b.frees.get(a), 1);
    },
    { timeoutNs: T },
  );
});

test('drm_sched_job_timedout: a bad job that completed before drm_sched_stop is freed by the handler (free_guilty)', async () => {
  await onBench(
    async (b) => {
      b.onTimeout = async (j) => {
        j.hw?.signal(); // completes late, while it is off the pending list
        await b.k.sleep(MS); // the free work runs, but cannot see the job
        assert.equal(j.freedAtNs, -1);
        await b.sched.stop(j);
        assert.equal(b.sched.freeGuilty, true, 'stop found it done and left it to the handler');
        assert.deepEqual(b.sched.pendingList, []);
        await b.sched.start(0);
        return SchedStat.RESET;
      };
      const a = await b.submit('a', { durationNs: -1 });
      await until(b.k, () => a.freedAtNs >= 0);
      assert.equal(b.frees.get(a), 1, 'freed once, by drm_sched_job_timedout');
      assert.equal(b.sched.freeGuilty, false);
      assert.deepEqual(b.log, ['run a', 'timedout a', 'free a']);
    },
    { timeoutNs: T },
  );
});

test('drm_sched_job_timedout: ENODEV does not re-arm the timeout, RESET does', async () => {
  for (const status of [SchedStat.ENODEV, SchedStat.RESET]) {
    await onBench(
      async (b) => {
        b.onTimeout = async () => status;
        const a = await b.submit('a', { durationNs: -1 });
        const c = await b.submit('b', { durationNs: -1 });
        await until(b.k, () => b.log.includes('timedout a'));
        await b.k.sleep(MS);
        // Without drm_sched_stop the handler's job stays off the list (the driver's to free).
        assert.deepEqual(b.sched.pendingList, [c]);
        assert.equal(b.sched.workTdr.pending, status !== SchedStat.ENODEV, `status ${status}`);
        a.hw?.signal();
        c.hw?.signal();
        await until(b.k, () => c.freedAtNs >= 0);
        assert.equal(a.freedAtNs, -1, 'never freed by the scheduler');
        a.cleanup();
      },
      { timeoutNs: T },
    );
  }
});

test('drm_sched_fault: the handler runs at once on the timeout wq, even with MAX_SCHEDULE_TIMEOUT', async () => {
  await onBench(async (b) => {
    const ranOn: string[] = [];
    const ranAt: number[] = [];
    b.onTimeout = async () => {
      ranOn.push(b.k.self().name);
      ranAt.push(b.k.nowNs);
      return SchedStat.NO_HANG;
    };
    const a = await b.submit('a', { durationNs: -1 });
    await b.k.sleep(60 * S);
    assert.equal(ranOn.length, 0, 'MAX_SCHEDULE_TIMEOUT: never fires by itself');
    assert.equal(b.sched.workTdr.pending, false, 'and is never armed');
    // The ordered reset wq: the handler waits for a reset work queued before it.
    let resetDone = -1;
    const reset = new Work(b.k, 'reset', async () => {
      await b.k.sleep(50 * MS);
      resetDone = b.k.nowNs;
    });
    await b.resetWq.queueWork(reset);
    const t = b.k.nowNs;
    b.sched.fault();
    await until(b.k, () => ranOn.length === 1);
    assert.equal(resetDone, t + 50 * MS);
    assert.equal(ranAt[0], resetDone, 'at once, but serialised behind the reset work');
    assert.ok(ranOn[0]?.startsWith('reset-wq/'), 'on the timeout workqueue');
    assert.equal(b.sched.workTdr.pending, false, 'NO_HANG re-arms nothing under MAX');
    a.hw?.signal();
    await until(b.k, () => a.freedAtNs >= 0);
    // Without a reset work in the way it runs at the same virtual time.
    const c = await b.submit('c', { durationNs: -1 });
    await until(b.k, () => c.ranAtNs >= 0);
    const t2 = b.k.nowNs;
    b.sched.fault();
    await until(b.k, () => ranOn.length === 2);
    assert.equal(ranAt[1], t2);
    c.hw?.signal();
    await until(b.k, () => c.freedAtNs >= 0);
    // With nothing pending the handler runs and calls nothing.
    b.sched.fault();
    await b.k.sleep(MS);
    assert.deepEqual(
      b.log.filter((l) => l.startsWith('timedout')),
      ['timedout a', 'timedout c'],
    );
  });
});
