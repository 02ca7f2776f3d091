/**
 * The fidelity ledger (src/driver/fidelity.ts) and docs/fidelity.md agree, every factor value
 * that is not the kernel's names a delta of the ledger, every design delta is introduced by one,
 * and the `panthor` preset uses none.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PRESETS } from '../../src/driver/config.js';
import { DELTAS } from '../../src/driver/fidelity.js';
import { designDeltas } from '../../src/driver/reset/design.js';
import { FACTORS } from '../../src/driver/reset/factors.js';
import { deltaTable, factorOfDelta } from './ledger-table.js';

const DOC = new URL('../../docs/fidelity.md', import.meta.url);

test('fidelity: docs/fidelity.md carries exactly the ledger (regenerate with test/fidelity/ledger-table.ts)', () => {
  const text = readFileSync(DOC, 'utf8');
  const m = /<!-- deltas:begin -->\n([\s\S]*?)\n<!-- deltas:end -->/.exec(text);
  assert.ok(m !== null, 'the markers are there');
  assert.equal(m[1], deltaTable());
});

test('fidelity: the document names the pinned tag and its commit', () => {
  const text = readFileSync(DOC, 'utf8');
  assert.match(
    text,
    /\*\*Linux v7\.0\*\*, tag `v7\.0`, commit `028ef9c96e96197026887c0f092424679298aae8`/,
  );
});

test('fidelity: delta ids are unique, and each has a kernel function and a reason', () => {
  const ids = DELTAS.map((d) => d.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const d of DELTAS) {
    assert.ok(d.kernel.length > 0 && d.why.length > 0 && d.summary.length > 0, d.id);
  }
});

test('fidelity: the first value of every factor is the kernel’s (no delta); every other names a ledger delta', () => {
  const known = new Set(DELTAS.map((d) => d.id));
  for (const f of FACTORS) {
    assert.equal(f.values[0]?.delta, null, `${f.name}=${f.values[0]?.value} is the kernel's`);
    for (const v of f.values.slice(1)) {
      assert.ok(v.delta !== null && known.has(v.delta), `${f.name}=${v.value} names a known delta`);
    }
  }
  // And every design delta is introduced by some factor value.
  const by = factorOfDelta();
  for (const d of DELTAS.filter((x) => x.kind === 'design')) assert.ok(by.has(d.id), d.id);
});

test('fidelity: panthor uses no delta; every other preset lists its own', () => {
  const panthor = PRESETS.find((p) => p.name === 'panthor');
  assert.ok(panthor !== undefined);
  assert.deepEqual(designDeltas(panthor), []);
  for (const p of PRESETS.filter((x) => x.name !== 'panthor'))
    assert.ok(designDeltas(p).length > 0, p.name);
});
