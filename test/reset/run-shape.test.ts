/**
 * Every design runs every built-in scenario, and `runScenario` returns the fields of the DESIGN
 * §4 `run` JSON shape with the right types:
 * `{scenario, design, seed, traceHash, virtualTimeNs, resets, wedged,
 *   violations: [{invariant, message, atNs}], jobs: {completed, failed, innocentLost}}`.
 * Two seeds per pair under random scheduling, and seed 1 once more: a run is a pure function
 * of its inputs, so it must give the same trace hash.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { DESIGN_NAMES } from '../../src/driver/config.js';
import { randomStrategy } from '../../src/explore/random.js';
import { INVARIANTS } from '../../src/kernel/violations.js';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario, type ScenarioResult } from '../../src/scenarios/runner.js';

const KINDS = new Set<string>([...INVARIANTS, 'model-error', 'limit']);

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function checkShape(r: ScenarioResult, scenario: string, design: string, seed: number): void {
  const where = `${scenario}@${design} seed ${seed}`;
  assert.equal(r.scenario, scenario, where);
  assert.equal(r.design, design, where);
  assert.equal(r.seed, seed, where);
  assert.match(r.traceHash, /^[0-9a-f]{8,}$/, `${where}: traceHash`);
  assert.ok(isCount(r.virtualTimeNs) && r.virtualTimeNs > 0, `${where}: virtualTimeNs`);
  assert.ok(isCount(r.resets), `${where}: resets`);
  assert.equal(typeof r.wedged, 'boolean', `${where}: wedged`);
  assert.ok(Array.isArray(r.violations), `${where}: violations`);
  for (const v of r.violations) {
    assert.ok(KINDS.has(v.invariant), `${where}: invariant ${v.invariant} is a known id`);
    assert.equal(typeof v.message, 'string');
    assert.ok(v.message.length > 0);
    assert.ok(isCount(v.atNs) && v.atNs <= r.virtualTimeNs, `${where}: atNs`);
  }
  assert.deepEqual(Object.keys(r.jobs).sort(), ['completed', 'failed', 'innocentLost']);
  for (const [k, v] of Object.entries(r.jobs)) assert.ok(isCount(v), `${where}: jobs.${k}`);
  // The JSON form keeps every field (numbers stay numbers, nothing is lost).
  const json = JSON.parse(
    JSON.stringify({
      scenario: r.scenario,
      design: r.design,
      seed: r.seed,
      traceHash: r.traceHash,
      virtualTimeNs: r.virtualTimeNs,
      resets: r.resets,
      wedged: r.wedged,
      violations: r.violations.map((v) => ({
        invariant: v.invariant,
        message: v.message,
        atNs: v.atNs,
      })),
      jobs: r.jobs,
    }),
  );
  assert.equal(json.virtualTimeNs, r.virtualTimeNs);
  assert.deepEqual(json.jobs, r.jobs);
}

for (const design of DESIGN_NAMES) {
  test(`every scenario on ${design} returns the run JSON shape`, async () => {
    for (const spec of BUILTIN_SCENARIOS) {
      const hashes: string[] = [];
      for (const seed of [1, 2, 1]) {
        const r = await runScenario(
          spec,
          { design, seed, strategy: randomStrategy(), record: false },
          builtinScenario,
        );
        checkShape(r, spec.name, design, seed);
        hashes.push(r.traceHash);
      }
      assert.equal(hashes[2], hashes[0], `${spec.name}@${design}: seed 1 replays to the same hash`);
    }
  });
}
