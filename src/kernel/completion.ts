/**
 * `struct completion`: a counted "done" event. `complete()` releases one waiter (or lets one
 * future waiter through), `completeAll()` releases everyone for good, `wait()` sleeps with an
 * optional timeout. Callable from IRQ context (complete) like the real one.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';

const ALL = Number.POSITIVE_INFINITY;

export class Completion {
  done = 0;
  private readonly waiters: Task[] = [];

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
  }

  complete(): void {
    this.k.access(this, true);
    if (this.done !== ALL) this.done++;
    const w = this.waiters.shift();
    if (w !== undefined) this.k.wake(w);
  }

  completeAll(): void {
    this.k.access(this, true);
    this.done = ALL;
    for (const w of this.waiters.splice(0)) this.k.wake(w);
  }

  reinit(): void {
    this.k.access(this, true);
    this.done = 0;
  }

  get completed(): boolean {
    this.k.access(this, false);
    return this.done > 0;
  }

  /** Waits until completed; false on timeout. `timeoutNs < 0` waits forever. */
  async wait(timeoutNs = -1): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('wait_for_completion', this.name);
    await k.point();
    // Each look at `done` is an access of this step (hb.ts); a write: it may consume one.
    k.access(this, true);
    const deadline = timeoutNs < 0 ? -1 : k.nowNs + timeoutNs;
    while (this.done === 0) {
      const left = deadline < 0 ? -1 : deadline - k.nowNs;
      if (deadline >= 0 && left <= 0) return false;
      this.waiters.push(t);
      const woken = await k.block(`completion ${this.name}`, left);
      k.access(this, true);
      if (!woken) {
        const i = this.waiters.indexOf(t);
        if (i >= 0) this.waiters.splice(i, 1);
      }
    }
    if (this.done !== ALL) this.done--;
    return true;
  }
}
