/**
 * The simulated kernel: a single-threaded, deterministic runtime that owns time, randomness and
 * ordering.
 *
 * Model code is ordinary async TypeScript that awaits only this runtime's primitives. Exactly
 * one task runs at a time; every primitive parks the running task on a promise and asks the
 * strategy which task continues, then resolves exactly that task's promise (a task that keeps
 * the CPU gets an already-resolved one). Because no other
 * promise is ever resolved from outside, the order in which JavaScript runs the microtasks is a
 * pure function of the strategy's choices: a run is a function of (scenario, options, seed,
 * schedule), and a recorded schedule replays it step for step.
 *
 * Alternatives rejected:
 * - Generators (`function*`) would avoid a microtask per step, but make model code unlike the
 *   kernel code it mirrors and cannot call ordinary async helpers; the cost of a promise per
 *   decision is measured in `npm run bench` and is small next to the model's own work.
 * - Real threads (worker_threads, Atomics.wait) cannot be made deterministic cheaply.
 *
 * Virtual time is in nanoseconds and only advances when the strategy fires the next timed event:
 * when nothing is runnable, or when it chooses to fire one early (a slow CPU). There is a step
 * limit and a virtual-time limit on every run; hitting one ends the run with that outcome.
 */
import { type FreeRecord, mightSleepLines, useAfterFreeLines } from './bug-report.js';
import { EventQueue, type TimedEvent } from './events.js';
import { type Footprint, type FootprintMode, HbTracker } from './hb.js';
import { hungTaskLines } from './hung-task.js';
import { heldLocks, type LockClass, Lockdep } from './lockdep.js';
import { lockdepSplat } from './lockdep-report.js';
import { Prng, Stream } from './prng.js';
import { heldLocksLines, taskId } from './report-format.js';
import { encodeSchedule } from './schedule.js';
import type { Strategy, StrategyHost } from './strategy.js';
import { type HeldEntry, type HeldHow, Task, type TaskContext } from './task.js';
import { Trace } from './trace.js';
import type { FailureKind, Violation } from './violations.js';

export interface KernelOptions {
  seed?: number;
  /** Scheduling strategy; defaults to FIFO (round robin at decision points). */
  strategy?: Strategy;
  /** Steps (task dispatches) before the run is cut off. */
  maxSteps?: number;
  /** Virtual time limit in ns. */
  maxTimeNs?: number;
  /** Store trace events (the hash is computed either way). */
  trace?: boolean;
  /** Record the choices made at decision points (needed for replay and shrinking). */
  record?: boolean;
  /** End the run at the first violation (exploration does this; single runs do not). */
  stopOnViolation?: boolean;
  /** Keep at most this many violations per invariant. */
  maxViolationsPerInvariant?: number;
  /**
   * How far ahead of runnable tasks a strategy may fire a timed event (ns). This bounds how slow
   * the simulated CPU may be: an event due within the horizon may fire before a runnable task
   * continues; a later one waits until nothing is runnable.
   */
  jumpHorizonNs?: number;
  /**
   * What the program promises about its shared state, for a strategy that merges equivalent
   * schedules (hb.ts): `complete` only if every access to state shared between steps goes
   * through the kernel's primitives or `access()`. Default `conservative`. A kernel with
   * observers (invariant checkers looking at the state after every step) is conservative
   * whatever this says. A conservative kernel tracks nothing (see `footprints` below).
   */
  footprints?: FootprintMode;
  /**
   * Whether a poll loop may skip its identical wakes (`quietUntilNs`, driver/io.ts). Default
   * true; false makes every wake a step, which only lengthens the run and its trace: the test
   * that proves the skip exact compares the two (test/driver/io-poll.test.ts).
   */
  quietPolls?: boolean;
}

export type RunOutcome =
  | 'idle'
  | 'stopped'
  | 'violation'
  | 'step-limit'
  | 'time-limit'
  | 'model-error'
  /** The strategy ended the run: what follows was searched from an equivalent state (hb.ts). */
  | 'pruned';

export interface RunResult {
  outcome: RunOutcome;
  steps: number;
  /** Steps that had two or more options. */
  decisions: number;
  /** The recorded choices (empty when recording is off). */
  schedule: string;
  traceHash: string;
  nowNs: number;
  violations: Violation[];
}

/** Anything that can be used after it was freed (devices, VMs, groups, work items). */
export interface Lifetime {
  readonly name: string;
  alive: boolean;
}

export type GfpFlags = 'kernel' | 'atomic' | 'nowait';

/**
 * Every decision parks a task on a new promise. Its resolver is taken out through one shared
 * executor instead of a fresh closure per decision: the promise is the only allocation left
 * on that path (besides the resolver V8 makes for it).
 */
let captured: ((woken: boolean) => void) | null = null;

function capture(resolve: (woken: boolean) => void): void {
  captured = resolve;
}

function takeCaptured(): (woken: boolean) => void {
  const r = captured as (woken: boolean) => void;
  captured = null;
  return r;
}

/** What a task that keeps the CPU awaits (see `Kernel.park`); shared, never re-resolved. */
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
const RESOLVED_FALSE: Promise<boolean> = Promise.resolve(false);

const DEFAULT_MAX_STEPS = 2_000_000;
const DEFAULT_MAX_TIME_NS = 600e9;
const DEFAULT_JUMP_HORIZON_NS = 1_000_000;

/** First-in, first-out: the task that became runnable first runs; never fires events early. */
const FIFO: Strategy = {
  name: 'fifo',
  timeJumps: false,
  start() {},
  onSpawn() {},
  pick() {
    return 0;
  },
};

export class Kernel implements StrategyHost {
  readonly seed: number;
  readonly strategy: Strategy;
  readonly trace: Trace;
  nowNs = 0;
  /** The running task, or null while the runtime itself is deciding or firing events. */
  current: Task | null = null;

  private readonly maxSteps: number;
  private readonly maxTimeNs: number;
  private readonly quietPolls: boolean;
  private readonly stopOnViolation: boolean;
  private readonly maxPerInvariant: number;
  private readonly jumpHorizonNs: number;
  private readonly events = new EventQueue();
  private readonly runq: Task[] = [];
  private readonly tasks: Task[] = [];
  private readonly choices: number[] | null;
  // Created on first use (see the getters): a small program may never need them, and a
  // campaign of small programs builds a kernel per run. A seeded stream gives the same values
  // whenever it is created.
  private lockdepState: Lockdep | null = null;
  private hwRngState: Prng | null = null;
  private scenarioRngState: Prng | null = null;
  private violationCount: Map<string, number> | null = null;
  /** How freed objects were freed (markFreed), for use-after-free reports. */
  private freed: WeakMap<Lifetime, FreeRecord> | null = null;
  private readonly violationLane;
  private nextTaskId = 1;
  private steps = 0;
  private decisionCount = 0;
  private prev: Task | null = null;
  private outcome: RunOutcome | null = null;
  private finish: (() => void) | null = null;
  private started = false;
  private dispatching = false;
  readonly violations: Violation[] = [];
  /** Hooks run after every step (the invariant oracles); they must only observe. */
  private readonly observers: Array<() => void> = [];
  /**
   * Happens-before hashing, when the strategy merges equivalent schedules and the footprints
   * are complete (hb.ts). With conservative footprints every two steps would be dependent, so
   * no two nodes of a search tree could share a fingerprint and the strategy's cache could
   * never merge anything: the kernel then tracks nothing and `stateKey` is -1 (hashing made a
   * litmus search take about 1.3× as long for no effect; docs/explorer.md §11).
   */
  private hb: HbTracker | null = null;
  /** The footprint mode in force, null when the strategy asked for none. */
  private footprints: FootprintMode | null = null;
  /** Stand-ins for kernel state that has no object of its own, for `access`. */
  private readonly lockdepKey = {};
  private readonly violationsKey = {};

  constructor(opts: KernelOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.strategy = opts.strategy ?? FIFO;
    this.maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxTimeNs = opts.maxTimeNs ?? DEFAULT_MAX_TIME_NS;
    this.quietPolls = opts.quietPolls ?? true;
    this.stopOnViolation = opts.stopOnViolation ?? false;
    this.maxPerInvariant = opts.maxViolationsPerInvariant ?? 20;
    this.jumpHorizonNs = opts.jumpHorizonNs ?? DEFAULT_JUMP_HORIZON_NS;
    this.choices = (opts.record ?? true) ? [] : null;
    this.trace = new Trace(opts.trace ?? false);
    this.trace.now = () => this.nowNs;
    this.violationLane = this.trace.lane('checker', 'violations');
    if (this.strategy.footprints === true) {
      this.footprints = opts.footprints ?? 'conservative';
      if (this.footprints === 'complete') {
        this.hb = new HbTracker();
        // Known from the start, so that the step that first adds a timer is not taken for one
        // that met a new object (hb.ts `takeSpan`).
        this.hb.idOf(this.events);
      }
    }
  }

  /**
   * Records that the running step reads (`write` false) or writes shared object `obj`, for a
   * strategy that merges equivalent schedules (hb.ts); free otherwise. The kernel's primitives
   * call it for their own objects; a program that claims `complete` footprints calls it for
   * every other object its tasks share.
   */
  access(obj: object, write: boolean): void {
    if (this.hb !== null) this.hb.access(obj, write);
  }

  /**
   * Gives `obj` its identity for `access` now, at its creation, instead of at its first access
   * (hb.ts): two tasks that read a new object in either order then see the same object. The
   * kernel's primitives call it in their constructors; so should a program for what it shares.
   */
  register(obj: object): void {
    if (this.hb !== null) this.hb.idOf(obj);
  }

  /** The footprint mode in force (hb.ts), or null when the strategy asked for none. */
  get footprintMode(): FootprintMode | null {
    return this.footprints;
  }

  /**
   * A key for the state at the current decision (hb.ts `key`); -1 when not tracking (no
   * footprints asked for, or conservative ones: no key could repeat).
   */
  stateKey(extra: number, ordered: boolean): number {
    if (this.hb === null) return -1;
    // `prev` even when it is not runnable: firing an event does not change it, and the event
    // may wake it (a timed-out wait), after which continuing it is the free choice again.
    return this.hb.key(this.runq, this.prev, extra, ordered);
  }

  /** Ends the run at this decision: the strategy has searched an equivalent state. */
  prune(): void {
    this.end('pruned');
  }

  /** What ran since the last call, as one step's footprint (hb.ts `takeSpan`), or null. */
  takeSpan(): Footprint | null {
    return this.hb === null ? null : this.hb.takeSpan();
  }

  /** The happens-before id of `obj` (hb.ts `idOf`), -1 without a tracker. */
  objectId(obj: object): number {
    return this.hb === null ? -1 : this.hb.idOf(obj);
  }

  /** The happens-before id of the timed-event queue (registered with the tracker). */
  eventQueueId(): number {
    return this.hb === null ? -1 : this.hb.idOf(this.events);
  }

  /** The lock-order checker of this run. */
  get lockdep(): Lockdep {
    if (this.hb !== null) this.hb.access(this.lockdepKey, true);
    if (this.lockdepState === null) this.lockdepState = new Lockdep();
    return this.lockdepState;
  }

  /** Randomness for the hardware model (latency jitter); independent of the strategy's. */
  get hwRng(): Prng {
    if (this.hwRngState === null) this.hwRngState = new Prng(this.seed, Stream.hardware);
    // A draw changes the stream: two steps that draw are ordered.
    if (this.hb !== null) this.hb.access(this.hwRngState, true);
    return this.hwRngState;
  }

  /** Randomness for scenario-level draws (workload shapes, fault times). */
  get scenarioRng(): Prng {
    if (this.scenarioRngState === null) {
      this.scenarioRngState = new Prng(this.seed, Stream.scenario);
    }
    if (this.hb !== null) this.hb.access(this.scenarioRngState, true);
    return this.scenarioRngState;
  }

  // ---------------------------------------------------------------------------------------
  // Tasks

  /** Creates a runnable task. May be called before `run()` or from any context. */
  spawn(
    name: string,
    fn: () => Promise<void>,
    opts: {
      ctx?: TaskContext;
      lane?: string;
      daemon?: boolean;
      user?: boolean;
      /** One slot of a pool of interchangeable workers (task.ts `interchangeable`). */
      peers?: { pool: object; rank: number };
    } = {},
  ): Task {
    const ctx = opts.ctx ?? 'process';
    // `user`: a user-space process (a client, the daemon), drawn with user space in traces.
    const laneKind =
      ctx === 'hardirq' || ctx === 'irq-thread'
        ? 'irq'
        : ctx === 'worker'
          ? 'wq'
          : opts.user === true
            ? 'user'
            : 'cpu';
    const lane = this.trace.lane(laneKind, opts.lane ?? name);
    const task = new Task(this.nextTaskId++, name, ctx, lane, opts.daemon ?? false);
    if (opts.peers !== undefined) {
      task.peers = opts.peers.pool;
      task.peerRank = opts.peers.rank;
    }
    this.tasks.push(task);
    if (this.hb !== null) this.hb.idOf(task);
    this.strategy.onSpawn(task);
    const gate = new Promise<boolean>(capture);
    task.resume = takeCaptured();
    task.runnableSinceNs = this.nowNs;
    this.runq.push(task);
    void this.body(task, gate, fn);
    return task;
  }

  private async body(task: Task, gate: Promise<boolean>, fn: () => Promise<void>): Promise<void> {
    await gate;
    try {
      await fn();
    } catch (err) {
      this.modelError(task, err);
      return;
    }
    this.exit(task);
  }

  private exit(task: Task): void {
    this.assertCurrent(task, 'exit');
    if (task.held.length > 0) {
      this.violation(
        'deadlock',
        `task ${task.name} exited holding ${task.held.map((c) => c.name).join(', ')}`,
        [
          '================================================',
          'WARNING: lock held when returning to user space!',
          '------------------------------------------------',
          `${taskId(task)} is leaving the kernel with locks still held!`,
          ...heldLocksLines(taskId(task), heldLocks(task)),
        ],
      );
    }
    task.state = 'done';
    this.endSlice(task);
    this.current = null;
    this.dispatch();
  }

  private modelError(task: Task, err: unknown): void {
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.current = task;
    this.violation('model-error', `exception in task ${task.name}: ${msg}`);
    this.end('model-error');
    task.state = 'done';
    this.current = null;
    // The failing task may have thrown from inside a primitive, after the scheduler had already
    // handed the CPU on; only dispatch if nobody else is running.
    if (!this.dispatching) this.dispatch();
  }

  private assertCurrent(task: Task | null, what: string): asserts task is Task {
    if (task === null || this.current !== task) {
      throw new Error(`kernel: ${what} called outside the running task`);
    }
  }

  /** The running task; model code calling a primitive outside a task is a model bug. */
  self(): Task {
    const t = this.current;
    if (t === null) throw new Error('kernel: no running task (primitive called from a callback?)');
    return t;
  }

  /**
   * A decision point: the running task stays runnable and the strategy picks who continues.
   * Every primitive that could be preempted in the real kernel goes through here.
   */
  point(): Promise<boolean> {
    const t = this.self();
    t.state = 'runnable';
    this.endSlice(t);
    t.runnableSinceNs = this.nowNs;
    this.runq.push(t);
    this.current = null;
    return this.park(t, this.schedule());
  }

  /**
   * Parks the running task until `wake(task)` or the timeout. Resolves true when woken, false on
   * timeout. `sleeping` says whether this is a sleep (forbidden in atomic context) or a spin.
   * `sinceNs` is when the wait began as the hung-task report tells it: now, or for a poll that
   * skipped identical wakes (driver/io.ts), the last of them, which is when it would have begun.
   */
  block(reason: string, timeoutNs = -1, sleeping = true, sinceNs = this.nowNs): Promise<boolean> {
    const t = this.self();
    if (sleeping) this.mightSleep(reason);
    t.state = 'blocked';
    t.blockedOn = reason;
    t.blockedAtNs = sinceNs;
    t.sleeping = sleeping;
    if (timeoutNs >= 0) {
      if (this.hb !== null) this.hb.access(this.events, true);
      t.timeoutEvent = this.events.add(this.nowNs + timeoutNs, 'timeout', this.timeoutFire, t);
    }
    this.endSlice(t);
    this.current = null;
    return this.park(t, this.schedule());
  }

  /** A wait's timeout: one callback for all of them, the task is the event's data. */
  private readonly timeoutFire = (ev: TimedEvent): void => {
    const t = ev.data as Task;
    t.timeoutEvent = null;
    this.makeRunnable(t, false);
  };

  /** Wakes a blocked task. Returns false if it was not blocked. Callable from any context. */
  wake(t: Task): boolean {
    // A wake that finds the task not blocked has still looked at it: the waker's next move may
    // depend on the answer, so it is an access either way (hb.ts).
    if (this.hb !== null) this.hb.access(t, true);
    if (t.state !== 'blocked') return false;
    if (t.timeoutEvent !== null) {
      if (this.hb !== null) this.hb.access(this.events, true);
      this.events.cancel(t.timeoutEvent);
      t.timeoutEvent = null;
    }
    this.makeRunnable(t, true);
    return true;
  }

  private makeRunnable(t: Task, woken: boolean): void {
    if (this.hb !== null) this.hb.access(t, true);
    t.state = 'runnable';
    t.blockedOn = null;
    t.wakeValue = woken;
    t.runnableSinceNs = this.nowNs;
    this.runq.push(t);
  }

  /**
   * Sleeps for `ns` of virtual time (msleep). Sleeping: forbidden in atomic context.
   *
   * Not an `async` function on purpose: it hands out `block`'s own promise, which saves a
   * promise and a microtask hop per sleep (poll loops sleep a lot). That promise resolves to
   * `false` (timed out), which the `void` type hides; nobody reads it.
   */
  sleep(ns: number, sinceNs = this.nowNs): Promise<void> {
    return this.block('sleep', ns, true, sinceNs) as Promise<unknown> as Promise<void>;
  }

  /** Busy-waits for `ns` of virtual time (udelay): allowed in atomic context. Like `sleep`. */
  delay(ns: number, sinceNs = this.nowNs): Promise<void> {
    return this.block('delay', ns, false, sinceNs) as Promise<unknown> as Promise<void>;
  }

  /**
   * `mightSleep` for a primitive named `op(name)` called from `site`: the description is built
   * only when it is reported, not on every lock and wait.
   */
  mightSleepOp(op: string, name: string, site = ''): void {
    if (this.current?.atomic) this.mightSleep(`${op}(${name})`, site);
  }

  /** Reports `atomic-sleep` when the running task may not sleep (__might_resched). */
  mightSleep(what: string, site = ''): void {
    const t = this.current;
    if (t?.atomic) {
      const why = t.atomicDepth > 0 ? 'while atomic (spinlock held)' : `in ${t.ctx} context`;
      this.violation(
        'atomic-sleep',
        `${t.name}: ${what} sleeps ${why}`,
        mightSleepLines(t, what, site),
      );
    }
  }

  // ---------------------------------------------------------------------------------------
  // Lockdep plumbing used by the primitives

  /**
   * Records a blocking acquisition of `cls` by the running task (edges from held classes), at
   * the call site `site` (a label the caller passes; '' when it did not), taken `how`.
   */
  lockdepAcquire(cls: LockClass, site = '', how: HeldHow = 'lock'): void {
    const t = this.current;
    if (t === null) return;
    const cycle = this.lockdep.acquire(t, cls, site, how, this.nowNs);
    if (cycle !== null) {
      this.violation(
        'deadlock',
        `lock-order cycle: ${cycle.cycle.join(' -> ')} (in ${t.name})`,
        lockdepSplat(cycle, {
          task: taskId(t),
          site,
          how,
          atNs: this.nowNs,
          held: heldLocks(t),
        }),
      );
    }
  }

  /** Marks `cls` held by the running task, taken at `site` (see `lockdepAcquire`). */
  lockdepHold(cls: LockClass, site = '', how: HeldHow = 'lock'): void {
    const t = this.current;
    if (t === null) return;
    const depth = t.held.push(cls) - 1;
    let info = t.heldInfo;
    if (info === null) {
      info = [];
      t.heldInfo = info;
    }
    const e = info[depth];
    if (e === undefined) info[depth] = { site, atNs: this.nowNs, how };
    else {
      e.site = site;
      e.atNs = this.nowNs;
      e.how = how;
    }
  }

  /** Marks `cls` released by the running task (out-of-order release is allowed). */
  lockdepRelease(cls: LockClass): void {
    const t = this.current;
    if (t === null) return;
    const held = t.held;
    const i = held.lastIndexOf(cls);
    if (i < 0) return;
    const last = held.length - 1;
    if (i < last) {
      // Out of order: shift the classes and the info entries down; the freed entry becomes
      // the spare at the old top.
      const info = t.heldInfo as HeldEntry[];
      const freed = info[i] as HeldEntry;
      for (let j = i + 1; j <= last; j++) {
        held[j - 1] = held[j] as LockClass;
        info[j - 1] = info[j] as HeldEntry;
      }
      info[last] = freed;
    }
    held.pop();
  }

  // ---------------------------------------------------------------------------------------
  // Memory allocation (an explicit call so that its rules can be checked)

  /**
   * Allocates memory the kernel way. GFP_KERNEL may sleep (atomic-sleep in atomic context) and
   * may recurse into reclaim, which can wait on fences: forbidden inside a fence-signalling
   * critical section (`alloc-in-signalling`).
   */
  kmalloc(what: string, gfp: GfpFlags = 'kernel'): void {
    const t = this.current;
    if (gfp === 'kernel') {
      this.mightSleep(`kmalloc(${what}, GFP_KERNEL)`);
      if (t !== null && t.signallingDepth > 0) {
        this.violation(
          'alloc-in-signalling',
          `${t.name}: kmalloc(${what}, GFP_KERNEL) inside a fence-signalling critical section`,
        );
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Lifetimes

  /**
   * Marks `obj` freed (its last reference is gone, or its mapping released) by the running
   * task at `site`, so that a later use can say where and when it was freed.
   */
  markFreed(obj: Lifetime, site = ''): void {
    obj.alive = false;
    this.freed ??= new WeakMap();
    const t = this.current;
    this.freed.set(obj, { task: t === null ? '(no task)' : taskId(t), site, atNs: this.nowNs });
  }

  /**
   * Reports `use-after-free` when `obj` is no longer alive: `what` is the use, `site` where it
   * happens. Returns whether it is alive.
   */
  checkAlive(obj: Lifetime, what: string, site = ''): boolean {
    if (!obj.alive) {
      this.violation(
        'use-after-free',
        `${what}: ${obj.name} used after it was freed`,
        useAfterFreeLines({
          obj: obj.name,
          what,
          task: this.current,
          site,
          atNs: this.nowNs,
          freed: this.freed?.get(obj) ?? null,
        }),
      );
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Time

  /** Arms a callback at `nowNs + delayNs`. The callback runs in the runtime, not in a task. */
  at(delayNs: number, label: string, fire: () => void): TimedEvent {
    if (this.hb !== null) this.hb.access(this.events, true);
    return this.events.add(this.nowNs + Math.max(0, delayNs), label, fire);
  }

  cancelEvent(ev: TimedEvent): void {
    if (this.hb !== null) this.hb.access(this.events, true);
    this.events.cancel(ev);
  }

  get pendingEvents(): number {
    return this.events.size;
  }

  // ---------------------------------------------------------------------------------------
  // Observers and violations

  /** Registers a hook that runs after every step. It must not change the model. */
  observe(fn: () => void): void {
    this.observers.push(fn);
  }

  /**
   * Records a violation: `message` is the one-line summary, `report` the multi-line report in
   * the kernel's own format (a lockdep splat, a hung-task list), when there is one.
   */
  violation(invariant: FailureKind, message: string, report?: string[]): void {
    if (this.hb !== null) this.hb.access(this.violationsKey, true);
    this.violationCount ??= new Map();
    const n = this.violationCount.get(invariant) ?? 0;
    this.violationCount.set(invariant, n + 1);
    if (n < this.maxPerInvariant) {
      const v: Violation = {
        invariant,
        message,
        atNs: this.nowNs,
        step: this.steps,
        task: this.current?.name ?? null,
      };
      if (report !== undefined) v.report = report;
      this.violations.push(v);
      this.trace.instant(this.violationLane, 'violation', invariant, { message });
    }
    if (this.stopOnViolation && invariant !== 'limit')
      this.end(invariant === 'model-error' ? 'model-error' : 'violation');
  }

  /** Replay divergence: the strategy could not follow its recorded schedule. */
  diverged(message: string): void {
    this.violation('model-error', `replay diverged: ${message}`);
    this.end('model-error');
  }

  /** Ends the run after the current step (scenario finished, or a limit). */
  stop(): void {
    this.end('stopped');
  }

  private end(outcome: RunOutcome): void {
    if (this.outcome === null) this.outcome = outcome;
  }

  get stepCount(): number {
    return this.steps;
  }

  get finished(): boolean {
    return this.outcome !== null;
  }

  /** Tasks that are blocked, for deadlock and liveness reports. */
  blockedTasks(includeDaemons = false): Task[] {
    return this.tasks.filter((t) => t.state === 'blocked' && (includeDaemons || !t.daemon));
  }

  /** Every task of this run (done ones included), in creation order, for reports. */
  allTasks(): readonly Task[] {
    return this.tasks;
  }

  liveTasks(): number {
    let n = 0;
    for (const t of this.tasks) if (t.state !== 'done') n++;
    return n;
  }

  // ---------------------------------------------------------------------------------------
  // The scheduler loop

  /** Runs until the system is idle, stopped, or a limit is hit. */
  run(): Promise<RunResult> {
    if (this.started) throw new Error('kernel: run() called twice');
    this.started = true;
    if (this.footprints === 'complete' && this.observers.length > 0) {
      this.footprints = 'conservative';
      this.hb = null;
    }
    this.strategy.start(this);
    return new Promise<RunResult>((res) => {
      this.finish = () => res(this.result());
      this.dispatch();
    });
  }

  private result(): RunResult {
    return {
      outcome: this.outcome ?? 'idle',
      steps: this.steps,
      decisions: this.decisionCount,
      schedule: this.choices === null ? '' : encodeSchedule(this.choices),
      traceHash: this.trace.hash(),
      nowNs: this.nowNs,
      violations: this.violations,
    };
  }

  /** The choices recorded so far (for strategies and the shrinker). */
  get recordedChoices(): readonly number[] {
    return this.choices ?? [];
  }

  /** Picks the next task and lets it continue (from outside any task's primitive). */
  private dispatch(): void {
    const next = this.schedule();
    if (next !== null) this.resumeTask(next);
  }

  /**
   * Runs the scheduler up to the next step: observers, due events, the strategy's pick. Returns
   * the task that runs next, already marked running, or null when the run is over. The caller
   * resumes it (or, if it is the caller's own task, simply carries on).
   */
  private schedule(): Task | null {
    if (this.dispatching) throw new Error('kernel: re-entrant dispatch');
    this.dispatching = true;
    try {
      return this.dispatchLoop();
    } finally {
      this.dispatching = false;
    }
  }

  private resumeTask(t: Task): void {
    const resume = t.resume as (woken: boolean) => void;
    t.resume = null;
    const woken = t.wakeValue;
    t.wakeValue = true;
    resume(woken);
  }

  /**
   * The promise the running task `t` waits on after giving up the CPU, given the task that
   * runs next. When that is `t` itself (it was the only choice, or the strategy kept it), the
   * answer is known: an already-resolved promise, shared, instead of a new one resolved at
   * once (most steps of a run are such forced steps). Otherwise `t` parks on a new promise and
   * `next` is resumed. Either way `t` continues in a later microtask, as before.
   */
  private park(t: Task, next: Task | null): Promise<boolean> {
    if (next === t) {
      const woken = t.wakeValue;
      t.wakeValue = true;
      return woken ? RESOLVED_TRUE : RESOLVED_FALSE;
    }
    const parked = new Promise<boolean>(capture);
    t.resume = takeCaptured();
    if (next !== null) this.resumeTask(next);
    return parked;
  }

  private dispatchLoop(): Task | null {
    // The step that gave up the CPU ends here (hb.ts).
    if (this.hb !== null) this.hb.end();
    const observers = this.observers;
    for (let i = 0; i < observers.length; i++) (observers[i] as () => void)();
    for (;;) {
      if (this.outcome !== null) {
        this.complete();
        return null;
      }
      const runq = this.runq;
      const n = runq.length;
      const hasEvent = this.events.size > 0;
      if (n === 0) {
        if (!hasEvent) {
          this.idle();
          continue;
        }
        // Time advances to the next event; every event due at that same instant fires with
        // it, so that two things that happen at once (a timer and a task's wake-up) are both
        // runnable and the strategy orders them.
        this.fireNext();
        for (let i = 0; i < 10_000 && this.outcome === null; i++) {
          const next = this.events.peek();
          if (next === undefined || next.atNs !== this.nowNs) break;
          this.fireNext();
        }
        continue;
      }
      const offer = hasEvent && this.strategy.timeJumps && this.nextEventWithinHorizon();
      let idx = 0;
      if (n > 1 || offer) {
        idx = this.strategy.pick(runq, offer, this.prev);
        if (this.outcome !== null) continue;
        if (!(idx >= 0 && idx < n + (offer ? 1 : 0))) {
          throw new Error(`strategy ${this.strategy.name} picked ${idx} of ${n + (offer ? 1 : 0)}`);
        }
        this.decisionCount++;
        this.choices?.push(idx);
        if (idx === n) {
          this.fireNext();
          continue;
        }
      }
      if (this.steps >= this.maxSteps) {
        this.violation('limit', `step limit ${this.maxSteps} reached`);
        this.end('step-limit');
        continue;
      }
      this.steps++;
      // Remove runq[idx] keeping the order of the others, without splice's result array.
      const t = runq[idx] as Task;
      for (let j = idx + 1; j < n; j++) runq[j - 1] = runq[j] as Task;
      runq.pop();
      t.state = 'running';
      // Once it has run, a pool worker is no longer like its fresh siblings (task.ts).
      t.peers = null;
      this.current = t;
      this.prev = t;
      this.trace.mix(t.id);
      this.beginSlice(t);
      if (this.hb !== null) this.hb.beginTask(t);
      return t;
    }
  }

  /**
   * The instant before which nothing but the running task can act: a bound, exclusive, on the
   * instants at which the running task could wake from a wait of its own and find the system
   * as it left it, with no decision offered to the strategy. It is now when another task is
   * runnable or the run is ending; otherwise the next timed event's instant (every other task,
   * IRQ handler, timer and timeout becomes runnable only through an event) less the jump
   * horizon, and never after the time limit.
   *
   * The horizon: a task that wakes within it of an event is a decision for a strategy that
   * takes time jumps (run it, or fire the event first). It is left out whatever the strategy,
   * so that a run's steps and trace hash do not depend on whether its strategy could have been
   * offered a jump: a FIFO run and the same schedule replayed by a strategy that is offered
   * jumps and declines them are the same run, step for step (the bench's same-schedule twin).
   *
   * What it is for: a poll loop whose register cannot change before that instant may wait once
   * for all the iterations that would wake before it, instead of waking, reading the same value
   * and waiting again (DeviceIo.poll). Those iterations are steps in which nothing can differ,
   * so leaving them out changes no decision and no outcome, only the step count and the trace.
   * The observers (`observe`) run after fewer steps; the checker's are `logsOnly` and such a
   * step appends to no log, so they see the same (an observer that read the clock would not).
   * With complete happens-before footprints (hb.ts) it is always now: the answer reads the run
   * queue and the event queue, which such programs would have to report. `quietPolls: false`
   * makes it always now, too.
   */
  quietUntilNs(): number {
    if (!this.quietPolls || this.runq.length > 0 || this.outcome !== null) return this.nowNs;
    if (this.hb !== null) return this.nowNs;
    // A wake after the time limit ends the run there (fireNext): never skip past it.
    const limit = this.maxTimeNs + 1;
    const next = this.events.peek();
    if (next === undefined) return limit;
    return Math.min(limit, next.atNs - this.jumpHorizonNs);
  }

  /**
   * Whether the next event may fire ahead of the runnable tasks: only if it is due within the
   * horizon of the moment the longest-waiting runnable task became runnable (the run queue is in
   * that order). Measured from now instead, jump after jump of less than the horizon would
   * starve a runnable task for as long as events keep coming (a slow CPU, not a stopped one).
   */
  private nextEventWithinHorizon(): boolean {
    const next = this.events.peek();
    const oldest = this.runq[0];
    const since = oldest === undefined ? this.nowNs : oldest.runnableSinceNs;
    return next !== undefined && next.atNs - since <= this.jumpHorizonNs;
  }

  private fireNext(): void {
    const ev = this.events.pop();
    if (ev === undefined) return;
    if (ev.atNs > this.maxTimeNs) {
      this.nowNs = this.maxTimeNs;
      this.violation('limit', `virtual time limit ${this.maxTimeNs} ns reached`);
      this.end('time-limit');
      return;
    }
    if (ev.atNs > this.nowNs) this.nowNs = ev.atNs;
    this.trace.mix(this.nowNs % 0x100000000);
    if (this.hb !== null) {
      this.hb.beginEvent();
      this.hb.access(this.events, true);
    }
    try {
      ev.fire(ev);
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.violation('model-error', `exception in event ${ev.label}: ${msg}`);
      this.end('model-error');
    }
    if (this.hb !== null) this.hb.end();
    const observers = this.observers;
    for (let i = 0; i < observers.length; i++) (observers[i] as () => void)();
  }

  /** Nothing runnable and no event pending: the run is over; blocked tasks mean a deadlock. */
  private idle(): void {
    const stuck = this.blockedTasks(false);
    if (stuck.length > 0) {
      const who = stuck.map((t) => `${t.name} (${t.blockedOn ?? '?'})`).join(', ');
      this.violation(
        'deadlock',
        `every task is blocked with no pending event: ${who}`,
        hungTaskLines(this.nowNs, stuck, this.tasks),
      );
    }
    this.end('idle');
  }

  private complete(): void {
    const f = this.finish;
    this.finish = null;
    f?.();
  }

  private beginSlice(t: Task): void {
    if (this.trace.events !== null) {
      this.trace.events.push({
        ts: this.nowNs,
        ph: 'B',
        lane: t.lane.id,
        cat: 'sched',
        name: t.name,
      });
    }
  }

  private endSlice(t: Task): void {
    if (this.trace.events !== null) {
      this.trace.events.push({
        ts: this.nowNs,
        ph: 'E',
        lane: t.lane.id,
        cat: 'sched',
        name: t.name,
      });
    }
  }
}
