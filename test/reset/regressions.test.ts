/**
 * The historical bug corpus (docs/design.md §3, src/scenarios/regressions.ts): each bug, switched
 * on in its design (`default`, or `tyr` for Tyr's own code), is caught on its scenario by its
 * invariant within its search budget; and the runs that caught it, replayed without the bug
 * (same seeds, same faults, same strategy), do not violate that invariant (on `default`, nothing
 * at all), so the catch is the bug's doing.
 *
 * The search is plain `resetlab regress`'s: the portfolio (PCT at depths 3, 4 and 2, and random
 * scheduling, taking turns by run index), campaign seed 1, swarm faults unless the case fixes
 * them, explored in chunks of 8 runs until a run violates the target invariant. No single
 * strategy catches all ten: random scheduling misses `irq-unmasked-after-unplug` (the handler
 * must run right after the unplug), PCT alone misses the narrow windows of `duplicate-reset`
 * and `reset-lost-across-suspend` within their budgets.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { estimateContestedSteps } from '../../src/explore/calibrate.js';
import { type ExploreOptions, explore, faultsFor } from '../../src/explore/explore.js';
import type { Program } from '../../src/explore/program.js';
import { getProgram } from '../../src/explore/registry.js';
import '../../src/scenarios/register.js';
import { REGRESSIONS, regressionDesign } from '../../src/scenarios/regressions.js';

const CHUNK = 8;

async function options(p: Program, budget: number, faults?: ExploreOptions['faults']) {
  const o: ExploreOptions = {
    strategy: 'portfolio',
    runs: budget,
    seed: 1,
    shrink: false,
    ...(faults !== undefined ? { swarm: false, faults } : {}),
  };
  o.pctSteps = await estimateContestedSteps(p, { seed: 1, faultsFor: (s) => faultsFor(p, o, s) });
  return o;
}

for (const c of REGRESSIONS) {
  test(`${c.bug}: caught on ${c.scenario} as ${c.invariant}; the same runs without it are clean`, async () => {
    const design = regressionDesign(c);
    const buggy = getProgram(`${c.scenario}@${design}+${c.bug}`);
    const clean = getProgram(`${c.scenario}@${design}`);
    assert.ok(buggy !== undefined && clean !== undefined);
    const o = await options(buggy, c.budget, c.faults);
    let caughtAt: number | null = null;
    for (let from = 0; from < c.budget && caughtAt === null; from += CHUNK) {
      const r = await explore(buggy, { ...o, from, to: Math.min(c.budget, from + CHUNK) });
      const hit = r.failures.find((f) => f.invariant === c.invariant);
      if (hit !== undefined) caughtAt = hit.run;
      assert.deepEqual(
        r.failures.filter((f) => f.invariant === 'model-error'),
        [],
      );
    }
    assert.ok(caughtAt !== null, `${c.bug} not caught in ${c.budget} runs`);
    // The same runs (seeds, faults, PCT's k) without the bug.
    const r = await explore(clean, { ...o, to: caughtAt + 1 });
    assert.equal(r.totals.runs, caughtAt + 1);
    // On `default` nothing at all; on another design (whose own weaknesses are not the bug's),
    // not the bug's invariant.
    assert.deepEqual(
      r.failures
        .filter((f) => design === 'default' || f.invariant === c.invariant)
        .map((f) => `run ${f.run} seed ${f.seed}: ${f.invariant}: ${f.message}`),
      [],
    );
  });
}
