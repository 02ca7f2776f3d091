/**
 * Shrinking real failures of the test programs: the result is smaller (fewer faults, fewer
 * preemptions, no longer), still fails with the same invariant under a strict replay, and is
 * deterministic.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore } from '../../src/explore/explore.js';
import type { Failure } from '../../src/explore/failure.js';
import { failingViolation } from '../../src/explore/failure.js';
import { rerun } from '../../src/explore/rerun.js';
import { shrinkFailure } from '../../src/explore/shrink.js';
import { depth3Program, noisyProgram } from './programs.js';

async function noisyFailure(seed: number): Promise<Failure> {
  // Force every fault so that there is something to remove.
  const faults = ['noise-a', 'trigger', 'noise-b'].map((name) => ({
    name,
    atNs: 0,
    count: 0,
    rate: 1,
  }));
  const r = await explore(noisyProgram(), {
    strategy: 'random',
    runs: 5000,
    seed,
    swarm: false,
    faults,
    stopAfterFirst: true,
    shrink: false,
  });
  const f = r.failures[0];
  assert.ok(f !== undefined, 'random found the noisy race');
  return f;
}

test('shrinking removes an irrelevant fault and most preemptions, and stays failing', async (t) => {
  for (const seed of [1, 2, 3]) {
    const f = await noisyFailure(seed);
    const s = await shrinkFailure(noisyProgram(), f, { budget: 300 });
    t.diagnostic(
      `seed ${seed}: decisions ${s.decisionsBefore} -> ${s.decisionsAfter}, ` +
        `preemptions ${s.preemptionsBefore} -> ${s.preemptionsAfter}, ` +
        `faults ${f.faults.map((x) => x.name).join('+')} -> ${s.faults.map((x) => x.name).join('+')}, ${s.attempts} attempts`,
    );
    assert.equal(s.verified, true);
    assert.ok(
      s.faults.some((x) => x.name === 'trigger'),
      'the needed fault stays',
    );
    assert.ok(!s.faults.some((x) => x.name === 'noise-b'), 'the irrelevant fault goes');
    assert.ok(s.preemptionsAfter * 2 <= s.preemptionsBefore, 'at least half the preemptions go');
    assert.ok(s.decisionsAfter <= s.decisionsBefore);
    assert.ok(s.preemptionsAfter >= 1, 'the race needs a preemption (FIFO alone does not fail)');
    // Strict replay of the shrunk input: same invariant, same hash as reported.
    const again = await rerun(noisyProgram(), {
      seed: f.seed,
      faults: s.faults,
      schedule: s.schedule,
      timeJumps: f.timeJumps,
    });
    assert.equal(again.divergence, null);
    assert.equal(failingViolation(again.report)?.invariant, f.invariant);
    assert.equal(again.report.traceHash, s.traceHash);
  }
});

test('shrinking is deterministic', async () => {
  const f = await noisyFailure(4);
  const a = await shrinkFailure(noisyProgram(), f, { budget: 100 });
  const b = await shrinkFailure(noisyProgram(), f, { budget: 100 });
  assert.deepEqual(a, b);
});

test('shrinking respects its attempt budget', async () => {
  const f = await noisyFailure(5);
  const s = await shrinkFailure(noisyProgram(), f, { budget: 3 });
  assert.ok(s.attempts <= 3);
  assert.equal(s.verified, true, 'even a barely shrunk failure is verified');
});

test('campaign failures carry their shrunk form (a pct failure of the depth-3 program)', async () => {
  const r = await explore(depth3Program(14), {
    strategy: 'pct',
    depth: 3,
    runs: 3000,
    seed: 1,
    pctSteps: 20,
    stopAfterFirst: true,
  });
  const f = r.failures[0];
  assert.ok(f?.shrunk);
  assert.equal(f.shrunk.verified, true);
  assert.ok(f.shrunk.decisionsAfter <= f.shrunk.decisionsBefore);
  // The depth-3 bug needs two preemptions and cannot be described with fewer.
  assert.ok(f.shrunk.preemptionsAfter >= 2, `schedule ${f.shrunk.schedule}`);
});

test('a failure that does not reproduce is reported unverified, not shrunk', async () => {
  const f = await noisyFailure(1);
  const wrong: Failure = { ...f, invariant: 'deadlock' };
  const s = await shrinkFailure(noisyProgram(), wrong, { budget: 20 });
  assert.equal(s.verified, false);
  assert.equal(s.attempts, 1);
});
