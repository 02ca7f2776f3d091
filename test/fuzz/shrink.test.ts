/**
 * The shrinker: a program that fails because of a real driver bug (the historical
 * `timeout-job-leak`: a timed-out job taken off its queue and never put back, so its fence is
 * never signalled and its group never released) shrinks to the calls that matter, still fails
 * the same way, and the same program passes without the bug.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { execProgram } from '../../src/fuzz/execute.js';
import { findingSignature, shrinkFuzzProgram } from '../../src/fuzz/shrink.js';
import { hangProgram } from './programs.js';

const bugs = ['timeout-job-leak'] as const;

test('without the bug the hang program is clean; with it, it leaks and a fence is never signalled', async () => {
  const clean = await execProgram(hangProgram());
  assert.deepEqual(clean.findings, []);
  assert.equal(clean.leaks?.total, 0);
  const bad = await execProgram(hangProgram(), { bugs });
  const kinds = bad.findings.map((f) => (f.what === undefined ? f.kind : `${f.kind}:${f.what}`));
  assert.ok(kinds.includes('fence-signalled'), kinds.join(', '));
  assert.ok(kinds.includes('leak:fences') && kinds.includes('leak:groups'), kinds.join(', '));
});

test('a failing program shrinks to the calls that matter and still fails the same way', async () => {
  const p = hangProgram();
  const r = await execProgram(p, { bugs });
  const target = r.findings.find((f) => f.kind === 'leak' && f.what === 'groups');
  assert.ok(target !== undefined);
  const s = await shrinkFuzzProgram(p, target, { bugs, budget: 150 });
  assert.ok(s.callsAfter < s.callsBefore / 2, `${s.callsBefore} -> ${s.callsAfter} calls`);
  assert.equal(findingSignature(s.program, s.finding), 'leak:groups');
  // The shrunk program fails again on its own, and not without the bug.
  const again = await execProgram(s.program, { bugs });
  assert.ok(again.findings.some((f) => findingSignature(s.program, f) === 'leak:groups'));
  assert.deepEqual((await execProgram(s.program)).findings, []);
  // What is left is the job: the noise went.
  const ops = s.program.calls.map((c) => c.op);
  assert.ok(ops.includes('GROUP_SUBMIT') && ops.includes('MAP_WRITE'), ops.join(' '));
  assert.ok(!ops.includes('DEV_QUERY') && !ops.includes('GEM_CLOSE'), ops.join(' '));
  assert.equal(s.program.files.length, 1, 'the unused file slot went');
});
