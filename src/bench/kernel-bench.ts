/**
 * Measurement 3: the small concurrency kernels (src/bench/kernels/) under resetlab's random
 * and PCT strategies and under fast-check's `fc.scheduler()`, on the same seed lists:
 * executions per second, executions to the first bug (median, 90th percentile, mean), and
 * PCT's guarantee 1/(n·k^(d-1)) from each kernel's measured n (tasks) and k (contested
 * decisions, calibrated as for PCT).
 *
 * Throughput: per kernel, the three engines take turns, twice in opposite orders, each time
 * after an untimed warm-up of the same size; the two timings are added up. Each engine gets
 * enough executions to run for a fraction of a second.
 *
 * Executions to the bug are counted, not timed, and are the same on every machine. fast-check
 * gets a smaller budget than resetlab where a bug is rare (its executions are ~10× slower); a
 * seed that does not find the bug within its engine's budget is reported as such (a null
 * percentile means "more than the budget").
 */

import { type BenchSizes, type Clock, perSec } from './common.js';
import type { BenchKernel } from './kernels/api.js';
import type { Engine } from './kernels/engine.js';
import { allEngines } from './kernels/engines.js';
import { BENCH_KERNELS } from './kernels/index.js';
import { measureThroughput, measureTimeToBug } from './kernels/measure.js';
import { kernelShape } from './kernels/resetlab-engine.js';
import type { KernelInfo, KernelThroughput, KernelTimeToBug, PctBound } from './result.js';

export interface KernelBench {
  kernels: KernelInfo[];
  throughput: KernelThroughput[];
  timeToBug: KernelTimeToBug[];
  pctBounds: PctBound[];
}

const THROUGHPUT_SEED = 1;

export async function measureKernels(
  sizes: BenchSizes,
  now: Clock,
  progress: (message: string) => void,
  kernels: readonly BenchKernel[] = BENCH_KERNELS,
): Promise<KernelBench> {
  const engines = allEngines();
  const throughput: KernelThroughput[] = [];
  const timeToBug: KernelTimeToBug[] = [];
  const pctBounds: PctBound[] = [];
  for (const kernel of kernels) {
    progress(`kernel ${kernel.name}: throughput`);
    const tally = new Map<Engine, { executions: number; ms: number; violations: number }>();
    for (const order of [engines, [...engines].reverse()]) {
      for (const engine of order) {
        const n = engine.name === 'fast-check' ? sizes.fastCheckExecutions : sizes.kernelExecutions;
        const r = await measureThroughput(engine, kernel, {
          executions: n,
          warmup: n,
          seed: THROUGHPUT_SEED,
          now,
        });
        const t = tally.get(engine) ?? { executions: 0, ms: 0, violations: 0 };
        t.executions += r.executions;
        t.ms += r.elapsedMs;
        t.violations += r.violations;
        tally.set(engine, t);
      }
    }
    for (const engine of engines) {
      const t = tally.get(engine) as { executions: number; ms: number; violations: number };
      throughput.push({
        kernel: kernel.name,
        engine: engine.name,
        executions: t.executions,
        elapsedMs: t.ms,
        executionsPerSec: perSec(t.executions, t.ms),
        violatingShare: t.executions > 0 ? t.violations / t.executions : 0,
      });
    }
    for (const engine of engines) {
      progress(`kernel ${kernel.name}: executions to the bug, ${engine.name}`);
      const budget = engine.name === 'fast-check' ? sizes.fastCheckBudget : sizes.resetlabBudget;
      const r = await measureTimeToBug(engine, kernel, { seeds: sizes.kernelSeeds, budget });
      timeToBug.push({
        kernel: kernel.name,
        engine: engine.name,
        depth: kernel.depth,
        seeds: r.seeds,
        budget: r.budget,
        found: r.found,
        median: r.median,
        p90: r.p90,
        meanAtLeast: r.perSeed.reduce<number>((a, v) => a + (v ?? budget), 0) / r.seeds,
      });
    }
    const shape = await kernelShape(kernel);
    const faultProbability = shape.usesFaults ? 0.5 : 1;
    const p =
      (faultProbability / shape.tasks) *
      (1 / shape.contestedSteps) ** Math.max(0, kernel.depth - 1);
    const pct = timeToBug.find((t) => t.kernel === kernel.name && t.engine === 'resetlab-pct');
    const measuredMean = pct?.meanAtLeast ?? 0;
    pctBounds.push({
      kernel: kernel.name,
      depth: kernel.depth,
      tasks: shape.tasks,
      steps: shape.contestedSteps,
      faultProbability,
      probabilityAtLeast: p,
      expectedExecutionsAtMost: 1 / p,
      measuredMean,
      // The mean of N geometric samples has a standard error of about mean/√N: allow two of
      // them, or a bound that is exact (depth 1) would be "missed" half the time by chance.
      withinBound:
        pct !== undefined &&
        pct.found === pct.seeds &&
        measuredMean <= (1 / p) * (1 + 2 / Math.sqrt(pct.seeds)),
    });
  }
  return {
    kernels: kernels.map((k) => ({
      name: k.name,
      depth: k.depth,
      invariant: k.invariant,
      description: k.description,
    })),
    throughput,
    timeToBug,
    pctBounds,
  };
}
