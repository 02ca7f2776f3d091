/**
 * Cutting a bounded DFS tree into disjoint subtrees, for worker threads and shards.
 *
 * The frontier is the set of distinct decision prefixes of length `splitDepth` (shorter ones
 * where a schedule ends first), in DFS order. It is found by iterative deepening: a DFS whose
 * depth bound is the split depth runs once per prefix, and the split depth grows (by one while the frontier grows, by half while it does not) until
 * there are at least `target` prefixes, the tree has no decision below the split depth, or a
 * run budget for the split is spent (then the last complete depth is used). A DFS restricted
 * to one prefix (dfs.ts `prefix`) replays it and never backtracks into it, so:
 * - the subtrees are disjoint, and their union is exactly the unsplit tree within the same
 *   bounds (a schedule's first `splitDepth` choices are one of the prefixes, and the
 *   preemption budget left below a prefix depends on the prefix alone);
 * - concatenated in frontier order they are the unsplit DFS order, which is what gives a
 *   failure found in subtree k a global schedule index (result.ts `globalScheduleIndex`).
 *
 * Pure and deterministic: the same program, seed, faults and bounds give the same frontier on
 * every machine, which is why every shard can compute it for itself and take subtree k when
 * k mod N is its index.
 */
import { dfsStrategy } from './dfs.js';
import type { Program } from './program.js';
import { type EstimateOptions, searchRun } from './tree-estimate.js';

export interface FrontierOptions extends EstimateOptions {
  /** Stop deepening once there are this many subtrees (default 64). */
  target?: number;
  /** Runs the split may spend over all depths (default 64 × target). */
  budget?: number;
}

export interface Frontier {
  splitDepth: number;
  /** Decision prefixes (ordinals, dfs.ts `path()`), in DFS order. */
  prefixes: number[][];
  /** Runs spent finding it (not schedules of the search: each is re-run in its subtree). */
  runs: number;
}

export const DEFAULT_SPLIT_TARGET = 64;

/** The prefixes of length `d` (or the whole path where a run ends first), or null past `cap`. */
async function prefixesAt(
  program: Program,
  o: FrontierOptions,
  d: number,
  cap: number,
): Promise<{ prefixes: number[][]; deeper: boolean } | null> {
  const s = dfsStrategy({
    preemptionBound: o.preemptionBound,
    ...(o.bound !== undefined ? { bound: o.bound } : {}),
    maxDepth: d,
    timeJumps: o.timeJumps,
    symmetry: o.symmetry === true,
  });
  const prefixes: number[][] = [];
  let deeper = false;
  do {
    if (prefixes.length >= cap) return null;
    await searchRun(program, o, s);
    const path = s.path();
    prefixes.push(path);
    // A decision at depth d was cut off: the tree goes on below this depth.
    if (s.truncated) deeper = true;
  } while (!s.done);
  return { prefixes, deeper };
}

export async function dfsFrontier(program: Program, o: FrontierOptions): Promise<Frontier> {
  const target = Math.max(1, o.target ?? DEFAULT_SPLIT_TARGET);
  let budget = o.budget ?? 64 * target;
  let best: Frontier = { splitDepth: 0, prefixes: [[]], runs: 0 };
  let runs = 0;
  // The depth grows with the frontier's measured growth: from the last two depths tried, the
  // subtree count is extrapolated geometrically (the same factor per level as measured) to
  // the depth that reaches the target, at most doubling the depth at once. A tree that turns
  // bushier than measured overshoots the target; the enumeration's budget bounds that (past
  // it, the last frontier found is used).
  // Every enumeration costs as many runs as it finds prefixes, so a tree that grows slowly
  // (a delay bound branches once per decision: window@default at delay bound 1 needed 33
  // enumerations, 1338 runs, one level at a time, for a 664-schedule tree) must not be
  // deepened one level at a time; where the frontier does not grow at all (bound 0 branches
  // only where prev blocks) the depth grows by half.
  let d = 1;
  let prev: { d: number; n: number } | null = null;
  while (d <= o.maxDepth) {
    const r = await prefixesAt(program, o, d, budget);
    if (r === null) break;
    const n = r.prefixes.length;
    runs += n;
    budget -= n;
    best = { splitDepth: d, prefixes: r.prefixes, runs };
    if (n >= target || !r.deeper) break;
    let step: number;
    if (prev === null || n <= prev.n) {
      step = prev === null ? 1 : Math.max(1, d >> 1);
    } else {
      const perLevel = Math.log(n / prev.n) / (d - prev.d);
      step = Math.ceil(Math.log(target / n) / perLevel);
      step = Math.max(1, Math.min(step, d));
    }
    prev = { d, n };
    d += step;
  }
  best.runs = runs;
  return best;
}
