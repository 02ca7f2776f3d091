/**
 * `resetlab ablate`: every one-factor switch of a design, with the harm invariants it breaks.
 * On `perfcnt` one run is enough to see that `default`'s perfcnt policy is what keeps the
 * Panfrost as_count from underflowing (panfrost_mmu_reset zeroes it under a session's reference).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FACTORS } from '../../src/driver/reset/factors.js';
import { invariantFamily } from '../../src/kernel/violations.js';
import { hasKeys, inProcess, oneJson } from './helpers.js';

interface Row {
  factor: string;
  from: string;
  to: string;
  violated: Record<string, number>;
  with?: Record<string, string>;
  skipped?: string;
}

test('ablate --json: {design, factors: [{factor, from, to, violated}]}, one row per other value', async () => {
  const r = await inProcess([
    'ablate',
    'default',
    '--runs',
    '1',
    '--scenarios',
    'perfcnt',
    '--jobs',
    '1',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = oneJson(r) as { design: string; factors: Row[]; baseline: { violated: object } };
  hasKeys(j, ['design', 'runs', 'strategy', 'seed', 'scenarios', 'baseline', 'factors'], 'ablate');
  assert.equal(j.design, 'default');
  assert.deepEqual(j.baseline.violated, {}, 'default itself holds every harm');
  const others = FACTORS.reduce((n, f) => n + f.values.length - 1, 0);
  assert.equal(j.factors.length, others, 'one row per factor and other value');
  for (const row of j.factors) {
    hasKeys(row, ['factor', 'from', 'to', 'violated'], `${row.factor}=${row.to}`);
    assert.notEqual(row.from, row.to);
    for (const [inv, run] of Object.entries(row.violated)) {
      assert.equal(invariantFamily(inv), 'harm', `${inv} is a harm`);
      assert.ok(Number.isInteger(run) && run >= 1, 'a 1-based run');
    }
  }
  const perfcnt = j.factors.find((x) => x.factor === 'perfcnt' && x.to === 'none');
  assert.equal(perfcnt?.violated['refcount-underflow'], 1, 'mainline perfcnt underflows as_count');
  // gate=none cannot keep refused=wait (nothing is refused without a gate): it goes back too.
  const gate = j.factors.find((x) => x.factor === 'gate' && x.to === 'none');
  assert.equal(gate?.with?.refused, 'fail');
  assert.equal(gate?.skipped, undefined);
  const text = await inProcess([
    'ablate',
    'default',
    '--runs',
    '1',
    '--scenarios',
    'perfcnt',
    '--factors',
    'perfcnt,gate',
    '--jobs',
    '1',
  ]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^the design itself: nothing breaks$/m);
  assert.match(text.stdout, /^perfcnt restore → none +refcount-underflow \(run 1, perfcnt\)/m);
  assert.doesNotMatch(text.stdout, /^blame /m, '--factors keeps to the factors named');
  for (const line of text.stdout.split('\n')) assert.ok(line.length <= 100, line);
});

test('ablate: a bad design or flag exits 2 naming it', async () => {
  const bad = await inProcess(['ablate', 'rwsemm', '--runs', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /<design>.*unknown design 'rwsemm'/);
  const factor = await inProcess(['ablate', 'rwsem+failur=wedge', '--json']);
  assert.equal(factor.code, 2);
  assert.match(JSON.stringify(oneJson(factor)), /unknown factor 'failur'/);
  const runs = await inProcess(['ablate', 'default', '--runs', '0']);
  assert.equal(runs.code, 2);
});
