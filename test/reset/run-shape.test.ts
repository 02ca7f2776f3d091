/**
 * Every design runs every built-in scenario, and `runScenario` returns the fields of the DESIGN
 * §4 `run` JSON shape with the right types:
 * `{scenario, design, seed, traceHash, virtualTimeNs, resets, wedged,
 *   violations: [{invariant, message, atNs}], jobs: {completed, failed, innocentLost}}`.
 * Two seeds per pair under random scheduling, and seed 1 once more: a run is a pure function
 * of its inputs, so it must give the same trace hash. For seed 1, the JSON `resetlab run
 * --json` prints is checked against the same run.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { runJson } from '../../src/cli/run.js';
import { DESIGN_NAMES, type DesignName } from '../../src/driver/config.js';
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
}

interface Fields {
  scenario: string;
  design: string;
  seed: number;
  traceHash: string;
  virtualTimeNs: number;
  resets: number;
  wedged: boolean;
  violations: readonly { invariant: string; message: string; atNs: number }[];
  jobs: { completed: number; failed: number; innocentLost: number };
}

/** The docs/design.md §4 fields of a run (a violation's other fields left out). */
function fields(r: Fields): Fields {
  const { scenario, design, seed, traceHash, virtualTimeNs, resets, wedged, jobs } = r;
  const violations = r.violations.map(({ invariant, message, atNs }) => ({
    invariant,
    message,
    atNs,
  }));
  return { scenario, design, seed, traceHash, virtualTimeNs, resets, wedged, violations, jobs };
}

/**
 * The `run` JSON that `resetlab run --json` prints (src/cli/run.ts), through JSON and back,
 * says what `runScenario` said for the same inputs: every docs/design.md §4 field is there and keeps
 * its value.
 */
async function checkJson(r: ScenarioResult, design: DesignName): Promise<void> {
  const out = await runJson({
    scenario: r.scenario,
    design,
    seed: r.seed,
    strategy: 'random',
    bugs: [],
  });
  const json: Fields = JSON.parse(JSON.stringify(out));
  assert.deepEqual(fields(json), fields(r), `${r.scenario}@${design} seed ${r.seed}: run JSON`);
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
        if (hashes.length === 0) await checkJson(r, design);
        hashes.push(r.traceHash);
      }
      assert.equal(hashes[2], hashes[0], `${spec.name}@${design}: seed 1 replays to the same hash`);
    }
  });
}
