/**
 * `compare --exhaustive`: the design × litmus-scenario table from certificates. Every cell is
 * one bounded DFS campaign (campaign.ts, so its tree is split over the worker threads), with
 * the same bound (preemptions or delays), seed and schedule budget; the cell is its certificate's verdict
 * (src/explore/certificate.ts). A budget per cell makes every cell end; a cell that ran out
 * of it says "not exhausted after N schedules", never "clean".
 *
 * Cells run one after another (each one already uses every worker). An interrupt stops the
 * cell in flight (its certificate says "not exhausted") and the cells after it are not run;
 * with `outDir`, `resume` then reads every finished cell and subtree back from its journal.
 */
import { join } from 'node:path';
import { designClaimsHarm } from '../driver/config.js';
import type { Certificate } from '../explore/certificate.js';
import {
  type BranchWindow,
  type DfsBoundKind,
  type DfsReduction,
  dfsReduction,
  dfsSleepOf,
} from '../explore/dfs.js';
import type { ExhaustiveCell, ExhaustiveTable } from '../report/report-data.js';
import { scenarioProgramId } from '../scenarios/program.js';
import {
  type CampaignOptions,
  type CampaignPlan,
  planCampaign,
  predictSearch,
  runCampaign,
} from './campaign.js';
import { programsModuleUrl } from './programs.js';

export interface ExhaustiveOptions {
  designs: readonly string[];
  /** Litmus scenario names. */
  scenarios: readonly string[];
  /** The bound, and what it counts (dfs.ts). */
  bound: number;
  boundKind: DfsBoundKind;
  /** Schedules per cell at most. */
  maxSchedules: number;
  /** Partial-order reduction in every cell (dfs.ts `por`); default off. */
  por?: boolean;
  /** Where every cell branches (dfs.ts `branchWindow`); absent: each litmus's race window. */
  branchWindow?: BranchWindow | null;
  seed: number;
  jobs: number;
  shrinkBudget: number;
  /** Failure files and each cell's summary.json (with its certificate), per cell. */
  outDir: string | null;
  /**
   * Resume every cell from its journal in `outDir` (journal.ts): a finished cell is read back
   * whole, an interrupted one goes on from its finished subtrees.
   */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ExhaustiveJson {
  kind: 'resetlab-compare-exhaustive';
  table: ExhaustiveTable;
  certificates: Certificate[];
  interrupted: boolean;
  elapsedMs: number;
  /**
   * `<design>/<scenario>` cells of designs that claim to harm nothing (`default`) that found a
   * violation (the exit code's business).
   */
  defaultViolations: string[];
  determinismMismatches: number;
}

export function cellOf(c: Certificate): ExhaustiveCell {
  const first = [...c.failures].sort(
    (a, b) => (a.schedule ?? Number.POSITIVE_INFINITY) - (b.schedule ?? Number.POSITIVE_INFINITY),
  )[0];
  return {
    verdict: c.verdict,
    schedules: c.schedules,
    distinctStates: c.distinctStates,
    foundAt: first?.schedule ?? null,
    invariant: first?.invariant ?? null,
    treeSizeEstimate: c.treeSizeEstimate,
  };
}

/** A cell's dfs campaign: the same search for the table and for its plan. */
function cellSearch(o: ExhaustiveOptions, program: string): CampaignOptions {
  return {
    program,
    registry: programsModuleUrl(),
    strategy: 'dfs',
    depth: o.bound,
    dfsBound: o.boundKind,
    ...(o.por === true ? { dfsPor: true } : {}),
    ...(o.branchWindow !== undefined ? { dfsBranchWindow: o.branchWindow } : {}),
    runs: o.maxSchedules,
    seed: o.seed,
    jobs: o.jobs,
  };
}

/**
 * What every cell of a table (or of its plan) is searched within: the bound, the reduction
 * (`--por` is the cache, the symmetry and, where they apply, sleep sets), where schedules
 * branch, the budget and the seed.
 */
function searchedWithin(o: ExhaustiveOptions): {
  bound: number;
  boundKind: DfsBoundKind;
  reduction: DfsReduction;
  branchWindow: BranchWindow | null | 'race';
  maxSchedules: number;
  seed: number;
} {
  const por = o.por === true;
  return {
    bound: o.bound,
    boundKind: o.boundKind,
    reduction: dfsReduction(por, por, dfsSleepOf(por, o.boundKind, o.branchWindow === null)),
    branchWindow: o.branchWindow === undefined ? 'race' : o.branchWindow,
    maxSchedules: o.maxSchedules,
    seed: o.seed,
  };
}

export async function runExhaustive(o: ExhaustiveOptions): Promise<ExhaustiveJson> {
  const t0 = performance.now();
  const table: ExhaustiveTable = {
    ...searchedWithin(o),
    designs: [...o.designs],
    scenarios: [...o.scenarios],
    cells: {},
  };
  const certificates: Certificate[] = [];
  const total = o.designs.length * o.scenarios.length;
  let done = 0;
  let interrupted = false;
  const defaultViolations: string[] = [];
  let mismatches = 0;
  o.onProgress?.(0, total);
  for (const design of o.designs) {
    for (const scenario of o.scenarios) {
      if (o.signal?.aborted) {
        interrupted = true;
        continue;
      }
      const program = scenarioProgramId(scenario, design);
      const r = await runCampaign({
        ...cellSearch(o, program),
        shrink: o.shrinkBudget > 0 ? { budget: o.shrinkBudget } : false,
        // A design that claims to harm nothing is expected to violate nothing.
        expected: designClaimsHarm(design) ? [] : null,
        ...(o.outDir !== null ? { out: join(o.outDir, `${scenario}@${design}`) } : {}),
        ...(o.resume === true ? { resume: true } : {}),
        ...(o.signal !== undefined ? { signal: o.signal } : {}),
      });
      if (!r.ok) throw new Error(`compare --exhaustive: ${program}: ${r.error.message}`);
      const c = r.summary.certificate;
      if (c === null) throw new Error(`compare --exhaustive: ${program}: no certificate`);
      certificates.push(c);
      const row = table.cells[design] ?? {};
      row[scenario] = cellOf(c);
      table.cells[design] = row;
      if (designClaimsHarm(design) && c.failures.length > 0) {
        defaultViolations.push(`${design}/${scenario}`);
      }
      mismatches += c.determinismMismatches;
      if (r.summary.interrupted) interrupted = true;
      o.onProgress?.(++done, total);
    }
  }
  return {
    kind: 'resetlab-compare-exhaustive',
    table,
    certificates,
    interrupted,
    elapsedMs: Math.round(performance.now() - t0),
    defaultViolations,
    determinismMismatches: mismatches,
  };
}

/** One cell of `compare --exhaustive --plan`: the tree's estimate and the time it predicts. */
export interface ExhaustivePlanCell extends CampaignPlan {
  design: string;
  scenario: string;
  /**
   * The search's time on `jobs` workers at the rate of the plan's timed runs, the estimate
   * capped by the budget per cell (campaign.ts `predictSearch`); a guess as good as the
   * estimate, which is more often short than long.
   */
  predictedMs: number;
  /** The estimate exceeds the budget per cell: the search would stop "not exhausted". */
  overBudget: boolean;
}

export interface ExhaustivePlanJson {
  kind: 'resetlab-compare-exhaustive-plan';
  bound: number;
  boundKind: DfsBoundKind;
  reduction: DfsReduction;
  branchWindow: BranchWindow | 'race' | null;
  maxSchedules: number;
  seed: number;
  jobs: number;
  cells: ExhaustivePlanCell[];
  /** The sum of the cells' predictions. */
  predictedMs: number;
  interrupted: boolean;
  elapsedMs: number;
}

/**
 * `compare --exhaustive --plan`: every cell's frontier and tree-size estimate, computed as the
 * search computes them first (campaign.ts `planCampaign`), and nothing searched: which bound is
 * within reach, before spending hours on one that is not. Cells one after another, in this
 * thread.
 */
export async function planExhaustive(o: ExhaustiveOptions): Promise<ExhaustivePlanJson> {
  const t0 = performance.now();
  const cells: ExhaustivePlanCell[] = [];
  const total = o.designs.length * o.scenarios.length;
  let interrupted = false;
  o.onProgress?.(0, total);
  for (const design of o.designs) {
    for (const scenario of o.scenarios) {
      if (o.signal?.aborted) {
        interrupted = true;
        continue;
      }
      const program = scenarioProgramId(scenario, design);
      const r = await planCampaign(cellSearch(o, program));
      if (!r.ok) throw new Error(`compare --exhaustive --plan: ${program}: ${r.error.message}`);
      cells.push({ ...r.plan, design, scenario, ...predictSearch(r.plan, o.maxSchedules, o.jobs) });
      o.onProgress?.(cells.length, total);
    }
  }
  return {
    kind: 'resetlab-compare-exhaustive-plan',
    ...searchedWithin(o),
    jobs: o.jobs,
    cells,
    predictedMs: cells.reduce((a, c) => a + c.predictedMs, 0),
    interrupted,
    elapsedMs: Math.round(performance.now() - t0),
  };
}
