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
  // The depth grows by one while the frontier grows, and by half while it does not: a long
  // stretch without branching (bound 0 branches only where prev blocks) must not cost one
  // enumeration per decision, and a bushy stretch must not overshoot the target by a factor
  // (each subtree costs probes and a chunk).
  let d = 1;
  let last = 0;
  while (d <= o.maxDepth) {
    const r = await prefixesAt(program, o, d, budget);
    if (r === null) break;
    runs += r.prefixes.length;
    budget -= r.prefixes.length;
    best = { splitDepth: d, prefixes: r.prefixes, runs };
    if (r.prefixes.length >= target || !r.deeper) break;
    d += r.prefixes.length > last ? 1 : Math.max(1, d >> 1);
    last = r.prefixes.length;
  }
  best.runs = runs;
  return best;
}
