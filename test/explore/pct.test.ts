/**
 * PCT against random scheduling on programs whose bugs have a known depth, over a fixed seed
 * list (runs to the first violation, not wall-clock time), plus PCT's own contract: a run is a
 * function of its seed, and time jumps are explored.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore } from '../../src/explore/explore.js';
import { pctStrategy } from '../../src/explore/pct.js';
import type { Program } from '../../src/explore/program.js';
import { depth2Program, depth3Program, timeoutRaceProgram } from './programs.js';

const SEEDS = [1, 2, 3, 4, 5, 6];

/** Runs until the first violation (the cap when none). */
async function runsToFirst(
  program: Program,
  strategy: string,
  depth: number,
  seed: number,
  cap: number,
  pctSteps?: number,
): Promise<number> {
  const r = await explore(program, {
    strategy,
    depth,
    runs: cap,
    seed,
    stopAfterFirst: true,
    shrink: false,
    selfCheckEvery: 1_000_000,
    ...(pctSteps !== undefined ? { pctSteps } : {}),
  });
  return r.firstViolationRun ?? cap;
}

async function compare(
  program: Program,
  depth: number,
  k: number,
  cap: number,
): Promise<{ pct: number[]; random: number[] }> {
  const pct: number[] = [];
  const random: number[] = [];
  for (const seed of SEEDS) {
    pct.push(await runsToFirst(program, 'pct', depth, seed, cap, k));
    random.push(await runsToFirst(program, 'random', depth, seed, cap));
  }
  return { pct, random };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// k is the program's total number of decision points: an upper bound on the contested
// decisions of any schedule, as PCT's analysis assumes.
test('pct finds a depth-2 bug in far fewer runs than random', async (t) => {
  const cap = 4000;
  const { pct, random } = await compare(depth2Program(12), 2, 16, cap);
  t.diagnostic(
    `depth 2, runs to first bug: pct ${pct.join(' ')}; random ${random.join(' ')} (cap ${cap})`,
  );
  assert.ok(
    pct.every((n) => n < cap),
    'pct found the bug for every seed',
  );
  assert.ok(sum(random) >= 20 * sum(pct), `random ${sum(random)} vs pct ${sum(pct)}`);
});

test('pct finds a depth-3 bug in far fewer runs than random', async (t) => {
  const cap = 6000;
  const { pct, random } = await compare(depth3Program(14), 3, 20, cap);
  t.diagnostic(
    `depth 3, runs to first bug: pct ${pct.join(' ')}; random ${random.join(' ')} (cap ${cap})`,
  );
  assert.ok(
    pct.every((n) => n < cap),
    'pct found the bug for every seed',
  );
  assert.ok(sum(random) >= 5 * sum(pct), `random ${sum(random)} vs pct ${sum(pct)}`);
});

test('pct with depth 1 (no change points) cannot find the depth-2 bug', async () => {
  // The negative space: the depth-2 bug needs a change point, so strict priorities never
  // produce it. This is what makes the comparison above about PCT's change points.
  const n = await runsToFirst(depth2Program(12), 'pct', 1, 1, 500, 16);
  assert.equal(n, 500);
});

test('pct: a run is a function of its seed; different seeds give different schedules', async () => {
  const p = depth3Program(6);
  const strategy = pctStrategy({ depth: 3, steps: 12 });
  const schedules: string[] = [];
  for (const seed of [5, 6, 5]) {
    const r = await p.run({ seed, strategy, faults: [], record: true });
    schedules.push(`${r.schedule}/${r.traceHash}`);
  }
  assert.equal(schedules[0], schedules[2]);
  assert.notEqual(schedules[0], schedules[1]);
});

test('pct explores time jumps: the timeout race is found, and not without time jumps', async () => {
  const p = timeoutRaceProgram();
  const withJumps = await explore(p, {
    strategy: 'pct',
    depth: 2,
    runs: 50,
    seed: 1,
    shrink: false,
  });
  assert.ok(withJumps.totals.violatingRuns > 0);
  assert.equal(withJumps.failures[0]?.invariant, 'fence-signalled');
  assert.equal(withJumps.failures[0]?.timeJumps, true);
  const strategy = pctStrategy({ depth: 2, steps: 8, timeJumps: false });
  for (let seed = 1; seed <= 50; seed++) {
    const r = await p.run({ seed, strategy, faults: [], record: true });
    assert.equal(r.violations.length, 0, `seed ${seed}`);
  }
});

test('pct rejects a bad depth', () => {
  assert.throws(() => pctStrategy({ depth: 0 }), /depth/);
  assert.throws(() => pctStrategy({ depth: 2, steps: 0 }), /steps/);
});
