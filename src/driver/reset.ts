/**
 * DOC: Reset and recovery orchestration (Tyr's proposed reset.rs, panthor_device_reset_work).
 *
 * `schedule(reason)` may be called from any context (IRQ, timeout, watchdog, ioctl, a CSG
 * acknowledgement timeout, a stuck AS, an unrecoverable fault). Code that detects a problem
 * calls it and returns an error; only the reset work performs the sequence. Requests coalesce
 * through an atomic pending flag (cmpxchg 0 -> 1): duplicates and concurrent requests make one
 * reset. The reset work runs on the device's ordered reset workqueue, which also runs the
 * firmware watchdog and every queue's job timeout, so they serialise with it. A request made
 * while the device is suspended or suspending leaves the flag set, and resume then forces a
 * slow reset. At unbind the reset work is disabled and waited for.
 *
 * The sequence is in one place (`sequence`): the design's `beginReset` (exclusion, draining),
 * pre-reset hooks in the order sched, perfcnt, fw, mmu; then the hardware: clear a stale
 * RESET_COMPLETED and soft reset (inside `gpu.softReset`), L2 power on; post-reset in reverse
 * order (mmu, fw — whose result decides success — perfcnt, then sched once the reset is over).
 * Hang resets are slow resets (firmware reload). A failed reset is retried once; if the retry
 * fails too, the design's failure policy applies: wedge the device (DRM wedged event) or unplug
 * it (mainline Panthor and the Tyr series).
 *
 * A request that arrives after the running reset already reset the hardware is not absorbed by
 * it: it is kept and served by another reset (the seed discussion's "not lost"); mainline
 * Panthor clears the flag at the end and absorbs it, which the `reset-dedup` oracle reports.
 */
import { Atomic } from '../kernel/atomic.js';
import type { Task } from '../kernel/task.js';
import { Work } from '../kernel/workqueue.js';
import type { PanthorDevice } from './device.js';
import type { ResetReason, ResetRecord } from './log.js';
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
  worker: Task | null = null;
  private again = false;
  failures = 0;

  constructor(
    private readonly dev: PanthorDevice,
    readonly design: ResetDesign,
  ) {
    this.pending = new Atomic(dev.k, 'reset.pending');
    this.work = new Work(dev.k, 'reset.work', () => this.resetWork());
  }

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
    if (dev.unplugged || dev.wedge.wedged) {
      dev.log.droppedRequests.push({
        atNs: k.nowNs,
        why: `${reason}: device ${dev.unplugged ? 'unplugged' : 'wedged'}`,
      });
      return;
    }
    this.design.onRequest();
    if (this.design.recovery === 'rebind') {
      const old = await this.pending.cmpxchg(0, 1);
      const queued = old === 0 ? dev.rebindWork.queue() : false;
      dev.log.request(k.nowNs, reason, by, queued, cause);
      return;
    }
    const old = await this.pending.cmpxchg(0, 1);
    let queued = false;
    if (old === 0) {
      if (dev.pm.state.peek() === PmState.ACTIVE) queued = await dev.resetWq.queueWork(this.work);
    } else if (
      this.current !== null &&
      this.hwResetNs >= 0 &&
      cause > this.hwResetNs &&
      this.design.name === 'default'
    ) {
      // The running reset already reset the hardware: this problem is newer than it.
      this.again = true;
    }
    dev.log.request(k.nowNs, reason, by, queued, cause);
    k.trace.instant(dev.resetLane, 'reset', `request ${reason}${queued ? '' : ' (coalesced)'}`, {
      by,
    });
    if (queued) k.trace.flow('s', dev.resetLane, 'reset', 'reset request', this.epoch + 1);
  }

  private async resetWork(): Promise<void> {
    const dev = this.dev;
    // Entering suspend: no reset now, a slow reset is forced at resume. But the scheduler
    // queues no tick while the request is pending, so nothing would take a power reference
    // for groups that still have work: unless the design keeps mainline's resume behaviour,
    // ask for that resume now (it runs once the suspend is over).
    if (dev.pm.state.peek() !== PmState.ACTIVE) {
      if (this.design.requeueAfterResume && dev.sched.hasRunnableWork()) dev.pm.requestResume();
      return;
    }
    const tyrWork = dev.bug('reset-work-after-unbind');
    let cookie: number | null = 0;
    if (!tyrWork) {
      cookie = await dev.drm.enter();
      if (cookie === null) return;
    }
    let ret: number;
    try {
      ret = await this.sequence('reset work');
    } finally {
      if (!tyrWork && cookie !== null) dev.drm.exit(cookie);
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

  /** The reset sequence; returns 0 when the hardware is back. */
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
    if (dev.bug('duplicate-reset')) {
      // "Cancel pending resets" at the start: a source that saw the same hang reports it
      // during pre-reset and queues a second, needless reset.
      await this.pending.set(0);
    }
    await this.phase('pre-reset', async () => {
      await dev.sched.preReset();
      await dev.perfcnt.preReset();
      await dev.fw.preReset(true);
      await dev.mmu.preReset();
    });
    let ret = await this.hardwareReset();
    for (let attempt = 0; ret !== 0 && attempt < dev.cfg.maxResetRetries; attempt++) {
      k.trace.instant(dev.resetLane, 'reset', 'reset failed, retrying as a slow reset');
      await dev.fw.preReset(true);
      await dev.mmu.preReset();
      ret = await this.hardwareReset();
    }
    await this.phase('post-reset perfcnt', async () => {
      await dev.perfcnt.postReset(ret !== 0);
    });
    // The hardware is back (or is not coming back): the reset is over. A request that arrived
    // after the hardware reset keeps the flag set: another reset follows.
    await this.pending.set(this.again ? 1 : 0);
    record.endNs = k.nowNs;
    record.ok = ret === 0;
    if (ret === 0) dev.log.fullReinits.push(k.nowNs);
    this.current = null;
    this.worker = null;
    this.design.endReset();
    k.trace.asyncEnd(dev.resetLane, 'reset', label, record.id, { ok: ret === 0 });
    await this.phase('post-reset sched', async () => {
      await dev.sched.postReset(ret !== 0);
    });
    return ret;
  }

  private async hardwareReset(): Promise<number> {
    const dev = this.dev;
    this.hwResetNs = dev.k.nowNs;
    if (this.current !== null) this.current.hwResetNs = this.hwResetNs;
    // Whatever was requested before this hardware reset is served by it (a retry included).
    this.again = false;
    let ret = 0;
    await this.phase('soft reset', async () => {
      ret = await dev.gpu.softReset();
      const l2 = await dev.gpu.l2PowerOn();
      if (ret === 0) ret = l2;
    });
    await this.phase('post-reset mmu/fw', async () => {
      await dev.mmu.postReset();
      const fwRet = await dev.fw.postReset();
      if (ret === 0) ret = fwRet;
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
    this.failures++;
    if (this.design.wedgeOnFailure) {
      await dev.wedge.wedge('reset failed');
      return;
    }
    dev.k.trace.instant(
      dev.resetLane,
      'reset',
      'Failed to boot MCU after reset, making device unusable.',
    );
    await dev.unplug();
  }

  // ---- The gate, as used by the rest of the driver ---------------------------------------------

  async enter(kind: GateKind): Promise<GateToken | number> {
    return this.design.enter(kind);
  }

  exit(token: GateToken): void {
    this.design.exit(token);
  }
}
