/**
 * Seeded pseudo-random numbers for the model.
 *
 * The model never calls `Math.random`: every random choice (hardware latency jitter, fault
 * draws, the explorer's picks) comes from a `Prng` derived from the run's seed. Separate
 * concerns use separate *streams* so that, for example, replaying a recorded schedule with a
 * different strategy does not shift the hardware's jitter.
 *
 * We use pure-rand's xoroshiro128+ (fast, well tested, in-place `next()`), and derive a stream
 * by mixing the seed with a stream number through a 32-bit finaliser (splitmix-style), rather
 * than by `jump()`, which is slower and unnecessary for independence at our scale.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** Well-known streams. Adding a stream never changes the values of an existing one. */
export const Stream = {
  strategy: 1,
  hardware: 2,
  scenario: 3,
  faults: 4,
  swarm: 5,
  fuzz: 6,
} as const;

/** A 32-bit integer mix (murmur3 finaliser); deterministic and platform-independent. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Prng {
  private readonly rng: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number, stream = 0) {
    this.rng = xoroshiro128plus(mix32((seed | 0) ^ mix32(stream + 0x9e3779b9)));
  }

  /** Uniform integer in [0, n). `n` must be a positive integer. */
  below(n: number): number {
    if (n <= 1) return 0;
    return uniformInt(this.rng, 0, n - 1);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return hi <= lo ? lo : uniformInt(this.rng, lo, hi);
  }

  /** A float in [0, 1) with 32 bits of resolution. */
  unit(): number {
    return (this.rng.next() >>> 0) / 0x100000000;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.unit() < p;
  }

  /** A raw 32-bit unsigned value. */
  u32(): number {
    return this.rng.next() >>> 0;
  }

  /** Pick one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: empty array');
    return items[this.below(items.length)] as T;
  }
}
