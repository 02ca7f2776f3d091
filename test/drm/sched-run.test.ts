/**
 * The DRM GPU scheduler's job path (src/drm/sched/): drm_sched_run_job_work, drm_sched_can_queue,
 * drm_sched_entity_pop_job and its dependency callbacks, drm_sched_fence_scheduled,
 * drm_sched_job_done(_cb) and drm_sched_free_job_work (drivers/gpu/drm/scheduler/sched_main.c,
 * sched_entity.c, sched_fence.c).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedEntity, SchedPriority } from '../../src/drm/sched/entity.js';
import { Errno } from '../../src/kernel/errno.js';
import { FenceContext } from '../../src/kernel/fence.js';
import { MS, onBench, TestJob, until } from './sched-helpers.js';

test('drm_sched_run_job_work / drm_sched_fence_scheduled: scheduled signals once run_job returned, finished with the hardware fence', async () => {
  await onBench(async (b) => {
    let scheduledInRun: boolean | null = null;
    let pendingInRun = false;
    b.onRun = (j) => {
      scheduledInRun = j.fence().scheduled.signalled;
      pendingInRun = b.sched.pendingList.includes(j);
    };
    const j = await b.submit('a', { durationNs: -1 });
    await until(b.k, () => j.hw !== null);
    const s = j.fence();
    assert.equal(scheduledInRun, false, 'run_job is called before the scheduled fence signals');
    assert.equal(pendingInRun, true, 'drm_sched_job_begin: on the pending list before run_job');
    assert.equal(s.scheduled.signalled, true);
    assert.equal(s.scheduled.error, 0);
    assert.equal(s.parent, j.hw, 'the hardware fence is the parent');
    assert.equal(s.finished.signalled, false, 'finished waits for the hardware fence');
    assert.equal(b.sched.creditCount, 16, 'the job holds its credits while it runs');
    assert.equal(b.entity.lastScheduled, s.finished, 'drm_sched_entity_pop_job: last_scheduled');
    assert.equal(j.entity, null, 'the scheduler took the job from the entity');
    j.hw?.setError(-Errno.EIO);
    j.hw?.signal();
    assert.equal(s.finished.signalled, true, 'drm_sched_job_done_cb runs in the signaller');
    assert.equal(s.finished.error, -Errno.EIO, 'the finished fence takes the parent error');
    assert.equal(b.sched.creditCount, 0, 'credits returned');
    assert.equal(b.sched.workFreeJob.pending, true, 'free_job queued');
    await until(b.k, () => j.freedAtNs >= 0);
    assert.deepEqual(b.sched.pendingList, [], 'free work took it off the pending list');
  });
});

test('drm_sched_run_job_work: run_job returning an error or NULL completes the job at once', async () => {
  await onBench(async (b) => {
    const bad = await b.submit('err', { durationNs: -1 });
    bad.runResult = -Errno.ECANCELED; // Panthor's queue_run_job for a group that cannot run
    const none = await b.submit('null');
    none.runResult = null; // Panthor's empty stream with no previous job
    await until(b.k, () => b.frees.size === 2);
    for (const j of [bad, none]) {
      assert.equal(j.hw, null);
      assert.equal(b.frees.get(j), 1, 'still freed through the pending list');
    }
    assert.equal(b.sched.creditCount, 0);
    assert.deepEqual(b.runs(), ['run err', 'run null']);
    assert.deepEqual(
      b.log.filter((l) => l.startsWith('free')),
      ['free err', 'free null'],
    );
  });
  // The fences: check them before cleanup drops them (a second bench run, looking in free_job).
  const seen: Array<[string, number, number]> = [];
  await onBench(async (b) => {
    const free = b.sched.ops.freeJob;
    b.sched.ops.freeJob = async (job) => {
      const s = job.fence();
      seen.push([(job as TestJob).label, s.scheduled.error, s.finished.error]);
      await free(job);
    };
    const bad = await b.submit('err');
    bad.runResult = -Errno.ECANCELED;
    const none = await b.submit('null');
    none.runResult = null;
    await until(b.k, () => b.frees.size === 2);
  });
  assert.deepEqual(seen, [
    ['err', 0, -Errno.ECANCELED],
    ['null', 0, 0],
  ]);
});

test('drm_sched_can_queue: a full credit limit makes the next job wait in the entity, not fail', async () => {
  await onBench(
    async (b) => {
      const a = await b.submit('a', { credits: 16, durationNs: -1 });
      const c = await b.submit('b', { credits: 16, durationNs: -1 });
      const d = await b.submit('c', { credits: 16, durationNs: -1 });
      await until(b.k, () => b.runs().length === 2);
      await b.k.sleep(10 * MS);
      assert.deepEqual(b.runs(), ['run a', 'run b'], 'the third job does not fit in 32 credits');
      assert.equal(b.sched.creditCount, 32);
      assert.equal(b.entity.queued, 1, 'it waits in the entity queue');
      assert.deepEqual(b.entity.queuedJobs(), [d]);
      assert.equal(d.fence().finished.signalled, false, 'and is not failed');
      // The credits come back when a job is done; the free work then re-queues the run work.
      c.hw?.signal();
      await until(b.k, () => b.runs().length === 3);
      assert.equal(b.sched.creditCount, 32);
      a.hw?.signal();
      d.hw?.signal();
      await until(b.k, () => b.frees.size === 3);
      assert.equal(b.sched.creditCount, 0);
    },
    { creditLimit: 32 },
  );
});

test('drm_sched_can_queue: a job above the credit limit is cut down to the limit and runs alone', async () => {
  await onBench(
    async (b) => {
      const small = await b.submit('small', { credits: 8, durationNs: -1 });
      const big = await b.submit('big', { credits: 100, durationNs: 1 * MS });
      await b.k.sleep(10 * MS);
      assert.deepEqual(b.runs(), ['run small'], 'the big job waits for the ring to empty');
      assert.equal(big.credits, 32, 'truncated to the credit limit');
      assert.ok(b.sched.warnings.includes('Jobs may not exceed the credit limit, truncate.'));
      small.hw?.signal();
      await until(b.k, () => b.frees.size === 2);
      assert.deepEqual(b.runs(), ['run small', 'run big']);
      assert.equal(b.sched.creditCount, 0);
    },
    { creditLimit: 32 },
  );
});

test('drm_sched_entity_pop_job: a job waits for its dependency; the callback re-queues the entity', async () => {
  await onBench(async (b) => {
    const ext = new FenceContext(b.k, 'other-engine').create();
    const j = await b.submit('a', { deps: [ext] });
    await b.k.sleep(50 * MS);
    assert.deepEqual(b.runs(), [], 'blocked on the dependency');
    assert.equal(b.entity.dependency, ext, 'entity->dependency');
    assert.equal(b.entity.isReady(), false);
    assert.equal(b.sched.workRunJob.pending, false, 'nothing polls meanwhile');
    const t = b.k.nowNs;
    ext.signal(); // drm_sched_entity_wakeup
    assert.equal(b.entity.dependency, null);
    assert.equal(b.sched.workRunJob.pending, true, 'drm_sched_wakeup queued the run work');
    await until(b.k, () => j.ranAtNs >= 0);
    assert.equal(j.ranAtNs, t);
    assert.deepEqual([...j.dependencies.values()], [ext], 'dependencies stay until cleanup');
  });
});

test('drm_sched_entity_add_dependency_cb: a fence of the same entity is ignored (jobs of one entity run in order anyway)', async () => {
  await onBench(async (b) => {
    const a = await b.submit('a', { durationNs: -1 });
    // Depend on a's finished fence (same entity, context + 1) and a's scheduled fence.
    const c = await b.submit('b', { deps: [a.fence().finished, a.fence().scheduled] });
    await until(b.k, () => c.ranAtNs >= 0);
    assert.equal(a.fence().finished.signalled, false, 'b ran while a is still on the hardware');
    assert.deepEqual(b.runs(), ['run a', 'run b']);
    a.hw?.signal();
    await until(b.k, () => b.frees.size === 2);
  });
});

test('drm_sched_entity_add_dependency_cb: a fence of a later job of the same entity is ignored too (no wait on oneself)', async () => {
  await onBench(async (b) => {
    // Both armed before either is pushed; the first then depends on the second's fence.
    const first = new TestJob('first');
    const second = new TestJob('second');
    for (const j of [first, second]) {
      assert.equal(j.init(b.entity, 16), 0);
      j.arm();
      j.keepFences();
    }
    assert.equal(first.addDependency(second.fence().finished), 0);
    await b.entity.pushJob(first);
    await b.entity.pushJob(second);
    // Without the same-entity rule, `first` would wait for `second` to be scheduled: never.
    await until(b.k, () => b.frees.size === 2);
    assert.deepEqual(b.runs(), ['run first', 'run second']);
  });
});

test('drm_sched_entity_add_dependency_cb: a finished fence of another entity on the same scheduler waits only for it to be scheduled', async () => {
  await onBench(
    async (b) => {
      const other = SchedEntity.init(SchedPriority.KERNEL, [b.sched]) as SchedEntity;
      const gate = new FenceContext(b.k, 'gate').create();
      const a = await b.submit('a', { entity: other, deps: [gate], durationNs: -1 });
      const c = await b.submit('b', { deps: [a.fence().finished] });
      await b.k.sleep(10 * MS);
      assert.deepEqual(b.runs(), [], 'a is not scheduled yet, so b waits');
      assert.equal(b.entity.dependency, a.fence().scheduled, 'replaced by the scheduled fence');
      gate.signal();
      await until(b.k, () => c.ranAtNs >= 0);
      assert.equal(a.fence().finished.signalled, false, 'pipelined: b ran before a finished');
      a.hw?.signal();
      await until(b.k, () => b.frees.size === 2);
    },
    { creditLimit: 64 },
  );
});

test('drm_sched_entity_pop_job: a dependency that signalled with an error is not propagated (kernel 0755a4e3)', async () => {
  await onBench(async (b) => {
    const ctx = new FenceContext(b.k, 'other-engine');
    const failedEarly = ctx.create();
    failedEarly.setError(-Errno.EIO);
    failedEarly.signal();
    const failedLater = new FenceContext(b.k, 'third').create();
    const j = await b.submit('a', { deps: [failedEarly, failedLater] });
    const seen: number[] = [];
    const free = b.sched.ops.freeJob;
    b.sched.ops.freeJob = async (job) => {
      seen.push(job.fence().finished.error);
      await free(job);
    };
    await b.k.sleep(MS);
    assert.equal(j.ranAtNs, -1, 'still waits for the unsignalled one');
    failedLater.setError(-Errno.ETIMEDOUT);
    failedLater.signal();
    await until(b.k, () => j.freedAtNs >= 0);
    assert.ok(j.ranAtNs >= 0, 'run_job was called: the job is not skipped');
    assert.deepEqual(seen, [0], 'its finished fence carries no error');
  });
});

test('drm_sched_free_job_work: jobs are freed strictly in pending order, each exactly once', async () => {
  await onBench(async (b) => {
    const a = await b.submit('a', { durationNs: -1 });
    const c = await b.submit('b', { durationNs: -1 });
    await until(b.k, () => b.runs().length === 2);
    c.hw?.signal();
    await b.k.sleep(10 * MS);
    assert.equal(c.fence().finished.signalled, true);
    assert.equal(c.freedAtNs, -1, 'a finished job behind an unfinished head waits');
    assert.deepEqual(b.sched.pendingList, [a, c]);
    a.hw?.signal();
    await until(b.k, () => b.frees.size === 2);
    assert.deepEqual(
      b.log.filter((l) => l.startsWith('free')),
      ['free a', 'free b'],
    );
    assert.deepEqual([...b.frees.values()], [1, 1]);
  });
});
