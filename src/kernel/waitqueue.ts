/**
 * A wait queue (`wait_queue_head_t`).
 *
 * `waitEvent(cond)` is the kernel's `wait_event_timeout`: the condition is checked and the task
 * parked with no decision point in between, so a wake-up cannot be lost. `sleep()` is the raw
 * "go to sleep until woken" that buggy code uses after checking a condition *with* a decision
 * point in between: that is how the classic lost wake-up is written, and the runtime then
 * reports the sleeper as blocked forever (`deadlock`).
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';

export class WaitQueue {
  private readonly waiters: Task[] = [];
  /** What a task blocked here waits for (deadlock reports), built once. */
  private readonly waitReason: string;
  private readonly sleepReason: string;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    this.waitReason = `wait ${name}`;
    this.sleepReason = `sleep ${name}`;
    k.register(this);
  }

  get waiting(): number {
    this.k.access(this, false);
    return this.waiters.length;
  }

  /**
   * Sleeps until `cond()` holds or the timeout expires; returns the final value of `cond()`.
   * `timeoutNs < 0` waits forever.
   */
  async waitEvent(cond: () => boolean, timeoutNs = -1): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('wait_event', this.name);
    await k.point();
    const deadline = timeoutNs < 0 ? -1 : k.nowNs + timeoutNs;
    for (;;) {
      // The queue is this step's (hb.ts); what `cond` reads is the caller's to report.
      k.access(this, true);
      if (cond()) return true;
      const left = deadline < 0 ? -1 : deadline - k.nowNs;
      if (deadline >= 0 && left <= 0) return false;
      this.waiters.push(t);
      const woken = await k.block(this.waitReason, left);
      if (!woken) this.remove(t);
    }
  }

  /** Parks until woken, without re-checking anything (see the file comment). */
  async sleep(timeoutNs = -1): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    k.access(this, true);
    this.waiters.push(t);
    const woken = await k.block(this.sleepReason, timeoutNs);
    if (!woken) {
      k.access(this, true);
      this.remove(t);
    }
    return woken;
  }

  /** wake_up_all: every waiter re-checks its condition. Callable from any context. */
  wakeUp(): void {
    this.k.access(this, true);
    const ws = this.waiters;
    if (ws.length === 0) return;
    // `wake` only moves tasks to the run queue; it never touches this queue.
    for (let i = 0; i < ws.length; i++) this.k.wake(ws[i] as Task);
    ws.length = 0;
  }

  private remove(t: Task): void {
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
