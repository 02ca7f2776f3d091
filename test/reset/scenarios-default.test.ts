/**
 * The `default` design holds every invariant on every built-in scenario, with the scenario's
 * own faults, over 50 seeds under random scheduling (each run with the checker attached and
 * the liveness phase at the end, as `resetlab run` does). A violation names its seed, which
 * reproduces it: `resetlab run <scenario> --design default --strategy random --seed <seed>`.
 * The same under the explorer's swarm faults is in scenarios-swarm.test.ts.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';

const SEEDS = 50;

for (const spec of BUILTIN_SCENARIOS) {
  test(`${spec.name}@default: no violation over ${SEEDS} seeds with the scenario's own faults`, async () => {
    const found: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runScenario(
        spec,
        { design: 'default', seed, strategy: randomStrategy(), record: false },
        builtinScenario,
      );
      for (const v of r.violations) {
        found.push(`seed ${seed} (${r.drawn}): ${v.invariant} at ${v.atNs} ns: ${v.message}`);
      }
      // A clean run is one that did the scenario's work and passed the liveness probe, not
      // one that stopped early (the design echoed back alone could not fail).
      if (!r.recovered) found.push(`seed ${seed} (${r.drawn}): the liveness probe failed`);
      if (r.jobs.completed === 0) found.push(`seed ${seed} (${r.drawn}): no job completed`);
      assert.equal(r.design, 'default');
    }
    assert.deepEqual(found, []);
  });
}
