/**
 * What the HTML report shows: the `compare` JSON of docs/design.md §4 (designs × invariants, per-design
 * metrics) plus, for each violation, one failing run with its shrunk schedule, replay command
 * and, when it was recorded, its trace.
 *
 * It is plain data (JSON-serialisable), so that `resetlab compare --json` output can be saved
 * and rendered later, and so that the renderer never reaches into the explorer.
 */
import type { BranchWindow, DfsBoundKind, DfsReduction } from '../explore/dfs.js';
import type { Lane, TraceEvent } from '../kernel/trace.js';

export interface InvariantResult {
  /** `harm` or `rule` (docs/design.md §2); absent in older reports (read as harm). */
  family?: 'harm' | 'rule' | null;
  /** False for a rule the design does not claim: not checked, so neither pass nor fail. */
  checked?: boolean;
  violated: boolean;
  /** Run index (1-based) of the first violation, or null when not violated. */
  firstRun: number | null;
}

export interface DesignMetrics {
  /** Median virtual time from a reset request to the end of its reset, or null if none ran. */
  resetLatencyNs: number | null;
  /** Jobs of innocent groups that were lost (neither completed nor reported INNOCENT). */
  innocentLost: number;
  jobsCompleted: number;
}

export interface ReportFailure {
  design: string;
  scenario: string;
  /** An invariant id (docs/design.md §2), or `model-error` / `limit`. */
  invariant: string;
  message: string;
  seed: number;
  strategy: string;
  /** The recorded schedule of the failing run (see src/kernel/schedule.ts). */
  schedule: string;
  shrunkSchedule: string;
  /** Decisions in the schedule before and after shrinking. */
  shrunkSteps: { before: number; after: number };
  /** A shell command that replays the shrunk run. */
  replay: string;
  /** Virtual time of the violation, if known; used to centre the timeline. */
  atNs?: number;
  traceEvents?: TraceEvent[];
  lanes?: Lane[];
}

/** One cell of the exhaustive table: the gist of its certificate (src/explore/certificate.ts). */
export interface ExhaustiveCell {
  verdict: 'no violation within these bounds' | 'violations found' | 'not exhausted';
  schedules: number;
  distinctStates: number;
  /** 1-based schedule index of the first failure in DFS order, or null. */
  foundAt: number | null;
  invariant: string | null;
  treeSizeEstimate: number | null;
}

/** `compare --exhaustive`: designs × litmus scenarios, one bounded DFS per cell. */
export interface ExhaustiveTable {
  /** The bound and what it counts: `preemption` or `delay` (src/explore/dfs.ts). */
  bound: number;
  boundKind: DfsBoundKind;
  /** The reduction every cell's search used (src/explore/dfs.ts `por`); absent: none. */
  reduction?: DfsReduction;
  /**
   * Where every cell's schedules branched (src/explore/dfs.ts `branchWindow`): `race`, each
   * litmus scenario's own race window; null or absent, the whole run; else one interval.
   */
  branchWindow?: BranchWindow | null | 'race';
  maxSchedules: number;
  seed: number;
  designs: string[];
  scenarios: string[];
  cells: Record<string, Record<string, ExhaustiveCell>>;
}

export interface ReportData {
  /** Tool and version, e.g. `resetlab 0.1.0`. */
  generatedBy: string;
  /** Optional heading. */
  title?: string;
  /** Runs per design and scenario, for the caption. */
  runs?: number;
  designs: Record<string, Record<string, InvariantResult>>;
  metrics: Record<string, DesignMetrics>;
  failures: ReportFailure[];
  notes?: string[];
  /** The exhaustive table; a report of `compare --exhaustive` has only this. */
  exhaustive?: ExhaustiveTable;
}
