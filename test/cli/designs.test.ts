/**
 * `resetlab designs --json`: every preset with what it follows, its deltas, its Resettable order
 * and its failure policy; `panthor` has no delta; `tyr` is there. And `--design` compositions:
 * a preset with factors changed runs, a bad factor or value exits 2 naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inProcess, oneJson } from './helpers.js';

test('designs --json: {designs: [{name, follows, deltas, resettable, failure}]}; panthor has no delta; tyr is listed', async () => {
  const r = await inProcess(['designs', '--json']);
  assert.equal(r.code, 0);
  const j = oneJson(r) as {
    designs: {
      name: string;
      follows: string;
      deltas: string[];
      resettable: string[];
      failure: string;
    }[];
  };
  const by = new Map(j.designs.map((d) => [d.name, d]));
  for (const n of ['default', 'panthor', 'tyr', 'rwsem', 'srcu-epoch', 'rebind'])
    assert.ok(by.has(n), n);
  assert.deepEqual(by.get('panthor')?.deltas, []);
  assert.deepEqual(by.get('panthor')?.resettable, ['sched', 'fw', 'mmu']);
  assert.equal(by.get('panthor')?.failure, 'unplug');
  assert.deepEqual(by.get('tyr')?.resettable, ['mmu', 'fw', 'sched']);
  assert.equal(by.get('tyr')?.failure, 'panic');
  assert.ok(by.get('tyr')?.deltas.includes('resettable-registration-order'));
  assert.match(by.get('panthor')?.follows ?? '', /v7\.0/);
});

test('--design takes a composition; a bad factor or value exits 2 naming it', async () => {
  const ok = await inProcess(['run', 'hang', '--design', 'rwsem+failure=wedge', '--json']);
  assert.equal(ok.code, 0);
  assert.equal(oneJson(ok).design, 'rwsem+failure=wedge');
  const badFactor = await inProcess(['run', 'hang', '--design', 'rwsem+failur=wedge', '--json']);
  assert.equal(badFactor.code, 2);
  assert.match(JSON.stringify(oneJson(badFactor)), /unknown factor 'failur'/);
  const badValue = await inProcess(['run', 'hang', '--design', 'rwsem+failure=wedgy']);
  assert.equal(badValue.code, 2);
  assert.match(
    badValue.stderr,
    /factor failure: unknown value 'wedgy' \(one of unplug, wedge, panic, log\)/,
  );
  const conflict = await inProcess(['run', 'hang', '--design', 'panthor+refused=wait']);
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /refused=wait needs a gate/);
});
