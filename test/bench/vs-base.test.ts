/**
 * Measurement 9 (src/bench/vs-base.ts): runs/s against a base build, side by side. The base
 * here is a copy of this source tree (its own modules, registry and JIT state), so the test
 * checks the measurement's shape and its place in the ratios and goals, never a speed.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { QUICK_SIZES } from '../../src/bench/common.js';
import { runsPerSecVsBaseGoal } from '../../src/bench/goals.js';
import { baseDistProblem, measureVsBase, VS_BASE_PROGRAM } from '../../src/bench/vs-base.js';
import { type ExploreOptions, explore } from '../../src/explore/explore.js';
import type { Program } from '../../src/explore/program.js';
import { getProgram } from '../../src/explore/registry.js';
import { registerBuiltinPrograms } from '../../src/scenarios/program.js';

const root = join(import.meta.dirname, '..', '..');

test('vs-base: a base tree is measured against this build in alternating campaigns, and the ratio is their median', async () => {
  // Inside the checkout, so that the copy resolves the same node_modules.
  const base = join(root, '.tmp', 'vs-base-test', 'src');
  rmSync(join(root, '.tmp', 'vs-base-test'), { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  cpSync(join(root, 'src'), base, { recursive: true });
  try {
    assert.equal(baseDistProblem(base), null);
    registerBuiltinPrograms();
    const program = getProgram(VS_BASE_PROGRAM);
    assert.ok(program !== undefined);
    let clock = 0;
    const messages: string[] = [];
    const r = await measureVsBase(
      base,
      { program, explore: (p, o) => explore(p as Program, o as unknown as ExploreOptions) },
      QUICK_SIZES,
      // A fake clock: every read advances it, so both sides take time and the ratio exists.
      () => (clock += 10),
      (m) => messages.push(m),
    );
    assert.equal(r.program, 'hang@default');
    assert.equal(r.strategy, 'random');
    assert.equal(r.reps, QUICK_SIZES.vsBaseReps);
    assert.equal(r.perRep.length, QUICK_SIZES.vsBaseReps);
    assert.equal(messages.length, QUICK_SIZES.vsBaseReps);
    assert.ok(r.headRunsPerSec > 0 && r.baseRunsPerSec > 0);
    for (const x of r.perRep) assert.ok(Number.isFinite(x) && x > 0);
    const sorted = [...r.perRep].sort((a, b) => a - b);
    const mid = ((sorted[0] as number) + (sorted[sorted.length - 1] as number)) / 2;
    assert.equal(r.ratio, mid, 'the median of two repetitions');
  } finally {
    rmSync(join(root, '.tmp', 'vs-base-test'), { recursive: true, force: true });
  }
});

test('vs-base: the goal is met only when measured and at least 2×; a tree without the explorer is refused', () => {
  const none = runsPerSecVsBaseGoal(null);
  assert.equal(none.met, false);
  assert.match(none.note, /not measured: no base build/);
  const slow = runsPerSecVsBaseGoal(1.31);
  assert.equal(slow.met, false);
  assert.match(slow.note, /missed: 1\.31× of the 2×/);
  assert.equal(runsPerSecVsBaseGoal(2.2).met, true);
  const missing = join(root, 'no-such-dir');
  assert.equal(baseDistProblem(missing), `no such directory: ${missing}`);
  assert.match(baseDistProblem(join(root, 'docs')) ?? '', /is not a resetlab tree/);
});
