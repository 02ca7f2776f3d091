/**
 * Tasks: the simulated kernel's threads of execution.
 *
 * A task is an async function run under the kernel's control. It has an execution *context*,
 * because what code may do depends on where it runs: hard IRQ handlers and timer callbacks are
 * atomic and must never sleep; workqueue workers, threaded IRQ handlers and process context
 * (ioctl callers, kthreads) may.
 */
import type { TimedEvent } from './events.js';
import type { LockClass } from './lockdep.js';
import type { Lane } from './trace.js';

export type TaskContext = 'process' | 'worker' | 'irq-thread' | 'hardirq' | 'timer';

export type TaskState = 'runnable' | 'running' | 'blocked' | 'done';

/**
 * How a lock is held or acquired, as lockdep prints it in its scenarios: `lock` (exclusive),
 * `rlock` (a read side: down_read, srcu_read_lock), `sync` (waiting for others to leave:
 * synchronize_srcu, flush_work, dma_fence_wait).
 */
export type HeldHow = 'lock' | 'rlock' | 'sync';

/** Where, when and how a held lock was taken (see `Task.heldInfo`). */
export interface HeldEntry {
  site: string;
  atNs: number;
  how: HeldHow;
}

/** Contexts in which sleeping is forbidden (docs/design.md §1.3 and §2, `atomic-sleep`). */
export function isAtomicContext(ctx: TaskContext): boolean {
  return ctx === 'hardirq' || ctx === 'timer';
}

export class Task {
  state: TaskState = 'runnable';
  /** Resolver of the promise the task is parked on; the value says "woken" (true) or "timed out". */
  resume: ((woken: boolean) => void) | null = null;
  /** Value handed to `resume` when the task is next dispatched. */
  wakeValue = true;
  /** When the task last became runnable (the kernel bounds how long an event jump delays it). */
  runnableSinceNs = 0;
  /** What a blocked task waits for, for deadlock reports. */
  blockedOn: string | null = null;
  /** When the task last blocked (virtual ns), for hung-task reports. */
  blockedAtNs = 0;
  /**
   * The lock class a blocked task waits to acquire (a contended mutex, rw-semaphore, spinlock,
   * or a work item being flushed), so that a report can name who holds it; null otherwise.
   * Set and cleared by the primitive around its wait, so it costs nothing uncontended.
   */
  waitingFor: LockClass | null = null;
  /** Whether the current block counts as sleeping (spinning on a spinlock does not). */
  sleeping = false;
  timeoutEvent: TimedEvent | null = null;
  /** Lock classes held, innermost last (lockdep). */
  readonly held: LockClass[] = [];
  /**
   * Parallel to `held`: where each was taken (the call-site label the caller passed, '' when
   * none), when and how. Created at the first acquisition (many tasks never take a lock), and
   * a pool: entry i is reused by the next lock held at depth i, so that after a task's first
   * few acquisitions an acquisition allocates nothing. Entries past `held.length` are spare.
   */
  heldInfo: HeldEntry[] | null = null;
  /** Spinlocks held and other atomic sections; > 0 makes the task atomic. */
  atomicDepth = 0;
  /** Nesting of dma-fence signalling critical sections. */
  signallingDepth = 0;
  /** Scheduling priority for strategies that use one (PCT). */
  prio = 0;
  /** Set by the workqueue while this task runs a work item. */
  workName: string | null = null;
  /**
   * Interchangeable siblings (see `interchangeable`): the pool this task is one worker slot of,
   * and the slot's number, until the task first runs (the kernel clears `peers` then). A
   * workqueue's fresh workers are spawned together and take whatever item is first when they
   * start (workqueue.ts `worker`): which of them runs first changes nothing but names.
   */
  peers: object | null = null;
  peerRank = 0;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly ctx: TaskContext,
    readonly lane: Lane,
    /** A daemon may stay blocked forever without that being a deadlock (e.g. a uevent listener). */
    readonly daemon: boolean,
  ) {}

  get atomic(): boolean {
    return this.atomicDepth > 0 || isAtomicContext(this.ctx);
  }
}

/**
 * Whether running `b` first instead of `a` leads to the same run up to a renaming of the two:
 * both have not run yet, are neighbouring slots of one pool (`peers`, `peerRank`, consecutive
 * task ids) and became runnable at the same instant. Then the state after `b` runs first is the
 * state after `a` runs first with the two slots' names and ids swapped, and so is everything
 * after it: a pool's behaviour depends on its slots only through their names and through the
 * lowest free slot a new worker takes, and swapping two *neighbouring* numbers keeps which of
 * any set is lowest (the swap of two distant slots would not: slot 1 free and slots 0 and 2
 * swapped). Nothing in the model orders tasks by id or name (docs/explorer.md §12). The
 * explorer's symmetry reduction (src/explore/dfs.ts `symmetry`) uses it to try only `a`.
 * `a` must be just before `b` in the run queue, so that the swap also keeps every position in
 * the queue (what a delay costs depends on it).
 */
export function interchangeable(a: Task, b: Task): boolean {
  return (
    a.peers !== null &&
    a.peers === b.peers &&
    b.peerRank === a.peerRank + 1 &&
    b.id === a.id + 1 &&
    a.runnableSinceNs === b.runnableSinceNs
  );
}
