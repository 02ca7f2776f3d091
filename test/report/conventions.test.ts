/**
 * The driver emits the trace conventions the report reads (docs/report.md §1): a `job`/`submit`
 * per hand-off, named as the job and its fence (`group3/q0#5`) with its client, a `done` or
 * the fence's signal at its end, reset requests and reset sequences; the exporter derives the
 * counters jobs in flight, jobs completed, reset requests and resets from them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromeTraceFromRun } from '../../src/report/chrome-trace.js';
import { builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';

test('a real run has the derived counters, and jobs by one name with their client', async () => {
  const spec = builtinScenario('fw-hang');
  assert.ok(spec !== undefined);
  const r = await runScenario(spec, { design: 'rwsem', seed: 1, trace: true }, builtinScenario);
  const events = r.trace ?? [];
  const submits = events.filter((e) => e.cat === 'job' && e.name === 'submit');
  assert.ok(submits.length > 0, 'jobs are submitted');
  const signals = new Set(events.filter((e) => e.cat === 'fence').map((e) => e.name));
  for (const s of submits) {
    assert.match(String(s.args?.name), /^group\d+\/q\d+#\d+$/, 'group/queue#seqno');
    assert.ok(
      signals.has(`signal ${s.args?.name}`),
      `the fence is named as the job ${s.args?.name}`,
    );
    assert.equal(typeof s.args?.client, 'string');
    assert.notEqual(s.args?.client, '');
  }
  const t = chromeTraceFromRun(r);
  const counters = new Set(t.traceEvents.filter((e) => e.ph === 'C').map((e) => e.name));
  for (const c of ['jobs in flight', 'jobs completed', 'reset requests', 'resets']) {
    assert.ok(counters.has(c), `counter ${c} (got ${[...counters].join(', ')})`);
  }
  const inFlight = t.traceEvents.filter((e) => e.ph === 'C' && e.name === 'jobs in flight');
  const last = inFlight[inFlight.length - 1]?.args as { value: number } | undefined;
  assert.equal(last?.value, 0, 'every submitted job ended');
});
