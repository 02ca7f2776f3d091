/**
 * The units of work of `compare`, `regress` and `demo`, as plain data in and plain data out, so
 * that they run the same in this thread (`--jobs 1`) and on a piscina pool (the default export
 * is the worker entry; see task-pool.ts). Each task is a pure function of its input (the
 * explorer core is deterministic), which is why the commands' results do not depend on
 * `--jobs` or on the order in which tasks finish.
 *
 * - `cell`: one design × scenario of a comparison: a campaign of `runs` runs with the explorer,
 *   without shrinking (only one failure per design and invariant is shown, and shrinking is by
 *   far the most expensive part), plus a few plain FIFO runs for the metrics.
 * - `shrink`: shrinks one failure and replays the shrunk input with the trace on, for the
 *   report's timeline.
 * - `search`: explores one program until a target invariant is violated or a budget of runs
 *   is spent (regress), in chunks so that it stops soon after the first hit.
 */
import { estimateContestedSteps } from '../explore/calibrate.js';
import { type ExploreOptions, explore, faultsFor } from '../explore/explore.js';
import type { Failure, Shrunk } from '../explore/failure.js';
import type { FaultSpec, Program } from '../explore/program.js';
import { getProgram } from '../explore/registry.js';
import { type ExploreResult, mergeResults } from '../explore/result.js';
import { shrinkFailure } from '../explore/shrink.js';
import { fifoStrategy } from '../kernel/fifo.js';
import type { Lane, TraceEvent } from '../kernel/trace.js';
import { replayFailure } from './failure-file.js';
import './programs.js';

/** Explore options that can cross threads (no callbacks). */
export type PlainExploreOptions = Omit<
  ExploreOptions,
  'onFailure' | 'onProgress' | 'shouldStop' | 'knownFirst'
>;

export interface CellTask {
  kind: 'cell';
  program: string;
  options: PlainExploreOptions;
  /** Seeds of the plain FIFO runs that measure the metrics. */
  metricSeeds: number[];
}

export interface RunMetrics {
  seed: number;
  resets: number;
  wedged: boolean;
  /** Mean latency from request to served reset in this run, or null when no reset ran. */
  resetLatencyNs: number | null;
  jobsSubmitted: number;
  jobsCompleted: number;
  jobsFailed: number;
  innocentLost: number;
  violations: string[];
}

export interface CellResult {
  kind: 'cell';
  program: string;
  result: ExploreResult;
  metrics: RunMetrics[];
}

export interface ShrinkTask {
  kind: 'shrink';
  failure: Failure;
  budget: number;
  /** Replay the (shrunk) failure with the trace on and return it. */
  trace: boolean;
}

export interface ShrinkResult {
  kind: 'shrink';
  failure: Failure;
  shrunk: Shrunk | null;
  /** The replay of the shrunk input (or the original when shrinking did not verify). */
  replay: {
    invariant: string | null;
    atNs: number | null;
    traceHashMatches: boolean;
    events: TraceEvent[] | null;
    lanes: Lane[] | null;
    virtualTimeNs: number;
  } | null;
}

export interface SearchTask {
  kind: 'search';
  program: string;
  /** The invariant that ends the search when it is violated (null: run the whole budget). */
  target: string | null;
  strategy: string;
  depth?: number;
  seed: number;
  budget: number;
  /** Fixed faults (swarm off); absent: swarm draws from the program's vocabulary. */
  faults?: FaultSpec[];
  /** Runs per chunk between checks for the target. */
  chunk: number;
}

export interface SearchResult {
  kind: 'search';
  program: string;
  result: ExploreResult;
  /** 1-based number of runs until the target was first violated, or null. */
  runsToTarget: number | null;
}

export type Task = CellTask | ShrinkTask | SearchTask;
export type TaskResult = CellResult | ShrinkResult | SearchResult;

function program(id: string): Program {
  const p = getProgram(id);
  if (p === undefined) throw new Error(`task: unknown program '${id}'`);
  return p;
}

async function runCell(t: CellTask): Promise<CellResult> {
  const p = program(t.program);
  const result = await explore(p, t.options);
  const metrics: RunMetrics[] = [];
  for (const seed of t.metricSeeds) {
    const r = await p.run({
      seed,
      strategy: fifoStrategy(),
      faults: p.defaultFaults ?? [],
      record: false,
    });
    const m = r.metrics;
    const resets = m.resets ?? 0;
    metrics.push({
      seed,
      resets,
      wedged: (m.wedged ?? 0) > 0,
      resetLatencyNs: resets > 0 && (m.resetLatencyNs ?? 0) > 0 ? (m.resetLatencyNs ?? 0) : null,
      jobsSubmitted: m.jobsSubmitted ?? 0,
      jobsCompleted: m.jobsCompleted ?? 0,
      jobsFailed: m.jobsFailed ?? 0,
      innocentLost: m.innocentLost ?? 0,
      violations: r.violations.map((v) => v.invariant),
    });
  }
  return { kind: 'cell', program: t.program, result, metrics };
}

async function runShrink(t: ShrinkTask): Promise<ShrinkResult> {
  const p = program(t.failure.program);
  const shrunk = t.budget > 0 ? await shrinkFailure(p, t.failure, { budget: t.budget }) : null;
  const failure: Failure = { ...t.failure, shrunk: shrunk?.verified ? shrunk : null };
  if (!t.trace) return { kind: 'shrink', failure, shrunk, replay: null };
  const r = await replayFailure(p, failure, { trace: true });
  const v = r.report.violations.find((x) => x.invariant === failure.invariant);
  return {
    kind: 'shrink',
    failure,
    shrunk,
    replay: {
      invariant: r.invariant,
      atNs: v?.atNs ?? null,
      traceHashMatches: r.traceHashMatches,
      events: r.report.trace ?? null,
      lanes: r.report.lanes ?? null,
      virtualTimeNs: r.report.virtualTimeNs,
    },
  };
}

async function runSearch(t: SearchTask): Promise<SearchResult> {
  const p = program(t.program);
  const base: ExploreOptions = {
    strategy: t.strategy,
    runs: t.budget,
    seed: t.seed,
    shrink: false,
    ...(t.depth !== undefined ? { depth: t.depth } : {}),
    ...(t.faults !== undefined ? { swarm: false, faults: t.faults } : {}),
  };
  // k once for the whole search, as a campaign does, so that chunks agree.
  if (t.strategy === 'pct' || t.strategy === 'portfolio') {
    base.pctSteps = await estimateContestedSteps(p, {
      seed: t.seed,
      faultsFor: (s) => faultsFor(p, base, s),
    });
  }
  const parts: ExploreResult[] = [];
  let runsToTarget: number | null = null;
  const chunk = Math.max(1, t.chunk);
  for (let from = 0; from < t.budget; from += chunk) {
    const r = await explore(p, { ...base, from, to: Math.min(t.budget, from + chunk) });
    parts.push(r);
    const hit = r.failures.find((f) => f.invariant === t.target);
    if (hit !== undefined) {
      runsToTarget = hit.run;
      break;
    }
  }
  return { kind: 'search', program: t.program, result: mergeResults(parts), runsToTarget };
}

export async function runTask(t: Task): Promise<TaskResult> {
  switch (t.kind) {
    case 'cell':
      return runCell(t);
    case 'shrink':
      return runShrink(t);
    case 'search':
      return runSearch(t);
  }
}

export default runTask;
