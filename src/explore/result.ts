/**
 * The result of exploring a range of runs, and how results of disjoint ranges are merged.
 *
 * A campaign is cut into pieces (chunks on worker threads, shards on other machines) and the
 * pieces finish in any order, so the merge must not depend on that order: failures are kept
 * per invariant by lowest run index, totals are sums, and the self-check count is the sampled
 * checks plus one per kept failure. That makes a merged result equal to the result of running
 * the whole campaign in one piece, which the tests check for jobs 1 vs N and for shards.
 */
import type { FootprintMode } from '../kernel/hb.js';
import type { BranchWindow, DfsBoundKind, DfsReduction } from './dfs.js';
import type { Failure } from './failure.js';
import type { FaultSpec } from './program.js';

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

/** One subtree of a split DFS (frontier.ts), as far as this piece explored it. */
export interface DfsSubtreeResult {
  /** Its index in the frontier (DFS order). */
  index: number;
  /** Schedules run in it. */
  schedules: number;
  /** Every schedule of the subtree within the bounds was run. */
  exhausted: boolean;
  /**
   * Schedules of the subtree run before this part (a search continued after its budget ran
   * out, campaign.ts `rebudget`); absent: 0, the part starts at the subtree's first schedule.
   */
  from?: number;
  /** When not exhausted: the path of its last schedule, where a continuation goes on. */
  lastPath?: number[];
}

/**
 * Joins two parts of one subtree's search: the same part twice is one, and a continuation
 * (its `from` is where the other ended) extends it. Anything else is not one search.
 */
export function joinSubtreeParts(a: DfsSubtreeResult, b: DfsSubtreeResult): DfsSubtreeResult {
  const [x, y] = (a.from ?? 0) <= (b.from ?? 0) ? [a, b] : [b, a];
  const xFrom = x.from ?? 0;
  const yFrom = y.from ?? 0;
  if (xFrom === yFrom) return x;
  if (yFrom !== xFrom + x.schedules || x.exhausted) {
    throw new Error(
      `subtree ${a.index}: parts [${xFrom}, ${xFrom + x.schedules}) and [${yFrom}, ${yFrom + y.schedules}) do not join`,
    );
  }
  const out: DfsSubtreeResult = {
    index: x.index,
    schedules: x.schedules + y.schedules,
    exhausted: y.exhausted,
  };
  if (xFrom > 0) out.from = xFrom;
  if (y.lastPath !== undefined) out.lastPath = y.lastPath;
  return out;
}

/** How a DFS was split: the same for every piece and shard of one search. */
export interface DfsPlan {
  splitDepth: number;
  subtrees: number;
  /** Runs spent finding the frontier (each shard spends them; not counted as schedules). */
  frontierRuns: number;
  /** Schedules the whole search may run (shared among the subtrees by estimated size). */
  budget: number;
  /**
   * Runs spent continuing subtrees that used their whole share (the campaign's later rounds,
   * campaign.ts `rebudget`): one replay of the last schedule per continuation, not a schedule
   * of the search. (Before continuations, the runs of a subtree searched again from its start.)
   */
  rerunRuns?: number;
  /** Continuations so (one subtree may be continued in several rounds). */
  reruns?: number;
}

/** The Knuth tree-size estimate (tree-estimate.ts). */
export interface DfsEstimate {
  total: number;
  standardError: number;
  probes: number;
  perSubtree: number[];
}

/** What a DFS piece found beyond failures: for certificates (certificate.ts). */
export interface DfsTreeResult {
  /** Null when the tree was not split (one piece, subtree 0 is the whole tree). */
  plan: DfsPlan | null;
  subtrees: DfsSubtreeResult[];
  /** Schedules per outcome (`distinctOutcome` in certificate.ts). */
  outcomes: Record<string, number>;
  /** The distinct final states (`distinctState` in certificate.ts), sorted. */
  states: string[];
  /** The depth bound cut off an alternative the preemption bound allowed. */
  truncated: boolean;
  /** The reduction the search used (dfs.ts `por`) and the runs it ended early (not schedules). */
  reduction: DfsReduction;
  prunedRuns: number;
  /** What the reduction knew of the steps' accesses (hb.ts); null without reduction. */
  footprints: FootprintMode | null;
  /** What the bound counted: preemptions or delays (dfs.ts). */
  bound: DfsBoundKind;
  /** The depth bound and time jumps the search ran with, and the one fault draw of the seed. */
  maxDepth: number;
  /** Where in virtual time the search branched (dfs.ts `branchWindow`); null: everywhere. */
  branchWindow: BranchWindow | null;
  timeJumps: boolean;
  faults: FaultSpec[];
  estimate: DfsEstimate | null;
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
  /** dfs: subtrees, outcomes and states; absent or null for other strategies. */
  dfs?: DfsTreeResult | null;
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

/**
 * Run order: by subtree of a split DFS first (subtrees concatenated are the DFS order), then
 * by run number (which is local to the subtree there).
 */
export function runOrder(a: Failure, b: Failure): number {
  return (a.subtree ?? 0) - (b.subtree ?? 0) || a.run - b.run;
}

/** Keeps, per invariant, the failure with the lowest run index. Sorted by run. */
export function dedupeFailures(all: Iterable<Failure>): Failure[] {
  const best = new Map<string, Failure>();
  for (const f of all) {
    const cur = best.get(f.invariant);
    if (cur === undefined || runOrder(f, cur) < 0) best.set(f.invariant, f);
  }
  return [...best.values()].sort(
    (a, b) => runOrder(a, b) || a.invariant.localeCompare(b.invariant),
  );
}

/** Merges the DFS parts of pieces: subtrees joined, outcomes summed, states unioned. */
export function mergeDfs(
  parts: readonly (DfsTreeResult | null | undefined)[],
): DfsTreeResult | null {
  const present = parts.filter((p): p is DfsTreeResult => p !== null && p !== undefined);
  const first = present[0];
  if (first === undefined) return null;
  // Every part of each subtree (a continuation is a later part), joined in order below.
  const pieces = new Map<number, DfsSubtreeResult[]>();
  const outcomes: Record<string, number> = {};
  const states = new Set<string>();
  let truncated = false;
  let prunedRuns = 0;
  for (const p of present) {
    prunedRuns += p.prunedRuns;
    for (const t of p.subtrees) {
      const had = pieces.get(t.index);
      if (had === undefined) pieces.set(t.index, [t]);
      else had.push(t);
    }
    for (const [k, v] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
    for (const h of p.states) states.add(h);
    truncated ||= p.truncated;
  }
  return {
    plan: present.find((p) => p.plan !== null)?.plan ?? null,
    subtrees: [...pieces.values()]
      .map((ps) =>
        ps
          .sort((a, b) => (a.from ?? 0) - (b.from ?? 0))
          .reduce((joined, t) => joinSubtreeParts(joined, t)),
      )
      .sort((a, b) => a.index - b.index),
    outcomes: Object.fromEntries(Object.entries(outcomes).sort(([a], [b]) => a.localeCompare(b))),
    states: [...states].sort(),
    truncated,
    reduction: first.reduction,
    prunedRuns,
    // Conservative if any piece was: the weaker claim holds for the whole.
    footprints: present.some((p) => p.footprints === 'conservative')
      ? 'conservative'
      : first.footprints,
    bound: first.bound,
    maxDepth: first.maxDepth,
    branchWindow: first.branchWindow,
    timeJumps: first.timeJumps,
    faults: first.faults,
    estimate: present.find((p) => p.estimate !== null)?.estimate ?? null,
  };
}

/**
 * Whether two DFS searches of one tree reached the same distinct outcomes and the same final
 * states (certificate.ts): what partial-order reduction must preserve (docs/explorer.md §11).
 * Outcome counts may differ: a reduced search runs fewer schedules.
 */
export function sameOutcomesAndStates(
  a: DfsTreeResult | null | undefined,
  b: DfsTreeResult | null | undefined,
): boolean {
  const keys = (d: DfsTreeResult | null | undefined) => Object.keys(d?.outcomes ?? {}).join('\n');
  const states = (d: DfsTreeResult | null | undefined) => (d?.states ?? []).join('\n');
  return keys(a) === keys(b) && states(a) === states(b);
}

/**
 * Exhausted within the bounds: every subtree of the plan was explored to its end (an unsplit
 * search has the one subtree).
 */
export function dfsExhausted(d: DfsTreeResult): boolean {
  const want = d.plan === null ? 1 : d.plan.subtrees;
  return d.subtrees.length === want && d.subtrees.every((t) => t.exhausted);
}

/**
 * The 1-based index of a failure's schedule in the unsplit DFS order: the schedules of the
 * subtrees before its own, plus its run in its subtree. Null when a subtree before it is
 * missing (a shard not merged in) or was not explored to its end (its count is not the
 * unsplit search's).
 */
export function globalScheduleIndex(d: DfsTreeResult, f: Failure): number | null {
  const k = f.subtree ?? 0;
  let offset = 0;
  for (let i = 0; i < k; i++) {
    const t = d.subtrees.find((s) => s.index === i);
    if (t === undefined || !t.exhausted) return null;
    offset += t.schedules;
  }
  return offset + f.run;
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
  // Subtrees of a split DFS all start at run 0: their frontier order is the run order.
  const subtreeOf = (p: ExploreResult) => p.dfs?.subtrees[0]?.index ?? 0;
  let sorted = [...parts].sort((a, b) => a.from - b.from || subtreeOf(a) - subtreeOf(b));
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
  const dfs = mergeDfs(sorted.map((p) => p.dfs));
  // A split search is exhausted when all its subtrees are, whichever pieces ran them, and its
  // runs count from 1 in every subtree: the first violation is the first kept failure in DFS
  // order, at its global index when that is known (null when it is not).
  if (dfs?.plan) {
    exhausted = dfsExhausted(dfs);
    const first = failures.reduce<Failure | null>(
      (a, f) => (a === null || runOrder(f, a) < 0 ? f : a),
      null,
    );
    firstViolationRun = first === null ? null : globalScheduleIndex(dfs, first);
  }
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
    dfs,
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
