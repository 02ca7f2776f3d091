/**
 * What the benchmark needs from an exploration engine: run a kernel many times from a seed,
 * either until its bug shows up or for a fixed count. Both questions are asked of every
 * engine the same way, so that "executions to first bug" and "executions per second" mean
 * the same thing for resetlab's strategies and for fast-check's scheduler.
 *
 * An execution is one run of the kernel from a fresh state with one schedule (and one draw of
 * faults). It violates when the kernel's own invariant fails; anything else (an exception in
 * kernel code) is a bug in the benchmark and is thrown.
 */
import type { BenchKernel } from './api.js';

export interface UntilBug {
  /** Executions made, including the failing one. */
  executions: number;
  found: boolean;
}

export interface Batch {
  executions: number;
  /** Executions that violated the kernel's invariant. */
  violations: number;
}

export interface Engine {
  readonly name: string;
  /** Executes `kernel` from `seed` until the first violation, at most `budget` times. */
  untilBug(kernel: BenchKernel, seed: number, budget: number): Promise<UntilBug>;
  /** Executes `kernel` exactly `count` times from `seed`. */
  runMany(kernel: BenchKernel, seed: number, count: number): Promise<Batch>;
}
