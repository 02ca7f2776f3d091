/**
 * Same seed, same run: a scenario's trace hash, schedule and violation messages depend on its
 * seed alone, not on what ran before it in the same process (ids are counted per simulated
 * machine, src/kernel/ids.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';

async function once(name: string, design: 'rwsem' | 'default', seed: number) {
  const spec = builtinScenario(name);
  assert.ok(spec);
  const r = await runScenario(spec, { design, seed, strategy: randomStrategy() }, builtinScenario);
  return {
    traceHash: r.traceHash,
    schedule: r.schedule,
    violations: r.violations.map((v) => `${v.invariant} ${v.atNs} ${v.message}`),
  };
}

test('determinism: a scenario run gives the same hash, schedule and messages whatever ran before it', async () => {
  const first = await once('perfcnt', 'rwsem', 3);
  // Other runs in between create devices, files, groups, VMs and BOs.
  await once('vm-teardown', 'default', 1);
  await once('unbind', 'default', 2);
  const again = await once('perfcnt', 'rwsem', 3);
  assert.deepEqual(again, first);
  // The messages name groups and jobs by id: make sure the check above compares something.
  assert.ok(
    first.violations.length > 0,
    'rwsem on perfcnt seed 3 is expected to violate something (the Panfrost as_count underflow)',
  );
});

test('determinism: different seeds give different schedules', async () => {
  const a = await once('hang', 'default', 1);
  const b = await once('hang', 'default', 2);
  assert.notEqual(a.schedule, b.schedule);
  assert.notEqual(a.traceHash, b.traceHash);
});
