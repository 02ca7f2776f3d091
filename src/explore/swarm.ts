/**
 * Swarm testing (Groce, Zhang, Eide, Chen, Regehr, "Swarm Testing", ISSTA 2012): instead of
 * enabling every fault kind in every run, each run draws a random *subset* of the program's
 * fault vocabulary, and random parameters for the ones it keeps. A run with every fault at
 * once tends to reset the GPU for the first fault and never reach the interesting state the
 * second one needs; runs with fewer, different mixes cover more behaviour per run.
 *
 * The draw uses `Prng(seed, Stream.swarm)`, so it depends on the run seed alone: a failure
 * file's seed reproduces its faults, and the draw does not consume the strategy's or the
 * hardware's randomness. Every parameter is bounded (faults per run, arm time, count).
 */
import { Prng, Stream } from '../kernel/prng.js';
import type { FaultSpec } from './program.js';

export interface SwarmOptions {
  /** Probability that each fault kind is enabled in a run (default 0.5, as in the paper). */
  enableProb?: number;
  /** Latest virtual time at which a fault may become armed (default 50 ms). */
  maxArmNs?: number;
  /** At most this many fault kinds per run (default 8). */
  maxFaults?: number;
  /** Largest finite fire count (default 3); count 0 ("every time") is drawn too. */
  maxCount?: number;
}

/** Rates are drawn from a few levels rather than uniformly: rare, occasional and always. */
const RATE_LEVELS = [0.01, 0.1, 0.5, 1] as const;

export const SWARM_LIMITS = { maxFaults: 64, maxArmNs: 3_600e9, maxCount: 1000 } as const;

export function drawFaults(
  vocabulary: readonly string[],
  seed: number,
  opts: SwarmOptions = {},
): FaultSpec[] {
  const enableProb = opts.enableProb ?? 0.5;
  const maxArmNs = Math.min(opts.maxArmNs ?? 50e6, SWARM_LIMITS.maxArmNs);
  const maxFaults = Math.min(opts.maxFaults ?? 8, SWARM_LIMITS.maxFaults);
  const maxCount = Math.min(opts.maxCount ?? 3, SWARM_LIMITS.maxCount);
  const rng = new Prng(seed, Stream.swarm);
  const out: FaultSpec[] = [];
  for (const name of vocabulary) {
    // Draw every parameter for every kind, enabled or not, so that the values for one kind do
    // not depend on which kinds before it happened to be enabled.
    const on = rng.chance(enableProb);
    const armEarly = rng.chance(0.5);
    const armAt = rng.range(0, Math.floor(maxArmNs / 1000)) * 1000;
    const rate = rng.pick(RATE_LEVELS);
    const count = rng.range(0, maxCount);
    if (!on || out.length >= maxFaults) continue;
    out.push({ name, atNs: armEarly ? 0 : armAt, count, rate });
  }
  return out;
}

/** A short human-readable form of a fault mix, for summaries. */
export function describeFaults(faults: readonly FaultSpec[]): string {
  if (faults.length === 0) return 'none';
  return faults.map((f) => `${f.name}@${f.atNs}ns×${f.count === 0 ? '∞' : f.count}`).join(', ');
}
