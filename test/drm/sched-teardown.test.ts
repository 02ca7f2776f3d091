/**
 * The DRM GPU scheduler's teardown (src/drm/sched/): drm_sched_entity_flush,
 * drm_sched_entity_kill with drm_sched_entity_kill_jobs_cb / _work, drm_sched_entity_fini,
 * drm_sched_entity_destroy and drm_sched_fini (drivers/gpu/drm/scheduler/sched_entity.c,
 * sched_main.c).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS,
  SchedEntity,
  SchedPriority,
} from '../../src/drm/sched/entity.js';
import { Errno } from '../../src/kernel/errno.js';
import { type Fence, FenceContext } from '../../src/kernel/fence.js';
import { Bench, MS, onBench, S, TestJob, until } from './sched-helpers.js';

/** Records the order in which finished fences signal, with their errors. */
function watch(jobs: readonly TestJob[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const j of jobs) {
    const f = j.fences.finished;
    f.addCallback(() => out.push([j.label, f.error]));
  }
  return out;
}

test('drm_sched_entity_kill: queued jobs signal in order with -ESRCH, each after the previous finished fence and its own dependencies', async () => {
  await onBench(
    async (b) => {
      const x = new FenceContext(b.k, 'x').create();
      const y = new FenceContext(b.k, 'y').create();
      y.signal();
      const a = await b.submit('a', { durationNs: -1 }); // on the hardware
      const jb = await b.submit('b'); // waits for credits
      const jc = await b.submit('c', { deps: [x] });
      const jd = await b.submit('d', { deps: [y] });
      await until(b.k, () => a.ranAtNs >= 0);
      const order = watch([a, jb, jc, jd]);
      await b.entity.kill();
      assert.equal(b.entity.stopped, true);
      assert.equal(b.entity.queued, 0, 'the queue was emptied into the kill chain');
      assert.equal(b.sched.rq.entities.has(b.entity), false, 'off the run queue');
      await b.k.sleep(10 * MS);
      assert.deepEqual(order, [], 'nothing before the job on the hardware (last_scheduled)');
      a.hw?.signal();
      await until(b.k, () => order.length === 2);
      await b.k.sleep(10 * MS);
      assert.deepEqual(order, [
        ['a', 0],
        ['b', -Errno.ESRCH],
      ]);
      assert.equal(jc.fences.finished.signalled, false, 'c waits for its own dependency x');
      assert.equal(jd.fences.finished.signalled, false, 'd waits for c, though y signalled');
      x.signal();
      await until(b.k, () => order.length === 4);
      assert.deepEqual(order, [
        ['a', 0],
        ['b', -Errno.ESRCH],
        ['c', -Errno.ESRCH],
        ['d', -Errno.ESRCH],
      ]);
      for (const j of [jb, jc, jd]) {
        assert.equal(j.ranAtNs, -1, 'run_job is never called for a killed job');
        assert.equal(j.fences.scheduled.signalled, true, 'scheduled signalled, no parent');
        assert.equal(j.fences.scheduled.error, 0);
        assert.equal(j.fences.parent, null);
      }
      await until(b.k, () => b.frees.size === 4);
      assert.deepEqual([...b.frees.values()], [1, 1, 1, 1], 'free_job once each');
    },
    { creditLimit: 16 },
  );
});

test('drm_sched_entity_kill: waits until the scheduler no longer uses the entity (entity_idle)', async () => {
  await onBench(async (b) => {
    const a = new TestJob('a');
    a.runDelayNs = 20 * MS; // run_job sleeps (Panthor's takes the scheduler lock)
    a.durationNs = 5 * MS;
    assert.equal(a.init(b.entity, 16), 0);
    a.arm();
    a.keepFences();
    await b.entity.pushJob(a);
    const jb = await b.submit('b');
    await until(b.k, () => a.ranAtNs >= 0);
    assert.equal(b.entity.entityIdle.completed, false, 'in use while run_job runs');
    await b.entity.kill();
    assert.equal(b.k.nowNs, a.ranAtNs + 20 * MS, 'kill returned once run_job had returned');
    assert.equal(b.entity.lastScheduled, a.fences.finished);
    await until(b.k, () => b.frees.size === 2);
    assert.equal(a.fences.finished.error, 0, 'the job taken before the kill completes');
    assert.equal(jb.fences.finished.error, -Errno.ESRCH);
    assert.ok(jb.fences.finished.signalledAtNs >= a.fences.finished.signalledAtNs);
  });
});

test('drm_sched_entity_kill_jobs_work: a dependency on a scheduled fence waits for that job to finish', async () => {
  await onBench(
    async (b) => {
      const other = new Bench(b.k, {}); // another ring, with its own scheduler
      const z = await other.submit('z', { durationNs: -1 });
      await until(b.k, () => z.ranAtNs >= 0);
      assert.equal(z.fences.scheduled.signalled, true);
      const a = await b.submit('a', { durationNs: -1 });
      const jb = await b.submit('b', { deps: [z.fences.scheduled] });
      await until(b.k, () => a.ranAtNs >= 0);
      await b.entity.kill();
      a.hw?.signal();
      await b.k.sleep(10 * MS);
      assert.equal(jb.fences.finished.signalled, false, "waits for z's finished fence");
      z.hw?.signal();
      await until(b.k, () => jb.fences.finished.signalled);
      assert.ok(jb.fences.finished.signalledAtNs >= z.fences.finished.signalledAtNs);
      assert.equal(jb.fences.finished.error, -Errno.ESRCH);
      await until(b.k, () => jb.freedAtNs >= 0 && z.freedAtNs >= 0);
    },
    { creditLimit: 16 },
  );
});

test('drm_sched_rq_add_entity: a push to a killed entity is refused; the job never runs', async () => {
  await onBench(async (b) => {
    await b.entity.kill();
    const j = await b.submit('late');
    await b.k.sleep(100 * MS);
    assert.ok(b.sched.warnings.includes('Trying to push to a killed entity'));
    assert.equal(j.ranAtNs, -1);
    assert.equal(b.entity.queued, 1, 'it sits in the queue');
    assert.equal(j.fences.finished.signalled, false, 'and is never signalled');
  });
});

test('drm_sched_entity_flush: waits until the scheduler took every queued job; an exiting caller gives up at the timeout', async () => {
  await onBench(
    async (b) => {
      const a = await b.submit('a', { durationNs: 200 * MS });
      const jb = await b.submit('b', { durationNs: -1 });
      await until(b.k, () => a.ranAtNs >= 0);
      const exiting = { exiting: true, exitSignal: null };
      const t0 = b.k.nowNs;
      assert.equal(await b.entity.flush(50 * MS, exiting), 0, 'timed out: 0 left');
      assert.equal(b.k.nowNs - t0, 50 * MS);
      assert.equal(await b.entity.flush(0, exiting), 0, 'exiting with 0: no wait at all');
      assert.equal(b.k.nowNs - t0, 50 * MS);
      // A caller that is not exiting waits as long as it takes (b runs once a is done).
      assert.equal(await b.entity.flush(10 * MS), 10 * MS, 'returns its timeout unchanged');
      assert.ok(jb.ranAtNs >= 0, 'b was taken by the scheduler');
      assert.equal(b.k.nowNs, jb.ranAtNs, 'woken by run_job (job_scheduled)');
      assert.equal(jb.fences.finished.signalled, false, 'flush does not wait for completion');
      const left = await b.entity.flush(S, exiting);
      assert.equal(left, S, 'already idle: all of it left');
      jb.hw?.signal();
      await until(b.k, () => b.frees.size === 2);
    },
    { creditLimit: 16 },
  );
});

test('drm_sched_entity_flush: the last user exiting on SIGKILL kills the entity; another caller does not', async () => {
  await onBench(
    async (b) => {
      const a = await b.submit('a', { durationNs: -1 });
      const jb = await b.submit('b');
      await until(b.k, () => a.ranAtNs >= 0);
      const killed = { exiting: true, exitSignal: 'SIGKILL' as const };
      let otherStopped: boolean | null = null;
      b.k.spawn('other-process', async () => {
        await b.entity.flush(0, killed);
        otherStopped = b.entity.stopped;
      });
      await b.k.sleep(MS);
      assert.equal(otherStopped, false, 'not the last user: no kill');
      assert.equal(b.entity.lastUser, b.k.current, 'the pusher is the last user');
      await b.entity.flush(0, killed);
      assert.equal(b.entity.stopped, true, 'drm_sched_entity_kill');
      assert.equal(b.entity.lastUser, null);
      a.hw?.signal();
      await until(b.k, () => jb.fences.finished.signalled);
      assert.equal(jb.fences.finished.error, -Errno.ESRCH);
      assert.equal(jb.ranAtNs, -1);
    },
    { creditLimit: 16 },
  );
});

test('drm_sched_entity_destroy / drm_sched_entity_fini: flush up to 1 s, then kill; the dependency callback is dropped', async () => {
  await onBench(async (b) => {
    const x: Fence = new FenceContext(b.k, 'x').create();
    const j = await b.submit('blocked', { deps: [x] });
    await b.k.sleep(MS);
    assert.equal(b.entity.dependency, x);
    const t0 = b.k.nowNs;
    await b.entity.destroy({ exiting: true, exitSignal: null });
    assert.equal(b.k.nowNs - t0, MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS, 'flush waited 1 s');
    assert.equal(b.entity.dependency, null, 'fini dropped the entity callback');
    assert.equal(b.entity.lastScheduled, null);
    assert.equal(j.fences.finished.signalled, false, 'the kill waits for the dependency too');
    x.signal();
    assert.equal(b.sched.workRunJob.pending, false, 'x no longer wakes the scheduler');
    await until(b.k, () => j.freedAtNs >= 0);
    assert.deepEqual(b.log, ['free blocked'], 'killed without run_job');
  });
});

test('drm_sched_fini: without cancel_job pending jobs stay (warning); queued jobs are not touched', async () => {
  await onBench(
    async (b) => {
      const a = await b.submit('a', { durationNs: -1 });
      const queued = await b.submit('q');
      await until(b.k, () => a.ranAtNs >= 0);
      await b.sched.fini();
      assert.equal(b.sched.ready, false);
      assert.equal(b.sched.isStopped(), true);
      assert.ok(b.sched.warnings.includes('Tearing down scheduler while jobs are pending!'));
      assert.deepEqual(b.sched.pendingList, [a]);
      assert.equal(b.entity.queued, 1, 'fini does not kill entities');
      assert.equal(b.entity.stopped, false);
      a.hw?.signal(); // the finished fence still signals, but nothing frees the job
      await b.k.sleep(10 * MS);
      assert.equal(a.fences.finished.signalled, true);
      assert.equal(a.freedAtNs, -1, 'free work not queued after fini');
      assert.equal(queued.ranAtNs, -1);
    },
    { creditLimit: 16 },
  );
});

test('drm_sched_fini: cancel_job cancels pending jobs newest first, then frees them; an own submit wq is destroyed', async () => {
  await onBench(
    async (b) => {
      const a = await b.submit('a', { durationNs: -1 });
      const c = await b.submit('b', { durationNs: -1 });
      await until(b.k, () => b.runs().length === 2);
      await b.sched.fini();
      assert.deepEqual(b.log.slice(2), ['cancel b', 'free b', 'cancel a', 'free a']);
      assert.deepEqual(b.sched.pendingList, []);
      assert.equal(b.sched.warnings.length, 0);
      assert.equal(b.sched.submitWq.destroyed, true, 'destroy_workqueue(own submit_wq)');
      for (const j of [a, c]) assert.equal(b.frees.get(j), 1);
      // A second entity of a dead scheduler gets nothing run.
      const e = SchedEntity.init(SchedPriority.KERNEL, [b.sched]) as SchedEntity;
      const late = await b.submit('late', { entity: e });
      await b.k.sleep(10 * MS);
      assert.equal(late.ranAtNs, -1);
    },
    { cancelJob: true, submitWq: 'own' },
  );
});
