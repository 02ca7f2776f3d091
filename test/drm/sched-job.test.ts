/**
 * The DRM GPU scheduler's set-up and job API (src/drm/sched/): drm_sched_init's arguments,
 * drm_sched_entity_init, and a job's life before it runs — drm_sched_job_init,
 * drm_sched_job_add_dependency, drm_sched_job_arm, drm_sched_entity_push_job,
 * drm_sched_job_cleanup (drivers/gpu/drm/scheduler/sched_main.c, sched_entity.c,
 * sched_fence.c).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ENTITY_QUEUED_JOBS, SchedEntity, SchedPriority } from '../../src/drm/sched/entity.js';
import { toSchedFence } from '../../src/drm/sched/fence.js';
import { MAX_JOB_DEPENDENCIES, SchedJob } from '../../src/drm/sched/job.js';
import { Errno } from '../../src/kernel/errno.js';
import { FenceContext } from '../../src/kernel/fence.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Bench, MS, onBench, TestJob, until } from './sched-helpers.js';

test('drm_sched_init: no submit wq allocates an ordered one (own); no timeout wq uses the system wq', () => {
  const k = new Kernel();
  const own = new Bench(k, { submitWq: 'own', timeoutWq: 'system', creditLimit: 64 });
  assert.equal(own.sched.ownSubmitWq, true);
  assert.equal(own.sched.submitWq.ordered, true, 'drm_sched_alloc_wq: alloc_ordered_workqueue');
  assert.equal(own.sched.submitWq.name, 'q0', 'named after the scheduler');
  assert.equal(own.sched.timeoutWq, own.systemWq, 'timeout_wq ?: system_percpu_wq');
  assert.equal(own.sched.creditLimit, 64);
  assert.equal(own.sched.ready, true);
  assert.equal(own.sched.creditCount, 0);
  const shared = new Bench(k, {});
  assert.equal(shared.sched.ownSubmitWq, false);
  assert.equal(shared.sched.submitWq.ordered, false, 'a caller queue is used as it is');
  assert.equal(shared.sched.timeoutWq, shared.resetWq, 'the caller timeout wq (Panthor: reset wq)');
});

test('drm_sched_entity_init: -EINVAL without a scheduler; two consecutive fence contexts', () => {
  const k = new Kernel();
  const b = new Bench(k);
  assert.equal(SchedEntity.init(SchedPriority.KERNEL, []), -Errno.EINVAL);
  const e = SchedEntity.init(SchedPriority.NORMAL, [b.sched]);
  assert.ok(e instanceof SchedEntity);
  assert.notEqual(e.fenceContext, b.entity.fenceContext);
  assert.equal(e.priority, SchedPriority.NORMAL);
  assert.equal(e.entityIdle.completed, true, 'an entity starts idle');
  assert.equal(e.stopped, false);
});

test('drm_sched_job_init: 0 credits is -EINVAL, no entity -ENOENT; success resets the job', () => {
  const k = new Kernel();
  const b = new Bench(k);
  const job = new SchedJob();
  assert.equal(job.init(b.entity, 0), -Errno.EINVAL, '"credits cannot be 0!"');
  assert.equal(job.sFence, null, 'nothing allocated on failure');
  assert.equal(job.init(null, 16), -Errno.ENOENT, '"entity has no rq!"');
  assert.equal(job.init(b.entity, 16, 'owner'), 0);
  assert.equal(job.credits, 16);
  assert.equal(job.entity, b.entity);
  assert.equal(job.sched, null, 'set by arm');
  const s = job.fence();
  assert.equal(s.owner, 'owner');
  assert.equal(s.initialised, false, 'the fences exist only from arm on');
  assert.throws(() => job.fence().finished, /before arm/);
  assert.throws(() => new SchedJob().arm(), /not initialised/, 'arm without init: BUG_ON');
});

test('drm_sched_job_add_dependency: dedup by context keeps the later seqno; signalled fences are kept', () => {
  const k = new Kernel();
  const b = new Bench(k);
  const a = new FenceContext(k, 'a');
  const other = new FenceContext(k, 'other');
  const a1 = a.create();
  const a2 = a.create();
  const a3 = a.create();
  const o1 = other.create();
  o1.signal();
  const job = new SchedJob();
  assert.equal(job.init(b.entity, 16), 0);
  assert.equal(job.addDependency(null), 0, 'NULL is ignored');
  assert.equal(job.addDependency(a2), 0);
  assert.equal(job.addDependency(a1), 0, 'an earlier fence of the same context is dropped');
  assert.deepEqual([...job.dependencies.values()], [a2]);
  assert.equal(job.addDependency(o1), 0);
  assert.equal(job.addDependency(a3), 0, 'a later one replaces the entry in place');
  assert.deepEqual(
    [...job.dependencies.entries()],
    [
      [0, a3],
      [1, o1],
    ],
  );
  assert.ok(job.dependencies.has(1), 'an already-signalled fence is stored (skipped at pop)');
  // The bound: xa_alloc's -EBUSY once the array is full.
  const many = new SchedJob();
  assert.equal(many.init(b.entity, 16), 0);
  for (let i = 0; i < MAX_JOB_DEPENDENCIES; i++)
    assert.equal(many.addDependency(new FenceContext(k, `c${i}`).create()), 0);
  assert.equal(many.addDependency(new FenceContext(k, 'last').create()), -Errno.EBUSY);
  assert.equal(many.dependencies.size, MAX_JOB_DEPENDENCIES);
});

test('drm_sched_job_arm / drm_sched_fence_init: scheduled and finished on the entity contexts, seqnos in arm order', () => {
  const k = new Kernel();
  const b = new Bench(k);
  const jobs = [1, 2, 3].map(() => {
    const j = new SchedJob();
    assert.equal(j.init(b.entity, 16), 0);
    return j;
  });
  // Armed out of creation order: the seqno follows arm, not init.
  for (const j of [jobs[1], jobs[0], jobs[2]] as SchedJob[]) j.arm();
  const seqs = jobs.map((j) => j.fence().finished.seqno);
  assert.deepEqual(seqs, [2, 1, 3]);
  for (const j of jobs) {
    const s = j.fence();
    assert.equal(j.sched, b.sched);
    assert.equal(s.sched, b.sched);
    assert.equal(s.scheduled.context, b.entity.fenceContext);
    assert.equal(s.finished.context, b.entity.fenceContext + 1);
    assert.equal(s.scheduled.seqno, s.finished.seqno);
    assert.equal(toSchedFence(s.finished), s, 'to_drm_sched_fence');
    assert.equal(toSchedFence(s.scheduled), s);
  }
  assert.equal(toSchedFence(new FenceContext(k, 'x').create()), null);
  assert.throws(() => (jobs[0] as SchedJob).arm(), /already armed/);
});

test('drm_sched_entity_push_job: the first job wakes the scheduler; later ones only queue', async () => {
  const queuedAfter: boolean[] = [];
  await onBench(
    async (b) => {
      // Stopped works are not queued (drm_sched_run_job_queue), so what push queues stays visible.
      const gate = new FenceContext(b.k, 'gate').create();
      const first = await b.submit('a', { deps: [gate] });
      queuedAfter.push(b.sched.workRunJob.pending);
      assert.equal(b.sched.rq.entities.has(b.entity), true, 'drm_sched_rq_add_entity');
      assert.deepEqual(b.sched.rq.order, [b.entity]);
      await b.k.sleep(MS);
      assert.equal(b.entity.dependency, gate, 'the run work blocked the entity on the gate');
      await b.submit('b');
      queuedAfter.push(b.sched.workRunJob.pending);
      assert.equal(b.entity.queued, 2);
      assert.ok(first.submitTsNs >= 0);
      await assert.rejects(b.entity.pushJob(first), /pushed twice/);
      gate.signal();
      await until(b.k, () => b.frees.size === 2);
      assert.deepEqual(b.runs(), ['run a', 'run b']);
    },
    { creditLimit: 64 },
  );
  assert.deepEqual(queuedAfter, [true, false]);
});

test('drm_sched_job_cleanup: drops the fences and dependencies; twice is an assertion', async () => {
  await onBench(async (b) => {
    const j = new TestJob('a');
    assert.equal(j.init(b.entity, 16), 0);
    assert.equal(j.addDependency(new FenceContext(b.k, 'd').create()), 0);
    j.cleanup(); // an aborted job, before arm
    assert.equal(j.sFence, null);
    assert.equal(j.dependencies.size, 0);
    assert.throws(() => j.cleanup(), /twice/);
    // After a run the driver's free_job cleans the job up (the bench's does).
    const done = await b.submit('b');
    await until(b.k, () => done.freedAtNs >= 0);
    assert.equal(done.sFence, null);
  });
});

test('drm_sched_entity_push_job: the queue bound ends the run with a limit report instead of growing', async () => {
  const k = new Kernel();
  const b = new Bench(k);
  const gate = new FenceContext(k, 'gate').create();
  let refused: TestJob | null = null;
  k.spawn('flood', async () => {
    for (let i = 0; i <= MAX_ENTITY_QUEUED_JOBS; i++) {
      const j = new TestJob(`j${i}`);
      assert.equal(j.init(b.entity, 1), 0);
      if (i === 0) assert.equal(j.addDependency(gate), 0); // the head never runs
      j.arm();
      await b.entity.pushJob(j);
      if (k.finished) {
        refused = j;
        return;
      }
    }
  });
  const r = await k.run();
  assert.equal(b.entity.queued, MAX_ENTITY_QUEUED_JOBS);
  assert.equal((refused as TestJob | null)?.label, `j${MAX_ENTITY_QUEUED_JOBS}`);
  assert.equal(r.outcome, 'stopped');
  assert.deepEqual(
    r.violations.map((v) => v.invariant),
    ['limit'],
  );
});
