/**
 * The DRM GPU scheduler under the explorer's random scheduling: a mixed workload on two rings
 * (jobs, cross-ring dependencies, a hang timed out and recovered the way Panthor's
 * queue_timedout_job does it — drm_sched_stop, group termination, drm_sched_start —, an entity
 * killed by drm_sched_entity_flush on SIGKILL, drm_sched_fini at the end).
 *
 * - free_job is called exactly once for every job pushed, whatever the interleaving
 *   (drm_sched_free_job_work, drm_sched_stop, drm_sched_job_timedout, kill_jobs_work);
 * - every finished fence signals, with an error the path gives (0, the ring's -EIO, -ETIMEDOUT
 *   from the termination, -ECANCELED from run_job on a dead group, -ESRCH from the kill);
 * - a run is a function of the seed: the same seed gives the same trace hash, also with the
 *   wall clock, timers and Math.random poisoned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SchedJob } from '../../src/drm/sched/job.js';
import { SchedStat } from '../../src/drm/sched/ops.js';
import { randomStrategy } from '../../src/explore/random.js';
import { Errno } from '../../src/kernel/errno.js';
import { Kernel, type RunResult } from '../../src/kernel/kernel.js';
import { Work } from '../../src/kernel/workqueue.js';
import { Bench, MS, type TestJob } from './sched-helpers.js';

interface Outcome {
  r: RunResult;
  frees: number[];
  errors: Map<string, number>;
  unsignalled: string[];
}

async function workload(seed: number): Promise<Outcome> {
  const k = new Kernel({ seed, strategy: randomStrategy() });
  const ring1 = new Bench(k, { creditLimit: 48, timeoutNs: 50 * MS });
  const ring2 = new Bench(k, { creditLimit: 32 });
  const jobs: TestJob[] = [];
  // Panthor's queue_timedout_job: stop with the bad job, the group can no longer run, the
  // term work fails the in-flight jobs with -ETIMEDOUT, queue_start re-attaches and restarts.
  let dead = false;
  const term = new Work(k, 'group.term_work', async () => {
    for (const j of ring1.sched.pendingList as TestJob[]) {
      if (j.hw !== null && !j.hw.signalled) {
        j.hw.setError(-Errno.ETIMEDOUT);
        j.hw.signal();
      }
    }
  });
  ring1.onTimeout = async (bad) => {
    await ring1.sched.stop(bad);
    dead = true;
    for (const j of ring1.sched.pendingList as TestJob[]) j.fence().parent = j.hw;
    await ring1.systemWq.queueWork(term);
    await ring1.sched.start(0);
    return SchedStat.RESET;
  };
  ring1.onRun = (j) => {
    if (dead) j.runResult = -Errno.ECANCELED;
  };
  k.spawn('client1', async () => {
    for (let i = 0; i < 10; i++) {
      const hang = i === 6;
      const j = await ring1.submit(`r1.${i}`, { durationNs: hang ? -1 : ((i * 7) % 30) * MS });
      if (i === 3) j.hwError = -Errno.EIO;
      jobs.push(j);
      // After the hang, the later jobs come once the group is dead (run_job: -ECANCELED).
      await k.sleep(hang ? 100 * MS : ((i * 5) % 11) * MS);
    }
  });
  k.spawn('client2', async () => {
    for (let i = 0; i < 10; i++) {
      const dep = jobs[i % Math.max(1, jobs.length)];
      const deps = dep !== undefined && i % 3 === 0 ? [dep.fences.finished] : [];
      jobs.push(await ring2.submit(`r2.${i}`, { deps, durationNs: ((i * 3) % 20) * MS }));
      await k.sleep(((i * 3) % 7) * MS);
    }
    // The process is killed: its last flush kills the entity (the rest gets -ESRCH).
    await ring2.entity.flush(0, { exiting: true, exitSignal: 'SIGKILL' });
  });
  k.spawn('teardown', async () => {
    const all = () => jobs.length === 20 && jobs.every((j) => j.freedAtNs >= 0);
    for (let i = 0; i < 10_000 && !all(); i++) await k.sleep(5 * MS);
    for (const b of [ring1, ring2]) {
      await b.entity.destroy();
      await b.sched.fini();
    }
  });
  const r = await k.run();
  const frees = jobs.map((j) => ring1.frees.get(j as SchedJob) ?? ring2.frees.get(j) ?? 0);
  const errors = new Map(jobs.map((j) => [j.label, j.fences.finished.error]));
  const unsignalled = jobs.filter((j) => !j.fences.finished.signalled).map((j) => j.label);
  return { r, frees, errors, unsignalled };
}

const ALLOWED = new Set([0, -Errno.EIO, -Errno.ETIMEDOUT, -Errno.ECANCELED, -Errno.ESRCH]);

test('drm_sched free_job paths: exactly once per job, every finished fence signalled, over 30 seeds', async () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 30; seed++) {
    const o = await workload(seed);
    assert.deepEqual(o.r.violations, [], `seed ${seed}`);
    assert.equal(o.r.outcome, 'idle', `seed ${seed}`);
    assert.deepEqual(o.frees, new Array(20).fill(1), `seed ${seed}: free_job once per job`);
    assert.deepEqual(o.unsignalled, [], `seed ${seed}`);
    for (const [label, err] of o.errors) {
      assert.ok(ALLOWED.has(err), `seed ${seed}: ${label} ended with ${err}`);
      seen.add(err);
    }
    assert.equal(o.errors.get('r1.3'), -Errno.EIO, `seed ${seed}: the ring's error`);
    assert.equal(o.errors.get('r1.6'), -Errno.ETIMEDOUT, `seed ${seed}: the hung job`);
  }
  // The workload reaches every path at least once over the seeds.
  assert.deepEqual([...seen].sort(), [...ALLOWED].sort());
});

test('drm_sched determinism: the same seed gives the same trace hash, different seeds differ', async () => {
  const hashes = new Set<string>();
  for (const seed of [1, 2, 3]) {
    const a = await workload(seed);
    const b = await workload(seed);
    assert.equal(a.r.traceHash, b.r.traceHash, `seed ${seed}`);
    assert.equal(a.r.steps, b.r.steps);
    assert.equal(a.r.nowNs, b.r.nowNs);
    hashes.add(a.r.traceHash);
  }
  assert.equal(hashes.size, 3, 'the schedule is part of the hash');
});

test('drm_sched determinism: a run needs no wall clock, real timer or Math.random', async () => {
  const clean = await workload(7);
  const saved = {
    now: Date.now,
    random: Math.random,
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    perfNow: performance.now,
  };
  const poison = (name: string) => () => {
    throw new Error(`model used ${name}`);
  };
  Date.now = poison('Date.now');
  Math.random = poison('Math.random');
  globalThis.setTimeout = poison('setTimeout') as unknown as typeof setTimeout;
  globalThis.setInterval = poison('setInterval') as unknown as typeof setInterval;
  globalThis.setImmediate = poison('setImmediate') as unknown as typeof setImmediate;
  performance.now = poison('performance.now');
  let poisoned: Outcome;
  try {
    poisoned = await workload(7);
  } finally {
    Date.now = saved.now;
    Math.random = saved.random;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.setInterval = saved.setInterval;
    globalThis.setImmediate = saved.setImmediate;
    performance.now = saved.perfNow;
  }
  assert.deepEqual(poisoned.r.violations, []);
  assert.equal(poisoned.r.traceHash, clean.r.traceHash);
});
