/**
 * The campaign core: run seeds, shards and chunks. A campaign cut into shards or chunks and
 * merged must equal the campaign run in one piece: same failures (lowest run per invariant),
 * same totals, same first violation, same self-check count.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { type ExploreOptions, explore, inShard, runSeed } from '../../src/explore/explore.js';
import type { Program } from '../../src/explore/program.js';
import {
  type DfsSubtreeResult,
  type ExploreResult,
  joinSubtreeParts,
  mergeDfs,
  mergeResults,
} from '../../src/explore/result.js';
import { flakyProgram, noisyProgram } from './programs.js';

/** The parts of a result that must not depend on how the campaign was cut. */
function essence(r: ExploreResult) {
  return {
    totals: r.totals,
    firstViolationRun: r.firstViolationRun,
    failures: r.failures,
    determinism: r.determinism,
  };
}

async function whole(p: Program, o: ExploreOptions) {
  return explore(p, o);
}

test('run seeds are deterministic and distinct', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) seen.add(runSeed(42, i));
  assert.equal(seen.size, 10_000);
  assert.equal(runSeed(42, 7), runSeed(42, 7));
  assert.notEqual(runSeed(42, 7), runSeed(43, 7));
});

test('shards are disjoint and cover the campaign', () => {
  const n = 3;
  for (let i = 0; i < 100; i++) {
    let owners = 0;
    for (let s = 0; s < n; s++) if (inShard(i, { index: s, count: n })) owners++;
    assert.equal(owners, 1);
  }
});

for (const [name, mk, strategy] of [
  ['flaky/random', flakyProgram, 'random'],
  ['noisy/pct', noisyProgram, 'pct'],
] as const) {
  test(`${name}: shards 0/3, 1/3, 2/3 merged equal the unsharded campaign`, async () => {
    const base = { strategy, runs: 700, seed: 11, pctSteps: 60 };
    const all = await whole(mk(), base);
    assert.ok(all.failures.length > 0, 'the campaign finds something');
    const parts = [];
    for (let index = 0; index < 3; index++) {
      parts.push(await explore(mk(), { ...base, shard: { index, count: 3 } }));
    }
    assert.equal(
      parts.reduce((a, p) => a + p.totals.runs, 0),
      700,
    );
    assert.deepEqual(essence(mergeResults(parts)), essence(all));
  });

  test(`${name}: chunks merged in any order equal the campaign run in one piece`, async () => {
    const base = { strategy, runs: 700, seed: 5, pctSteps: 60 };
    const all = await whole(mk(), base);
    const chunks = [];
    for (let from = 0; from < 700; from += 100) {
      chunks.push(await explore(mk(), { ...base, from, to: from + 100 }));
    }
    chunks.reverse();
    assert.deepEqual(essence(mergeResults(chunks)), essence(all));
  });
}

test('stopAfterFirst: merged chunks stop where the single run stops', async () => {
  const base = { strategy: 'pct', runs: 2000, seed: 3, pctSteps: 60, stopAfterFirst: true };
  const all = await explore(noisyProgram(), base);
  assert.ok(all.firstViolationRun !== null);
  // Run numbers are 1-based: stopping after run N made N runs.
  assert.equal(all.totals.runs, all.firstViolationRun);
  const chunks = [];
  for (let from = 0; from < 2000; from += 50) {
    chunks.push(await explore(noisyProgram(), { ...base, from, to: from + 50 }));
  }
  assert.deepEqual(essence(mergeResults(chunks, { stopAfterFirst: true })), essence(all));
});

test('bad options are typed errors naming the field', async () => {
  const p = flakyProgram();
  await assert.rejects(
    explore(p, { strategy: 'nope', runs: 1, seed: 1 }),
    /allowed: random, pct, dfs/,
  );
  await assert.rejects(
    explore(p, { strategy: 'random', runs: -1, seed: 1 }),
    (e: Error & { field?: string }) => e.field === 'runs',
  );
  await assert.rejects(
    explore(p, { strategy: 'random', runs: 10, seed: 1, shard: { index: 3, count: 3 } }),
    (e: Error & { field?: string }) => e.field === 'shard',
  );
  await assert.rejects(
    explore(p, { strategy: 'dfs', runs: 10, seed: 1, from: 5 }),
    (e: Error & { field?: string }) => e.field === 'from',
  );
});

test('onFailure and onProgress are called; shouldStop ends the campaign early', async () => {
  const found: string[] = [];
  const progress: number[] = [];
  const r = await explore(flakyProgram(), {
    strategy: 'random',
    runs: 1000,
    seed: 1,
    progressEvery: 100,
    onFailure: (f) => found.push(f.invariant),
    onProgress: (p) => {
      progress.push(p.runsDone);
    },
    shouldStop: () => progress.length >= 3,
  });
  assert.deepEqual(found.sort(), r.failures.map((f) => f.invariant).sort());
  assert.equal(r.totals.runs, 300);
  assert.equal(r.stoppedEarly, true);
  assert.deepEqual(progress, [100, 200, 300, 300]);
});

test('the parts of a continued dfs subtree join in any order; the same part twice is one; a gap or an overlap is an error', () => {
  const a: DfsSubtreeResult = { index: 3, schedules: 10, exhausted: false, lastPath: [0, 1] };
  const b: DfsSubtreeResult = { index: 3, from: 10, schedules: 5, exhausted: false, lastPath: [1] };
  const c: DfsSubtreeResult = { index: 3, from: 15, schedules: 2, exhausted: true };
  const tree = (subtrees: DfsSubtreeResult[]) => ({
    plan: null,
    subtrees,
    outcomes: {},
    states: [],
    truncated: false,
    reduction: 'none' as const,
    prunedRuns: 0,
    footprints: null,
    bound: 'preemption' as const,
    maxDepth: 10,
    branchWindow: null,
    timeJumps: true,
    faults: [],
    estimate: null,
  });
  for (const order of [
    [a, b, c],
    [c, b, a],
    [b, c, a],
  ]) {
    const m = mergeDfs(order.map((t) => tree([t])));
    assert.deepEqual(m?.subtrees, [{ index: 3, schedules: 17, exhausted: true }]);
  }
  assert.deepEqual(joinSubtreeParts(a, b), {
    index: 3,
    schedules: 15,
    exhausted: false,
    lastPath: [1],
  });
  assert.deepEqual(joinSubtreeParts(a, a), a);
  assert.throws(() => joinSubtreeParts(a, c), /do not join/);
  assert.throws(
    () => joinSubtreeParts({ ...a, exhausted: true }, b),
    /do not join/,
    'nothing continues an exhausted subtree',
  );
});
