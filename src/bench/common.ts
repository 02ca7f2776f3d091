/**
 * What the benchmark's measurements share: how big each one is (full or quick), rates that
 * survive a zero or fake clock, and a program wrapper that adds up the virtual time its runs
 * simulated.
 */
import type { Program, RunInput, RunReport } from '../explore/program.js';

export type Clock = () => number;

export interface BenchSizes {
  /** Measurement 8: litmus scenarios certified (in litmus.ts order) and the schedule budget each. */
  litmusScenarios: number;
  litmusBudget: number;
  /** Measurement 10: the schedule budget of each search (plain and reducing) per litmus. */
  porReductionBudget: number;
  /** Runs per explore campaign (measurement 1) and untimed warm-up runs before it. */
  exploreRuns: number;
  exploreWarmup: number;
  /** Seeds and rounds of the free-run comparison (measurement 2). */
  overheadSeeds: number;
  overheadRounds: number;
  /**
   * Kernel throughput: measured executions (after as many unmeasured) per engine. resetlab's
   * are about ten times faster, so it gets ten times as many: both then run for about the
   * same time (a fraction of a second), long enough for a collection or two to fall in.
   */
  kernelExecutions: number;
  fastCheckExecutions: number;
  /** Kernel time to bug: seeds, and the budget per seed for resetlab and for fast-check. */
  kernelSeeds: number;
  resetlabBudget: number;
  fastCheckBudget: number;
  /** Runs per campaign and repetitions of the jobs-1/jobs-2 pair (measurement 4). */
  scalingRuns: number;
  scalingReps: number;
  /** Seeds per built-in scenario and strategy in the determinism check (measurement 5). */
  determinismSeeds: number;
  /** Cap on each regression's budget (measurement 6); null keeps the table's budgets. */
  corpusBudgetCap: number | null;
  /** Scheduler micro-benchmark. */
  microPerTask: number;
  microReps: number;
  /** Measurement 9 (with a base build): runs per campaign, repetitions, warm-up runs. */
  vsBaseRuns: number;
  vsBaseReps: number;
  vsBaseWarmup: number;
}

export const FULL_SIZES: BenchSizes = {
  litmusScenarios: 1_000,
  litmusBudget: 5_000,
  porReductionBudget: 20_000,
  exploreRuns: 200,
  exploreWarmup: 12,
  overheadSeeds: 20,
  overheadRounds: 3,
  kernelExecutions: 100_000,
  fastCheckExecutions: 10_000,
  kernelSeeds: 50,
  resetlabBudget: 200_000,
  fastCheckBudget: 20_000,
  // A multiple of 128: the campaign's default chunks (64 runs) then split evenly over 2 jobs.
  scalingRuns: 2048,
  scalingReps: 2,
  determinismSeeds: 5,
  corpusBudgetCap: null,
  microPerTask: 25_000,
  microReps: 5,
  vsBaseRuns: 60,
  vsBaseReps: 5,
  vsBaseWarmup: 12,
};

export const QUICK_SIZES: BenchSizes = {
  litmusScenarios: 1,
  litmusBudget: 20,
  porReductionBudget: 20,
  exploreRuns: 6,
  exploreWarmup: 1,
  overheadSeeds: 2,
  overheadRounds: 1,
  kernelExecutions: 120,
  fastCheckExecutions: 50,
  kernelSeeds: 2,
  resetlabBudget: 200,
  fastCheckBudget: 100,
  scalingRuns: 4,
  scalingReps: 1,
  determinismSeeds: 1,
  corpusBudgetCap: 2,
  microPerTask: 1_000,
  microReps: 1,
  vsBaseRuns: 3,
  vsBaseReps: 2,
  vsBaseWarmup: 1,
};

/** The median (the mean of the two middle values for an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 === 1
    ? (s[(n - 1) / 2] as number)
    : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** `units` per second over `ms` milliseconds; 0 when nothing was done. */
export function perSec(units: number, ms: number): number {
  if (units === 0) return 0;
  return (units * 1000) / Math.max(ms, 1e-6);
}

/** a / b, or `fallback` when b is not a positive number. */
export function ratio(a: number, b: number, fallback = 0): number {
  return b > 0 && Number.isFinite(a) ? a / b : fallback;
}

export function geomean(xs: readonly number[]): number {
  const pos = xs.filter((x) => x > 0 && Number.isFinite(x));
  if (pos.length === 0) return 0;
  return Math.exp(pos.reduce((s, x) => s + Math.log(x), 0) / pos.length);
}

/** Rounds for JSON: three significant decimals are plenty for rates and ratios. */
export function round3(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0;
}

export interface RunCounter {
  virtualNs: number;
  runs: number;
  steps: number;
}

/** The program with a `run` that also adds up the virtual time and steps of every run. */
export function counting(inner: Program): { program: Program; counter: RunCounter } {
  const counter: RunCounter = { virtualNs: 0, runs: 0, steps: 0 };
  const program: Program = {
    ...inner,
    async run(input: RunInput): Promise<RunReport> {
      const r = await inner.run(input);
      counter.virtualNs += r.virtualTimeNs;
      counter.runs++;
      counter.steps += r.steps;
      return r;
    },
  };
  return { program, counter };
}
