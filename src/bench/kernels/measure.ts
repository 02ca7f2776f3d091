/**
 * Measurements of the benchmark kernels per engine: executions per second, and executions to
 * the first bug over many seeds (median and 90th percentile). Results are plain objects; how
 * to print them, and which ratios to show, is left to `resetlab bench`.
 *
 * Executions to first bug is a distribution with a long tail (a seed may not find the bug
 * within the budget at all), so it is summarised by nearest-rank percentiles over the seeds,
 * with "not found within the budget" ranked above every found value. A percentile that falls
 * on such a seed is null: the honest statement is "more than `budget`". Means are not given
 * for the same reason.
 *
 * Wall-clock time is read only here (through an injectable clock), for throughput; nothing
 * measured depends on it.
 */
import type { BenchKernel, BugDepth } from './api.js';
import type { Engine } from './engine.js';

export interface ThroughputResult {
  engine: string;
  kernel: string;
  executions: number;
  elapsedMs: number;
  executionsPerSec: number;
  /** Executions that hit the bug (a sanity check that both engines reach it). */
  violations: number;
}

export interface TimeToBugResult {
  engine: string;
  kernel: string;
  depth: BugDepth;
  seeds: number;
  budget: number;
  /** Seeds that found the bug within the budget. */
  found: number;
  /** Median executions to the first bug, or null if more than `budget`. */
  median: number | null;
  p90: number | null;
  /** Per seed, in seed order: executions to the first bug, or null if not found. */
  perSeed: (number | null)[];
}

export interface KernelBenchResult {
  engines: string[];
  kernels: { name: string; depth: BugDepth; invariant: string }[];
  throughput: ThroughputResult[];
  timeToBug: TimeToBugResult[];
}

export interface ThroughputOptions {
  /** Measured executions (default 2000). */
  executions?: number;
  /**
   * Unmeasured executions first (default: as many as measured), so that the JIT has compiled
   * the engine's hot path before the clock starts; otherwise whichever kernel runs first pays.
   */
  warmup?: number;
  seed?: number;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

export interface TimeToBugOptions {
  /** Seeds 1..n (default 50; at least 50 for the summary the benchmark reports). */
  seeds?: number;
  /** Executions per seed before giving up (default 5000). */
  budget?: number;
  firstSeed?: number;
}

export async function measureThroughput(
  engine: Engine,
  kernel: BenchKernel,
  opts: ThroughputOptions = {},
): Promise<ThroughputResult> {
  const executions = opts.executions ?? 2000;
  const seed = opts.seed ?? 1;
  const warmup = opts.warmup ?? executions;
  const now = opts.now ?? (() => performance.now());
  if (warmup > 0) await engine.runMany(kernel, seed + 1, warmup);
  const t0 = now();
  const batch = await engine.runMany(kernel, seed, executions);
  const elapsedMs = now() - t0;
  return {
    engine: engine.name,
    kernel: kernel.name,
    executions: batch.executions,
    elapsedMs,
    executionsPerSec: elapsedMs > 0 ? (batch.executions * 1000) / elapsedMs : 0,
    violations: batch.violations,
  };
}

export async function measureTimeToBug(
  engine: Engine,
  kernel: BenchKernel,
  opts: TimeToBugOptions = {},
): Promise<TimeToBugResult> {
  const seeds = opts.seeds ?? 50;
  const budget = opts.budget ?? 5000;
  const first = opts.firstSeed ?? 1;
  const perSeed: (number | null)[] = [];
  for (let s = first; s < first + seeds; s++) {
    const r = await engine.untilBug(kernel, s, budget);
    perSeed.push(r.found ? r.executions : null);
  }
  return {
    engine: engine.name,
    kernel: kernel.name,
    depth: kernel.depth,
    seeds,
    budget,
    found: perSeed.filter((v) => v !== null).length,
    median: percentile(perSeed, 0.5),
    p90: percentile(perSeed, 0.9),
    perSeed,
  };
}

/** Nearest-rank percentile; null (not found) ranks above everything and yields null. */
export function percentile(values: readonly (number | null)[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = values
    .map((v) => (v === null ? Number.POSITIVE_INFINITY : v))
    .sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  const v = sorted[rank - 1] as number;
  return Number.isFinite(v) ? v : null;
}

export interface BenchOptions extends ThroughputOptions, TimeToBugOptions {
  engines: readonly Engine[];
  kernels: readonly BenchKernel[];
}

/** Every kernel on every engine: throughput and time to bug. */
export async function benchKernels(opts: BenchOptions): Promise<KernelBenchResult> {
  const throughput: ThroughputResult[] = [];
  const timeToBug: TimeToBugResult[] = [];
  for (const kernel of opts.kernels) {
    for (const engine of opts.engines) {
      throughput.push(await measureThroughput(engine, kernel, opts));
      timeToBug.push(await measureTimeToBug(engine, kernel, opts));
    }
  }
  return {
    engines: opts.engines.map((e) => e.name),
    kernels: opts.kernels.map((k) => ({ name: k.name, depth: k.depth, invariant: k.invariant })),
    throughput,
    timeToBug,
  };
}
