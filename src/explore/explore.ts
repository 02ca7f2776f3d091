/**
 * The campaign core: run a program many times under a strategy, collect failures, shrink
 * them, and check that runs are deterministic. Pure: no wall clock and no timers, so that the
 * same options give the same result on any machine; the command line (src/campaign/campaign.ts)
 * adds time, worker threads and signals around it.
 *
 * Run i of a campaign is a function of (campaign seed, i) alone: its seed is
 * `runSeed(seed, i)`, its faults are the swarm draw for that seed, and the strategy is
 * re-seeded from it at `start` (a portfolio picks its member from i). That is what lets a
 * campaign be cut into chunks for worker threads and into shards (`i mod N == I`) for other
 * machines, and merged back (result.ts) into exactly the result of one sequential run.
 *
 * dfs is the exception: it enumerates one program's schedules across consecutive runs, so all
 * its runs use the campaign seed and one fault draw, and a run range cannot be chunked. It is
 * cut by subtree instead (frontier.ts): with `dfsPrefix` a piece explores only the subtree
 * below that prefix (the campaign runner gives subtree k to shard k mod N and spreads a
 * shard's subtrees over its workers). Without a prefix, a shard other than 0 runs nothing
 * (shard 0 runs the whole enumeration; merge then gives the same result). A dfs piece also
 * records what a certificate needs (result.ts `DfsTreeResult`): schedules per outcome and the
 * distinct final states (certificate.ts defines both).
 *
 * The determinism self-check replays every `selfCheckEvery`-th run and every kept failure and
 * compares trace hashes. A mismatch is reported in `determinism.mismatches`; it is a bug in
 * the model and is never dropped.
 */
import { mix32 } from '../kernel/prng.js';
import type { Strategy } from '../kernel/strategy.js';
import { estimateContestedSteps } from './calibrate.js';
import { distinctOutcome, distinctState } from './certificate.js';
import { type BranchWindow, type DfsBoundKind, type DfsStrategy, dfsSleepOf } from './dfs.js';
import { type Failure, failingViolation, hitLimit, type SelfCheck } from './failure.js';
import { isRunAware } from './portfolio.js';
import type { FaultSpec, Program } from './program.js';
import { selfCheck } from './rerun.js';
import { type DeterminismMismatch, type ExploreResult, emptyTotals } from './result.js';
import { shrinkFailure } from './shrink.js';
import {
  defaultDepth,
  isStrategyName,
  isSystematic,
  STRATEGY_NAMES,
  StrategyOptionsError,
  strategyFromName,
} from './strategy-factory.js';
import { drawFaults, type SwarmOptions } from './swarm.js';

export interface ShardSpec {
  index: number;
  count: number;
}

export interface ExploreProgress {
  runsDone: number;
  violatingRuns: number;
  /** Distinct invariants violated so far. */
  failures: number;
}

export interface ExploreOptions {
  /** Strategy name (strategy-factory.ts). */
  strategy: string;
  /** pct: bug depth; dfs: preemption bound (see strategy-factory.ts). */
  depth?: number;
  /** Runs in the whole campaign (run indices 0..runs-1). */
  runs: number;
  seed: number;
  shard?: ShardSpec;
  /** Explore only run indices in [from, to) (a chunk); defaults to the whole campaign. */
  from?: number;
  to?: number;
  /** End at the first violating run. */
  stopAfterFirst?: boolean;
  /** Draw faults per run from the program's vocabulary (default true); false uses `faults`. */
  swarm?: boolean | SwarmOptions;
  /** Faults for every run when swarm is off (default none). */
  faults?: readonly FaultSpec[];
  /** pct/portfolio: k; estimated from the program when absent (calibrate.ts). */
  pctSteps?: number;
  /** dfs: decisions explored systematically per run. */
  dfsMaxDepth?: number;
  /** dfs: what `depth` bounds, preemptions (default) or delays (dfs.ts). */
  dfsBound?: DfsBoundKind;
  /**
   * dfs: where in virtual time the search branches (dfs.ts `branchWindow`). Absent: the
   * program's own race window (`Program.raceWindow`, a litmus declares one), else the whole
   * run; null: the whole run.
   */
  dfsBranchWindow?: BranchWindow | null;
  /** dfs: explore only the subtree below this decision prefix (frontier.ts). */
  dfsPrefix?: readonly number[];
  /** dfs: the index of that subtree in the frontier, kept on its failures and in the result. */
  dfsSubtree?: number;
  /**
   * dfs: continue a search of this subtree that stopped after `from` schedules, the last of
   * them this path (its `lastPath`, dfs.ts `resumeAfter`): the run that replays it is not
   * counted, and run numbers go on from `from`.
   */
  dfsResumeAfter?: readonly number[];
  /** dfs: merge equivalent states (dfs.ts `por`, hb.ts). */
  dfsPor?: boolean;
  /**
   * dfs: leave out choices that only rename fresh pool workers (dfs.ts `symmetry`). Default:
   * what `dfsPor` says (`--por` turns on every reduction resetlab has).
   */
  dfsSymmetry?: boolean;
  /**
   * dfs: sleep sets (dfs.ts `sleep`). Default: what `dfsPor` says; they act only under a
   * preemption bound, branching over the whole run, with complete footprints (`dfsSleepOf`).
   */
  dfsSleep?: boolean;
  /** Step limit per run (the program's default when absent). */
  maxSteps?: number;
  /** Self-check every n-th run index (default 64; failures are always checked). */
  selfCheckEvery?: number;
  /**
   * Added to the run index before the self-check's modulo: subtrees of a split dfs all count
   * runs from 0, and without an offset each would replay its run 0 (most subtrees are small).
   */
  selfCheckOffset?: number;
  /** Shrink kept failures (default true) and the attempt budget. */
  shrink?: boolean | { budget?: number };
  /**
   * Lowest violating run number (1-based) per invariant already known from other pieces of
   * the campaign:
   * failures above it will be discarded by the merge, so they are not shrunk or checked.
   */
  knownFirst?: Readonly<Record<string, number>>;
  /** Called with each kept failure (first per invariant in this piece), shrunk and checked. */
  onFailure?: (f: Failure) => void;
  /**
   * Called every `progressEvery` runs and at the end. A returned promise is awaited, which is
   * how the command line lets signals in between runs without a timer in this file.
   */
  onProgress?: (p: ExploreProgress) => void | Promise<void>;
  progressEvery?: number;
  /** Polled after each progress call: true ends the piece early (interrupt). */
  shouldStop?: () => boolean;
}

export const MAX_RUNS = 1_000_000_000;

export class ExploreOptionsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExploreOptionsError';
  }
}

/** The seed of run `i` of a campaign. mix32 is a bijection, so seeds differ for i < 2^32. */
export function runSeed(campaignSeed: number, i: number): number {
  return mix32(mix32(campaignSeed ^ 0x2545f491) ^ i);
}

/** Whether run `i` belongs to `shard`. */
export function inShard(i: number, shard: ShardSpec | undefined): boolean {
  return shard === undefined || i % shard.count === shard.index;
}

export function validateExploreOptions(o: ExploreOptions): void {
  if (!isStrategyName(o.strategy)) {
    throw new StrategyOptionsError(
      'name',
      `unknown strategy '${o.strategy}'; allowed: ${STRATEGY_NAMES.join(', ')}`,
      STRATEGY_NAMES,
    );
  }
  if (!Number.isInteger(o.runs) || o.runs < 0 || o.runs > MAX_RUNS) {
    throw new ExploreOptionsError('runs', `runs must be an integer in [0, ${MAX_RUNS}]`);
  }
  if (!Number.isInteger(o.seed)) throw new ExploreOptionsError('seed', 'seed must be an integer');
  if (o.shard !== undefined) {
    const { index, count } = o.shard;
    if (
      !Number.isInteger(count) ||
      count < 1 ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= count
    ) {
      throw new ExploreOptionsError(
        'shard',
        `shard must be I/N with 0 <= I < N, got ${index}/${count}`,
      );
    }
  }
  const from = o.from ?? 0;
  const to = o.to ?? o.runs;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > o.runs || from > to) {
    throw new ExploreOptionsError('from', `range [${from}, ${to}) is not inside [0, ${o.runs})`);
  }
  if (isSystematic(o.strategy) && from !== 0 && o.dfsResumeAfter === undefined) {
    throw new ExploreOptionsError(
      'from',
      'dfs enumerates from run 0 and cannot be chunked (only continued: dfsResumeAfter)',
    );
  }
  if (o.dfsResumeAfter !== undefined && !isSystematic(o.strategy)) {
    throw new ExploreOptionsError('dfsResumeAfter', 'only a dfs search can be continued');
  }
}

/** The faults of a run with this seed. */
export function faultsFor(program: Program, o: ExploreOptions, seed: number): FaultSpec[] {
  const swarm = o.swarm ?? true;
  if (swarm === false || program.faults.length === 0)
    return [...(o.faults ?? program.defaultFaults ?? [])];
  return drawFaults(program.faults, seed, {
    ...(program.swarm ?? {}),
    ...(swarm === true ? {} : swarm),
  });
}

/** The branch window a dfs search of `program` uses (`dfsBranchWindow`; null: the whole run). */
export function dfsBranchWindowOf(
  program: Program,
  o: { dfsBranchWindow?: BranchWindow | null },
): BranchWindow | null {
  return o.dfsBranchWindow !== undefined ? o.dfsBranchWindow : (program.raceWindow ?? null);
}

/** Whether a dfs search leaves out symmetric choices (`dfsSymmetry`, by default `dfsPor`). */
export function dfsSymmetryOf(o: { dfsPor?: boolean; dfsSymmetry?: boolean }): boolean {
  return o.dfsSymmetry ?? o.dfsPor ?? false;
}

/** Whether a dfs search uses sleep sets (`dfsSleep`, by default `dfsPor`; dfs.ts `dfsSleepOf`). */
export function dfsSleepOfOptions(
  o: { dfsPor?: boolean; dfsSleep?: boolean; dfsBound?: DfsBoundKind },
  window: BranchWindow | null,
): boolean {
  return dfsSleepOf(o.dfsPor === true, o.dfsBound ?? 'preemption', window === null, o.dfsSleep);
}

export async function explore(program: Program, o: ExploreOptions): Promise<ExploreResult> {
  validateExploreOptions(o);
  const systematic = isSystematic(o.strategy);
  const depth = o.depth ?? defaultDepth(o.strategy as Parameters<typeof defaultDepth>[0]);
  const needsK = o.strategy === 'pct' || o.strategy === 'portfolio';
  const pctSteps = needsK
    ? (o.pctSteps ??
      (await estimateContestedSteps(program, {
        seed: o.seed,
        faultsFor: (s) => faultsFor(program, o, s),
        ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      })))
    : null;
  const strategy: Strategy = strategyFromName(o.strategy, {
    depth,
    ...(pctSteps !== null ? { steps: pctSteps } : {}),
    ...(o.dfsMaxDepth !== undefined ? { maxDepth: o.dfsMaxDepth } : {}),
    ...(o.dfsBound !== undefined ? { bound: o.dfsBound } : {}),
    ...(o.dfsPrefix !== undefined ? { prefix: o.dfsPrefix } : {}),
    ...(o.dfsResumeAfter !== undefined ? { resumeAfter: o.dfsResumeAfter } : {}),
    ...(o.dfsPor !== undefined ? { por: o.dfsPor } : {}),
    ...(dfsSymmetryOf(o) ? { symmetry: true } : {}),
    ...(o.dfsSleep !== undefined ? { sleep: o.dfsSleep } : {}),
    ...(systematic ? { branchWindow: dfsBranchWindowOf(program, o) } : {}),
  });
  const from = o.from ?? 0;
  const to = o.to ?? o.runs;
  const every = Math.max(1, o.selfCheckEvery ?? 64);
  const progressEvery = Math.max(1, o.progressEvery ?? 64);
  const shrinkOpt = o.shrink ?? true;
  const shrinkBudget = typeof shrinkOpt === 'object' ? shrinkOpt.budget : undefined;
  const maxSteps = o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {};

  const totals = emptyTotals();
  const kept = new Map<string, Failure>();
  const mismatches: DeterminismMismatch[] = [];
  let sampled = 0;
  let firstViolationRun: number | null = null;
  let stoppedEarly = false;
  let sinceProgress = 0;
  // dfs: one program, one seed, one fault mix for the whole enumeration.
  const fixedFaults = systematic ? faultsFor(program, o, o.seed) : null;
  const skipAll =
    systematic && o.dfsPrefix === undefined && o.shard !== undefined && o.shard.index !== 0;
  const outcomes: Record<string, number> = {};
  const states = new Set<string>();

  const progress = async (): Promise<void> => {
    sinceProgress = 0;
    await o.onProgress?.({
      runsDone: totals.runs,
      violatingRuns: totals.violatingRuns,
      failures: kept.size,
    });
  };

  // Continuing a stopped search: one run replays its last schedule to rebuild the frames (not
  // a schedule: it was counted by the search that ran it), then the loop runs the next ones.
  let resumeReplays = 0;
  if (o.dfsResumeAfter !== undefined && !skipAll && from < to) {
    const replay = await program.run({
      seed: o.seed,
      strategy,
      faults: fixedFaults ?? [],
      record: true,
      stopOnViolation: true,
      ...maxSteps,
    });
    // A path this search would not take (another search's, or the program changed) is an
    // error of the caller's, not a schedule with a violation.
    const off = replay.violations.find(
      (v) => v.invariant === 'model-error' && v.message.startsWith('replay diverged'),
    );
    if (off !== undefined) {
      throw new ExploreOptionsError('dfsResumeAfter', `the path does not replay: ${off.message}`);
    }
    resumeReplays = 1;
  }
  const resumedDone = resumeReplays > 0 && (strategy as DfsStrategy).done;

  for (let i = from; i < to && !skipAll && !resumedDone; i++) {
    if (!systematic && !inShard(i, o.shard)) continue;
    const seed = systematic ? o.seed : runSeed(o.seed, i);
    const faults = fixedFaults ?? faultsFor(program, o, seed);
    if (isRunAware(strategy)) strategy.beginRun(i);
    const runOnce = () =>
      program.run({ seed, strategy, faults, record: true, stopOnViolation: true, ...maxSteps });
    let report = await runOnce();
    // dfs with reduction: a run that reached a state already searched is not a schedule; the
    // next run is the next schedule (or none, when that was the last branch).
    while (report.outcome === 'pruned' && !(strategy as DfsStrategy).done) report = await runOnce();
    if (report.outcome === 'pruned') break;
    totals.runs++;
    totals.steps += report.steps;
    totals.decisions += report.decisions;
    if (hitLimit(report)) totals.limitRuns++;
    if (systematic) {
      const key = distinctOutcome(report);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      states.add(distinctState(report));
    }
    const run = { seed, faults, schedule: report.schedule, timeJumps: strategy.timeJumps };

    // Replays the run once and records a mismatch; a failure of a sampled run reuses the
    // sampled check instead of replaying the run again (and reporting its mismatch twice).
    let checked: SelfCheck | null = null;
    const check = async (): Promise<SelfCheck> => {
      if (checked !== null) return checked;
      const c = await selfCheck(program, run, report.traceHash, o.maxSteps);
      if (!c.ok) {
        mismatches.push({
          run: i + 1,
          seed,
          expected: report.traceHash,
          actual: c.traceHash,
          divergence: c.divergence,
        });
      }
      checked = c;
      return c;
    };
    if ((i + (o.selfCheckOffset ?? 0)) % every === 0) {
      sampled++;
      await check();
    }

    const v = failingViolation(report);
    if (v !== null) {
      totals.violatingRuns++;
      if (firstViolationRun === null) firstViolationRun = i + 1;
      const known = o.knownFirst?.[v.invariant];
      if (!kept.has(v.invariant) && (known === undefined || known >= i + 1)) {
        const failure: Failure = {
          program: program.id,
          invariant: v.invariant,
          message: v.message,
          report: v.report ?? null,
          run: i + 1,
          seed,
          strategy: strategy.name,
          depth,
          timeJumps: strategy.timeJumps,
          faults,
          schedule: report.schedule,
          traceHash: report.traceHash,
          steps: report.steps,
          decisions: report.decisions,
          virtualTimeNs: report.virtualTimeNs,
          selfCheck: null,
          shrunk: null,
          ...(o.dfsSubtree !== undefined ? { subtree: o.dfsSubtree } : {}),
        };
        failure.selfCheck = await check();
        if (failure.selfCheck.ok && shrinkOpt !== false) {
          // Shrinking a run that does not replay (a mismatch, recorded by check) would chase
          // noise.
          failure.shrunk = await shrinkFailure(program, failure, {
            ...(shrinkBudget !== undefined ? { budget: shrinkBudget } : {}),
            ...maxSteps,
          });
        }
        kept.set(v.invariant, failure);
        o.onFailure?.(failure);
      }
      if (o.stopAfterFirst) {
        stoppedEarly = i + 1 < to;
        break;
      }
    }
    if (systematic && (strategy as DfsStrategy).done) {
      stoppedEarly = i + 1 < to;
      break;
    }
    if (++sinceProgress >= progressEvery) {
      await progress();
      if (o.shouldStop?.()) {
        stoppedEarly = i + 1 < to;
        break;
      }
    }
  }
  await progress();

  const failures = [...kept.values()].sort((a, b) => a.run - b.run);
  const dfs = systematic ? (strategy as DfsStrategy) : null;
  return {
    program: program.id,
    strategy: o.strategy,
    depth,
    seed: o.seed,
    plannedRuns: o.runs,
    shard: o.shard ?? null,
    from,
    to,
    totals,
    firstViolationRun,
    failures,
    determinism: { sampled, failures: failures.length, mismatches },
    exhausted: systematic ? (strategy as DfsStrategy).done : null,
    pctSteps,
    stoppedEarly,
    dfs:
      dfs === null
        ? null
        : {
            plan: null,
            subtrees:
              skipAll || (totals.runs === 0 && resumeReplays === 0)
                ? []
                : [
                    {
                      index: o.dfsSubtree ?? 0,
                      schedules: totals.runs,
                      exhausted: dfs.done,
                      // Where the search would go on (a subtree cut by its budget is continued
                      // from here, campaign.ts `rebudget`).
                      ...(dfs.done ? {} : { lastPath: dfs.path() }),
                      ...(from > 0 ? { from } : {}),
                    },
                  ],
            outcomes: Object.fromEntries(
              Object.entries(outcomes).sort(([a], [b]) => a.localeCompare(b)),
            ),
            states: [...states].sort(),
            truncated: dfs.truncated,
            reduction: dfs.reduction,
            prunedRuns: dfs.pruned,
            footprints: dfs.footprintMode,
            bound: dfs.bound,
            maxDepth: dfs.maxDepth,
            branchWindow: dfs.branchWindow,
            timeJumps: dfs.timeJumps,
            faults: fixedFaults ?? [],
            estimate: null,
          },
  };
}
