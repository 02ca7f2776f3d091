/**
 * The result of exploring a range of runs, and how results of disjoint ranges are merged.
 *
 * A campaign is cut into pieces (chunks on worker threads, shards on other machines) and the
 * pieces finish in any order, so the merge must not depend on that order: failures are kept
 * per invariant by lowest run index, totals are sums, and the self-check count is the sampled
 * checks plus one per kept failure. That makes a merged result equal to the result of running
 * the whole campaign in one piece, which the tests check for jobs 1 vs N and for shards.
 */
import type { Failure } from './failure.js';

export interface ExploreTotals {
  /** Runs executed. */
  runs: number;
  /** Kernel steps over all runs. */
  steps: number;
  /** Decisions with two or more options over all runs. */
  decisions: number;
  /** Runs that violated an invariant (not only the kept, deduplicated ones). */
  violatingRuns: number;
  /** Runs cut off by a step or virtual-time limit. */
  limitRuns: number;
}

export interface DeterminismMismatch {
  /** The run number, 1-based (as `Failure.run`). */
  run: number;
  seed: number;
  expected: string;
  actual: string;
  divergence: string | null;
}

export interface DeterminismReport {
  /** Runs re-executed because their index is a multiple of the sampling interval. */
  sampled: number;
  /** Failures re-executed (one per kept failure). */
  failures: number;
  /** Every mismatch found; each is a bug in the model and is never dropped by a merge. */
  mismatches: DeterminismMismatch[];
}

export interface ExploreResult {
  program: string;
  strategy: string;
  depth: number;
  seed: number;
  /** Runs the whole campaign was asked for. */
  plannedRuns: number;
  shard: { index: number; count: number } | null;
  /** The run-index range this result covers, [from, to). */
  from: number;
  to: number;
  totals: ExploreTotals;
  /** The first violating run number, 1-based (as `Failure.run`). */
  firstViolationRun: number | null;
  /** One failure per invariant: the lowest run that violated it. Sorted by run. */
  failures: Failure[];
  determinism: DeterminismReport;
  /** dfs: whether the tree (within its bounds) was exhausted; null for other strategies. */
  exhausted: boolean | null;
  /** pct and portfolio: the k (contested decisions per run) the change points were drawn over. */
  pctSteps: number | null;
  /** The piece ended before `to` because of stopAfterFirst, an exhausted dfs or a stop request. */
  stoppedEarly: boolean;
}

export function emptyTotals(): ExploreTotals {
  return { runs: 0, steps: 0, decisions: 0, violatingRuns: 0, limitRuns: 0 };
}

export function addTotals(a: ExploreTotals, b: ExploreTotals): ExploreTotals {
  return {
    runs: a.runs + b.runs,
    steps: a.steps + b.steps,
    decisions: a.decisions + b.decisions,
    violatingRuns: a.violatingRuns + b.violatingRuns,
    limitRuns: a.limitRuns + b.limitRuns,
  };
}

/** Keeps, per invariant, the failure with the lowest run index. Sorted by run. */
export function dedupeFailures(all: Iterable<Failure>): Failure[] {
  const best = new Map<string, Failure>();
  for (const f of all) {
    const cur = best.get(f.invariant);
    if (cur === undefined || f.run < cur.run) best.set(f.invariant, f);
  }
  return [...best.values()].sort((a, b) => a.run - b.run || a.invariant.localeCompare(b.invariant));
}

export interface MergeOptions {
  /**
   * The pieces were run with stopAfterFirst: pieces after the first one with a violation are
   * dropped, as the single-piece run would never have reached them. Only meaningful for
   * contiguous chunks, not for interleaved shards.
   */
  stopAfterFirst?: boolean;
}

/** Merges results of disjoint pieces of one campaign. `parts` must be non-empty. */
export function mergeResults(
  parts: readonly ExploreResult[],
  opts: MergeOptions = {},
): ExploreResult {
  const first = parts[0];
  if (first === undefined) throw new Error('mergeResults: nothing to merge');
  let sorted = [...parts].sort((a, b) => a.from - b.from);
  if (opts.stopAfterFirst) {
    const cut = sorted.findIndex((p) => p.firstViolationRun !== null);
    if (cut >= 0) sorted = sorted.slice(0, cut + 1);
  }
  let totals = emptyTotals();
  let sampled = 0;
  const mismatches = new Map<number, DeterminismMismatch>();
  let firstViolationRun: number | null = null;
  let exhausted: boolean | null = null;
  let pctSteps: number | null = null;
  let stoppedEarly = false;
  for (const p of sorted) {
    totals = addTotals(totals, p.totals);
    sampled += p.determinism.sampled;
    for (const m of p.determinism.mismatches) if (!mismatches.has(m.run)) mismatches.set(m.run, m);
    if (p.firstViolationRun !== null) {
      firstViolationRun =
        firstViolationRun === null
          ? p.firstViolationRun
          : Math.min(firstViolationRun, p.firstViolationRun);
    }
    if (p.exhausted !== null) exhausted = (exhausted ?? false) || p.exhausted;
    if (p.pctSteps !== null) pctSteps = p.pctSteps;
    stoppedEarly ||= p.stoppedEarly;
  }
  const failures = dedupeFailures(sorted.flatMap((p) => p.failures));
  return {
    program: first.program,
    strategy: first.strategy,
    depth: first.depth,
    seed: first.seed,
    plannedRuns: first.plannedRuns,
    shard: parts.length === 1 ? first.shard : sameShard(parts),
    from: Math.min(...sorted.map((p) => p.from)),
    to: Math.max(...sorted.map((p) => p.to)),
    totals,
    firstViolationRun,
    failures,
    determinism: {
      sampled,
      failures: failures.length,
      mismatches: [...mismatches.values()].sort((a, b) => a.run - b.run),
    },
    exhausted,
    pctSteps,
    stoppedEarly,
  };
}

/** Chunks of one shard keep the shard; pieces of different shards make a whole campaign. */
function sameShard(parts: readonly ExploreResult[]): ExploreResult['shard'] {
  const s = parts[0]?.shard ?? null;
  for (const p of parts) {
    if (p.shard?.index !== s?.index || p.shard?.count !== s?.count) return null;
  }
  return s;
}
