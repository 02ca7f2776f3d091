/**
 * The neutral interface the benchmark kernels are written against, so that the same kernel
 * runs unchanged on resetlab's simulated kernel and under fast-check's scheduler, and the
 * comparison measures the engines, not two ports of a kernel.
 *
 * A kernel is a handful of tasks sharing plain variables. The only places where another task
 * may run are `yieldPoint()` and `sleep()`: between them a task runs atomically, as a kernel
 * thread runs between two points where it could be preempted. `fault(name)` asks the engine
 * whether an injected fault happens (the engine decides, from its seed, so that faults are
 * explored like interleavings). `assert` reports a broken invariant; it never throws, so a
 * failing check does not change the schedule that found it.
 *
 * `sleep(ns)` is virtual time on resetlab (tasks that sleep longer run later) and a plain
 * scheduling point under fast-check, which has no clock; the kernels only rely on the
 * ordering both give (a sleeper may be overtaken), so every bug is reachable on both.
 */
import type { InvariantId } from '../../kernel/violations.js';

export interface KernelApi {
  /** Starts a task. May be called from setup or from a running task. */
  spawn(name: string, fn: () => Promise<void>): void;
  /** A point where another task may run. */
  yieldPoint(): Promise<void>;
  /** Sleeps `ns` of virtual time (a scheduling point where there is no clock). */
  sleep(ns: number): Promise<void>;
  /** Whether the named fault happens now. */
  fault(name: string): boolean;
  /** Reports `invariant` when `cond` is false. */
  assert(cond: boolean, invariant: InvariantId): void;
}

/** Number of ordering constraints between tasks needed to trigger the bug (PCT's d). */
export type BugDepth = 1 | 2 | 3;

export interface BenchKernel {
  /** Stable id, used in results (e.g. `lost-wakeup`). */
  readonly name: string;
  readonly description: string;
  readonly depth: BugDepth;
  /** The invariant its bug breaks. */
  readonly invariant: InvariantId;
  /** Creates the shared state and spawns the initial tasks. Called once per execution. */
  setup(api: KernelApi): void;
}

/**
 * `steps` decision points of work that does not touch the shared state (reading a status
 * register, taking and dropping an unrelated lock, updating statistics). Kernels put this
 * where real code does other work between the statements that race, so that a bug's window
 * spans as many points where the scheduler could switch tasks as it would in a driver.
 */
export async function work(api: KernelApi, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await api.yieldPoint();
}
