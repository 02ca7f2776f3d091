/**
 * Scenario files in-process: the example file loads and runs; every built-in scenario can be
 * written as a file and read back unchanged; each kind of bad input (unreadable, malformed
 * YAML, a bad field, an unknown key, an unknown fault, a missing field) is a
 * `ScenarioFileError` naming the field and its line; the published JSON schema describes every
 * field of ScenarioSpec; the `<scenario>` argument resolves names and paths.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { UsageError } from '../../src/cli/args.js';
import { resolveScenario } from '../../src/cli/scenario-ref.js';
import { fifoStrategy } from '../../src/kernel/fifo.js';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../src/scenarios/builtin.js';
import {
  loadScenarioFile,
  parseScenarioText,
  ScenarioFileError,
  scenarioFileSchema,
  scenarioJsonSchema,
} from '../../src/scenarios/file.js';
import { runScenario } from '../../src/scenarios/runner.js';
import { EXAMPLE, tmp } from './helpers.js';

const VALID = `name: small
durationNs: 300ms
settleNs: 20s
clients:
  - name: r
    workload: renderer
    jobs: 2
`;

function fails(text: string): ScenarioFileError {
  try {
    parseScenarioText(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioFileError, `a ScenarioFileError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the file to be rejected');
}

test('the example scenario file loads, converts units and runs', async () => {
  const spec = loadScenarioFile(EXAMPLE);
  assert.equal(spec.name, 'hang-under-profiler');
  assert.equal(spec.durationNs, 3_000_000_000);
  assert.equal(spec.clients.length, 3);
  assert.equal(spec.driver?.jobTimeoutNs, 1_000_000_000);
  assert.deepEqual(spec.faults, [{ name: 'late-ack', atNs: 1_500_000_000, count: 1, rate: 1 }]);
  const r = await runScenario(spec, { design: 'default', seed: 1, strategy: fifoStrategy() });
  assert.ok(r.resets >= 1, 'the hang is reset');
  assert.ok(r.jobs.completed > 0);
  assert.equal(r.scenario, 'hang-under-profiler');
});

test('every built-in scenario written as YAML reads back unchanged', () => {
  for (const spec of BUILTIN_SCENARIOS) {
    const back = parseScenarioText(stringify(spec), `${spec.name}.yaml`);
    assert.deepEqual(back, spec, spec.name);
  }
});

test('bad fields are reported with their path and YAML line', () => {
  const negative = fails(VALID.replace('jobs: 2', 'jobs: -1'));
  assert.equal(negative.field, 'clients.0.jobs');
  assert.equal(negative.line, 7);
  assert.match(negative.message, /^bad\.yaml:7:\d+: clients\.0\.jobs: /);

  const fault = fails(
    `${VALID}faults:\n  - name: gpu-melt\n    atNs: 0\n    count: 1\n    rate: 1\n`,
  );
  assert.equal(fault.field, 'faults.0.name');
  assert.equal(fault.line, 9);
  assert.match(fault.message, /unknown fault 'gpu-melt'/);

  const vocab = fails(`${VALID}faultVocabulary: [lost-irq, melted]\n`);
  assert.equal(vocab.field, 'faultVocabulary.1');
  assert.equal(vocab.line, 8);

  const typo = fails(VALID.replace('jobs: 2', 'jbos: 2'));
  assert.equal(typo.field, 'clients.0.jbos');
  assert.equal(typo.line, 7);
  assert.match(typo.message, /unknown field 'jbos'/);

  const missing = fails(VALID.replace('settleNs: 20s\n', ''));
  assert.equal(missing.field, 'settleNs');
  assert.match(missing.message, /missing required field/);

  const workload = fails(VALID.replace('workload: renderer', 'workload: miner'));
  assert.equal(workload.field, 'clients.0.workload');
  assert.equal(workload.line, 6);

  const unit = fails(VALID.replace('300ms', '3 fortnights'));
  assert.equal(unit.field, 'durationNs');
  assert.equal(unit.line, 2);

  const mode = fails(VALID.replace('jobs: 2', 'mode: hang'));
  assert.match(mode.message, /mode is only for hostile workloads/);

  const rate = fails(`${VALID}faults:\n  - {name: lost-irq, atNs: 0, count: 1, rate: 1.5}\n`);
  assert.equal(rate.field, 'faults.0.rate');
  assert.equal(rate.line, 9);

  const huge = fails(VALID.replace('300ms', '7200s'));
  assert.match(huge.message, /longer than the limit/);
});

test('malformed YAML, an empty file and an unreadable file are clear errors', () => {
  const malformed = fails('name: [unclosed\nclients: 1\n');
  assert.match(malformed.message, /malformed YAML/);
  assert.ok(malformed.line !== null, 'malformed YAML has a line');

  const dup = fails('name: a\nname: b\n');
  assert.match(dup.message, /malformed YAML: .*unique/i);
  assert.equal(dup.line, 2);

  assert.match(fails('').message, /empty/);
  assert.match(fails('- a list\n').message, /expected a mapping/);

  const dir = tmp();
  try {
    assert.throws(
      () => loadScenarioFile(join(dir, 'missing.yaml')),
      (err: unknown) => {
        assert.ok(err instanceof ScenarioFileError);
        assert.match(err.message, /missing\.yaml: cannot read scenario file: .*no such file/i);
        return true;
      },
    );
    assert.throws(() => loadScenarioFile(dir), /cannot read scenario file: not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the JSON schema describes every field of a scenario', () => {
  const schema = scenarioJsonSchema();
  // A JSON schema document: draft 2020-12, an object with properties and required fields.
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.type, 'object');
  assert.equal(schema.additionalProperties, false);
  const props = schema.properties as Record<string, Record<string, unknown>>;
  for (const k of [
    'name',
    'description',
    'durationNs',
    'settleNs',
    'raceWindow',
    'clients',
    'actions',
    'faultVocabulary',
    'faults',
    'gpu',
    'driver',
    'mix',
  ]) {
    assert.ok(props[k] !== undefined, `schema has ${k}`);
  }
  assert.deepEqual(schema.required, ['name', 'durationNs', 'settleNs', 'clients']);
  const client = (props.clients as { items: { properties: Record<string, unknown> } }).items;
  for (const k of ['name', 'workload', 'startNs', 'jobs', 'jobNs', 'periodNs', 'queues']) {
    assert.ok(client.properties[k] !== undefined, `client schema has ${k}`);
  }
  assert.ok(JSON.stringify(schema).includes('stale-reset-completed'), 'fault names are enumerated');
  // JSON round trip (what `scenarios --schema` prints).
  assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  // The zod schema accepts what the JSON schema describes: every built-in scenario.
  for (const s of BUILTIN_SCENARIOS) assert.ok(scenarioFileSchema.safeParse(s).success, s.name);
});

test('the scenario argument: a built-in name, a file, or a usage error naming it', () => {
  assert.equal(resolveScenario('hang').spec, builtinScenario('hang'));
  assert.equal(resolveScenario('hang').programId('rwsem'), 'hang@rwsem');
  const file = resolveScenario(EXAMPLE);
  assert.equal(file.kind, 'file');
  assert.equal(
    file.programId('default', ['timeout-job-leak']),
    `file:${EXAMPLE}@default+timeout-job-leak`,
  );
  assert.throws(
    () => resolveScenario('hnag'),
    (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /unknown scenario 'hnag'.*hang, fault/);
      return true;
    },
  );
  const dir = tmp();
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, VALID.replace('jobs: 2', 'jobs: lots'));
    assert.throws(() => resolveScenario(bad), /bad\.yaml:7:\d+: clients\.0\.jobs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('raceWindow: a scenario file declares where a systematic search branches; a backwards one is refused', async () => {
  const spec = parseScenarioText(`${VALID}raceWindow: {fromNs: 5ms, untilNs: 125ms}\n`, 'w.yaml');
  assert.deepEqual(spec.raceWindow, { fromNs: 5_000_000, untilNs: 125_000_000 });
  const { scenarioProgram } = await import('../../src/scenarios/program.js');
  assert.deepEqual(scenarioProgram(spec, 'default').raceWindow, spec.raceWindow);
  assert.equal(
    scenarioProgram(parseScenarioText(VALID, 'v.yaml'), 'default').raceWindow,
    undefined,
  );
  const e = fails(`${VALID}raceWindow: {fromNs: 9ms, untilNs: 5ms}\n`);
  assert.match(e.message, /raceWindow: fromNs must be before untilNs/);
});
