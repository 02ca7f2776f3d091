/**
 * `resetlab designs --json`: every preset with what it follows, its deltas, its Resettable order
 * and its failure policy; `panthor` has no delta; `tyr` is there. And `--design` compositions:
 * a preset with factors changed runs, a bad factor or value exits 2 naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INVARIANTS } from '../../src/kernel/violations.js';
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

test('invariants --json: every invariant with its family; rules name the designs that claim them', async () => {
  const r = await inProcess(['invariants', '--json']);
  assert.equal(r.code, 0);
  const j = oneJson(r) as {
    invariants: {
      id: string;
      family: string;
      holds: string;
      claimedWhen?: string;
      claimedBy?: string[];
    }[];
  };
  const by = new Map(j.invariants.map((i) => [i.id, i]));
  assert.deepEqual([...by.keys()], [...INVARIANTS]);
  for (const i of j.invariants) {
    assert.ok(i.family === 'harm' || i.family === 'rule', i.id);
    assert.ok(i.holds.length > 10, `${i.id} says what it holds`);
    assert.equal(i.claimedBy !== undefined, i.family === 'rule', `${i.id}: claimedBy iff rule`);
  }
  for (const h of ['innocent-survives', 'fence-signalled', 'recovery', 'deadlock', 'reset-dedup'])
    assert.equal(by.get(h)?.family, 'harm', h);
  // The rules of docs/design.md §2, each claimed by the designs whose factors make the claim.
  assert.deepEqual(by.get('submit-after-fault')?.claimedBy, ['default']);
  assert.deepEqual(by.get('hw-access-during-reset')?.claimedBy, ['default', 'rwsem', 'srcu-epoch']);
  assert.deepEqual(by.get('wedge-protocol')?.claimedBy, ['default']);
  // Mainline Panthor claims no rule: it is judged by harm alone.
  const designs = oneJson(await inProcess(['designs', '--json'])) as {
    designs: { name: string; claims: string[] }[];
  };
  assert.deepEqual(designs.designs.find((d) => d.name === 'panthor')?.claims, []);
  for (const cmd of ['invariants', 'designs']) {
    const text = await inProcess([cmd]);
    for (const line of text.stdout.split('\n')) assert.ok(line.length <= 100, `${cmd}: ${line}`);
  }
});
