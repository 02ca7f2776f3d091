/**
 * The scheduling-strategy interface.
 *
 * At every decision point with more than one option the kernel asks the strategy which task
 * runs next. The options are the runnable tasks, in the order they became runnable, plus, when
 * timed events are pending and the strategy asks for it, "fire the next timed event now"
 * (index `runq.length`). Offering that option lets the explorer model a slow CPU: a timeout can
 * fire while a task is between two statements, which is how "timeout versus completion" races
 * are found. Events still fire in time order; only their position relative to CPU work varies.
 * The option is offered only for an event due within the kernel's jump horizon (1 ms by
 * default) of the moment the longest-waiting runnable task became runnable: the CPU may be
 * slow, not stopped. Unbounded jumps would let virtual seconds pass while every task waits to
 * run, which no real machine does; and a horizon measured from *now* would allow that too, one
 * short jump after another (a reset worker kept off the CPU for 400 ms while pollers' 10 µs
 * delays kept firing, reset-storm@default under PCT).
 *
 * Implementations live in `src/explore/` (random, pct, dfs, replay), one per file; FIFO, the
 * run order when nothing else is asked for, is the kernel's own (`fifo.ts`).
 */
import type { Footprint, FootprintMode } from './hb.js';
import type { Task } from './task.js';

export interface StrategyHost {
  /** The run's seed. */
  readonly seed: number;
  /**
   * Virtual time now (ns): a search bounded in time (dfs.ts `branchUntilNs`) stops branching
   * once the run reaches its horizon.
   */
  readonly nowNs: number;
  /** Reports that the strategy could not follow its input (replay divergence). */
  diverged(message: string): void;
  /** What the run tracks of its steps' shared accesses (hb.ts), null when nothing. */
  readonly footprintMode: FootprintMode | null;
  /**
   * A key of the state at this decision (hb.ts `key`: with the run queue's order or without),
   * mixed with `extra`; -1 unless the strategy asked for `footprints`.
   */
  stateKey(extra: number, ordered: boolean): number;
  /** Ends the run at this decision (outcome `pruned`): the strategy has searched its future. */
  prune(): void;
  /**
   * What ran since the last call, as one step's footprint (hb.ts `takeSpan`): null when it was
   * not exactly one task step whose objects all had their ids before it, or when the run keeps
   * no tracker. Sleep sets (dfs.ts `sleep`) compare steps by it.
   */
  takeSpan(): Footprint | null;
  /** The happens-before id of `obj` (hb.ts `idOf`: stable across schedules), -1 without a tracker. */
  objectId(obj: object): number;
  /** Timed events pending now (timers, timeouts, delays). */
  readonly pendingEvents: number;
  /** The happens-before id of the timed-event queue (a step that adds or cancels one writes it), -1 without a tracker. */
  eventQueueId(): number;
}

export interface Strategy {
  readonly name: string;
  /** Whether to offer "fire the next event" while tasks are runnable. */
  readonly timeJumps: boolean;
  /** Whether the kernel should hash the run's steps by their dependencies (hb.ts). */
  readonly footprints?: boolean;
  /** Called once, before the first step of a run. */
  start(host: StrategyHost): void;
  /** Called when a task is created (PCT assigns its priority here). */
  onSpawn(task: Task): void;
  /**
   * Pick an index in `[0, runq.length)` to run that task, or `runq.length` (only when
   * `eventOffered`) to fire the next timed event first. `prev` is the task that ran the step
   * before (it is in `runq` if it yielded and is still runnable). Only called with two or more
   * options.
   */
  pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number;
}
