/**
 * Replay and the determinism self-check: replaying a recorded run reproduces its trace hash
 * for every strategy; a schedule that does not fit the program is reported as a divergence;
 * and a model that is not deterministic shows up in the campaign result, never silently.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore } from '../../src/explore/explore.js';
import { replayStrategy } from '../../src/explore/replay.js';
import { rerun } from '../../src/explore/rerun.js';
import { strategyFromName } from '../../src/explore/strategy-factory.js';
import {
  depth3Program,
  flakyProgram,
  lostUpdateProgram,
  noisyProgram,
  nondeterministicProgram,
  timeoutRaceProgram,
} from './programs.js';

test('replay reproduces the trace hash of runs made by every strategy', async () => {
  const faults = [{ name: 'noise-a', atNs: 0, count: 0, rate: 1 }];
  for (const program of [noisyProgram(), depth3Program(6), timeoutRaceProgram()]) {
    for (const name of ['random', 'pct', 'portfolio', 'dfs', 'fifo']) {
      const s = strategyFromName(name, { depth: 2, steps: 20 });
      for (let seed = 1; seed <= 15; seed++) {
        const stopOnViolation = seed % 2 === 0;
        const r = await program.run({ seed, strategy: s, faults, record: true, stopOnViolation });
        const again = await rerun(program, {
          seed,
          faults,
          schedule: r.schedule,
          timeJumps: s.timeJumps,
          stopOnViolation,
        });
        assert.equal(again.divergence, null);
        assert.equal(again.report.traceHash, r.traceHash, `${program.id} ${name} seed ${seed}`);
        assert.equal(again.report.schedule, r.schedule);
      }
    }
  }
});

test('replay with the wrong timeJumps setting does not reproduce a run with time jumps', async () => {
  // The negative space of the test above: the hash really depends on following the run.
  const p = timeoutRaceProgram();
  const s = strategyFromName('pct', { depth: 2, steps: 8 });
  let differed = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const r = await p.run({ seed, strategy: s, faults: [], record: true });
    const again = await rerun(p, { seed, faults: [], schedule: r.schedule, timeJumps: false });
    if (again.report.traceHash !== r.traceHash) differed++;
  }
  assert.ok(differed > 0);
});

test('a replay divergence is reported, strictly, and clamped in lenient mode', async () => {
  const p = lostUpdateProgram(2);
  // Choice 5 never exists in a two-task program.
  const strict = await rerun(p, { seed: 1, faults: [], schedule: 'a f', timeJumps: false }).catch(
    () => null,
  );
  assert.equal(strict, null, 'a space is not schedule syntax');
  const r = await rerun(p, { seed: 1, faults: [], schedule: 'af', timeJumps: false });
  assert.match(r.divergence ?? '', /choice 5 at decision 1 has only 2 options/);
  assert.ok(
    r.report.violations.some(
      (v) => v.invariant === 'model-error' && /replay diverged/.test(v.message),
    ),
  );
  const lenient = replayStrategy('af', { lenient: true, timeJumps: false });
  const l = await p.run({ seed: 1, strategy: lenient, faults: [], record: true });
  assert.equal(lenient.divergence, null);
  assert.equal(lenient.clamped, 1);
  assert.ok(!l.violations.some((v) => v.invariant === 'model-error'));
});

test('the self-check reports a model that is not deterministic', async () => {
  const r = await explore(nondeterministicProgram(), {
    strategy: 'random',
    runs: 10,
    seed: 1,
    selfCheckEvery: 1,
  });
  assert.equal(r.determinism.sampled, 10);
  assert.ok(r.determinism.mismatches.length > 0);
  const m = r.determinism.mismatches[0];
  assert.notEqual(m?.expected, m?.actual);
  // A kept failure of a sampled run reuses that run's check: one replay, one mismatch per run.
  const runs = r.determinism.mismatches.map((x) => x.run);
  assert.equal(new Set(runs).size, runs.length, `a run reported twice: ${runs.join(', ')}`);
});

test('the self-check passes on a deterministic model and samples every 64th run', async () => {
  const r = await explore(noisyProgram(), { strategy: 'pct', runs: 300, seed: 2, pctSteps: 60 });
  assert.equal(r.determinism.sampled, 5); // runs 0, 64, 128, 192, 256
  assert.deepEqual(r.determinism.mismatches, []);
  for (const f of r.failures) assert.equal(f.selfCheck?.ok, true);
});

test('a kept failure of a sampled run reuses its self-check instead of replaying it again', async () => {
  const p = flakyProgram();
  let executions = 0;
  const run = p.run.bind(p);
  const counted = {
    ...p,
    run: (input: Parameters<typeof p.run>[0]) => {
      executions++;
      return run(input);
    },
  };
  const r = await explore(counted, {
    strategy: 'random',
    runs: 40,
    seed: 3,
    selfCheckEvery: 1,
    shrink: false,
  });
  assert.ok(r.failures.length > 0, 'flaky@test fails within 40 runs');
  assert.equal(r.determinism.sampled, 40);
  for (const f of r.failures) assert.equal(f.selfCheck?.ok, true);
  // Every run once, and its replay once: no second replay for the failures.
  assert.equal(executions, 2 * r.totals.runs);
});
