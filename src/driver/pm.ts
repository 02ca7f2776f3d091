/**
 * DOC: Runtime power management (pm_runtime + panthor_device_suspend/resume).
 *
 * Users take a usage reference (`resumeAndGet`) before touching the hardware and drop it with
 * `putAutosuspend`; when the count reaches zero an autosuspend work runs after the delay (50 ms
 * in Panthor, "about three frames") and suspends the device if it is still unused. Suspend and
 * resume callbacks are serialised by the PM lock, as the PM core does.
 *
 * Device suspend (`PanthorDevice.suspendDevice`) prepares everything as for a reset (scheduler,
 * firmware halt, MMU, GPU) and powers the GPU down. Resume powers it up and restarts the
 * blocks, fast (no firmware reload) when the firmware halted cleanly, slow otherwise — and
 * always slow if a reset was requested meanwhile: that request must not be lost.
 */
import { Atomic } from '../kernel/atomic.js';
import { Errno } from '../kernel/errno.js';
import { Mutex } from '../kernel/mutex.js';
import { DelayedWork, Work, Workqueue } from '../kernel/workqueue.js';
import type { PanthorDevice } from './device.js';

export const PmState = { SUSPENDED: 0, RESUMING: 1, ACTIVE: 2, SUSPENDING: 3 } as const;

export class PmBlock {
  readonly name = 'pm';
  readonly state: Atomic;
  usage = 0;
  readonly lock: Mutex;
  readonly wq: Workqueue;
  readonly autosuspendWork: DelayedWork;
  /** pm_request_resume: an asynchronous resume, run on the PM workqueue. */
  readonly resumeWork: Work;
  recoveryNeeded = false;
  suspends = 0;
  resumes = 0;

  constructor(private readonly dev: PanthorDevice) {
    const k = dev.k;
    this.state = new Atomic(k, 'pm.state', PmState.SUSPENDED);
    this.lock = new Mutex(k, 'dev->power.lock');
    this.wq = new Workqueue(k, 'pm_wq', 1);
    this.autosuspendWork = new DelayedWork(k, 'pm.autosuspend', () => this.autosuspend());
    this.resumeWork = new Work(k, 'pm.request_resume', async () => {
      await this.runtimeResume();
      // Nobody holds a reference: the device goes back to sleep unless someone takes one.
      if (this.usage === 0 && this.active && this.dev.cfg.runtimePm)
        this.autosuspendWork.mod(this.wq, this.dev.cfg.autosuspendDelayNs);
    });
  }

  get active(): boolean {
    return this.state.peek() === PmState.ACTIVE;
  }

  /** The GPU has power (active, or in the middle of suspending or resuming). */
  get powered(): boolean {
    return this.state.peek() !== PmState.SUSPENDED;
  }

  /** pm_runtime_resume_and_get: 0 when the device is active, or an errno (usage not taken). */
  async resumeAndGet(): Promise<number> {
    this.usage++;
    if (this.active) return 0;
    const ret = await this.runtimeResume();
    if (ret !== 0) {
      this.usage--;
      return ret;
    }
    return 0;
  }

  /**
   * pm_runtime_get_if_active: takes a reference only if the device is active, never waits.
   * Works that the reset path cancels synchronously must use this rather than a resume: a resume
   * waits for a suspend in progress, and the suspend waits for the reset work.
   */
  getIfActive(): boolean {
    if (!this.active) return false;
    this.usage++;
    return true;
  }

  /** pm_runtime_get: takes a reference and asks for a resume, without failing. */
  async get(): Promise<void> {
    this.usage++;
    if (!this.active) await this.runtimeResume();
  }

  /**
   * pm_request_resume: asks for a resume without waiting for it. For works that must not wait
   * for a resume (see `getIfActive`) but found work to do on a device that is suspending: the
   * resume runs after the suspend, and the driver's resume path restarts the scheduler.
   */
  requestResume(): void {
    if (this.dev.unplugged || this.dev.wedge.wedged) return;
    this.wq.enqueue(this.resumeWork);
  }

  /** pm_runtime_put_autosuspend. */
  async putAutosuspend(): Promise<void> {
    await this.dev.k.point();
    if (this.usage <= 0) {
      this.dev.k.violation('refcount-underflow', 'runtime PM usage count underflow');
      return;
    }
    this.usage--;
    if (this.usage === 0 && this.dev.cfg.runtimePm)
      this.autosuspendWork.mod(this.wq, this.dev.cfg.autosuspendDelayNs);
  }

  /** pm_runtime_put_noidle: drops a reference without scheduling a suspend. */
  async putNoIdle(): Promise<void> {
    await this.dev.k.point();
    if (this.usage <= 0) {
      this.dev.k.violation('refcount-underflow', 'runtime PM usage count underflow');
      return;
    }
    this.usage--;
  }

  private async autosuspend(): Promise<void> {
    if (!this.dev.cfg.runtimePm) return;
    await this.runtimeSuspend();
  }

  async runtimeSuspend(): Promise<number> {
    await this.lock.lock();
    try {
      // The usage check and the move to SUSPENDING are one step, as under the PM core's
      // spinlock: a resumeAndGet in between would otherwise see ACTIVE, keep its reference
      // and use a GPU this suspend is about to power off. A wedged device stays as it is until
      // it is recovered (rebind or bus reset).
      const old = await this.state.fetchUpdate((v) =>
        v === PmState.ACTIVE && this.usage === 0 && !this.dev.wedge.wedged ? PmState.SUSPENDING : v,
      );
      if (old !== PmState.ACTIVE || this.state.peek() !== PmState.SUSPENDING) return -Errno.EBUSY;
      this.suspends++;
      return await this.dev.suspendDevice();
    } finally {
      this.lock.unlock();
    }
  }

  async runtimeResume(): Promise<number> {
    await this.lock.lock();
    try {
      if (this.active) return 0;
      if (this.dev.unplugged || this.dev.wedge.wedged) return -Errno.ENODEV;
      this.resumes++;
      const ret = await this.dev.resumeDevice();
      if (ret !== 0) this.dev.resumeFailed();
      return ret;
    } finally {
      this.lock.unlock();
    }
  }

  /** At unplug: no more autosuspend. */
  async unplug(): Promise<void> {
    await this.autosuspendWork.disableSync();
    await this.resumeWork.disableSync();
  }
}
