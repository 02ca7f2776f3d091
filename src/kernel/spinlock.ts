/**
 * A spinlock. Holding one makes the task atomic: sleeping while holding it is `atomic-sleep`.
 *
 * A contended acquisition spins. With one simulated CPU at a time, spinning is modelled as
 * blocking without sleeping until the holder releases it (the holder is another task, which the
 * strategy can run), so spin-on-spin deadlocks are still caught by lockdep and by the
 * "everything blocked" rule.
 */
import type { Kernel } from './kernel.js';
import type { LockClass } from './lockdep.js';
import type { Task } from './task.js';

export class Spinlock {
  owner: Task | null = null;
  private readonly waiters: Task[] = [];
  readonly cls: LockClass;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
    this.cls = k.lockdep.classFor(name, 'spinlock');
  }

  /** spin_lock, from the call site labelled `site` (see Mutex.lock). */
  async lock(site = ''): Promise<void> {
    const k = this.k;
    const t = k.self();
    await k.point();
    // Every look at the owner is an access (hb.ts), a write: it may take the lock.
    k.access(this, true);
    k.lockdepAcquire(this.cls, site);
    if (this.owner !== null) {
      t.waitingFor = this.cls;
      while (this.owner !== null) {
        this.waiters.push(t);
        await k.block(`spin ${this.name}`, -1, false);
        k.access(this, true);
      }
      t.waitingFor = null;
    }
    this.owner = t;
    t.atomicDepth++;
    k.lockdepHold(this.cls, site);
  }

  unlock(): void {
    const k = this.k;
    const t = k.self();
    k.access(this, true);
    if (this.owner !== t) throw new Error(`spin_unlock(${this.name}) by ${t.name}, not the owner`);
    this.owner = null;
    t.atomicDepth--;
    k.lockdepRelease(this.cls);
    const w = this.waiters.shift();
    if (w !== undefined) k.wake(w);
  }

  async with<T>(fn: () => Promise<T>, site = ''): Promise<T> {
    await this.lock(site);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }
}
