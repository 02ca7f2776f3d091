/**
 * DOC: Reset and recovery orchestration (panthor_device_reset_work, the Tyr series' reset.rs).
 *
 * `schedule(reason)` may be called from any context (IRQ, timeout, watchdog, ioctl, a CSG
 * acknowledgement timeout, a stuck AS, an unrecoverable fault). Code that detects a problem
 * calls it and returns an error; only the reset work performs the sequence. Requests coalesce
 * through an atomic pending flag (`panthor_device_schedule_reset`: cmpxchg 0 -> 1, and the work
 * queued only if the device is ACTIVE): duplicates and concurrent requests make one reset. A
 * request made while the device is not active leaves the flag set, and the resume then forces a
 * slow reset. At unbind the reset work is disabled and waited for.
 *
 * The sequence is data: the design's `steps` (`reset/resettable.ts`), which block is called when
 * and where the pending flag is cleared. Around it, the design's gate (`beginReset`, which may
 * drain sections in flight, and `endReset`), and which results count (`success`: only the
 * firmware restart, as panthor_device_reset_work; every hardware step; or the first error ends
 * it, as the Tyr series' `run_reset()?`). A failed reset is retried `retry` times, then the
 * `failure` policy applies: unplug (mainline), wedge, the Tyr series' todo!() panic, or log.
 *
 * With `late=serve`, a request that arrives after the running reset already reset the hardware
 * keeps the flag set and is served by another reset; mainline clears the flag at the end and so
 * absorbs it.
 */
import { Atomic } from '../kernel/atomic.js';
import type { Task } from '../kernel/task.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { Work } from '../kernel/workqueue.js';
import type { PanthorDevice } from './device.js';
import { newerThan, type ResetReason, type ResetRecord } from './log.js';
import { PmState } from './pm.js';
import type { GateKind, GateToken, ResetDesign } from './reset/design.js';

export class ResetController {
  readonly pending: Atomic;
  readonly work: Work;
  /** Resets started (the epoch long-lived sessions compare against). */
  epoch = 0;
  /** The reset in progress, and when it issued its hardware reset (-1 before). */
  current: ResetRecord | null = null;
  hwResetNs = -1;
  hwResetSeq = -1;
  worker: Task | null = null;
  private again = false;
  failures = 0;
  /** Set once the reset work panicked (`failure=panic`): it never returns. */
  oopsed = false;

  constructor(
    private readonly dev: PanthorDevice,
    readonly design: ResetDesign,
  ) {
    this.pending = new Atomic(dev.k, 'reset.pending');
    this.work = new Work(dev.k, 'reset.work', () => this.resetWork());
  }

  /** panthor_device_reset_is_pending. */
  isPending(): boolean {
    return this.pending.peek() !== 0;
  }

  get inProgress(): boolean {
    return this.current !== null;
  }

  /**
   * Requests a reset. `causeNs` is when the evidence was collected (a ping sent, a CSG request
   * made); it lets the oracles tell a stale report from a new problem.
   */
  async schedule(reason: ResetReason, causeNs?: number): Promise<void> {
    const dev = this.dev;
    const k = dev.k;
    const by = k.current?.name ?? 'runtime';
    const cause = causeNs ?? k.nowNs;
    const causeSeq = causeNs === undefined ? k.stepCount : -1;
    // A wedged device stays as it is until it is recovered (`failure=wedge`); mainline has no
    // such state, and its request after an unplug queues a work that drm_dev_enter stops.
    if (dev.wedge.wedged) {
      dev.log.droppedRequests.push({ atNs: k.nowNs, why: `${reason}: device wedged` });
      return;
    }
    this.design.onRequest();
    if (this.design.recoversByRebind) {
      const old = await this.pending.cmpxchg(0, 1);
      const queued = old === 0 ? dev.rebindWork.queue() : false;
      dev.log.request(k.nowNs, reason, by, queued, cause, causeSeq);
      return;
    }
    // panthor_device_schedule_reset: cmpxchg(&reset.pending, 0, 1), then queue only if ACTIVE.
    // late=serve also tracks which hardware reset each request's evidence predates: with the
    // flag clear, a request whose evidence is older than the last hardware reset (its task was
    // held up between collecting it and the cmpxchg, and a reset ran meanwhile) was served by
    // that reset, and queueing another would repeat it (reset-storm@default soak run 9810: an
    // ioctl request made just before a reset's GPU_CMD reached the cmpxchg after that reset
    // had cleared reset.pending). The test and the flag update are one atomic step.
    let served = false;
    const old =
      this.design.factors.late === 'serve'
        ? await this.pending.fetchUpdate((v) => {
            if (v !== 0) return v;
            served =
              this.hwResetNs >= 0 && !newerThan(cause, causeSeq, this.hwResetNs, this.hwResetSeq);
            return served ? 0 : 1;
          })
        : await this.pending.cmpxchg(0, 1);
    if (served) {
      dev.log.request(k.nowNs, reason, by, false, cause, causeSeq);
      k.trace.instant(
        dev.resetLane,
        'reset',
        `request ${reason} (served by the hardware reset at ${this.hwResetNs} ns)`,
        { by },
      );
      return;
    }
    let queued = false;
    if (old === 0) {
      if ((await dev.pm.state.read()) === PmState.ACTIVE)
        queued = await dev.resetWq.queueWork(this.work);
    } else if (
      this.design.factors.late === 'serve' &&
      this.current !== null &&
      this.hwResetNs >= 0 &&
      newerThan(cause, causeSeq, this.hwResetNs, this.hwResetSeq)
    ) {
      // The running reset already reset the hardware: this problem is newer than it.
      this.again = true;
    }
    dev.log.request(k.nowNs, reason, by, queued, cause, causeSeq);
    k.trace.instant(dev.resetLane, 'reset', `request ${reason}${queued ? '' : ' (coalesced)'}`, {
      by,
    });
    if (queued) k.trace.flow('s', dev.resetLane, 'reset', 'reset request', this.epoch + 1);
  }

  /** panthor_device_reset_work. */
  private async resetWork(): Promise<void> {
    const dev = this.dev;
    // "If the device is entering suspend, we don't reset. A slow reset will be forced at resume
    // time instead." (The pending flag stays set.) With `resuming=requeue`, a device that
    // suspends under work that the scheduler cannot queue (a reset is pending) is asked back.
    if ((await dev.pm.state.read()) !== PmState.ACTIVE) {
      // Before 57e233c3bd63: "No need for a reset as the device has been (or will be) powered
      // down": the request is dropped.
      if (dev.bug('reset-lost-across-suspend')) {
        await this.pending.set(0);
        this.design.endReset();
      } else if (this.design.requeueAfterResume && dev.sched.hasRunnableWork())
        await dev.pm.requestResume();
      return;
    }
    // `late=serve`: the work can be queued again while it runs (a request arriving before its
    // hardware reset queues it); if what queued it was served meanwhile (by that hardware reset,
    // or by a slow resume), nothing is pending and another reset would only repeat one (soak
    // reset-storm@default run 13768). Mainline resets whenever the work runs.
    if (this.design.factors.late === 'serve' && (await this.pending.read()) === 0) {
      dev.k.trace.instant(dev.resetLane, 'reset', 'reset work: nothing pending (served)');
      return;
    }
    const enters = this.design.factors.entry === 'drm-dev-enter';
    let cookie: number | null = 0;
    if (enters) {
      cookie = await dev.drm.enter();
      if (cookie === null) {
        dev.k.trace.instant(dev.resetLane, 'reset', 'reset work: drm_dev_enter failed, no reset');
        return;
      }
    }
    let ret: number;
    try {
      ret = await this.sequence('reset work');
    } finally {
      if (enters && cookie !== null) dev.drm.exit(cookie);
    }
    if (ret !== 0) await this.failed();
    if (this.again) {
      this.again = false;
      if (!dev.unplugged && !dev.wedge.wedged) await dev.resetWq.queueWork(this.work);
    }
  }

  /** The old drm_sched pattern: a timeout handler resets the GPU itself, with no coalescing. */
  async resetFromHandler(reason: ResetReason): Promise<void> {
    const dev = this.dev;
    dev.log.request(dev.k.nowNs, reason, dev.k.self().name, true, dev.k.nowNs);
    const ret = await this.sequence(`reset in ${reason} handler`);
    if (ret !== 0) await this.failed();
  }

  /** The reset sequence (the design's steps); returns 0 when the hardware is back. */
  async sequence(label: string): Promise<number> {
    const dev = this.dev;
    const k = dev.k;
    await this.design.beginReset();
    this.epoch++;
    const record = dev.log.beginReset(k.nowNs, true, k.self().name);
    this.current = record;
    this.worker = k.self();
    this.hwResetNs = -1;
    k.trace.asyncBegin(dev.resetLane, 'reset', label, record.id);
    k.trace.flow('f', dev.resetLane, 'reset', 'reset request', this.epoch);
    const success = this.design.factors.success;
    const steps = this.design.steps;
    let ret = 0;
    let attempts = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      record.endNs = k.nowNs;
      record.ok = ret === 0;
      if (ret === 0) dev.log.fullReinits.push(k.nowNs);
      this.current = null;
      this.worker = null;
      this.design.endReset();
      k.trace.asyncEnd(dev.resetLane, 'reset', label, record.id, { ok: ret === 0 });
    };
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as (typeof steps)[number];
      if (ret !== 0 && success === 'propagate') break;
      if (step === 'gpu.soft-reset' && dev.bug('duplicate-reset') && attempts === 0) {
        // amdgpu before f4322b9f8ad5: pending resets are cancelled after pre-reset, before the
        // hardware reset, and not at the end; a source that reports the same hang after this
        // point queues a second, needless reset.
        await this.pending.set(0);
      }
      if (step === 'gpu.soft-reset') {
        this.hwResetNs = k.nowNs;
        this.hwResetSeq = k.stepCount;
        record.hwResetNs = this.hwResetNs;
        record.hwResetSeq = this.hwResetSeq;
        // Whatever was requested before this hardware reset is served by it.
        this.again = false;
      }
      const r = await this.runStep(step, ret !== 0);
      if (r !== 0 && ret === 0) {
        // Which results decide success: mainline only looks at panthor_fw_post_reset().
        if (step === 'fw.post' || success !== 'fw') ret = r;
      }
      // After the firmware restart: retry a failed reset as a slow reset, `retry` times.
      if (step === 'fw.post' && ret !== 0 && attempts < this.design.retries) {
        attempts++;
        k.trace.instant(dev.resetLane, 'reset', 'reset failed, retrying as a slow reset');
        await this.phase('retry pre-reset', async () => {
          await dev.fw.preReset(true);
          await dev.mmu.preReset();
        });
        ret = 0;
        i = steps.indexOf('gpu.soft-reset') - 1;
        continue;
      }
      if (step === 'clear-pending') {
        // The hardware is back (or is not coming back): the reset is over for the design.
        end();
      }
    }
    end();
    return ret;
  }

  private async runStep(step: string, failed: boolean): Promise<number> {
    const dev = this.dev;
    let ret = 0;
    await this.phase(step, async () => {
      switch (step) {
        case 'sched.pre':
          await dev.sched.preReset();
          break;
        case 'perfcnt.pre':
          await dev.perfcnt.preReset();
          break;
        case 'fw.pre':
          await dev.fw.preReset(true);
          break;
        case 'mmu.pre':
          await dev.mmu.preReset();
          break;
        case 'gpu.soft-reset':
          ret = await dev.gpu.softReset();
          break;
        case 'gpu.l2-on':
          ret = await dev.gpu.l2PowerOn();
          break;
        case 'mmu.post':
          ret = await dev.mmu.postReset();
          break;
        case 'fw.post':
          ret = await dev.fw.postReset();
          break;
        case 'perfcnt.post':
          await dev.perfcnt.postReset(failed);
          break;
        case 'clear-pending':
          // A request that arrived after the hardware reset keeps the flag set (late=serve).
          if (!dev.bug('duplicate-reset')) await this.pending.set(this.again ? 1 : 0);
          break;
        case 'sched.post':
          await dev.sched.postReset(failed);
          break;
      }
    });
    return ret;
  }

  private async phase(name: string, fn: () => Promise<void>): Promise<void> {
    const dev = this.dev;
    const id = (this.current?.id ?? 0) * 16 + name.length;
    dev.k.trace.asyncBegin(dev.resetLane, 'reset-phase', name, id);
    await fn();
    dev.k.trace.asyncEnd(dev.resetLane, 'reset-phase', name, id);
  }

  /** The design's failure policy. */
  private async failed(): Promise<void> {
    const dev = this.dev;
    const k = dev.k;
    this.failures++;
    switch (this.design.factors.failure) {
      case 'wedge':
        await dev.wedge.wedge('reset failed');
        return;
      case 'unplug':
        // panthor_device_reset_work: unplug, then the error.
        await dev.unplug();
        k.trace.instant(
          dev.resetLane,
          'reset',
          'Failed to boot MCU after reset, making device unusable.',
        );
        return;
      case 'log':
        k.trace.instant(dev.resetLane, 'reset', 'GPU reset failed');
        await this.pending.set(0);
        return;
      case 'panic':
        await this.panic('not yet implemented: unplug the GPU');
        return;
    }
  }

  /**
   * A Rust panic in the reset work: `pr_emerg` and BUG(), an oops that kills the kworker
   * without unwinding. The work never completes, so its ordered queue runs nothing after it,
   * flush/cancel/disable of it wait for ever, and the pending flag is never cleared.
   */
  private async panic(message: string): Promise<void> {
    const dev = this.dev;
    const k = dev.k;
    this.oopsed = true;
    dev.log.oopses.push({ atNs: k.nowNs, task: k.self().name, message });
    k.trace.instant(
      dev.resetLane,
      'reset',
      `Rust panic: ${message} (kernel BUG, the worker is gone)`,
    );
    const dead = new WaitQueue(k, `oops: ${k.self().name} died in a Rust panic (${message})`);
    await dead.sleep();
  }

  // ---- The gate, as used by the rest of the driver ---------------------------------------------

  async enter(kind: GateKind): Promise<GateToken | number> {
    return this.design.enter(kind);
  }

  exit(token: GateToken): void {
    this.design.exit(token);
  }
}
