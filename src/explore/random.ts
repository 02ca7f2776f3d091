/**
 * Uniform random scheduling: at each decision point every runnable task is equally likely. When
 * timed events are pending, "fire the next event now" is chosen with probability `eventRate`
 * instead of uniformly: offering it as one more equal option would make timeouts fire in
 * nearly every run and bury the other interleavings.
 */
import { Prng, Stream } from '../kernel/prng.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';

export interface RandomOptions {
  /** Probability of firing a pending timed event ahead of runnable tasks. */
  eventRate?: number;
}

export function randomStrategy(opts: RandomOptions = {}): Strategy {
  const eventRate = opts.eventRate ?? 0.02;
  let rng = new Prng(1, Stream.strategy);
  return {
    name: 'random',
    timeJumps: eventRate > 0,
    start(host: StrategyHost) {
      rng = new Prng(host.seed, Stream.strategy);
    },
    onSpawn() {},
    pick(runq: readonly Task[], eventOffered: boolean): number {
      if (eventOffered && rng.chance(eventRate)) return runq.length;
      return rng.below(runq.length);
    },
  };
}
