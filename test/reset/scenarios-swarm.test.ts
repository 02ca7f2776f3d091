/**
 * The `default` design holds every invariant on every built-in scenario under the faults the
 * explorer's swarm draws (each run a random subset of the scenario's fault vocabulary, with
 * random arm times, counts and rates): 50 random-scheduling runs per scenario, as
 * `resetlab explore <scenario> --design default --strategy random --runs 50 --seed 1` does,
 * with the determinism self-check on (run 0 is replayed and must give the same trace hash).
 * A failure names its run and seed for `resetlab replay`.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore } from '../../src/explore/explore.js';
import { getProgram } from '../../src/explore/registry.js';
import '../../src/scenarios/register.js';
import { builtinScenarioNames } from '../../src/scenarios/builtin.js';

const RUNS = 50;

for (const name of builtinScenarioNames()) {
  test(`${name}@default: no violation over ${RUNS} explored runs with swarm faults`, async () => {
    const program = getProgram(`${name}@default`);
    assert.ok(program !== undefined);
    const r = await explore(program, { strategy: 'random', runs: RUNS, seed: 1, shrink: false });
    assert.equal(r.totals.runs, RUNS);
    assert.deepEqual(
      r.failures.map((f) => `run ${f.run} seed ${f.seed}: ${f.invariant}: ${f.message}`),
      [],
    );
    assert.deepEqual(r.determinism.mismatches, []);
    assert.equal(r.totals.limitRuns, 0, 'no run cut off by a step or time limit');
  });
}
