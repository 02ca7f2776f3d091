/**
 * The comparison both reduction tests make (por.test.ts, symmetry.test.ts): one program
 * searched by plain DFS and by a reducing DFS within the same bounds; the reducing search must
 * exhaust the same tree with the same outcomes and final states, replay its schedules and run
 * no more of them.
 */
import assert from 'node:assert/strict';
import type { BranchWindow, DfsBoundKind } from '../../src/explore/dfs.js';
import { type ExploreOptions, explore } from '../../src/explore/explore.js';
import type { Program } from '../../src/explore/program.js';

export type SearchResult = Awaited<ReturnType<typeof explore>>;

export interface SearchPair {
  plain: SearchResult;
  reduced: SearchResult;
}

export async function searchBoth(
  p: Program,
  bound: DfsBoundKind,
  depth: number,
  reduction: Pick<ExploreOptions, 'dfsPor' | 'dfsSymmetry' | 'dfsSleep'>,
  extra: { dfsMaxDepth?: number; dfsBranchWindow?: BranchWindow } = {},
): Promise<SearchPair> {
  const base = {
    ...extra,
    strategy: 'dfs',
    depth,
    dfsBound: bound,
    runs: 100_000,
    seed: 1,
    swarm: false,
    shrink: false,
  } as const;
  return { plain: await explore(p, base), reduced: await explore(p, { ...base, ...reduction }) };
}

export function assertSameSearch({ plain, reduced }: SearchPair, what: string): void {
  assert.equal(plain.exhausted, true, `${what}: plain dfs exhausted`);
  assert.equal(reduced.exhausted, true, `${what}: reducing dfs exhausted`);
  assert.deepEqual(
    Object.keys(reduced.dfs?.outcomes ?? {}),
    Object.keys(plain.dfs?.outcomes ?? {}),
    `${what}: the same outcomes`,
  );
  assert.deepEqual(reduced.dfs?.states, plain.dfs?.states, `${what}: the same final states`);
  assert.equal(reduced.determinism.mismatches.length, 0, `${what}: replays match`);
  assert.ok(reduced.totals.runs <= plain.totals.runs, `${what}: no more schedules than plain dfs`);
}
