/**
 * Estimating k for PCT: how many contested decisions (two or more runnable tasks) a run of a
 * program makes. PCT draws its change points uniformly over the first k such decisions, so an
 * estimate far too large wastes change points after the run ended, and one far too small
 * never preempts late in the run.
 *
 * The estimate is twice the largest count over a few runs whose seeds derive from the campaign
 * seed alone, alternating random scheduling and strict priority scheduling (PCT with depth 1).
 * Random runs let tasks finish together, which undercounts: in a PCT run a low-priority task
 * stays runnable while a high one runs, so those steps are contested too, and the schedules
 * that find deep bugs are exactly the ones that starve a task for long. The factor 2 covers
 * the starved schedules the calibration runs did not meet; it costs at most 2^(d-1) in PCT's
 * bound, where an estimate that is too small makes late change points impossible.
 *
 * k must not be learned from the campaign's own runs: then run i would depend on the runs
 * before it, and chunks, workers and shards would disagree.
 */
import { mix32 } from '../kernel/prng.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';
import { pctStrategy } from './pct.js';
import type { FaultSpec, Program } from './program.js';
import { randomStrategy } from './random.js';

export const CALIBRATION_RUNS = 4;
const CALIBRATION_SALT = 0x6b43a9b5;

export interface CalibrateOptions {
  seed: number;
  runs?: number;
  /** The faults a run with this seed would get (the campaign's swarm draw). */
  faultsFor?: (seed: number) => readonly FaultSpec[];
  maxSteps?: number;
}

export async function estimateContestedSteps(
  program: Program,
  opts: CalibrateOptions,
): Promise<number> {
  const runs = Math.max(1, Math.min(opts.runs ?? CALIBRATION_RUNS, 64));
  const random = randomStrategy();
  const priority = pctStrategy({ depth: 1 });
  let inner: Strategy = random;
  let contested = 0;
  const counting: Strategy = {
    name: 'calibrate',
    get timeJumps() {
      return inner.timeJumps;
    },
    start(h: StrategyHost) {
      contested = 0;
      inner.start(h);
    },
    onSpawn(t: Task) {
      inner.onSpawn(t);
    },
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      if (runq.length >= 2) contested++;
      return inner.pick(runq, eventOffered, prev);
    },
  };
  let k = 1;
  for (let i = 0; i < runs; i++) {
    inner = i % 2 === 0 ? random : priority;
    const seed = mix32(mix32(opts.seed ^ CALIBRATION_SALT) ^ i);
    await program.run({
      seed,
      strategy: counting,
      faults: opts.faultsFor?.(seed) ?? [],
      record: false,
      stopOnViolation: false,
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
    });
    k = Math.max(k, contested);
  }
  return 2 * k;
}
