/**
 * DOC: Runtime power management: Panthor's side of it (panthor_device.c, panthor_device.h) on
 * the runtime-PM core (`src/kernel/runtime-pm.ts`, drivers/base/power/runtime.c).
 *
 * Two states are kept, as in the kernel. The PM core's `runtime_status` says which callback may
 * run; Panthor's own `pm.state` (SUSPENDED, RESUMING, ACTIVE, SUSPENDING), set by its callbacks
 * `panthor_device_suspend` / `panthor_device_resume` (`PanthorDevice.suspendDevice` /
 * `resumeDevice`), is what the driver's fast paths test without sleeping:
 * `panthor_device_schedule_reset` queues the reset work only when it is ACTIVE, and the reset
 * work does nothing otherwise (a slow reset is forced at the next resume).
 *
 * Users take a usage reference before touching the hardware and drop it with
 * `pm_runtime_put_autosuspend`; at zero, the device suspends after the autosuspend delay
 * (50 ms, "~3 frames", set at probe). `resumeAndGet` is `panthor_device_resume_and_get`: after
 * a failed resume the PM core refuses every later transition (`runtime_error`), and the first
 * caller that sees `recovery_needed` clears it with `pm_runtime_set_suspended` so that the next
 * attempt really tries again.
 *
 * Rejected: one mutex held across the callbacks (the first version of this model). The PM
 * core's spinlock is released across them; what keeps two callbacks apart is the status, and a
 * synchronous resume that meets SUSPENDING waits for the suspend to finish. That difference is
 * what the mainline deadlock analysis in docs/designs.md rests on.
 */
import { Atomic } from '../kernel/atomic.js';
import { Mutex } from '../kernel/mutex.js';
import { RuntimePm } from '../kernel/runtime-pm.js';
import { Workqueue } from '../kernel/workqueue.js';
import type { PanthorDevice } from './device.js';

/** enum panthor_device_pm_state. */
export const PmState = { SUSPENDED: 0, RESUMING: 1, ACTIVE: 2, SUSPENDING: 3 } as const;

export class PmBlock {
  readonly name = 'pm';
  /** `ptdev->pm.state`. */
  readonly state: Atomic;
  /** `ptdev->pm.recovery_needed`: set when a resume attempt failed. */
  readonly recoveryNeeded: Atomic;
  /** `ptdev->pm.mmio_lock`: the user MMIO mapping against state changes. */
  readonly mmioLock: Mutex;
  /** pm_wq: where the PM core runs its asynchronous requests. */
  readonly wq: Workqueue;
  /** The device's runtime-PM core state. */
  readonly rpm: RuntimePm;

  constructor(private readonly dev: PanthorDevice) {
    const k = dev.k;
    this.state = new Atomic(k, 'pm.state', PmState.SUSPENDED);
    this.recoveryNeeded = new Atomic(k, 'pm.recovery_needed');
    this.mmioLock = new Mutex(k, 'pm.mmio_lock');
    this.wq = new Workqueue(k, 'pm_wq', 1);
    this.rpm = new RuntimePm(
      k,
      dev.name,
      {
        runtimeSuspend: () => dev.suspendDevice(),
        runtimeResume: () => dev.resumeDevice(),
      },
      this.wq,
    );
  }

  get active(): boolean {
    return this.state.peek() === PmState.ACTIVE;
  }

  /** The GPU has power (active, or in the middle of suspending or resuming). */
  get powered(): boolean {
    return this.state.peek() !== PmState.SUSPENDED;
  }

  /** The PM core's usage count. */
  get usage(): number {
    return this.rpm.usage;
  }

  get suspends(): number {
    return this.rpm.suspends;
  }

  /** Runtime resumes after probe (probe's own resume, which only sets the state, not counted). */
  get resumes(): number {
    return this.rpm.resumes - this.probeResumes;
  }

  private probeResumes = 0;

  /**
   * panthor_device_resume_and_get: pm_runtime_resume_and_get, and after a failure the first
   * caller to see `recovery_needed` resets the PM core's error so that a later call retries.
   */
  async resumeAndGet(): Promise<number> {
    const ret = await this.rpm.resumeAndGet();
    if (ret !== 0 && (await this.recoveryNeeded.cmpxchg(1, 0)) === 1) await this.rpm.setSuspended();
    return ret;
  }

  /** pm_runtime_resume_and_get, as code that does not use Panthor's wrapper calls it. */
  async rpmResumeAndGet(): Promise<number> {
    return this.rpm.resumeAndGet();
  }

  /** pm_runtime_get_sync (the reference stays taken even on error). */
  async getSync(): Promise<number> {
    return this.rpm.getSync();
  }

  /** pm_runtime_get: a reference and an asynchronous resume. */
  async get(): Promise<void> {
    await this.rpm.get();
  }

  /** pm_runtime_get_if_active: a reference only if active now; never waits. */
  async getIfActive(): Promise<boolean> {
    return (await this.rpm.getIfActive()) === 1;
  }

  /**
   * `tickpm=if-active`: a usage reference (pm_runtime_get_noresume) only if Panthor's state is
   * ACTIVE now; never waits.
   */
  takeIfActive(): boolean {
    if (!this.active) return false;
    this.rpm.usage++;
    return true;
  }

  /** pm_request_resume: an asynchronous resume, no reference. */
  async requestResume(): Promise<void> {
    if (this.dev.unplugged || this.dev.wedge.wedged) return;
    await this.rpm.get();
    await this.rpm.putNoIdle();
  }

  /** pm_runtime_put_autosuspend (marks the device busy, as v6.17+ does). */
  async putAutosuspend(): Promise<void> {
    await this.rpm.putAutosuspend();
  }

  /** pm_runtime_put. */
  async put(): Promise<void> {
    await this.rpm.put();
  }

  /** pm_runtime_put_noidle. */
  async putNoIdle(): Promise<void> {
    await this.rpm.putNoIdle();
  }

  /** pm_runtime_put_sync_suspend. */
  async putSyncSuspend(): Promise<void> {
    await this.rpm.putSyncSuspend();
  }

  /** pm_runtime_mark_last_busy. */
  markLastBusy(): void {
    this.rpm.markLastBusy();
  }

  /**
   * Probe (panthor_device_init): devm_pm_runtime_enable, pm_runtime_resume_and_get (the
   * device is not initialized yet, so the resume callback only sets the state), and with
   * runtime PM off, power/control = "on" (pm_runtime_forbid).
   */
  async probeBegin(): Promise<number> {
    await this.rpm.enable();
    if (!this.dev.cfg.runtimePm) await this.rpm.forbid();
    const ret = await this.rpm.resumeAndGet();
    this.probeResumes = this.rpm.resumes;
    return ret;
  }

  /** Probe's end: pm_runtime_set_autosuspend_delay(50 ms), use_autosuspend, put_autosuspend. */
  async probeEnd(): Promise<void> {
    await this.rpm.setAutosuspendDelay(this.dev.cfg.autosuspendDelayNs);
    await this.rpm.setUseAutosuspend(true);
    await this.rpm.putAutosuspend();
  }

  /** pm_runtime_dont_use_autosuspend (unplug). */
  async dontUseAutosuspend(): Promise<void> {
    await this.rpm.setUseAutosuspend(false);
  }

  /** At removal: the PM core's timer and work for this device stop for good. */
  async remove(): Promise<void> {
    await this.rpm.shutdown();
  }
}
