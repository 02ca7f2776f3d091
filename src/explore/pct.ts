/**
 * PCT: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
 *
 * Every task gets a random, distinct priority of at least `depth`; the highest-priority
 * runnable task always runs. `depth - 1` change points are drawn uniformly over the first
 * `steps` contested decisions (decisions with two or more runnable tasks; forced steps and
 * "fire an event or not" questions with a single runnable task are not counted, because the
 * bound is stated over steps where the schedule could differ). At the i-th change point the
 * task that was about to run drops to priority `i`, below every initial priority, and the
 * next highest-priority task runs instead. A bug of depth d (d ordering constraints) is found
 * in one run with probability at least 1/(n·k^(d-1)) for n tasks and k steps, independent of
 * how many interleavings there are; random scheduling has no such bound and is exponentially
 * unlikely to keep one task starved for many steps, which is what deep bugs often need.
 *
 * Time jumps. "Fire the next timed event now" is treated as one more pseudo-task with its own
 * random priority, competing with the real tasks and subject to change points like them. A run
 * where it ranks high models a slow CPU (timeouts win races), a run where it ranks low models a
 * fast one (events fire only when nothing is runnable), and change points move between the two
 * mid-run. Alternatives rejected: a fixed probability (random.ts's approach) gives up PCT's
 * bound for timing races; never offering events misses "timeout versus completion" entirely.
 * A periodic timer would let a top-priority event pseudo-task fire forever and starve every
 * task, so at most `maxEventBurst` events fire early in a row before a task gets a step.
 *
 * Priorities are drawn when a task first competes in a decision rather than in `onSpawn`,
 * because tasks spawned before `Kernel.run()` are announced before `start()` seeds the
 * strategy. Independent uniform draws give the same uniformly random order either way.
 * Each run draws from `Prng(seed, Stream.strategy)`, so a run depends on its seed alone and
 * one strategy object can be reused for every run of a campaign. No allocation per decision.
 */
import { Prng, Stream } from '../kernel/prng.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';

export interface PctOptions {
  /** Bug depth d: d - 1 change points. At least 1, at most MAX_PCT_DEPTH. */
  depth?: number;
  /** k: estimated contested decisions per run (calibrate.ts estimates it). */
  steps?: number;
  /** Offer "fire the next event" as a pseudo-task (default true). */
  timeJumps?: boolean;
  /** Early event firings allowed in a row before a task must run (default 4). */
  maxEventBurst?: number;
}

export interface PctStrategy extends Strategy {
  readonly depth: number;
  readonly steps: number;
}

export const MAX_PCT_DEPTH = 16;
export const DEFAULT_PCT_STEPS = 1000;

/** Marks a task that has not been given a priority in this run (`Task.prio` starts at 0). */
const UNASSIGNED = 0;

export function pctStrategy(opts: PctOptions = {}): PctStrategy {
  const depth = opts.depth ?? 3;
  const steps = opts.steps ?? DEFAULT_PCT_STEPS;
  const timeJumps = opts.timeJumps ?? true;
  const maxEventBurst = opts.maxEventBurst ?? 4;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_PCT_DEPTH) {
    throw new RangeError(`pct: depth must be an integer in [1, ${MAX_PCT_DEPTH}], got ${depth}`);
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`pct: steps must be a positive integer, got ${steps}`);
  }
  // Change points sorted by step, with the priority each one assigns. Allocated once and
  // reused by every run.
  const changeStep = new Float64Array(depth);
  const changePrio = new Float64Array(depth);
  let changes = 0;
  let nextChange = 0;
  let contested = 0;
  let eventPrio = 0;
  let burst = 0;
  let rng = new Prng(1, Stream.strategy);

  function initialPrio(): number {
    // >= depth, so above every change-point priority; 2^32 values make ties (broken by task
    // id, deterministically) vanishingly rare.
    return depth + rng.u32();
  }

  /** Index of the highest-priority option; runq.length stands for the event pseudo-task. */
  function highest(runq: readonly Task[], event: boolean): number {
    let best = -1;
    let bestPrio = -1;
    let bestId = 0;
    for (let i = 0; i < runq.length; i++) {
      const t = runq[i] as Task;
      if (t.prio === UNASSIGNED) t.prio = initialPrio();
      if (t.prio > bestPrio || (t.prio === bestPrio && t.id < bestId)) {
        best = i;
        bestPrio = t.prio;
        bestId = t.id;
      }
    }
    if (event && eventPrio > bestPrio) best = runq.length;
    return best;
  }

  return {
    name: 'pct',
    timeJumps,
    depth,
    steps,
    start(host: StrategyHost) {
      rng = new Prng(host.seed, Stream.strategy);
      eventPrio = initialPrio();
      contested = 0;
      nextChange = 0;
      burst = 0;
      // Draw min(d - 1, k) distinct change points in [1, k]; rejection is cheap because d is
      // small, and the loop is bounded because there are at least that many candidates.
      changes = Math.min(depth - 1, steps);
      for (let i = 0; i < changes; i++) {
        let s: number;
        let dup: boolean;
        do {
          s = rng.range(1, steps);
          dup = false;
          for (let j = 0; j < i; j++) if (changeStep[j] === s) dup = true;
        } while (dup);
        changeStep[i] = s;
        changePrio[i] = i + 1;
      }
      // Insertion sort by step (at most MAX_PCT_DEPTH - 1 entries).
      for (let i = 1; i < changes; i++) {
        const s = changeStep[i] as number;
        const p = changePrio[i] as number;
        let j = i - 1;
        while (j >= 0 && (changeStep[j] as number) > s) {
          changeStep[j + 1] = changeStep[j] as number;
          changePrio[j + 1] = changePrio[j] as number;
          j--;
        }
        changeStep[j + 1] = s;
        changePrio[j + 1] = p;
      }
    },
    onSpawn() {},
    pick(runq: readonly Task[], eventOffered: boolean): number {
      const event = eventOffered && burst < maxEventBurst;
      let best = highest(runq, event);
      if (runq.length >= 2) {
        contested++;
        while (nextChange < changes && changeStep[nextChange] === contested) {
          const p = changePrio[nextChange] as number;
          if (best === runq.length) eventPrio = p;
          else (runq[best] as Task).prio = p;
          nextChange++;
          best = highest(runq, event);
        }
      }
      burst = best === runq.length ? burst + 1 : 0;
      return best;
    },
  };
}
