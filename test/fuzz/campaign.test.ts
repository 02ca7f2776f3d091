/**
 * A small campaign over every design: no exception escapes the model, every call returns a
 * value or an errno its ioctl may return, the uAPI's rejections and the file isolation hold,
 * and the `default` design (which must hold every invariant) leaks nothing and violates
 * nothing. The report has the docs/design.md §4 `fuzz` shape.
 *
 * Known and reported, so not asserted here for the other designs: `rebind` leaks the groups
 * that were on a CSG slot when the device was unplugged (their last reference is the slot's,
 * and the tick that would drop it never runs again), and `rwsem` / `srcu-epoch` lose a VM
 * whose VM_DESTROY the gate refused after its handle was removed.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { DESIGN_NAMES } from '../../src/driver/config.js';
import { runFuzz } from '../../src/fuzz/fuzz.js';

test('a small campaign over all designs: no model exception; default clean', async () => {
  let clock = 0;
  const seen: string[] = [];
  const r = await runFuzz({
    runs: 20,
    seed: 1000,
    calls: 40,
    now: () => (clock += 500),
    shrink: false,
    onProgram: (_i, p) => seen.push(p.design),
  });
  assert.equal(r.programs, 20);
  assert.deepEqual([...new Set(seen)].sort(), [...DESIGN_NAMES].sort());
  assert.ok(r.calls > 20 * 30, `${r.calls} calls`);
  const byErrno = Object.values(r.errnos).reduce((a, b) => a + b, 0);
  assert.equal(byErrno, r.calls, 'every completed call has a result');
  assert.ok((r.errnos.OK ?? 0) > 0 && (r.errnos.EINVAL ?? 0) > 0);
  assert.equal(typeof r.leaks, 'number');
  assert.ok(Array.isArray(r.violations));
  assert.ok(r.programsPerSec !== undefined && r.programsPerSec > 0);
  const kinds = (d?: string) =>
    r.violations
      .filter((v) => d === undefined || v.design === d)
      .map((v) => `${v.design} ${v.invariant}: ${v.message}`);
  for (const bad of ['model-error', 'errno', 'must-fail', 'result', 'isolation'])
    assert.deepEqual(
      kinds().filter((k) => k.includes(` ${bad}`)),
      [],
      `no ${bad} finding on any design`,
    );
  assert.deepEqual(kinds('default'), [], 'default violates nothing');
  assert.equal(r.designs.default?.leaks, 0, 'default leaks nothing');
  assert.equal(r.incomplete, 0, 'every program ran to its end');
});
