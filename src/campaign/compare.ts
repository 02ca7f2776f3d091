/**
 * `resetlab compare` (and the campaign behind `resetlab demo`): every design × scenario is
 * explored with the same strategy, seed and number of runs, and the results are folded into
 * the `compare` shape of docs/design.md §4:
 *
 *   designs.<design>.<invariant> = {violated, firstRun}   firstRun: 1-based, lowest over scenarios
 *   metrics.<design> = {resetLatencyNs, innocentLost, jobsCompleted}
 *
 * plus what a reader needs to trust it: runs per cell, strategy, seed, the scenarios where each
 * invariant fell, every cell's counts, the determinism self-check, and one failing run per
 * design and invariant (the earliest), shrunk, written as a replayable failure file, and
 * replayed with the trace on for the HTML report's timeline.
 *
 * `mixed` is left out by default: it draws one of the nine other scenarios per run, so its cell
 * would only repeat theirs with fewer runs each. `--scenarios mixed` includes it.
 *
 * The metrics come from plain runs (FIFO scheduling, the scenario's own faults, seeds 1..n) of
 * every scenario on the design, not from the explored runs: exploration deliberately picks
 * hostile interleavings and fault mixes, which says nothing about a design's typical latency.
 * `resetLatencyNs` is the median, over runs that reset, of the mean time from a reset request
 * to the end of the reset that served it.
 */
import type { DesignName } from '../driver/config.js';
import { ruleClaims } from '../driver/reset/claims.js';
import { DESIGN_FILE_PREFIX, resolveDesign } from '../driver/reset/designs/index.js';
import type { Failure } from '../explore/failure.js';
import {
  INVARIANT_INFO,
  INVARIANTS,
  type InvariantFamily,
  invariantFamily,
} from '../kernel/violations.js';
import type { ReportData, ReportFailure } from '../report/report-data.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { writeFailure } from './failure-file.js';
import { failureView, type SummaryViolation } from './summary.js';
import { runTasks } from './task-pool.js';
import type { CellResult, CellTask, RunMetrics, ShrinkResult, ShrinkTask } from './tasks.js';

export interface CompareOptions {
  designs: readonly DesignName[];
  scenarios: readonly string[];
  /** Runs per design × scenario. */
  runs: number;
  seed: number;
  strategy: string;
  depth?: number;
  jobs: number;
  /** Plain runs per design × scenario for the metrics. */
  metricSeeds: number;
  /** Shrink budget (runs) for each failure shown; 0 keeps failures as found. */
  shrinkBudget: number;
  /** Replay each shown failure with the trace on (for the HTML report). */
  traces: boolean;
  /** Directory for the failure files (one per design and invariant); null: none written. */
  failuresDir: string | null;
  signal?: AbortSignal;
  onProgress?: (p: { phase: 'explore' | 'shrink'; done: number; total: number }) => void;
}

export interface InvariantCell {
  /** `harm` (what users and the system lose) or `rule` (a design's own claim); null: an outcome such as model-error. */
  family: InvariantFamily | null;
  /**
   * Whether the invariant was checked on this design: every harm is, a rule only on the
   * designs whose factors claim it (src/driver/reset/claims.ts). An unchecked cell is never
   * violated, and is not a pass either.
   */
  checked: boolean;
  violated: boolean;
  /** 1-based run (within its scenario's campaign) of the earliest violation, or null. */
  firstRun: number | null;
  /** The scenario of that earliest violation. */
  scenario: string | null;
  /** Every scenario where the design violated the invariant. */
  scenarios: string[];
}

export interface DesignMetricsJson {
  resetLatencyNs: number | null;
  innocentLost: number;
  jobsSubmitted: number;
  jobsCompleted: number;
  jobsFailed: number;
  resets: number;
  wedged: number;
  /** Plain runs measured. */
  runs: number;
}

export interface CellJson {
  design: string;
  scenario: string;
  runs: number;
  violatingRuns: number;
  limitRuns: number;
  decisions: number;
  /** Invariant → 1-based first run, in this cell. */
  violations: Record<string, number>;
}

export interface FailureJson extends SummaryViolation {
  design: string;
  scenario: string;
}

export interface CompareJson {
  designs: Record<string, Record<string, InvariantCell>>;
  /** The rule invariants each design claims (and so was checked against). */
  claims: Record<string, string[]>;
  /** A short name per design reference for tables (a design file's own name). */
  labels: Record<string, string>;
  metrics: Record<string, DesignMetricsJson>;
  runs: number;
  strategy: string;
  depth: number;
  seed: number;
  scenarios: string[];
  /** Runs explored in all. */
  totalRuns: number;
  elapsedMs: number;
  jobs: number;
  /** Invariants `default` violated (it must violate none). */
  defaultViolations: string[];
  /** Model exceptions seen anywhere (always a bug in resetlab). */
  modelErrors: { design: string; scenario: string; message: string }[];
  determinism: { checked: number; mismatches: number };
  cells: CellJson[];
  failures: FailureJson[];
  interrupted: boolean;
}

export interface CompareOutcome {
  json: CompareJson;
  /** The shown failures with their traces, for the HTML report. */
  report: ReportData;
}

const MODEL_ERROR = 'model-error';

/** The rules a design reference claims; a reference that does not resolve claims none. */
export function claimsOf(design: string): string[] {
  try {
    return ruleClaims(resolveDesign(design).factors);
  } catch {
    return [];
  }
}

/** A design file's own name (with its changes); any other reference is its own label. */
function labelOf(design: string): string {
  if (!design.startsWith(DESIGN_FILE_PREFIX)) return design;
  try {
    return resolveDesign(design).name;
  } catch {
    return design;
  }
}

function emptyCell(inv: string, claims: readonly string[]): InvariantCell {
  const family = invariantFamily(inv);
  return {
    family,
    checked: family !== 'rule' || claims.includes(inv),
    violated: false,
    firstRun: null,
    scenario: null,
    scenarios: [],
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

function foldMetrics(all: RunMetrics[]): DesignMetricsJson {
  return {
    resetLatencyNs: median(
      all.flatMap((m) => (m.resetLatencyNs === null ? [] : [m.resetLatencyNs])),
    ),
    innocentLost: all.reduce((n, m) => n + m.innocentLost, 0),
    jobsSubmitted: all.reduce((n, m) => n + m.jobsSubmitted, 0),
    jobsCompleted: all.reduce((n, m) => n + m.jobsCompleted, 0),
    jobsFailed: all.reduce((n, m) => n + m.jobsFailed, 0),
    resets: all.reduce((n, m) => n + m.resets, 0),
    wedged: all.filter((m) => m.wedged).length,
    runs: all.length,
  };
}

export async function runCompare(o: CompareOptions): Promise<CompareOutcome> {
  const t0 = performance.now();
  const cellTasks: CellTask[] = [];
  const where: { design: DesignName; scenario: string }[] = [];
  const metricSeeds = Array.from({ length: o.metricSeeds }, (_, i) => i + 1);
  for (const design of o.designs) {
    for (const scenario of o.scenarios) {
      cellTasks.push({
        kind: 'cell',
        program: scenarioProgramId(scenario, design),
        options: {
          strategy: o.strategy,
          runs: o.runs,
          seed: o.seed,
          shrink: false,
          ...(o.depth !== undefined ? { depth: o.depth } : {}),
        },
        metricSeeds,
      });
      where.push({ design, scenario });
    }
  }
  let done = 0;
  o.onProgress?.({ phase: 'explore', done, total: cellTasks.length });
  const cells = (await runTasks(cellTasks, {
    jobs: o.jobs,
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    onDone: () => o.onProgress?.({ phase: 'explore', done: ++done, total: cellTasks.length }),
  })) as (CellResult | null)[];

  // Fold the cells into designs × invariants, keeping the earliest failure of each.
  const designs: CompareJson['designs'] = {};
  const metrics: CompareJson['metrics'] = {};
  const earliest = new Map<string, { failure: Failure; scenario: string; design: string }>();
  const cellJson: CellJson[] = [];
  const modelErrors: CompareJson['modelErrors'] = [];
  let totalRuns = 0;
  let checked = 0;
  let mismatches = 0;
  const claims: CompareJson['claims'] = {};
  const labels: CompareJson['labels'] = {};
  for (const design of o.designs) {
    const claimed = claimsOf(design);
    claims[design] = claimed;
    labels[design] = labelOf(design);
    const row: Record<string, InvariantCell> = {};
    // Harms first, then rules: the comparison leads with what users and the system lose.
    for (const inv of INVARIANTS)
      if (INVARIANT_INFO[inv].family === 'harm') row[inv] = emptyCell(inv, claimed);
    for (const inv of INVARIANTS)
      if (INVARIANT_INFO[inv].family === 'rule') row[inv] = emptyCell(inv, claimed);
    designs[design] = row;
    const runMetrics: RunMetrics[] = [];
    cells.forEach((c, i) => {
      const w = where[i] as { design: string; scenario: string };
      if (c === null || w.design !== design) return;
      const r = c.result;
      totalRuns += r.totals.runs;
      checked += r.determinism.sampled + r.determinism.failures;
      mismatches += r.determinism.mismatches.length;
      runMetrics.push(...c.metrics);
      const violations: Record<string, number> = {};
      for (const f of r.failures) {
        violations[f.invariant] = f.run;
        if (f.invariant === MODEL_ERROR) {
          modelErrors.push({ design, scenario: w.scenario, message: f.message });
        }
        let cell = row[f.invariant];
        if (cell === undefined) {
          cell = emptyCell(f.invariant, claimed);
          row[f.invariant] = cell;
        }
        cell.violated = true;
        cell.scenarios.push(w.scenario);
        if (cell.firstRun === null || f.run < cell.firstRun) {
          cell.firstRun = f.run;
          cell.scenario = w.scenario;
          earliest.set(`${design}\u0000${f.invariant}`, {
            failure: f,
            scenario: w.scenario,
            design,
          });
        }
      }
      cellJson.push({
        design,
        scenario: w.scenario,
        runs: r.totals.runs,
        violatingRuns: r.totals.violatingRuns,
        limitRuns: r.totals.limitRuns,
        decisions: r.totals.decisions,
        violations,
      });
    });
    metrics[design] = foldMetrics(runMetrics);
  }
  const interrupted = o.signal?.aborted === true || cells.some((c) => c === null);

  // One failing run per design and invariant: shrink it, write it, replay it with the trace.
  const shown = [...earliest.values()].sort(
    (a, b) =>
      o.designs.indexOf(a.design as DesignName) - o.designs.indexOf(b.design as DesignName) ||
      INVARIANTS.indexOf(a.failure.invariant as (typeof INVARIANTS)[number]) -
        INVARIANTS.indexOf(b.failure.invariant as (typeof INVARIANTS)[number]),
  );
  const shrinkTasks: ShrinkTask[] = shown.map((s) => ({
    kind: 'shrink',
    failure: s.failure,
    budget: o.shrinkBudget,
    trace: o.traces,
  }));
  let shrunkDone = 0;
  const shrinks =
    interrupted || shrinkTasks.length === 0
      ? shrinkTasks.map(() => null)
      : ((await runTasks(shrinkTasks, {
          jobs: o.jobs,
          ...(o.signal !== undefined ? { signal: o.signal } : {}),
          onDone: () =>
            o.onProgress?.({ phase: 'shrink', done: ++shrunkDone, total: shrinkTasks.length }),
        })) as (ShrinkResult | null)[]);

  const failures: FailureJson[] = [];
  const reportFailures: ReportFailure[] = [];
  shown.forEach((s, i) => {
    const sr = shrinks[i] ?? null;
    const f = sr?.failure ?? s.failure;
    const file = o.failuresDir === null ? null : writeFailure(o.failuresDir, f);
    const view = failureView(f, f.run, file);
    const replay = view.replay;
    failures.push({ design: s.design, scenario: s.scenario, ...view });
    const rf: ReportFailure = {
      design: s.design,
      scenario: s.scenario,
      invariant: f.invariant,
      message: f.shrunk?.message ?? f.message,
      seed: f.seed,
      strategy: f.strategy,
      schedule: f.schedule,
      shrunkSchedule: f.shrunk?.schedule ?? f.schedule,
      shrunkSteps: { before: f.decisions, after: f.shrunk?.decisionsAfter ?? f.decisions },
      replay:
        replay ??
        `resetlab explore ${s.scenario} --design ${s.design} --strategy ${o.strategy} --runs ${f.run} --seed ${o.seed} --out DIR`,
    };
    const rp = sr?.replay ?? null;
    if (rp !== null) {
      if (rp.atNs !== null) rf.atNs = rp.atNs;
      if (rp.events !== null && rp.lanes !== null) {
        rf.traceEvents = rp.events;
        rf.lanes = rp.lanes;
      }
    }
    reportFailures.push(rf);
  });

  const defaultViolations = Object.entries(designs.default ?? {})
    .filter(([, c]) => c.violated)
    .map(([inv]) => inv);
  const json: CompareJson = {
    designs,
    claims,
    labels,
    metrics,
    runs: o.runs,
    strategy: o.strategy,
    depth: o.depth ?? 3,
    seed: o.seed,
    scenarios: [...o.scenarios],
    totalRuns,
    elapsedMs: Math.round(performance.now() - t0),
    jobs: o.jobs,
    defaultViolations,
    modelErrors,
    determinism: { checked, mismatches },
    cells: cellJson,
    failures,
    interrupted,
  };
  const report: ReportData = {
    generatedBy: 'resetlab 0.1.0',
    title: 'resetlab: reset design comparison',
    runs: o.runs,
    designs: Object.fromEntries(
      Object.entries(designs).map(([d, row]) => [
        d,
        Object.fromEntries(
          Object.entries(row).map(([inv, c]) => [
            inv,
            { violated: c.violated, firstRun: c.firstRun, family: c.family, checked: c.checked },
          ]),
        ),
      ]),
    ),
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([d, m]) => [
        d,
        {
          resetLatencyNs: m.resetLatencyNs,
          innocentLost: m.innocentLost,
          jobsCompleted: m.jobsCompleted,
        },
      ]),
    ),
    failures: reportFailures,
    notes: [
      `${o.runs} runs per design × scenario with the ${o.strategy} strategy, seed ${o.seed}, swarm fault draws; scenarios: ${o.scenarios.join(', ')}.`,
      `Metrics: ${o.metricSeeds} plain FIFO run(s) per scenario with the scenario's own faults.`,
      'A cell gives the 1-based run (within its scenario campaign) where the invariant was first violated; each failing run below is the earliest one for its design and invariant, shrunk and replayed.',
      ...(interrupted
        ? ['The comparison was interrupted: the table covers the cells that finished.']
        : []),
    ],
  };
  return { json, report };
}
