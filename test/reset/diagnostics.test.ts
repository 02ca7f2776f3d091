/**
 * Reports from the whole driver, through the bug switches of the historical corpus
 * (src/driver/bugs.ts): the refcount WARN of `perfcnt-as-underflow` with the counter's
 * history naming the driver functions, the use after free of `reset-work-after-unbind`
 * (Tyr) naming where the I/O mapping was released, and the recovery report; registers by
 * name in messages. Each is one plain run (FIFO, the scenario's own faults).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runJson } from '../../src/cli/run.js';
import { parseScenarioText } from '../../src/scenarios/file.js';
import { runScenario } from '../../src/scenarios/runner.js';

function reportOf(
  r: { violations: { invariant: string; report: string[] | null }[] },
  inv: string,
): string[] {
  const v = r.violations.find((x) => x.invariant === inv);
  assert.ok(v !== undefined, `a ${inv} violation in ${r.violations.map((x) => x.invariant)}`);
  assert.ok(v.report !== null, `${inv} has a report`);
  return v.report;
}

test('perfcnt-as-underflow: the refcount WARN and the history with the reset that zeroed it', async () => {
  const r = await runJson({
    scenario: 'perfcnt',
    design: 'default',
    seed: 1,
    strategy: 'fifo',
    bugs: ['perfcnt-as-underflow'],
  });
  const l = reportOf(r, 'refcount-underflow');
  assert.equal(l[0], '------------[ cut here ]------------');
  assert.equal(l[1], 'refcount_t: underflow; use-after-free.');
  assert.match(
    l[2] ?? '',
    /^WARNING: refcount_t vm \S+\.as\.active_cnt at vmIdle \[driver\/mmu\.ts\]/,
  );
  assert.match(l[3] ?? '', /^get\/put history of vm \S+ \(the last \d+ of \d+ operations\):$/);
  const history = l.slice(4, -1);
  // The reset's releaseAsLocked zeroed the count (the bug), then the idle put underflowed.
  assert.ok(
    history.some((h) => /set 1 -> 0 {2}at releaseAsLocked \[driver\/mmu\.ts\]$/.test(h)),
    history.join('\n'),
  );
  assert.match(
    history[history.length - 1] ?? '',
    /put 0 -> underflow {2}at vmIdle \[driver\/mmu\.ts\]$/,
  );
  assert.equal(l[l.length - 1], '---[ end trace ]---');
});

test('reset-work-after-unbind (Tyr): use after free names where the mapping was released', async () => {
  const r = await runJson({
    scenario: 'unbind',
    design: 'tyr',
    seed: 3889644388,
    strategy: 'fifo',
    bugs: ['reset-work-after-unbind'],
  });
  const l = reportOf(r, 'use-after-free');
  assert.equal(l[0], '='.repeat(66));
  assert.match(l[1] ?? '', /^BUG: use-after-free in \S+ \[driver\/device\.ts\]$/);
  assert.match(l[2] ?? '', /^.+ on panthor\d+ iomem by task \S+ at \d+\.\d{6} s$/);
  assert.match(l[4] ?? '', /^Freed by task action0:unbind\/\d+ at \d+\.\d{6} s:$/);
  assert.equal(l[5], ' releaseResources [driver/device.ts]');
});

test('recovery: the report says when the bound expired and what was stuck', async () => {
  const spec = parseScenarioText(
    'name: no-settle\ndurationNs: 50ms\nsettleNs: 0\nclients:\n  - {name: r, workload: renderer, jobs: 1}\n',
  );
  const r = await runScenario(spec, { design: 'default', seed: 1 });
  const v = r.violations.find((x) => x.invariant === 'recovery');
  assert.ok(v?.report !== undefined);
  assert.match(
    v.report[0] ?? '',
    /^INFO: the recovery bound \(0 ns after faults stopped\) expired at 0\.\d{6} s; what was stuck then:$/,
  );
  assert.ok(v.report.some((x) => /^works queued or running: /.test(x)));
  assert.ok(v.report.some((x) => /^fences not signalled: /.test(x)));
});
