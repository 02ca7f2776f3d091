/**
 * Workqueues, work items and delayed work, with the kernel's semantics:
 *
 * - `queueWork` returns whether the item was newly queued; queueing a pending item coalesces.
 * - An item is never run concurrently with itself on one workqueue (it may be re-queued while
 *   it runs, and then runs again afterwards).
 * - `flushWork` waits for the instance queued at the time of the call; `cancelWorkSync` removes
 *   a pending instance and waits for a running one; `disableWorkSync` does the same and makes
 *   later `queueWork` calls fail until `enableWork`. A disabled item that runs anyway, or a
 *   freed item that is queued or runs, is `use-after-free`.
 * - An *ordered* workqueue runs one item at a time, in queueing order: Panthor puts the reset
 *   work, the firmware watchdog and every queue's timeout on one, so they serialise.
 *
 * Each worker slot has its own trace lane. Lockdep sees each work item as a lock class held
 * while it runs and acquired by flush/cancel, so "flush a work while holding a lock that the
 * work takes" is reported as a lock-order cycle.
 */
import { type FreeRecord, useAfterFreeLines } from './bug-report.js';
import type { TimedEvent } from './events.js';
import type { Kernel, Lifetime } from './kernel.js';
import type { LockClass } from './lockdep.js';
import { taskId } from './report-format.js';
import type { Lane } from './trace.js';
import { WaitQueue } from './waitqueue.js';

/** The label lockdep reports give a worker holding a work item's class. */
const PROCESS_ONE_WORK = 'process_one_work [kernel/workqueue.ts]';

/** Every workqueue of a kernel, for the report of what was stuck (stuck-report.ts). */
const registries = new WeakMap<Kernel, Workqueue[]>();

export function workqueuesOf(k: Kernel): readonly Workqueue[] {
  return registries.get(k) ?? [];
}

export class Work implements Lifetime {
  alive = true;
  pending = false;
  running = false;
  disableCount = 0;
  /** The workqueue this item was last queued on. */
  wq: Workqueue | null = null;
  /** Instance counters for flush semantics. */
  queuedSeq = 0;
  startedSeq = 0;
  finishedSeq = 0;
  /** Times the item started running, for tests and oracles. */
  runs = 0;
  /** Who disabled it last (disable_work_sync), for the report of a disabled item running. */
  disabledBy: FreeRecord | null = null;
  readonly cls: LockClass;
  readonly done: WaitQueue;
  /** Strings built once: queueing and running a work item are frequent. */
  readonly queueEvent: string;
  readonly runEvent: string;
  readonly runsWhat: string;

  constructor(
    readonly k: Kernel,
    readonly name: string,
    readonly fn: () => Promise<void>,
  ) {
    k.register(this);
    this.cls = k.lockdep.classFor(`(work_completion)${name}`, 'work');
    this.done = new WaitQueue(k, `work ${name}`);
    this.queueEvent = `queue ${name}`;
    this.runEvent = `run ${name}`;
    this.runsWhat = `work ${name} runs`;
  }

  get disabled(): boolean {
    this.k.access(this, false);
    return this.disableCount > 0;
  }

  get busy(): boolean {
    this.k.access(this, false);
    return this.pending || this.running;
  }

  /** flush_work: waits for the instance pending or running now. Returns whether it waited. */
  async flush(site = ''): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('flush_work', this.name, site);
    await k.point();
    k.access(this, true);
    k.lockdepAcquire(this.cls, site, 'sync');
    if (!this.busy) return false;
    const target = this.pending ? this.queuedSeq : this.startedSeq;
    t.waitingFor = this.cls;
    await this.done.waitEvent(() => {
      k.access(this, false);
      return this.finishedSeq >= target || (!this.busy && this.finishedSeq >= this.startedSeq);
    });
    t.waitingFor = null;
    return true;
  }

  /** cancel_work_sync: returns whether a pending instance was cancelled. */
  async cancelSync(site = ''): Promise<boolean> {
    return this.cancelInner(false, null, site);
  }

  /** disable_work_sync: cancel, wait, and refuse queueing until `enable()`. */
  async disableSync(site = ''): Promise<boolean> {
    return this.cancelInner(true, null, site);
  }

  /**
   * The common part: after the decision point, disabling and removing a pending instance happen
   * in one step (the kernel does both under the pool lock), so a worker either took the item
   * before (and we wait for it) or never will. `alsoCancel` lets delayed work disarm its timer
   * in that same step.
   */
  async cancelInner(
    disable: boolean,
    alsoCancel: (() => boolean) | null,
    site = '',
  ): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp(disable ? 'disable_work_sync' : 'cancel_work_sync', this.name, site);
    await k.point();
    k.access(this, true);
    k.lockdepAcquire(this.cls, site, 'sync');
    if (disable) {
      this.disableCount++;
      this.disabledBy = { task: taskId(t), site, atNs: k.nowNs };
    }
    const timer = alsoCancel?.() ?? false;
    const was = this.unqueue() || timer;
    if (this.running) {
      const target = this.startedSeq;
      t.waitingFor = this.cls;
      await this.done.waitEvent(() => {
        k.access(this, false);
        return this.finishedSeq >= target;
      });
      t.waitingFor = null;
    }
    return was;
  }

  /** enable_work: returns true when the item is queueable again. */
  enable(): boolean {
    this.k.access(this, true);
    if (this.disableCount <= 0) throw new Error(`enable_work(${this.name}) without disable`);
    this.disableCount--;
    return this.disableCount === 0;
  }

  /** Marks the item freed at `site`; later use is `use-after-free`. */
  free(site = ''): void {
    this.k.access(this, true);
    this.k.markFreed(this, site);
  }

  /** Removes a pending instance from its queue; returns whether there was one. */
  unqueue(): boolean {
    this.k.access(this, true);
    if (!this.pending) return false;
    this.pending = false;
    this.wq?.remove(this);
    // A flush waiting for this instance returns: it will never run (flush_work's barrier runs
    // anyway in the kernel).
    this.done.wakeUp();
    return true;
  }
}

export class Workqueue {
  private readonly items: Work[] = [];
  private active = 0;
  private slots: boolean[];
  /** Refuses new work once destroyed. */
  destroyed = false;
  /** Strings and the lane built once (see `enqueue` and `kick`). */
  private readonly queueWhat: string;
  private readonly slotNames: string[];
  private lane: Lane | null = null;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    /** Maximum items running at once; 1 for an ordered workqueue. */
    readonly maxActive = 4,
    readonly ordered = false,
  ) {
    this.slots = new Array<boolean>(maxActive).fill(false);
    this.queueWhat = `queue_work(${name})`;
    this.slotNames = Array.from({ length: maxActive }, (_, i) => `${name}/${i}`);
    let all = registries.get(k);
    if (all === undefined) {
      all = [];
      registries.set(k, all);
    }
    all.push(this);
  }

  /** The items queued and not yet taken by a worker, in queueing order. */
  get pendingItems(): readonly Work[] {
    this.k.access(this, false);
    return this.items;
  }

  static ordered(k: Kernel, name: string): Workqueue {
    return new Workqueue(k, name, 1, true);
  }

  get queued(): number {
    this.k.access(this, false);
    return this.items.length;
  }

  /** queue_work: a decision point, then `enqueue`. */
  async queueWork(w: Work): Promise<boolean> {
    await this.k.point();
    return this.enqueue(w);
  }

  /** The synchronous part of queue_work, for callbacks that cannot yield (fence callbacks). */
  enqueue(w: Work): boolean {
    this.k.access(this, true);
    this.k.access(w, true);
    if (!this.k.checkAlive(w, this.queueWhat)) return false;
    if (w.disabled || w.pending || this.destroyed) return false;
    w.pending = true;
    w.wq = this;
    w.queuedSeq++;
    this.items.push(w);
    // The lane is created at the first queueing, as before, so that lane ids do not move.
    this.lane ??= this.k.trace.lane('wq', this.name);
    this.k.trace.instant(this.lane, 'wq', w.queueEvent);
    this.kick();
    return true;
  }

  remove(w: Work): void {
    this.k.access(this, true);
    const i = this.items.indexOf(w);
    if (i >= 0) this.items.splice(i, 1);
  }

  private nextItem(): Work | undefined {
    this.k.access(this, true);
    if (this.ordered) {
      const first = this.items[0];
      if (first === undefined || first.running) return undefined;
      this.items.shift();
      return first;
    }
    const i = this.items.findIndex((w) => !w.running);
    if (i < 0) return undefined;
    return this.items.splice(i, 1)[0];
  }

  /**
   * Starts workers for queued items. A worker takes its item when it first runs, not when it is
   * spawned: an item cancelled in between must not run (cancel_work_sync on a pending item).
   */
  private kick(): void {
    this.k.access(this, true);
    while (this.active < this.maxActive && this.runnableItems() > this.starting) {
      const slot = this.slots.indexOf(false);
      this.slots[slot] = true;
      this.active++;
      this.starting++;
      const name = this.slotNames[slot] as string;
      // Workers spawned together are interchangeable until they run (task.ts `interchangeable`).
      this.k.spawn(name, () => this.worker(slot), {
        ctx: 'worker',
        lane: name,
        peers: { pool: this, rank: slot },
      });
    }
  }

  private starting = 0;

  /** Items a new worker could take now (an item running elsewhere waits for that worker). */
  private runnableItems(): number {
    if (this.ordered) {
      const first = this.items[0];
      return first !== undefined && !first.running ? 1 : 0;
    }
    let n = 0;
    for (const w of this.items) if (!w.running) n++;
    return n;
  }

  private async worker(slot: number): Promise<void> {
    const k = this.k;
    const task = k.self();
    this.starting--;
    let w = this.nextItem();
    while (w !== undefined) {
      await this.runOne(w);
      task.workName = null;
      w = this.nextItem();
    }
    k.access(this, true);
    this.slots[slot] = false;
    this.active--;
    // Items skipped because they were running on another worker may now be runnable.
    this.kick();
  }

  private async runOne(w: Work): Promise<void> {
    const k = this.k;
    const task = k.self();
    k.access(w, true);
    w.pending = false;
    w.running = true;
    w.runs++;
    w.startedSeq = w.queuedSeq;
    const started = w.startedSeq;
    task.workName = w.name;
    if (w.disabled) {
      k.violation(
        'use-after-free',
        `work ${w.name} runs after disable_work_sync`,
        useAfterFreeLines({
          obj: `work ${w.name}`,
          what: 'run',
          task,
          site: PROCESS_ONE_WORK,
          atNs: k.nowNs,
          freed: w.disabledBy,
          bug: 'work run after disable_work_sync',
          freedVerb: 'Disabled',
        }),
      );
    }
    k.checkAlive(w, w.runsWhat);
    k.trace.instant(task.lane, 'wq', w.runEvent);
    k.lockdepHold(w.cls, PROCESS_ONE_WORK);
    try {
      // process_one_work: the item is taken (no longer pending, so cancel_work_sync waits for
      // it) and the worker may be preempted before the function's first instruction.
      await k.point();
      await w.fn();
    } finally {
      k.access(w, true);
      k.lockdepRelease(w.cls);
      w.running = false;
      w.finishedSeq = started;
      w.done.wakeUp();
    }
  }
}

/** Delayed work: a timer that queues a work item when it expires. */
export class DelayedWork {
  readonly work: Work;
  private timer: TimedEvent | null = null;
  private wq: Workqueue | null = null;

  constructor(k: Kernel, name: string, fn: () => Promise<void>) {
    this.work = new Work(k, name, fn);
  }

  get name(): string {
    return this.work.name;
  }

  /** True while the timer is armed or the work is queued. */
  get pending(): boolean {
    // A delayed work's timer is part of its work item (hb.ts).
    this.work.k.access(this.work, false);
    return this.timer !== null || this.work.pending;
  }

  /** queue_delayed_work: returns false when already pending (timer armed or queued). */
  queue(wq: Workqueue, delayNs: number): boolean {
    this.work.k.access(this.work, true);
    if (this.pending || this.work.disabled) return false;
    this.arm(wq, delayNs);
    return true;
  }

  /** mod_delayed_work: (re-)arms with a new delay; returns whether it was pending. */
  mod(wq: Workqueue, delayNs: number): boolean {
    this.work.k.access(this.work, true);
    if (this.work.disabled) return false;
    const was = this.disarm() || this.work.unqueue();
    this.arm(wq, delayNs);
    return was;
  }

  private arm(wq: Workqueue, delayNs: number): void {
    const k = this.work.k;
    this.wq = wq;
    if (delayNs <= 0) {
      wq.enqueue(this.work);
      return;
    }
    this.timer = k.at(delayNs, `dwork ${this.work.name}`, () => {
      k.access(this.work, true);
      this.timer = null;
      wq.enqueue(this.work);
    });
  }

  private disarm(): boolean {
    this.work.k.access(this.work, true);
    if (this.timer === null) return false;
    this.work.k.cancelEvent(this.timer);
    this.timer = null;
    return true;
  }

  /** cancel_delayed_work (no wait): returns whether it was pending. */
  cancel(): boolean {
    return this.disarm() || this.work.unqueue();
  }

  async cancelSync(site = ''): Promise<boolean> {
    return this.work.cancelInner(false, () => this.disarm(), site);
  }

  async disableSync(site = ''): Promise<boolean> {
    return this.work.cancelInner(true, () => this.disarm(), site);
  }

  enable(): boolean {
    return this.work.enable();
  }

  /** flush_delayed_work: a pending timer is fired now, then the work is flushed. */
  async flush(site = ''): Promise<boolean> {
    if (this.disarm() && this.wq !== null) this.wq.enqueue(this.work);
    return this.work.flush(site);
  }
}
