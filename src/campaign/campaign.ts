/**
 * The campaign runner: `explore` with wall-clock time, worker threads, failure files as they
 * are found, and interruption. This file and the other files of src/campaign/ are the only
 * explorer code allowed to look at the clock or use timers; the core (src/explore/) is pure.
 *
 * A campaign is cut into contiguous chunks of run indices. With `jobs` 1 the chunks run in this
 * thread, one after another, yielding to the event loop between progress reports so that
 * signals are seen; with `jobs` > 1 they run on a piscina pool, a bounded window of chunks in
 * flight. Either way the chunk results are merged by run index (src/explore/result.ts), which
 * makes the result independent of `jobs`, of the chunk size and of completion order.
 *
 * Failure files are kept in step with the merged view after every chunk: a newly kept failure
 * is written at once, and a file whose failure was superseded by an earlier run of the same
 * invariant (found later by another worker) is removed, so the directory always holds exactly
 * the failures of the result. `summary.json` is written at the end, also when interrupted.
 *
 * dfs is cut by subtree instead of by run range (src/explore/frontier.ts): this thread finds
 * the frontier and Knuth's estimate of the tree (the same on every shard, both being pure
 * functions of the program, seed and bounds), keeps the subtrees k with k mod N == I of its
 * shard and runs them as the chunks, each with its share of the schedule budget (`runs`,
 * by estimated subtree size: `shareBudget`). The merge joins subtrees, so the result is the same for any `jobs` and, merged
 * over shards, the same as one unsharded search.
 *
 * Expected problems (unknown program, bad options) are returned as values naming the field;
 * an exception means a bug (in a worker it ends the campaign).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { estimateContestedSteps } from '../explore/calibrate.js';
import { hash53 } from '../explore/certificate.js';
import { type BranchWindow, type DfsBoundKind, dfsReduction } from '../explore/dfs.js';
import {
  dfsBranchWindowOf,
  dfsSleepOfOptions,
  dfsSymmetryOf,
  type ExploreOptions,
  ExploreOptionsError,
  explore,
  faultsFor,
  type ShardSpec,
  validateExploreOptions,
} from '../explore/explore.js';
import type { Failure } from '../explore/failure.js';
import { DEFAULT_SPLIT_TARGET, dfsFrontier, refineFrontier } from '../explore/frontier.js';
import type { Program } from '../explore/program.js';
import { getProgram, programIds } from '../explore/registry.js';
import {
  type DfsEstimate,
  type DfsPlan,
  type DfsSubtreeResult,
  dedupeFailures,
  dfsExhausted,
  type ExploreResult,
  emptyTotals,
  mergeResults,
} from '../explore/result.js';
import {
  isSystematic,
  StrategyOptionsError,
  strategyFromName,
} from '../explore/strategy-factory.js';
import type { SwarmOptions } from '../explore/swarm.js';
import {
  type EstimateOptions,
  estimateTreeSize,
  type TreeEstimate,
} from '../explore/tree-estimate.js';
import { fifoStrategy } from '../kernel/fifo.js';
import { writeFailure } from './failure-file.js';
import { chunkKey, Journal, type JournalHeader } from './journal.js';
import { onPoolError } from './pool-errors.js';
import { buildSummary, type CampaignSummary } from './summary.js';
import { type ChunkTask, loadRegistry, resolveRegistry } from './worker.js';

export interface CampaignOptions {
  /** Program id (`<scenario>@<design>`). */
  program: string;
  /** Module (path or URL) that registers programs when imported, in this thread and workers. */
  registry: string;
  strategy: string;
  depth?: number;
  /** dfs: what `depth` bounds, preemptions (default) or delays (dfs.ts). */
  dfsBound?: DfsBoundKind;
  /** dfs: decisions explored systematically per run (default 10 000; later ones take the default). */
  dfsMaxDepth?: number;
  /**
   * dfs: where in virtual time the search branches (dfs.ts `branchWindow`); absent: the
   * program's race window, else the whole run; null: the whole run.
   */
  dfsBranchWindow?: BranchWindow | null;
  /** dfs: merge equivalent states (dfs.ts `por`). */
  dfsPor?: boolean;
  /** dfs: leave out symmetric choices (dfs.ts `symmetry`; default `dfsPor`). */
  dfsSymmetry?: boolean;
  runs: number;
  seed: number;
  /** Worker threads (default 1: run in this thread). */
  jobs?: number;
  shard?: ShardSpec;
  /**
   * Directory for failure files, summary.json and the journal of finished chunks (journal.ts);
   * nothing is written without it.
   */
  out?: string;
  /**
   * Resume from `out`'s journal: the chunks an earlier session of the same campaign finished
   * are not run again (journal.ts). Needs `out`.
   */
  resume?: boolean;
  stopAfterFirst?: boolean;
  shrink?: boolean | { budget?: number };
  swarm?: boolean | SwarmOptions;
  pctSteps?: number;
  maxSteps?: number;
  /** Run indices per chunk (default: about 8 chunks per job, within [64, 8192]). */
  chunkSize?: number;
  /** dfs: subtrees to split the tree into at least (default 64, or 4 per shard if more). */
  splitTarget?: number;
  /** dfs: Knuth probes per subtree for the tree-size estimate (default: 256 in all, >= 2). */
  probesPerSubtree?: number;
  /**
   * dfs: split a subtree further while it holds more than this share of the estimated tree
   * (frontier.ts `refineFrontier`; default 1/16; 1 leaves the uniform split as it is).
   */
  splitMaxShare?: number;
  /**
   * Invariants this campaign is expected to violate, overriding the program's own `expected`
   * (the command line expects nothing of `default` and anything of a weaker design).
   */
  expected?: readonly string[] | null;
  /** Aborting stops scheduling; the result covers the chunks finished so far. */
  signal?: AbortSignal;
  /** Name of the signal that caused the abort, for the summary. */
  signalName?: () => string | null;
  onProgress?: (p: CampaignProgress) => void;
  onFailure?: (f: Failure, file: string | null) => void;
}

export interface CampaignProgress {
  runsDone: number;
  /** Runs this campaign (or shard) will do at most. */
  runsTotal: number;
  violatingRuns: number;
  /** Distinct invariants violated so far. */
  failures: number;
  runsPerSec: number;
  /** Estimated time to completion, or null before the first runs. */
  etaMs: number | null;
  elapsedMs: number;
  /**
   * dfs: the estimated schedules of the whole tree within the bounds (Knuth), with finished
   * subtrees counted exactly; `runsTotal` is then this shard's estimated share, capped by the
   * budget.
   */
  treeSizeEstimate?: number;
}

export interface CampaignError {
  field: string;
  message: string;
  /** For an unknown program: the ids that exist. */
  known?: string[];
}

export type CampaignOutcome =
  | { ok: true; summary: CampaignSummary }
  | { ok: false; error: CampaignError };

/** What `planCampaign` learned about a dfs tree without searching it. */
export interface CampaignPlan {
  program: string;
  /** Schedules in the tree within the bounds: Knuth's estimate, or the count when `exact`. */
  treeSizeEstimate: number;
  standardError: number;
  /** The frontier enumerated the whole tree: `treeSizeEstimate` is its count. */
  exact: boolean;
  subtrees: number;
  /** Runs the frontier and the probes took. */
  frontierRuns: number;
  /** Runs timed for the rate: random paths within the bounds, spread over the frontier. */
  timedRuns: number;
  /** The whole plan, the timed runs included. */
  elapsedMs: number;
  /** `timedRuns` per second in this thread: what one worker may be expected to run. */
  runsPerSec: number;
}

/**
 * What a plan predicts for a search with `budget` schedules on `jobs` workers: its time at the
 * plan's rate (the estimate capped by the budget), and whether the budget is short of the
 * estimate (the search would stop "not exhausted"). As good as the estimate.
 */
export function predictSearch(
  plan: CampaignPlan,
  budget: number,
  jobs: number,
): { predictedMs: number; overBudget: boolean } {
  const schedules = Math.min(plan.treeSizeEstimate, budget);
  const rate = plan.runsPerSec * jobs;
  return {
    predictedMs: rate > 0 ? Math.round((schedules * 1000) / rate) : 0,
    overBudget: plan.treeSizeEstimate > budget,
  };
}

/** Runs `planCampaign` times for its rate (each one whole run of the program). */
const PLAN_TIMED_RUNS = 32;

export type PlanOutcome = { ok: true; plan: CampaignPlan } | { ok: false; error: CampaignError };

export const MAX_JOBS = 256;

/** Parses `I/N` (0 <= I < N). */
export function parseShard(
  s: string,
): { ok: true; shard: ShardSpec } | { ok: false; message: string } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (m === null)
    return { ok: false, message: `--shard must look like I/N (e.g. 0/4), got '${s}'` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count || count > 1_000_000) {
    return { ok: false, message: `--shard ${s}: need 0 <= I < N <= 1000000` };
  }
  return { ok: true, shard: { index, count } };
}

/** Runs this shard performs out of `runs` indices. */
export function shardRuns(runs: number, shard: ShardSpec | undefined): number {
  if (shard === undefined) return runs;
  return runs > shard.index ? Math.ceil((runs - shard.index) / shard.count) : 0;
}

interface Chunk {
  index: number;
  from: number;
  to: number;
  /** dfs: the subtree this chunk explores (its frontier index and prefix). */
  subtree?: { index: number; prefix: number[] };
  /**
   * dfs, a later round: the path of the subtree's last schedule so far; the chunk continues
   * after it (`from` schedules were run before) instead of searching the subtree again.
   */
  resumeAfter?: number[];
}

/** The explore options of one chunk. */
function chunkOptions(base: ExploreOptions, c: Chunk): ExploreOptions {
  if (c.subtree === undefined) return { ...base, from: c.from, to: c.to };
  // A subtree is a search of its own: its budget is its run count, and the shard is the
  // campaign's business (explore must not skip it as "not shard 0").
  const { shard: _shard, ...rest } = base;
  return {
    ...rest,
    runs: c.to,
    from: c.from,
    to: c.to,
    dfsPrefix: c.subtree.prefix,
    dfsSubtree: c.subtree.index,
    ...(c.resumeAfter !== undefined ? { dfsResumeAfter: c.resumeAfter } : {}),
    // About one self-check per 64 schedules over the whole tree, not one per subtree.
    selfCheckOffset: c.subtree.index * 17,
  };
}

function planChunks(o: CampaignOptions, jobs: number): Chunk[] {
  const size =
    o.chunkSize ?? Math.min(8192, Math.max(64, Math.ceil(o.runs / (Math.max(1, jobs) * 8))));
  const chunks: Chunk[] = [];
  for (let from = 0; from < o.runs; from += size) {
    chunks.push({ index: chunks.length, from, to: Math.min(o.runs, from + size) });
  }
  return chunks;
}

/** Keeps the failure directory equal to the merged result's failures. */
class FailureFiles {
  readonly byInvariant = new Map<string, { run: number; subtree: number; path: string | null }>();
  constructor(private readonly dir: string | null) {}

  sync(failures: readonly Failure[], onNew?: (f: Failure, file: string | null) => void): void {
    const keep = new Set<string>();
    for (const f of failures) {
      keep.add(f.invariant);
      const cur = this.byInvariant.get(f.invariant);
      if (cur !== undefined && cur.run === f.run && cur.subtree === (f.subtree ?? 0)) continue;
      if (cur?.path) rmSync(cur.path, { force: true });
      const path = this.dir === null ? null : writeFailure(this.dir, f);
      this.byInvariant.set(f.invariant, { run: f.run, subtree: f.subtree ?? 0, path });
      onNew?.(f, path);
    }
    for (const [inv, cur] of this.byInvariant) {
      if (!keep.has(inv)) {
        if (cur.path) rmSync(cur.path, { force: true });
        this.byInvariant.delete(inv);
      }
    }
  }

  paths(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.byInvariant) if (v.path !== null) out.set(k, v.path);
    return out;
  }
}

/**
 * A worker module next to this one (`worker` by default): .ts under tsx (development), .js
 * from dist/.
 */
export function workerFile(module = 'worker'): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Node 20 does not apply `--import tsx` to worker threads (tsx skips registering its hooks
    // there), so the worker registers tsx's ESM hooks through tsx's API before piscina loads
    // the .ts worker module.
    const api = import.meta.resolve('tsx/esm/api');
    const boot = `data:text/javascript,import{register}from${JSON.stringify(api)};register();`;
    return {
      filename: fileURLToPath(new URL(`./${module}.ts`, here)),
      execArgv: ['--import', boot],
    };
  }
  return { filename: fileURLToPath(new URL(`./${module}.js`, here)), execArgv: [] };
}

function emptyResult(o: CampaignOptions, depth: number): ExploreResult {
  return {
    program: o.program,
    strategy: o.strategy,
    depth,
    seed: o.seed,
    plannedRuns: o.runs,
    shard: o.shard ?? null,
    from: 0,
    to: 0,
    totals: emptyTotals(),
    firstViolationRun: null,
    failures: [],
    determinism: { sampled: 0, failures: 0, mismatches: [] },
    exhausted: null,
    pctSteps: null,
    stoppedEarly: false,
  };
}

/** The options checked and the program loaded: what a campaign and a plan both start from. */
async function prepare(
  o: CampaignOptions,
): Promise<
  | { ok: true; jobs: number; base: ExploreOptions; program: Program }
  | { ok: false; error: CampaignError }
> {
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
    return { ok: false, error: { field: 'jobs', message: `--jobs must be in [1, ${MAX_JOBS}]` } };
  }
  const base: ExploreOptions = {
    strategy: o.strategy,
    runs: o.runs,
    seed: o.seed,
    ...(o.depth !== undefined ? { depth: o.depth } : {}),
    ...(o.dfsBound !== undefined ? { dfsBound: o.dfsBound } : {}),
    ...(o.dfsMaxDepth !== undefined ? { dfsMaxDepth: o.dfsMaxDepth } : {}),
    ...(o.dfsBranchWindow !== undefined ? { dfsBranchWindow: o.dfsBranchWindow } : {}),
    ...(o.dfsPor !== undefined ? { dfsPor: o.dfsPor } : {}),
    ...(o.dfsSymmetry !== undefined ? { dfsSymmetry: o.dfsSymmetry } : {}),
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    ...(o.stopAfterFirst !== undefined ? { stopAfterFirst: o.stopAfterFirst } : {}),
    ...(o.shrink !== undefined ? { shrink: o.shrink } : {}),
    ...(o.swarm !== undefined ? { swarm: o.swarm } : {}),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
  };
  try {
    validateExploreOptions(base);
    strategyFromName(o.strategy, {
      ...(o.depth !== undefined ? { depth: o.depth } : {}),
      ...(o.dfsBound !== undefined ? { bound: o.dfsBound } : {}),
      ...(o.dfsMaxDepth !== undefined ? { maxDepth: o.dfsMaxDepth } : {}),
      ...(o.dfsBranchWindow !== undefined ? { branchWindow: o.dfsBranchWindow } : {}),
      ...(o.pctSteps !== undefined ? { steps: o.pctSteps } : {}),
    });
  } catch (err) {
    if (err instanceof StrategyOptionsError) {
      return {
        ok: false,
        error: { field: err.field === 'name' ? 'strategy' : err.field, message: err.message },
      };
    }
    if (err instanceof ExploreOptionsError) {
      return { ok: false, error: { field: err.field, message: err.message } };
    }
    throw err;
  }
  const registry = resolveRegistry(o.registry);
  const loadError = await loadRegistry(registry);
  if (loadError !== null) return { ok: false, error: { field: 'registry', message: loadError } };
  const program = getProgram(o.program);
  if (program === undefined) {
    const known = programIds();
    return {
      ok: false,
      error: {
        field: 'program',
        message: `unknown program '${o.program}'; known: ${known.join(', ') || '(none registered)'}`,
        known,
      },
    };
  }
  return { ok: true, jobs, base, program };
}

/**
 * What a dfs search would cost, before running it: the frontier and the tree-size estimate
 * the campaign itself computes first (`planDfs`), the runs that took, and the rate they ran
 * at in this thread. `compare --exhaustive --plan` prints it per cell. The estimate is
 * Knuth's (tree-estimate.ts): exact when the frontier enumerated the whole tree, otherwise
 * more often short than long on a lopsided tree (docs/explorer.md §10).
 */
export async function planCampaign(o: CampaignOptions): Promise<PlanOutcome> {
  const t0 = performance.now();
  if (!isSystematic(o.strategy)) {
    return { ok: false, error: { field: 'strategy', message: 'a plan is for --strategy dfs' } };
  }
  const p = await prepare(o);
  if (!p.ok) return p;
  const split = await planDfs(p.program, p.base, o);
  // The rate: whole runs along random paths within the bounds (probes), one per subtree of up
  // to 32 spread over the frontier. Not the frontier's own runs: many of those are the
  // deepening's, whose cost differs from a search's run (suspend-race@default at preemption
  // bound 1: the frontier's 11 071 runs predicted 1 minute for a search that took 169 s).
  const step = Math.max(1, Math.floor(split.prefixes.length / PLAN_TIMED_RUNS));
  const sample = split.prefixes.filter((_, k) => k % step === 0).slice(0, PLAN_TIMED_RUNS);
  const t1 = performance.now();
  const timed = await estimateTreeSize(p.program, split.bounds, sample, 1, 0x5eed);
  const timedMs = performance.now() - t1;
  const elapsedMs = performance.now() - t0;
  return {
    ok: true,
    plan: {
      program: o.program,
      treeSizeEstimate: Math.round(split.estimate.total),
      standardError: Math.round(split.estimate.standardError),
      exact: split.estimate.probes === 0,
      subtrees: split.plan.subtrees,
      frontierRuns: split.plan.frontierRuns,
      timedRuns: timed.probes,
      elapsedMs: Math.round(elapsedMs),
      runsPerSec: timedMs > 0 ? (timed.probes * 1000) / timedMs : 0,
    },
  };
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignOutcome> {
  const t0 = performance.now();
  const prep = await prepare(o);
  if (!prep.ok) return prep;
  const { jobs, base, program } = prep;

  // k for pct is computed once here, not per chunk, so that every chunk uses the same value.
  if ((o.strategy === 'pct' || o.strategy === 'portfolio') && base.pctSteps === undefined) {
    base.pctSteps =
      o.pctSteps ??
      (await estimateContestedSteps(program, {
        seed: o.seed,
        faultsFor: (s) => faultsFor(program, base, s),
        ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      }));
  }

  if (o.resume === true && o.out === undefined) {
    return {
      ok: false,
      error: { field: 'resume', message: '--resume needs --out DIR (the journal is in DIR)' },
    };
  }
  const split = isSystematic(o.strategy) ? await planDfs(program, base, o) : null;
  const chunks = split?.chunks ?? planChunks(o, jobs);
  let journal: Journal | null = null;
  if (o.out !== undefined) {
    const header = await journalHeader(program, base, o, chunks);
    const opened = Journal.open(o.out, header, o.resume === true);
    if (!opened.ok) return { ok: false, error: opened.error };
    journal = opened.journal;
  }
  let runsTotal = split !== null ? split.shardEstimate() : shardRuns(o.runs, o.shard);
  /** With `resume`: the chunks and runs read back from the journal. */
  let resumed: { chunks: number; runs: number } | null = null;
  const files = new FailureFiles(o.out ?? null);
  const done: ExploreResult[] = [];
  let interrupted = o.signal?.aborted ?? false;
  const onAbort = () => {
    interrupted = true;
  };
  o.signal?.addEventListener('abort', onAbort);

  // Progress of finished chunks plus the one running in this thread.
  let finishedRuns = 0;
  let finishedViolating = 0;
  const progress = (extraRuns: number, extraViolating: number) => {
    if (o.onProgress === undefined) return;
    const elapsedMs = performance.now() - t0;
    const runsDone = finishedRuns + extraRuns;
    // The rate of this session: runs read back from the journal took no time.
    const ranNow = runsDone - (resumed?.runs ?? 0);
    const runsPerSec = elapsedMs > 0 ? (ranNow * 1000) / elapsedMs : 0;
    if (split !== null) runsTotal = Math.max(runsDone, split.shardEstimate());
    o.onProgress({
      runsDone,
      runsTotal,
      violatingRuns: finishedViolating + extraViolating,
      failures: files.byInvariant.size,
      runsPerSec,
      etaMs: runsPerSec > 0 ? ((runsTotal - runsDone) * 1000) / runsPerSec : null,
      elapsedMs,
      ...(split !== null ? { treeSizeEstimate: split.treeEstimate() } : {}),
    });
  };
  // Failures kept by the chunk running in this thread, before the chunk ends: written at once,
  // so that a campaign killed mid-chunk (chunks can be thousands of runs) still leaves them.
  let pending: Failure[] = [];
  const found = (f: Failure) => {
    pending.push(f);
    const merged = done.length === 0 ? [] : mergeResults(done).failures;
    files.sync(dedupeFailures([...merged, ...pending]), o.onFailure);
  };
  const accept = (r: ExploreResult, c: Chunk, journaled = false) => {
    pending = [];
    if (split !== null) split.accept(r, o.shard ?? null);
    done.push(r);
    finishedRuns += r.totals.runs;
    finishedViolating += r.totals.violatingRuns;
    const merged = mergeResults(done, { stopAfterFirst: o.stopAfterFirst ?? false });
    files.sync(merged.failures, o.onFailure);
    // A run range an interrupt stopped is not complete: it is run again on resume. A dfs
    // subtree is journaled as far as it got (nothing, if it had not started), and a resume
    // continues it after its last schedule (`continuation`).
    const keep = !interrupted || (c.subtree !== undefined && subtreePart(r, c) !== undefined);
    if (journal !== null && !journaled && keep) journal.append(chunkKey(c), r);
    progress(0, 0);
  };
  /**
   * The chunk that goes on where `c`'s result `r` stopped short of its budget without
   * exhausting its subtree (an interrupt), after its last schedule (dfs.ts `resumeAfter`);
   * null when `r` is complete: exhausted, cut by its budget (the rounds' business), ended at a
   * violation with stopAfterFirst, or empty. The parts join as one search (result.ts
   * `joinSubtreeParts`), so a resumed campaign ends as the uninterrupted one.
   */
  const continuation = (r: ExploreResult, c: Chunk): Chunk | null => {
    if (c.subtree === undefined) return null;
    const t = subtreePart(r, c);
    if (t === undefined || t.exhausted || t.lastPath === undefined) return null;
    if (o.stopAfterFirst === true && r.firstViolationRun !== null) return null;
    const end = (t.from ?? 0) + t.schedules;
    if (end >= c.to) return null;
    return { index: c.index, from: end, to: c.to, subtree: c.subtree, resumeAfter: t.lastPath };
  };
  /**
   * With `resume`: accepts what the journal holds of chunk `c` and of the continuations of its
   * interrupted parts, and returns the chunk still to run, or null when it is complete.
   */
  const fromJournal = (c: Chunk): Chunk | null => {
    if (journal === null || o.resume !== true || resumed === null) return c;
    let cur: Chunk | null = c;
    while (cur !== null) {
      const r = journal.resumed.get(chunkKey(cur));
      if (r === undefined) return cur;
      resumed.chunks++;
      resumed.runs += r.totals.runs;
      accept(r, cur, true);
      cur = continuation(r, cur);
    }
    return null;
  };
  // The chunks an earlier session finished (journal.ts), in chunk order; with stopAfterFirst,
  // nothing after the first of them that violated is run (it would be dropped by the merge).
  let todo: readonly Chunk[] = chunks;
  if (journal !== null && o.resume === true) {
    const left: Chunk[] = [];
    let stop = false;
    resumed = { chunks: 0, runs: 0 };
    for (const c of chunks) {
      if (stop) break;
      const before = done.length;
      const rest = fromJournal(c);
      if (rest !== null) left.push(rest);
      const read = done.slice(before);
      if (o.stopAfterFirst === true && read.some((r) => r.firstViolationRun !== null)) stop = true;
    }
    todo = left;
  }
  const knownFirst = (): Record<string, number> => {
    const out: Record<string, number> = {};
    // Run numbers of different subtrees are not comparable (each counts from 1).
    if (split !== null) return out;
    for (const r of done) {
      for (const f of r.failures) {
        const cur = out[f.invariant];
        if (cur === undefined || f.run < cur) out[f.invariant] = f.run;
      }
    }
    return out;
  };

  const runChunks = async (list: readonly Chunk[]) => {
    if (jobs === 1 || list.length <= 1) {
      await runInThread(program, base, list, {
        stopAfterFirst: o.stopAfterFirst ?? false,
        interrupted: () => interrupted,
        knownFirst,
        accept,
        progress,
        found,
      });
    } else {
      await runInPool(base, list, jobs, o, {
        interrupted: () => interrupted,
        knownFirst,
        accept,
        signal: o.signal,
      });
    }
  };
  try {
    await runChunks(todo);
    // Later rounds: subtrees that used their whole share, continued with more (planDfs
    // `rebudget`); their earlier results are kept and joined. A round's chunks are journaled like the
    // first round's, and read back on resume (the rounds are a function of the results).
    while (split !== null && !interrupted && o.stopAfterFirst !== true) {
      const again = split.rebudget();
      if (again.length === 0) break;
      const left: Chunk[] = [];
      for (const c of again) {
        const rest = fromJournal(c);
        if (rest !== null) left.push(rest);
      }
      await runChunks(left);
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }

  const merged =
    done.length === 0
      ? emptyResult(o, base.depth ?? 0)
      : mergeResults(done, { stopAfterFirst: o.stopAfterFirst ?? false });
  if (split !== null) split.finish(merged, o.shard ?? null);
  files.sync(merged.failures);
  const summary = buildSummary(merged, {
    jobs,
    elapsedMs: performance.now() - t0,
    interrupted,
    signal: interrupted ? (o.signalName?.() ?? 'abort') : null,
    failuresDir: o.out ?? null,
    expected: o.expected !== undefined ? o.expected : (program.expected ?? null),
    files: files.paths(),
    resumed,
  });
  if (o.out !== undefined) writeSummary(o.out, summary);
  return { ok: true, summary };
}

export function writeSummary(dir: string, summary: CampaignSummary): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'summary.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** The part of chunk `c`'s subtree that its result `r` ran (none: a dfs chunk not started). */
function subtreePart(r: ExploreResult, c: Chunk): DfsSubtreeResult | undefined {
  const k = c.subtree?.index;
  return k === undefined ? undefined : r.dfs?.subtrees.find((t) => t.index === k);
}

interface ThreadHooks {
  stopAfterFirst: boolean;
  interrupted: () => boolean;
  knownFirst: () => Record<string, number>;
  accept: (r: ExploreResult, c: Chunk) => void;
  progress: (runs: number, violating: number) => void;
  /** A failure kept by the running chunk (sequential chunks: it will be in the result). */
  found: (f: Failure) => void;
}

async function runInThread(
  program: Program,
  base: ExploreOptions,
  chunks: readonly Chunk[],
  h: ThreadHooks,
): Promise<void> {
  for (const c of chunks) {
    if (h.interrupted()) break;
    const r = await explore(program, {
      ...chunkOptions(base, c),
      knownFirst: h.knownFirst(),
      onFailure: h.found,
      progressEvery: 32,
      onProgress: async (p) => {
        h.progress(p.runsDone, p.violatingRuns);
        // The only way a signal handler can run during a long chunk: explore's runs are
        // microtasks, and the event loop needs a turn.
        await yieldToEventLoop();
      },
      shouldStop: h.interrupted,
    });
    h.accept(r, c);
    if (h.stopAfterFirst && r.firstViolationRun !== null) break;
  }
}

interface PoolHooks {
  interrupted: () => boolean;
  knownFirst: () => Record<string, number>;
  accept: (r: ExploreResult, c: Chunk) => void;
  signal: AbortSignal | undefined;
}

async function runInPool(
  base: ExploreOptions,
  chunks: readonly Chunk[],
  jobs: number,
  o: CampaignOptions,
  h: PoolHooks,
): Promise<void> {
  const { filename, execArgv } = workerFile();
  const registry = resolveRegistry(o.registry);
  // An interrupt asks the workers to end their chunks (worker.ts `stop`) rather than killing
  // them: the schedules they ran, and their subtrees' partial counts, stay in the result.
  const stopFlag = new SharedArrayBuffer(4);
  const stopAll = () => Atomics.store(new Int32Array(stopFlag), 0, 1);
  const pool = new Piscina<ChunkTask, ExploreResult>({
    filename,
    execArgv,
    minThreads: jobs,
    maxThreads: jobs,
    idleTimeout: 1000,
    workerData: { registry, stop: stopFlag },
  });
  const window = jobs * 2;
  const inFlight = new Map<number, { ctl: AbortController; promise: Promise<void> }>();
  let next = 0;
  /** With stopAfterFirst: the first chunk known to hold a violation. */
  let stopAt = Number.POSITIVE_INFINITY;
  let failure: unknown = null;

  const abortAll = () => {
    for (const f of inFlight.values()) f.ctl.abort();
  };
  onPoolError(pool, (err) => {
    if (failure === null) {
      failure = err;
      abortAll();
    }
  });
  h.signal?.addEventListener('abort', stopAll);

  const launch = (c: Chunk) => {
    const ctl = new AbortController();
    const task: ChunkTask = {
      program: o.program,
      options: { ...chunkOptions(base, c), knownFirst: h.knownFirst() },
    };
    const promise = pool
      .run(task, { signal: ctl.signal })
      .then((r) => {
        if (ctl.signal.aborted) return;
        h.accept(r, c);
        if (o.stopAfterFirst && r.firstViolationRun !== null && c.index < stopAt) {
          stopAt = c.index;
          // Chunks after the first violation can no longer matter.
          for (const [i, f] of inFlight) if (i > stopAt) f.ctl.abort();
        }
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted && failure === null) {
          failure = err;
          abortAll();
        }
      })
      .finally(() => {
        inFlight.delete(c.index);
      });
    inFlight.set(c.index, { ctl, promise });
  };

  try {
    while (failure === null && !h.interrupted()) {
      while (inFlight.size < window && next < chunks.length && next <= stopAt) {
        launch(chunks[next] as Chunk);
        next++;
      }
      if (inFlight.size === 0) break;
      await Promise.race([...inFlight.values()].map((f) => f.promise));
    }
    if (h.interrupted()) stopAll();
    await Promise.allSettled([...inFlight.values()].map((f) => f.promise));
  } finally {
    h.signal?.removeEventListener('abort', stopAll);
    await pool.destroy();
  }
  if (failure !== null) throw failure;
}

interface DfsSplit {
  chunks: Chunk[];
  /** How the tree was split, and its estimate (the same on every shard). */
  plan: DfsPlan;
  estimate: DfsEstimate;
  /** The frontier's prefixes (every shard's), and the bounds its probes ran with. */
  prefixes: readonly (readonly number[])[];
  bounds: EstimateOptions;
  /** This shard's estimated schedules (finished subtrees exactly), capped by the budget. */
  shardEstimate(): number;
  /** The whole tree's estimate, exhausted subtrees counted exactly. */
  treeEstimate(): number;
  /** Marks a subtree result with the plan, the estimate and the shard. */
  accept(r: ExploreResult, shard: ShardSpec | null): void;
  /** The same for the merged result, and `exhausted` recomputed over the whole plan. */
  finish(r: ExploreResult, shard: ShardSpec | null): void;
  /**
   * The next round (see `rebudget` in planDfs): this shard's subtrees that used their whole
   * share, each as a chunk with a larger one, or none.
   */
  rebudget(): Chunk[];
}

/**
 * Shares `runs` schedules among subtrees: one each first (while there are enough), the rest
 * in proportion to each subtree's estimated size, rounded by largest remainder (ties to the
 * lower index). An equal share starved the subtree that holds most of a skewed tree: under a
 * delay bound the all-default prefix holds most schedules, and `window@default` at delay
 * bound 1 stopped at 376 of its 664 schedules with 20000 to spare, its subtree 0 held to
 * 20000/64. Deterministic: the estimates are the same on every shard.
 */
export function shareBudget(runs: number, estimates: readonly number[]): number[] {
  const k = estimates.length;
  const out = new Array<number>(k).fill(0);
  if (k === 0 || runs <= 0) return out;
  if (runs < k) {
    for (let i = 0; i < runs; i++) out[i] = 1;
    return out;
  }
  out.fill(1);
  const rest = runs - k;
  const weights = estimates.map((e) => (Number.isFinite(e) && e > 0 ? e : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  let given = 0;
  for (let i = 0; i < k; i++) {
    const f = Math.floor(exact[i] as number);
    out[i] = (out[i] as number) + f;
    given += f;
  }
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let j = 0; j < rest - given; j++) {
    const i = (order[j] as { i: number }).i;
    out[i] = (out[i] as number) + 1;
  }
  return out;
}

/**
 * What makes a resumed campaign the same search (journal.ts): its options, its chunk plan (the
 * frontier's prefixes and budgets, for dfs) and the model, as the trace hash of the seed's
 * first run in FIFO order (one run: changed model code, or an edited design file, changes it).
 */
async function journalHeader(
  program: Program,
  base: ExploreOptions,
  o: CampaignOptions,
  chunks: readonly Chunk[],
): Promise<JournalHeader> {
  const model = await program.run({
    seed: o.seed,
    strategy: fifoStrategy(),
    faults: faultsFor(program, base, o.seed),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
  });
  return {
    // Not the registry's path: a checkout moved elsewhere runs the same program (`model` says
    // whether it is the same code).
    program: o.program,
    strategy: o.strategy,
    depth: base.depth ?? null,
    bound: base.dfsBound ?? null,
    maxDepth: base.dfsMaxDepth ?? null,
    branchWindow: JSON.stringify(
      isSystematic(o.strategy) ? dfsBranchWindowOf(program, base) : null,
    ),
    por: base.dfsPor ?? false,
    symmetry: dfsSymmetryOf(base),
    runs: o.runs,
    seed: o.seed,
    shard: o.shard === undefined ? null : `${o.shard.index}/${o.shard.count}`,
    stopAfterFirst: o.stopAfterFirst ?? false,
    shrink: JSON.stringify(o.shrink ?? true),
    swarm: JSON.stringify(o.swarm ?? true),
    pctSteps: base.pctSteps ?? null,
    maxSteps: o.maxSteps ?? null,
    chunks: chunks.length,
    plan: hash53(chunks.map(chunkKey).join('\n')),
    model: model.traceHash,
  };
}

/**
 * Splits a dfs campaign: the frontier, the estimate, this shard's subtrees as chunks. The
 * budget (`runs`) is shared among all subtrees of the tree by `shareBudget`, so that a
 * subtree's budget depends neither on the shard count nor on `jobs` and the whole search runs
 * at most `runs` schedules. A subtree with no budget is not run, and then the tree is not
 * exhausted.
 */
async function planDfs(
  program: Program,
  base: ExploreOptions,
  o: CampaignOptions,
): Promise<DfsSplit> {
  const depth = base.depth ?? 2;
  const seed = base.seed;
  const faults = faultsFor(program, base, seed);
  const bounds = {
    seed,
    faults,
    preemptionBound: depth,
    bound: base.dfsBound ?? 'preemption',
    maxDepth: base.dfsMaxDepth ?? 10_000,
    branchWindow: dfsBranchWindowOf(program, base),
    timeJumps: true,
    symmetry: dfsSymmetryOf(base),
    ...(base.maxSteps !== undefined ? { maxSteps: base.maxSteps } : {}),
  };
  const count = o.shard?.count ?? 1;
  const target = o.splitTarget ?? Math.max(DEFAULT_SPLIT_TARGET, 4 * count);
  const uniform = await dfsFrontier(program, { ...bounds, target });
  let frontier = uniform;
  let est: TreeEstimate;
  if (uniform.complete === true) {
    // The deepening enumerated the whole tree: one schedule per subtree, known exactly
    // (probing it cost two runs a subtree: window@default at preemption bound 0 in its race
    // window, 1 080 schedules, spent 2 160 probes on it).
    const n = uniform.prefixes.length;
    est = {
      total: n,
      perSubtree: uniform.prefixes.map(() => 1),
      probes: 0,
      standardError: 0,
      perSubtreeVariance: uniform.prefixes.map(() => 0),
      runLength: 0,
      costlyAhead: [],
    };
  } else {
    // 256 probes in all by default, at least 2 per subtree (for the standard error).
    const per = o.probesPerSubtree ?? Math.max(2, Math.ceil(256 / uniform.prefixes.length));
    const uniformEst = await estimateTreeSize(program, bounds, uniform.prefixes, per);
    // The largest subtrees split further, so that no worker is left with most of the tree.
    ({ frontier, estimate: est } = await refineFrontier(
      program,
      { ...bounds, target },
      uniform,
      uniformEst,
      {
        schedules: o.runs,
        ...(o.splitMaxShare !== undefined ? { maxShare: o.splitMaxShare } : {}),
      },
    ));
  }
  const estimate: DfsEstimate = {
    total: est.total,
    standardError: est.standardError,
    probes: est.probes,
    perSubtree: est.perSubtree,
  };
  const subtrees = frontier.prefixes.length;
  const budgets = shareBudget(o.runs, est.perSubtree);
  const budgetOf = (k: number) => budgets[k] ?? 0;
  const plan: DfsPlan = {
    splitDepth: frontier.splitDepth,
    subtrees,
    frontierRuns: frontier.runs + est.probes,
    budget: o.runs,
  };
  const chunks: Chunk[] = [];
  frontier.prefixes.forEach((prefix, k) => {
    if (o.shard !== undefined && k % o.shard.count !== o.shard.index) return;
    if (budgetOf(k) === 0) return;
    chunks.push({ index: chunks.length, from: 0, to: budgetOf(k), subtree: { index: k, prefix } });
  });
  /** Schedules run so far per subtree (every part), and where a cut one goes on. */
  const actual = new Map<number, number>();
  const lastPaths = new Map<number, number[]>();
  const exhaustedSubtrees = new Set<number>();
  // Later rounds. The shares follow the estimate, and Knuth's estimate of a lopsided subtree
  // can be short by orders of magnitude (window@rwsem at preemption bound 1: subtree 15,
  // estimated 1 408 schedules, used its whole share of 209 797 and the search stopped "not
  // exhausted" at 468 358 of a 10 000 000 budget). So when every chunk of a round has ended,
  // each subtree that used its whole share is continued after its last schedule (dfs.ts
  // `resumeAfter`) with an equal part of what the shard's other subtrees left unspent: the
  // shard's budget is never exceeded, and a round depends only on the results before it, not
  // on the jobs. The one run per continuation that replays the last schedule is counted
  // (`rerunRuns`), not as a schedule. (Before, a cut subtree was searched again from its
  // start: window@rwsem re-ran 209 797 schedules to reach 1 451 more.) It ends when nothing
  // was cut, or nothing is left to give (then the certificate says "not exhausted").
  const budgetNow = new Map<number, number>();
  for (const c of chunks) budgetNow.set(c.subtree?.index ?? 0, c.to);
  const pool = [...budgetNow.values()].reduce((a, b) => a + b, 0);
  plan.rerunRuns = 0;
  plan.reruns = 0;
  const mark = (r: ExploreResult, shard: ShardSpec | null) => {
    r.shard = shard;
    r.plannedRuns = o.runs;
    if (r.dfs) {
      r.dfs.plan = plan;
      r.dfs.estimate = estimate;
    }
  };
  return {
    chunks,
    plan,
    estimate,
    prefixes: frontier.prefixes,
    bounds,
    shardEstimate() {
      let n = 0;
      for (const c of chunks) {
        const k = c.subtree?.index ?? 0;
        n += actual.get(k) ?? Math.min(budgetOf(k), Math.ceil(est.perSubtree[k] ?? 1));
      }
      return n;
    },
    treeEstimate() {
      // An exhausted subtree is counted exactly; one cut by its budget is at least its count.
      let n = 0;
      for (let k = 0; k < subtrees; k++) {
        const e = est.perSubtree[k] ?? 1;
        const a = actual.get(k);
        n += a === undefined ? e : exhaustedSubtrees.has(k) ? a : Math.max(a, e);
      }
      return Math.round(n);
    },
    accept(r, shard) {
      mark(r, shard);
      for (const t of r.dfs?.subtrees ?? []) {
        actual.set(t.index, (t.from ?? 0) + t.schedules);
        if (t.lastPath !== undefined) lastPaths.set(t.index, t.lastPath);
        if (t.exhausted) exhaustedSubtrees.add(t.index);
      }
    },
    rebudget() {
      const cut: number[] = [];
      let kept = 0;
      for (const [k, b] of budgetNow) {
        const a = actual.get(k);
        if (a === undefined) return []; // a chunk did not end (interrupted): no new round
        if (exhaustedSubtrees.has(k)) kept += a;
        else if (a >= b) cut.push(k);
        else return []; // ended early for another reason (stop after the first violation)
      }
      if (cut.length === 0) return [];
      const old = cut.reduce((n, k) => n + (budgetNow.get(k) ?? 0), 0);
      const extra = pool - kept - old;
      if (extra <= 0) return [];
      cut.sort((a, b) => a - b);
      const again: Chunk[] = [];
      cut.forEach((k, i) => {
        const more = Math.floor(extra / cut.length) + (i < extra % cut.length ? 1 : 0);
        if (more === 0) return;
        const from = actual.get(k) ?? 0;
        const to = (budgetNow.get(k) ?? 0) + more;
        const resumeAfter = lastPaths.get(k);
        if (resumeAfter === undefined) throw new Error(`campaign: subtree ${k} has no last path`);
        // The continuation's one replay of the last schedule (not a schedule).
        plan.rerunRuns = (plan.rerunRuns ?? 0) + 1;
        plan.reruns = (plan.reruns ?? 0) + 1;
        budgetNow.set(k, to);
        actual.delete(k);
        const prefix = frontier.prefixes[k] as number[];
        again.push({
          index: chunks.length + k,
          from,
          to,
          subtree: { index: k, prefix },
          resumeAfter,
        });
      });
      return again;
    },
    finish(r, shard) {
      // Interrupted before any subtree ended: still a certificate (of nothing searched).
      r.dfs ??= {
        plan,
        subtrees: [],
        outcomes: {},
        states: [],
        truncated: false,
        reduction: dfsReduction(
          base.dfsPor === true,
          dfsSymmetryOf(base),
          dfsSleepOfOptions(base, bounds.branchWindow),
        ),
        prunedRuns: 0,
        footprints: null,
        bound: bounds.bound,
        maxDepth: bounds.maxDepth,
        branchWindow: bounds.branchWindow,
        timeJumps: bounds.timeJumps,
        faults,
        estimate,
      };
      mark(r, shard);
      r.exhausted = dfsExhausted(r.dfs);
    },
  };
}
