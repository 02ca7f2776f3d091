/**
 * The shape of `resetlab bench --json` (docs/design.md §4: `{explore: {schedulesPerSec,
 * decisionsPerSec}, freeRun: {schedulesPerSec}, fastCheck: {executionsPerSec}, ratios: {...},
 * timeToBug: {...}}`), with every measurement of issue 7 and the machine it ran on.
 *
 * Rates are per wall-clock second of this process run; they move with the machine and its
 * load. Ratios compare measurements taken in the same run, which is what the goals are stated
 * in. Counts of executions or runs to a bug are deterministic (seeded), not timed.
 */
import type { Verdict } from '../explore/certificate.js';
import type { DfsBoundKind } from '../explore/dfs.js';
import type { FootprintMode } from '../kernel/hb.js';
import type { KernelMicroResult } from './kernel-micro.js';
import type { BugDepth } from './kernels/api.js';

export interface BenchEnv {
  node: string;
  v8: string;
  cpu: string;
  /** Logical CPUs the process may use (`os.availableParallelism()`). */
  cpus: number;
  /** 1-minute load average when the run started: the machine may be shared. */
  loadAverage: number;
  platform: string;
  arch: string;
}

/** One `explore` campaign, timed (measurement 1, and 7 for virtual time). */
export interface ExploreMeasurement {
  program: string;
  strategy: string;
  runs: number;
  steps: number;
  decisions: number;
  violatingRuns: number;
  limitRuns: number;
  elapsedMs: number;
  schedulesPerSec: number;
  decisionsPerSec: number;
  stepsPerSec: number;
  /** Virtual time simulated per wall second, over every run of the campaign (self-checks too). */
  virtualNsPerSec: number;
  /** PCT's k, calibrated before the clock started (null for random). */
  pctSteps: number | null;
}

/** One way of executing the same seeds (measurement 2). */
export interface VariantTiming {
  variant: 'free' | 'same-schedule' | 'random' | 'pct';
  /** What the variant is, in words. */
  how: string;
  runs: number;
  steps: number;
  decisions: number;
  elapsedMs: number;
  virtualNs: number;
  schedulesPerSec: number;
  stepsPerSec: number;
  nsPerStep: number;
}

export interface OverheadProgram {
  program: string;
  seeds: number;
  rounds: number;
  variants: VariantTiming[];
  /** Seeds whose same-schedule run had the free run's trace hash (it must be all of them). */
  sameScheduleIdentical: number;
}

/** Per kernel and engine: executions per second (measurement 3). */
export interface KernelThroughput {
  kernel: string;
  engine: string;
  executions: number;
  elapsedMs: number;
  executionsPerSec: number;
  /** Share of executions that hit the bug. */
  violatingShare: number;
}

/** Per kernel and engine: executions to the first bug over many seeds (measurement 3). */
export interface KernelTimeToBug {
  kernel: string;
  engine: string;
  depth: BugDepth;
  seeds: number;
  budget: number;
  found: number;
  /** Nearest-rank median and 90th percentile; null when it is "more than `budget`". */
  median: number | null;
  p90: number | null;
  /** Mean with not-found seeds counted as `budget` (a lower bound when found < seeds). */
  meanAtLeast: number;
}

/** PCT's guarantee for a kernel, from its measured n and k (measurement 3). */
export interface PctBound {
  kernel: string;
  depth: BugDepth;
  /** n: tasks of an execution. */
  tasks: number;
  /** k: contested decisions per execution, as calibrated. */
  steps: number;
  /** Probability that the bug's fault happens (0.5 when the kernel asks for one, else 1). */
  faultProbability: number;
  /** 1 / (n · k^(d-1)) times the fault probability: a lower bound per execution. */
  probabilityAtLeast: number;
  /** Its reciprocal: an upper bound on the expected executions to the bug. */
  expectedExecutionsAtMost: number;
  /** Measured mean executions to the bug under resetlab-pct (not-found seeds at the budget). */
  measuredMean: number;
  /** Every seed found it, and the mean is within the bound (plus two standard errors). */
  withinBound: boolean;
}

export interface KernelInfo {
  name: string;
  depth: BugDepth;
  invariant: string;
  description: string;
}

/** One regression of the historical corpus under one strategy (measurement 6). */
export interface CorpusCatch {
  runs: number | null;
  caught: boolean;
  /** Runs made: the run that caught it, or the whole budget. */
  runsMade: number;
  /** Other invariants violated first in some run, with the first run (1-based). */
  otherViolations: Record<string, number>;
}

export interface CorpusEntry {
  bug: string;
  scenario: string;
  program: string;
  invariant: string;
  budget: number;
  fixedFaults: boolean;
  random: CorpusCatch;
  pct: CorpusCatch;
}

export interface ScalingRun {
  jobs: number;
  runs: number;
  elapsedMs: number;
  schedulesPerSec: number;
  /**
   * CPU time of the whole process (every thread: workers, and V8's garbage-collector and
   * compiler threads) per wall second: how many cores the campaign kept busy.
   */
  coresBusy: number;
  /** The 1-minute load average when it started (other processes on the machine count). */
  loadAverage: number;
}

export interface Scaling {
  program: string;
  strategy: string;
  runsPerCampaign: number;
  cpus: number;
  measurements: ScalingRun[];
  jobs1SchedulesPerSec: number;
  jobs2SchedulesPerSec: number;
  speedup: number;
  /** The merged results of jobs 1 and jobs 2 agree (runs, violations, first runs). */
  resultsIdentical: boolean;
  /** Cores one job keeps busy (jobs-1 `coresBusy`): N cores can give at most N / this. */
  coresPerJob: number;
}

export interface DeterminismMismatch {
  check: string;
  expected: string;
  actual: string;
}

export interface Determinism {
  /** Pairs of runs compared: a seed run twice, and replayed from its recorded schedule. */
  checks: number;
  identical: number;
  /** identical / checks. */
  share: number;
  mismatches: DeterminismMismatch[];
}

export interface Simulation {
  program: string;
  strategy: string;
  virtualNsPerSec: number;
  /** Virtual seconds simulated per wall second. */
  virtualSecondsPerSecond: number;
  /** The same for the free run (FIFO, no recording) of the overhead measurement. */
  freeRunVirtualSecondsPerSecond: number;
}

export interface BenchGoal {
  id: string;
  goal: string;
  target: string;
  value: number;
  met: boolean;
  /** By how much it is missed, and why, when it is. */
  note: string;
}

export interface BenchRatios {
  /** Controlled exploration (random) over the free run, time per step (goal <= 1.5). */
  controlledOverFree: number;
  /** The same for pct. */
  pctOverFree: number;
  /** Controlled machinery on the free run's own schedule, time per run (identical runs). */
  sameScheduleOverFree: number;
  /** resetlab executions/s over fast-check's, the smallest over kernels and strategies. */
  resetlabOverFastCheckMin: number;
  /** The geometric mean over kernels and strategies. */
  resetlabOverFastCheckGeomean: number;
  /** Per kernel: random median executions to the bug over pct's (goal >= 5 at depth 2-3). */
  pctOverRandomByKernel: Record<string, number | null>;
  /** The smallest of those over the depth-2 and depth-3 kernels. */
  pctOverRandomMinDeep: number | null;
  /** jobs 2 over jobs 1 schedules/s (goal >= 1.7). */
  jobs2OverJobs1: number;
  /** Share of re-runs with the same trace hash (goal 1). */
  determinism: number;
  /** Virtual seconds per wall second on mixed. */
  simulatedPerWall: number;
  /** pct over random schedules/s in full-model exploration. */
  pctOverRandomThroughput: number;
  /**
   * Measurement 10 (por-reduction.ts): executions plain dfs needs to exhaust a litmus tree on
   * `default` at preemption bound 0 in its race window over those the reducing dfs needs (its
   * schedules plus its pruned runs), geometric mean over the litmus scenarios the reducing
   * search exhausted within the budget; a lower bound when plain dfs stopped at the budget on
   * any of them (`porReduction.lowerBound`); null when none was measured.
   */
  porReduction: number | null;
  /**
   * The same at delay bound 1 (measurement 8), over the litmus scenarios both searches
   * exhausted; null when none was.
   */
  porReductionDelay1: number | null;
  /**
   * Measurement 9: full-model runs/s (hang@default, random) of this build over the base
   * build's, side by side in this run (vs-base.ts; goal >= 2 over the main issue 16 started
   * from); null without `--base-dist`.
   */
  runsPerSecVsBase: number | null;
}

/** Measurement 9 (vs-base.ts): this build against a base build, side by side. */
export interface VsBase {
  /** The base build's compiled tree. */
  baseDist: string;
  program: string;
  strategy: string;
  runsPerRep: number;
  reps: number;
  headRunsPerSec: number;
  baseRunsPerSec: number;
  /** Head over base runs/s, per repetition. */
  perRep: number[];
  /** Their median. */
  ratio: number;
}

/** Measurement 8 (litmus-bench.ts): one litmus certificate's figures. */
export interface LitmusCertificateFigures {
  program: string;
  bound: DfsBoundKind;
  depth: number;
  /**
   * Where its schedules branched (certificate `bounds.branchWindow`): the litmus scenario's
   * race window (src/explore/dfs.ts `branchWindow`); absent in results from before it.
   */
  branchWindow?: { fromNs: number; untilNs: number } | null;
  /** Schedules the search could run. */
  budget: number;
  schedules: number;
  exhausted: boolean;
  truncated: boolean;
  distinctStates: number;
  verdict: Verdict;
  /** Invariants of the failures found (none on a clean cell). */
  invariants: string[];
  elapsedMs: number;
  schedulesPerSec: number;
  /** The same search with partial-order reduction (dfs.ts `por`, docs/explorer.md §11). */
  por: {
    schedules: number;
    prunedRuns: number;
    exhausted: boolean;
    footprints: FootprintMode | null;
    /** The same distinct outcomes and final states as the plain search. */
    sameStates: boolean;
    elapsedMs: number;
  };
}

/** Measurement 10 (por-reduction.ts): one litmus scenario's two searches. */
export interface PorReductionCell {
  program: string;
  /** Schedules plus pruned runs of the reducing search (`--por`). */
  porExecutions: number;
  /** Whether it exhausted the tree within the budget (else the cell is not measured). */
  porExhausted: boolean;
  /** Schedules of plain dfs; null when it was not run (the reducing search did not exhaust). */
  plainSchedules: number | null;
  plainExhausted: boolean;
  /** plainSchedules / porExecutions; a lower bound when plain dfs stopped at the budget. */
  ratio: number | null;
  lowerBound: boolean;
  /**
   * Both exhausted: the same outcomes and final states. Plain dfs cut: everything it reached
   * was reached by the reducing search. Null when not measured.
   */
  statesAgree: boolean | null;
}

/** Measurement 10: reduction at a preemption bound, every litmus scenario on `default`. */
export interface PorReduction {
  bound: 'preemption';
  depth: number;
  /** Each scenario's own race window (docs/explorer.md §13). */
  branchWindow: 'race';
  /** Schedules each search may run. */
  budget: number;
  /** Worker threads the searches ran on (independent searches; executions, not time). */
  jobs: number;
  cells: PorReductionCell[];
  /** Geometric mean of the measured cells' ratios (`ratios.porReduction`). */
  geomean: number | null;
  /** Whether some cell's plain search stopped at the budget, making the mean a lower bound. */
  lowerBound: boolean;
}

export interface BenchResult {
  schema: 1;
  quick: boolean;
  node: string;
  cpu: string;
  env: BenchEnv;
  elapsedMs: number;
  /** Measurement 1: full-model exploration throughput, all four campaigns together. */
  explore: {
    schedulesPerSec: number;
    decisionsPerSec: number;
    stepsPerSec: number;
    campaigns: ExploreMeasurement[];
  };
  /** Measurement 2: the free run and the controlled variants on the same seeds. */
  freeRun: {
    schedulesPerSec: number;
    stepsPerSec: number;
    programs: OverheadProgram[];
  };
  /** Measurement 3: fast-check's executions/s over the kernels (resetlab's beside it). */
  fastCheck: {
    executionsPerSec: number;
    resetlabRandomExecutionsPerSec: number;
    resetlabPctExecutionsPerSec: number;
    kernels: KernelInfo[];
    throughput: KernelThroughput[];
    pctBounds: PctBound[];
  };
  /** Measurement 4. */
  scaling: Scaling;
  /** Measurement 5. */
  determinism: Determinism;
  /** Measurements 3 (kernels) and 6 (historical corpus): runs or executions to a bug. */
  timeToBug: {
    kernels: KernelTimeToBug[];
    corpus: CorpusEntry[];
    corpusCaught: { random: number; pct: number; total: number };
  };
  /** Measurement 7. */
  simulation: Simulation;
  /** The scheduler alone (src/bench/kernel-micro.ts): decisions/s. */
  scheduler: KernelMicroResult;
  /** Measurement 8: a bounded DFS certificate per litmus scenario on default. */
  litmus: LitmusCertificateFigures[];
  /** Measurement 10. */
  porReduction: PorReduction;
  /** Measurement 9; null when no base build was given. */
  vsBase: VsBase | null;
  ratios: BenchRatios;
  goals: BenchGoal[];
}

export type BenchPhase =
  | 'scheduler'
  | 'explore'
  | 'free-run'
  | 'kernels'
  | 'scaling'
  | 'determinism'
  | 'corpus'
  | 'litmus'
  | 'por-reduction'
  | 'vs-base';

export interface BenchProgress {
  phase: BenchPhase;
  /** Phases finished before this one, and how many there are. */
  phaseIndex: number;
  phases: number;
  message: string;
}

export interface BenchOptions {
  /** Small sizes everywhere (seconds, for tests); the full run takes minutes. */
  quick?: boolean;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  onProgress?: (p: BenchProgress) => void;
  /**
   * A compiled tree of the revision to compare with (measurement 9, vs-base.ts): the `dist`
   * of a checkout built with `npm run build`, or what `bench/ab.ts <rev> --build-only` prints.
   */
  baseDist?: string;
}
