/**
 * The runtime-PM core (drivers/base/power/runtime.c): a device's `runtime_status`, its usage
 * count, and the rules that decide when the driver's `runtime_suspend` and `runtime_resume`
 * callbacks run.
 *
 * What matters for reset designs, and is modelled as the kernel has it:
 * - `power.lock` is a spinlock held only while the core looks at and changes the status; it is
 *   *released across the driver's callback* (`__rpm_callback`). Mutual exclusion of the
 *   callbacks comes from the status instead: while it is SUSPENDING or RESUMING, a synchronous
 *   `rpm_resume` (`pm_runtime_get_sync`, `pm_runtime_resume_and_get`) sleeps on
 *   `power.wait_queue` until the callback is over, then starts again; an asynchronous one
 *   (`pm_runtime_get`) only sets `deferred_resume` and returns.
 * - A failed callback: a suspend that returns -EBUSY or -EAGAIN goes back to ACTIVE and is
 *   retried later; any other error, and a failed resume, leave `runtime_error` set, and every
 *   later `rpm_suspend`/`rpm_resume` fails with -EINVAL until `pm_runtime_set_suspended` (or
 *   `set_active`) clears it.
 * - Autosuspend: when the usage count drops to zero through `pm_runtime_put_autosuspend`, the
 *   suspend is armed for `last_busy + autosuspend_delay` on a timer, which queues the suspend on
 *   `pm_wq`; the work re-checks the expiry (a later `mark_last_busy` pushes it back).
 * - A usage count that would go below zero is refused with "Runtime PM usage count underflow!"
 *   (`rpm_drop_usage_count`), reported here as `refcount-underflow`.
 *
 * Left out: parents, suppliers and device links, `irq_safe` devices, QoS, `no_callbacks`, the
 * idle callback (Panthor has none: `rpm_idle` then goes straight to `rpm_suspend(RPM_AUTO)`),
 * and the 25 % slack of the autosuspend hrtimer (virtual time needs none).
 */
import { Errno } from './errno.js';
import type { Kernel } from './kernel.js';
import { Spinlock } from './spinlock.js';
import { Timer } from './timer.js';
import { WaitQueue } from './waitqueue.js';
import { Work, type Workqueue } from './workqueue.js';

export type RpmStatus = 'active' | 'resuming' | 'suspended' | 'suspending';

/** The rpmflags of runtime.c. */
export const RPM_ASYNC = 1;
export const RPM_NOWAIT = 2;
export const RPM_GET_PUT = 4;
export const RPM_AUTO = 8;

type RpmRequest = 'none' | 'idle' | 'suspend' | 'autosuspend' | 'resume';

export interface RpmCallbacks {
  /** The driver's runtime_suspend: 0 or a negative errno. */
  runtimeSuspend(): Promise<number>;
  /** The driver's runtime_resume: 0 or a negative errno. */
  runtimeResume(): Promise<number>;
}

/** Bound on the "wait for the other transition, then start again" loops. */
const MAX_REPEATS = 10_000;

export class RuntimePm {
  status: RpmStatus = 'suspended';
  usage = 0;
  /** `power.runtime_error`. */
  runtimeError = 0;
  /** `power.disable_depth`: 1 until `enable()` (pm_runtime_init). */
  disableDepth = 1;
  deferredResume = false;
  useAutosuspend = false;
  autosuspendDelayNs = 0;
  lastBusyNs = 0;
  /** Callback invocations, for tests and metrics. */
  suspends = 0;
  resumes = 0;
  private request: RpmRequest = 'none';
  private timerExpiresNs = 0;
  private timerAutosuspends = false;
  private readonly lock: Spinlock;
  private readonly waitQueue: WaitQueue;
  private readonly work: Work;
  private readonly timer: Timer;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    private readonly callbacks: RpmCallbacks,
    private readonly pmWq: Workqueue,
  ) {
    this.lock = new Spinlock(k, `${name} power.lock`);
    this.waitQueue = new WaitQueue(k, `${name} power.wait_queue`);
    this.work = new Work(k, `${name} pm_runtime_work`, () => this.runtimeWork());
    this.timer = new Timer(k, `${name} pm_suspend_timer`, () => this.suspendTimerFn());
  }

  // ---- Status ----------------------------------------------------------------------------------

  /** When the armed autosuspend timer fires, or 0 when none is armed. */
  get autosuspendDueNs(): number {
    return this.timerExpiresNs;
  }

  /** pm_runtime_active: ACTIVE, or runtime PM disabled. */
  get active(): boolean {
    return this.status === 'active' || this.disableDepth > 0;
  }

  /** pm_runtime_suspended. */
  get suspended(): boolean {
    return this.status === 'suspended' && this.disableDepth === 0;
  }

  /** pm_runtime_enable (devm_pm_runtime_enable at probe). */
  async enable(): Promise<void> {
    await this.lock.lock('enable [kernel/runtime-pm.ts]');
    if (this.disableDepth > 0) this.disableDepth--;
    this.lock.unlock();
  }

  /** pm_runtime_mark_last_busy. */
  markLastBusy(): void {
    this.lastBusyNs = this.k.nowNs;
  }

  // ---- The public entry points (include/linux/pm_runtime.h) ------------------------------------

  /**
   * pm_runtime_get_sync: takes a usage reference and resumes synchronously. Returns 1 when the
   * device was already active, 0 when it was resumed, or a negative errno; the reference stays
   * taken even on error.
   */
  async getSync(): Promise<number> {
    this.usage++;
    return this.withLock(() => this.rpmResume(0));
  }

  /** pm_runtime_resume_and_get: as getSync, but 0 on success and the reference dropped on error. */
  async resumeAndGet(): Promise<number> {
    const ret = await this.getSync();
    if (ret < 0) {
      this.dropUsage();
      return ret;
    }
    return 0;
  }

  /** pm_runtime_get: takes a reference and asks for an asynchronous resume. */
  async get(): Promise<number> {
    this.usage++;
    return this.withLock(() => this.rpmResume(RPM_ASYNC));
  }

  /**
   * pm_runtime_get_if_active (v6.9+: the usage count is ignored): a reference only if the device
   * is ACTIVE now; 1 if taken, 0 if not, -EINVAL when runtime PM is disabled. Never waits.
   */
  async getIfActive(): Promise<number> {
    return this.withLock(async () => {
      if (this.disableDepth > 0) return -Errno.EINVAL;
      if (this.status !== 'active') return 0;
      this.usage++;
      return 1;
    });
  }

  /** pm_runtime_put: drops a reference; at zero, an asynchronous idle check. */
  async put(): Promise<number> {
    if (!(await this.dropUsageChecked())) return 0;
    return this.withLock(() => this.rpmIdle(RPM_ASYNC));
  }

  /**
   * pm_runtime_put_autosuspend: drops a reference; at zero, an autosuspend after the delay.
   * From v6.17 the helper marks the device busy itself (__pm_runtime_put_autosuspend).
   */
  async putAutosuspend(): Promise<number> {
    this.markLastBusy();
    if (!(await this.dropUsageChecked())) return 0;
    return this.withLock(() => this.rpmSuspend(RPM_ASYNC | RPM_AUTO));
  }

  /** pm_runtime_put_sync_suspend: drops a reference; at zero, suspends now, in this task. */
  async putSyncSuspend(): Promise<number> {
    if (!(await this.dropUsageChecked())) return 0;
    return this.withLock(() => this.rpmSuspend(0));
  }

  /** pm_runtime_put_noidle: drops a reference, nothing else. */
  async putNoIdle(): Promise<void> {
    await this.k.point();
    this.dropUsage();
  }

  /**
   * pm_runtime_set_suspended: allowed only while runtime PM is disabled or after an error
   * (-EAGAIN otherwise); sets SUSPENDED and clears `runtime_error`.
   */
  async setSuspended(): Promise<number> {
    return this.withLock(async () => {
      if (this.runtimeError === 0 && this.disableDepth === 0) return -Errno.EAGAIN;
      this.status = 'suspended';
      this.runtimeError = 0;
      this.waitQueue.wakeUp();
      return 0;
    });
  }

  /** pm_runtime_set_autosuspend_delay. */
  async setAutosuspendDelay(delayNs: number): Promise<void> {
    await this.updateAutosuspend(this.useAutosuspend, delayNs);
  }

  /** pm_runtime_use_autosuspend / pm_runtime_dont_use_autosuspend. */
  async setUseAutosuspend(use: boolean): Promise<void> {
    await this.updateAutosuspend(use, this.autosuspendDelayNs);
  }

  /** pm_runtime_forbid (power/control = "on"): a usage reference that keeps the device up. */
  async forbid(): Promise<void> {
    this.usage++;
    await this.withLock(() => this.rpmResume(0));
  }

  // ---- The core ----------------------------------------------------------------------------------

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await this.lock.lock('withLock [kernel/runtime-pm.ts]');
    try {
      return await fn();
    } finally {
      this.lock.unlock();
    }
  }

  /** rpm_drop_usage_count without the check: used where the kernel only warns. */
  private dropUsage(): void {
    if (this.usage <= 0) {
      this.k.violation('refcount-underflow', `${this.name}: Runtime PM usage count underflow!`);
      return;
    }
    this.usage--;
  }

  /** rpm_drop_usage_count: true when the count reached zero. */
  private async dropUsageChecked(): Promise<boolean> {
    await this.k.point();
    if (this.usage <= 0) {
      this.k.violation('refcount-underflow', `${this.name}: Runtime PM usage count underflow!`);
      return false;
    }
    this.usage--;
    return this.usage === 0;
  }

  /** update_autosuspend (called without the lock; takes it). */
  private async updateAutosuspend(use: boolean, delayNs: number): Promise<void> {
    await this.withLock(async () => {
      this.useAutosuspend = use;
      this.autosuspendDelayNs = delayNs;
      // "Maybe we can autosuspend now." (A negative delay, which blocks suspend, is not used.)
      await this.rpmIdle(RPM_AUTO);
    });
  }

  /** pm_runtime_autosuspend_expiration: when the autosuspend may happen, 0 if now or never. */
  private autosuspendExpiration(): number {
    if (!this.useAutosuspend || this.autosuspendDelayNs < 0) return 0;
    const expires = this.lastBusyNs + this.autosuspendDelayNs;
    return expires > this.k.nowNs ? expires : 0;
  }

  /** pm_runtime_cancel_pending. */
  private cancelPending(): void {
    this.deactivateTimer();
    this.request = 'none';
  }

  private deactivateTimer(): void {
    if (this.timerExpiresNs > 0) {
      this.timer.del();
      this.timerExpiresNs = 0;
    }
  }

  private queueRequest(req: RpmRequest): void {
    this.request = req;
    this.pmWq.enqueue(this.work);
  }

  /** rpm_check_suspend_allowed. */
  private checkSuspendAllowed(): number {
    if (this.runtimeError !== 0) return -Errno.EINVAL;
    if (this.disableDepth > 0) return -Errno.EACCES;
    if (this.usage > 0) return -Errno.EAGAIN;
    if (this.deferredResume || this.request === 'resume') return -Errno.EAGAIN;
    if (this.status === 'suspended') return 1;
    return 0;
  }

  /** rpm_idle (lock held). Panthor has no runtime_idle callback: straight to rpm_suspend. */
  private async rpmIdle(flags: number): Promise<number> {
    const allowed = this.checkSuspendAllowed();
    if (allowed < 0) return allowed;
    if (allowed === 1) return -Errno.EAGAIN;
    if (this.status !== 'active') return -Errno.EAGAIN;
    if (this.request !== 'none' && this.request !== 'idle') return -Errno.EAGAIN;
    return this.rpmSuspend(flags | RPM_AUTO);
  }

  /** Sleeps with the lock released until `status` is not one of `busy`, then re-takes it. */
  private async waitWhile(busy: readonly RpmStatus[]): Promise<void> {
    this.lock.unlock();
    await this.waitQueue.waitEvent(() => !busy.includes(this.status));
    await this.lock.lock('waitWhile [kernel/runtime-pm.ts]');
  }

  /** rpm_suspend (lock held). */
  private async rpmSuspend(flags: number): Promise<number> {
    for (let repeat = 0; repeat < MAX_REPEATS; repeat++) {
      const allowed = this.checkSuspendAllowed();
      if (allowed !== 0) return allowed;
      if (this.status === 'resuming' && !(flags & RPM_ASYNC)) return -Errno.EAGAIN;
      if (flags & RPM_AUTO && this.status !== 'suspending') {
        const expires = this.autosuspendExpiration();
        if (expires !== 0) {
          this.request = 'none';
          if (this.timerExpiresNs === 0 || expires < this.timerExpiresNs) {
            this.timerExpiresNs = expires;
            this.timer.mod(expires - this.k.nowNs);
          }
          this.timerAutosuspends = true;
          return 0;
        }
      }
      this.cancelPending();
      if (this.status === 'suspending') {
        if (flags & (RPM_ASYNC | RPM_NOWAIT)) return -Errno.EINPROGRESS;
        await this.waitWhile(['suspending']);
        continue;
      }
      if (flags & RPM_ASYNC) {
        this.queueRequest(flags & RPM_AUTO ? 'autosuspend' : 'suspend');
        return 0;
      }
      this.status = 'suspending';
      this.suspends++;
      const ret = await this.callback(() => this.callbacks.runtimeSuspend());
      if (ret === 0) {
        this.status = 'suspended';
        this.deactivateTimer();
        this.waitQueue.wakeUp();
        if (this.deferredResume) {
          this.deferredResume = false;
          await this.rpmResume(0);
          return -Errno.EAGAIN;
        }
        return 0;
      }
      this.status = 'active';
      this.deferredResume = false;
      this.waitQueue.wakeUp();
      if (ret === -Errno.EAGAIN || ret === -Errno.EBUSY) {
        this.runtimeError = 0;
        if (flags & RPM_AUTO && this.autosuspendExpiration() !== 0) continue;
      } else {
        this.cancelPending();
      }
      return ret;
    }
    return -Errno.EAGAIN;
  }

  /** rpm_resume (lock held). */
  private async rpmResume(flags: number): Promise<number> {
    for (let repeat = 0; repeat < MAX_REPEATS; repeat++) {
      if (this.runtimeError !== 0) return -Errno.EINVAL;
      if (this.disableDepth > 0) return this.status === 'active' ? 1 : -Errno.EACCES;
      // "Other scheduled or pending requests need to be canceled. Small optimization: If an
      // autosuspend timer is running, leave it running rather than cancelling it now only to
      // restart it again in the near future."
      this.request = 'none';
      if (!this.timerAutosuspends) this.deactivateTimer();
      if (this.status === 'active') return 1;
      if (this.status === 'resuming' || this.status === 'suspending') {
        if (flags & (RPM_ASYNC | RPM_NOWAIT)) {
          if (this.status === 'suspending') {
            this.deferredResume = true;
            return flags & RPM_NOWAIT ? -Errno.EINPROGRESS : 0;
          }
          return -Errno.EINPROGRESS;
        }
        await this.waitWhile(['resuming', 'suspending']);
        continue;
      }
      if (flags & RPM_ASYNC) {
        this.queueRequest('resume');
        return 0;
      }
      this.status = 'resuming';
      this.resumes++;
      const ret = await this.callback(() => this.callbacks.runtimeResume());
      if (ret !== 0) {
        this.status = 'suspended';
        this.cancelPending();
      } else {
        this.status = 'active';
        this.markLastBusy();
      }
      this.waitQueue.wakeUp();
      if (ret >= 0) await this.rpmIdle(RPM_ASYNC);
      return ret;
    }
    return -Errno.EAGAIN;
  }

  /** rpm_callback: the lock is released across the driver's callback; the result is recorded. */
  private async callback(cb: () => Promise<number>): Promise<number> {
    this.lock.unlock();
    let ret: number;
    try {
      ret = await cb();
    } finally {
      await this.lock.lock('callback [kernel/runtime-pm.ts]');
    }
    this.runtimeError = ret;
    return ret === -Errno.EACCES ? -Errno.EIO : ret;
  }

  /** pm_runtime_work, on pm_wq. */
  private async runtimeWork(): Promise<void> {
    await this.withLock(async () => {
      const req = this.request;
      this.request = 'none';
      switch (req) {
        case 'idle':
          await this.rpmIdle(RPM_NOWAIT);
          break;
        case 'suspend':
          await this.rpmSuspend(RPM_NOWAIT);
          break;
        case 'autosuspend':
          await this.rpmSuspend(RPM_NOWAIT | RPM_AUTO);
          break;
        case 'resume':
          await this.rpmResume(RPM_NOWAIT);
          break;
        case 'none':
          break;
      }
    });
  }

  /** pm_suspend_timer_fn, in timer context: queues the suspend if the expiry has passed. */
  private async suspendTimerFn(): Promise<void> {
    await this.withLock(async () => {
      const expires = this.timerExpiresNs;
      if (expires > 0 && expires <= this.k.nowNs) {
        this.timerExpiresNs = 0;
        await this.rpmSuspend(this.timerAutosuspends ? RPM_ASYNC | RPM_AUTO : RPM_ASYNC);
      }
    });
  }

  /** Stops the timer and the work for good (the device is being removed). */
  async shutdown(): Promise<void> {
    await this.timer.shutdown();
    await this.work.disableSync('shutdown [kernel/runtime-pm.ts]');
  }
}
