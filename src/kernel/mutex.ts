/**
 * A sleeping mutex (`struct mutex`).
 *
 * `lock()` is a decision point, may sleep (so it is forbidden in atomic context) and feeds
 * lockdep. `unlock()` is synchronous so that it can sit in a `finally`; the next primitive the
 * task reaches is the next decision point. Waiters are woken in FIFO order and re-contend, as in
 * the kernel (no hand-off), which keeps lock stealing possible and explorable.
 */
import type { Kernel } from './kernel.js';
import type { LockClass } from './lockdep.js';
import type { Task } from './task.js';

export class Mutex {
  owner: Task | null = null;
  private readonly waiters: Task[] = [];
  readonly cls: LockClass;
  /** Trace event names, built once: the trace interns names per event (see trace.ts). */
  private readonly lockEvent: string;
  private readonly unlockEvent: string;
  /** Traced when a task finds the mutex taken and starts to wait (the report's lock rows). */
  private readonly waitEvent: string;
  private readonly blockReason: string;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
    this.cls = k.lockdep.classFor(name, 'mutex');
    this.lockEvent = `lock ${name}`;
    this.blockReason = `mutex ${name}`;
    this.unlockEvent = `unlock ${name}`;
    this.waitEvent = `wait ${name}`;
  }

  get locked(): boolean {
    this.k.access(this, false);
    return this.owner !== null;
  }

  /**
   * mutex_lock. `site` is the caller's call-site label (`groupDestroy [driver/sched.ts]`),
   * which lockdep reports print where the kernel prints a stack trace.
   */
  async lock(site = ''): Promise<void> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('mutex_lock', this.name, site);
    await k.point();
    // Every look at the owner is an access (hb.ts): a write, since it may take the mutex.
    k.access(this, true);
    k.lockdepAcquire(this.cls, site);
    if (this.owner !== null) {
      t.waitingFor = this.cls;
      k.trace.instant(t.lane, 'lock', this.waitEvent);
      while (this.owner !== null) {
        this.waiters.push(t);
        await k.block(this.blockReason);
        k.access(this, true);
      }
      t.waitingFor = null;
    }
    this.take(t, site);
  }

  /** mutex_trylock: never sleeps; true when taken. */
  async trylock(site = ''): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    await k.point();
    k.access(this, true);
    if (this.owner !== null) return false;
    this.take(t, site);
    return true;
  }

  private take(t: Task, site: string): void {
    this.owner = t;
    this.k.lockdepHold(this.cls, site);
    this.k.trace.instant(t.lane, 'lock', this.lockEvent);
  }

  unlock(): void {
    const k = this.k;
    const t = k.self();
    k.access(this, true);
    if (this.owner !== t) {
      throw new Error(
        `mutex_unlock(${this.name}) by ${t.name}, owner ${this.owner?.name ?? 'none'}`,
      );
    }
    this.owner = null;
    k.lockdepRelease(this.cls);
    k.trace.instant(t.lane, 'lock', this.unlockEvent);
    const w = this.waiters.shift();
    if (w !== undefined) k.wake(w);
  }

  /** Runs `fn` with the mutex held (the kernel's `guard(mutex)`). */
  async with<T>(fn: () => Promise<T>, site = ''): Promise<T> {
    await this.lock(site);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }
}
