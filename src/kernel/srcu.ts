/**
 * Sleepable RCU (`struct srcu_struct`).
 *
 * Readers never block each other or writers; `synchronize()` waits until every read section
 * that started before it has ended (sections that start later do not delay it, as with real
 * SRCU's grace periods). This is what `drm_dev_enter()/drm_dev_exit()` and the "SRCU plus a
 * reset counter" gate build on.
 */
import type { Kernel } from './kernel.js';
import type { LockClass } from './lockdep.js';
import type { Task } from './task.js';

export class Srcu {
  /** Open read sections: cookie -> start sequence. */
  private readonly sections = new Map<number, number>();
  private nextCookie = 1;
  private readonly waiters: Array<{ task: Task; upTo: number }> = [];
  readonly cls: LockClass;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
    this.cls = k.lockdep.classFor(name, 'srcu');
  }

  get readers(): number {
    this.k.access(this, false);
    return this.sections.size;
  }

  /** srcu_read_lock: returns the cookie to pass to `readUnlock`. Never sleeps. */
  async readLock(site = ''): Promise<number> {
    const k = this.k;
    k.self();
    await k.point();
    k.access(this, true);
    return this.enter(site);
  }

  /** The synchronous part of `readLock`, for callers already at a decision point. */
  enter(site = ''): number {
    // A write (hb.ts): the cookie is the order of entry.
    this.k.access(this, true);
    const cookie = this.nextCookie++;
    this.sections.set(cookie, cookie);
    this.k.lockdepHold(this.cls, site, 'rlock');
    return cookie;
  }

  readUnlock(cookie: number): void {
    this.k.access(this, true);
    if (!this.sections.delete(cookie))
      throw new Error(`srcu_read_unlock(${this.name}): bad cookie ${cookie}`);
    this.k.lockdepRelease(this.cls);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i] as { task: Task; upTo: number };
      if (!this.hasSectionsBefore(w.upTo)) {
        this.waiters.splice(i, 1);
        this.k.wake(w.task);
      }
    }
  }

  private hasSectionsBefore(upTo: number): boolean {
    for (const cookie of this.sections.keys()) if (cookie < upTo) return true;
    return false;
  }

  /** synchronize_srcu: waits for every section that began before the call. Sleeps. */
  async synchronize(site = ''): Promise<void> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('synchronize_srcu', this.name, site);
    await k.point();
    k.access(this, true);
    k.lockdepAcquire(this.cls, site, 'sync');
    const upTo = this.nextCookie;
    if (!this.hasSectionsBefore(upTo)) return;
    t.waitingFor = this.cls;
    while (this.hasSectionsBefore(upTo)) {
      this.waiters.push({ task: t, upTo });
      await k.block(`synchronize_srcu ${this.name}`);
      k.access(this, true);
    }
    t.waitingFor = null;
  }
}
