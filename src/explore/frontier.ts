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
import {
  type EstimateOptions,
  estimateTreeSize,
  searchRun,
  type TreeEstimate,
} from './tree-estimate.js';

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
  /**
   * No decision below the split depth has an alternative: every prefix is a whole schedule,
   * each subtree exactly one (a small tree, enumerated whole while deepening), so nothing is
   * left to estimate or refine.
   */
  complete?: boolean;
}

export const DEFAULT_SPLIT_TARGET = 64;

/**
 * The prefixes of length `d` (or the whole path where a run ends first) below `below`, or null
 * past `cap`.
 */
async function prefixesAt(
  program: Program,
  o: FrontierOptions,
  d: number,
  cap: number,
  below: readonly number[] = [],
): Promise<{ prefixes: number[][]; deeper: boolean } | null> {
  const s = dfsStrategy({
    preemptionBound: o.preemptionBound,
    ...(o.bound !== undefined ? { bound: o.bound } : {}),
    maxDepth: d,
    ...(o.branchWindow !== undefined ? { branchWindow: o.branchWindow } : {}),
    timeJumps: o.timeJumps,
    symmetry: o.symmetry === true,
    prefix: below,
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
    best = { splitDepth: d, prefixes: r.prefixes, runs, complete: !r.deeper };
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

/** How far `refineFrontier` splits: the largest subtree's share, and what it may spend. */
export interface RefineOptions {
  /** Split while a subtree's estimate exceeds this share of the tree's (default 1/16). */
  maxShare?: number;
  /**
   * Runs the refinement may spend, enumerations and probes together (default: 5% of the
   * estimated tree or of `schedules`, whichever is smaller, at most 4096: a small tree, or a
   * short search of a big one, is not worth splitting finer).
   */
  budget?: number;
  /** The schedules the search may run (its `--runs`), for the default budget. */
  schedules?: number;
  /** A subtree estimated below this many schedules is not split (default 256). */
  minSplit?: number;
  /** Subtrees at most (default 4096). */
  maxSubtrees?: number;
  /** Probes per new subtree (default 2: the least that gives a standard error). */
  probesPerSubtree?: number;
}

export const DEFAULT_MAX_SHARE = 1 / 16;

/**
 * Balances a frontier: while the subtree with the largest estimate holds more than `maxShare`
 * of the tree, it is replaced, in place, by its children one decision deeper (each estimated
 * with probes of its own). A uniform split depth leaves most of a delay-bounded tree in one
 * subtree: the one whose prefix takes only default choices keeps the whole budget for the
 * hundreds of decisions after it (`window@srcu-epoch` at delay bound 2, split at depth 10: 65
 * of its 66 subtrees were done 82 s in, and the last ran alone on one core for nine more
 * minutes). Splitting that subtree along its default path peels off, at each level, the subtrees
 * that spend one delay there, until the default one is small. A small tree is left as it is
 * (the budget is 5% of its estimate, and a subtree under `minSplit` schedules is not split):
 * each level costs a few runs, which only a long search earns back.
 *
 * Replacing a subtree by its children keeps everything the frontier promises: the children's
 * subtrees are disjoint, their union is the parent's, and in order they are its DFS order, so
 * the frontier stays a partition of the tree in DFS order. Deterministic (the probes' streams
 * are numbered by refinement step), and it depends on no job or shard count, so every shard
 * computes the same split.
 */
export async function refineFrontier(
  program: Program,
  o: FrontierOptions,
  frontier: Frontier,
  estimate: TreeEstimate,
  r: RefineOptions = {},
): Promise<{ frontier: Frontier; estimate: TreeEstimate }> {
  const maxShare = r.maxShare ?? DEFAULT_MAX_SHARE;
  let budget =
    r.budget ??
    Math.min(4096, Math.floor(Math.min(estimate.total, r.schedules ?? Infinity) * 0.05));
  const minSplit = r.minSplit ?? 256;
  const maxSubtrees = r.maxSubtrees ?? 4096;
  const per = Math.max(1, r.probesPerSubtree ?? 2);
  const prefixes = frontier.prefixes.map((p) => [...p]);
  const sizes = [...estimate.perSubtree];
  const variances = [...estimate.perSubtreeVariance];
  /** False for a subtree with no decision below its prefix: it cannot be split. */
  const splittable = prefixes.map(() => true);
  let runs = frontier.runs;
  let probes = estimate.probes;
  let length = estimate.runLength;
  let ahead = estimate.costlyAhead;
  for (let step = 0; ; step++) {
    const total = sizes.reduce((a, b) => a + b, 0);
    let i = -1;
    for (let k = 0; k < sizes.length; k++) {
      if (!splittable[k]) continue;
      if (i < 0 || (sizes[k] as number) > (sizes[i] as number)) i = k;
    }
    if (i < 0 || (sizes[i] as number) <= maxShare * total) break;
    if ((sizes[i] as number) < minSplit) break;
    if (budget <= 0 || prefixes.length >= maxSubtrees) break;
    const parent = prefixes[i] as number[];
    const found = await prefixesAt(program, o, parent.length + 1, budget, parent);
    if (found === null) break;
    runs += found.prefixes.length;
    budget -= found.prefixes.length;
    const children = found.prefixes;
    if (children.length <= 1 && (children[0]?.length ?? 0) <= parent.length) {
      splittable[i] = false;
      continue;
    }
    const e = await estimateTreeSize(
      program,
      o,
      children,
      per,
      1_000_003 * (step + 1),
      length,
      ahead,
    );
    probes += e.probes;
    budget -= e.probes;
    length = e.runLength;
    ahead = e.costlyAhead;
    prefixes.splice(i, 1, ...children);
    sizes.splice(i, 1, ...e.perSubtree);
    variances.splice(i, 1, ...e.perSubtreeVariance);
    splittable.splice(i, 1, ...children.map(() => true));
  }
  return {
    frontier: { splitDepth: frontier.splitDepth, prefixes, runs },
    estimate: {
      total: sizes.reduce((a, b) => a + b, 0),
      perSubtree: sizes,
      perSubtreeVariance: variances,
      probes,
      standardError: Math.sqrt(variances.reduce((a, b) => a + b, 0)),
      runLength: length,
      costlyAhead: ahead,
    },
  };
}
