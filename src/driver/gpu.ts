/**
 * DOC: GPU control block (panthor_gpu.c).
 *
 * Owns the GPU interrupt, the request/acknowledge protocol for GPU commands (soft reset, cache
 * flush), L2 power and the GPU identification registers.
 *
 * Requests are tracked in `pendingReqs` under a spinlock: the requester sets the bit, writes the
 * command, and sleeps on `reqsAcked` until the IRQ handler clears it. On timeout the requester
 * re-reads `GPU_INT_RAWSTAT` before giving up, which tolerates a lost interrupt.
 *
 * The soft reset clears a possibly stale `RESET_COMPLETED` *before* issuing the command: a bit
 * left over from an earlier reset (or set spuriously) would otherwise make a reset that never
 * happened look complete. Mainline Tyr did not clear it and polled RAWSTAT after a sleep; the
 * `stale-reset-irq` switch restores that behaviour.
 *
 * Alternatives rejected: polling RAWSTAT without the interrupt (Tyr at probe) works but adds
 * latency and is exactly what the stale-bit bug exploits.
 */

import * as R from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import { Spinlock } from '../kernel/spinlock.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { PanthorDevice } from './device.js';
import { PanthorIrq } from './irq.js';

const GPU_INTERRUPTS_MASK =
  R.GPU_IRQ_FAULT |
  R.GPU_IRQ_PROTM_FAULT |
  R.GPU_IRQ_RESET_COMPLETED |
  R.GPU_IRQ_CLEAN_CACHES_COMPLETED |
  R.GPU_IRQ_PRFCNT_SAMPLE_COMPLETED;

export interface GpuInfoRegs {
  gpuId: number;
  l2Features: number;
  tilerFeatures: number;
  memFeatures: number;
  mmuFeatures: number;
  asPresent: number;
  csfId: number;
  shaderPresent: number;
  tilerPresent: number;
  l2Present: number;
  coreFeatures: number;
}

export class GpuBlock {
  readonly name = 'gpu';
  readonly irq: PanthorIrq;
  pendingReqs = 0;
  private readonly reqsLock: Spinlock;
  readonly reqsAcked: WaitQueue;
  info: GpuInfoRegs = {
    gpuId: 0,
    l2Features: 0,
    tilerFeatures: 0,
    memFeatures: 0,
    mmuFeatures: 0,
    asPresent: 0,
    csfId: 0,
    shaderPresent: 0,
    tilerPresent: 0,
    l2Present: 0,
    coreFeatures: 0,
  };
  /** Listeners for PRFCNT_SAMPLE_COMPLETED (the perfcnt block). */
  onSampleDone: (() => void) | null = null;

  constructor(private readonly dev: PanthorDevice) {
    const k = dev.k;
    this.reqsLock = new Spinlock(k, 'gpu.reqs_lock');
    this.reqsAcked = new WaitQueue(k, 'gpu.reqs_acked');
    this.irq = new PanthorIrq(
      dev,
      'gpu',
      dev.hw.irq.gpu,
      {
        rawstat: R.GPU_INT_RAWSTAT,
        clear: R.GPU_INT_CLEAR,
        mask: R.GPU_INT_MASK,
        stat: R.GPU_INT_STAT,
      },
      (status) => this.handleIrq(status),
    );
  }

  private async handleIrq(status: number): Promise<void> {
    const io = this.dev.io;
    io.write(R.GPU_INT_CLEAR, status);
    if (status & R.GPU_IRQ_FAULT) {
      const faultStatus = io.read(R.GPU_FAULT_STATUS);
      this.dev.k.trace.instant(this.dev.lane, 'gpu', 'GPU_FAULT', { status: faultStatus });
    }
    if (status & R.GPU_IRQ_PRFCNT_SAMPLE_COMPLETED) this.onSampleDone?.();
    await this.reqsLock.lock('handleIrq [driver/gpu.ts]');
    if (status & this.pendingReqs) {
      this.pendingReqs &= ~status;
      this.reqsAcked.wakeUp();
    }
    this.reqsLock.unlock();
  }

  /** Reads the identification registers (gpu_init). */
  readInfo(): void {
    const io = this.dev.io;
    this.info = {
      gpuId: io.read(R.GPU_ID),
      l2Features: io.read(R.GPU_L2_FEATURES),
      tilerFeatures: io.read(R.GPU_TILER_FEATURES),
      memFeatures: io.read(R.GPU_MEM_FEATURES),
      mmuFeatures: io.read(R.GPU_MMU_FEATURES),
      asPresent: io.read(R.GPU_AS_PRESENT),
      csfId: io.read(R.GPU_CSF_ID),
      shaderPresent: io.read64(R.GPU_SHADER_PRESENT),
      tilerPresent: io.read64(R.GPU_TILER_PRESENT),
      l2Present: io.read64(R.GPU_L2_PRESENT),
      coreFeatures: io.read(R.GPU_CORE_FEATURES),
    };
  }

  /**
   * The GPU interrupts the driver handles. With `softreset=poll` (Tyr) RESET_COMPLETED is left
   * out: Tyr has no GPU interrupt handler and polls RAWSTAT instead, so nothing clears the bit
   * but the soft reset itself.
   */
  private interruptsMask(): number {
    return this.dev.reset.design.factors.softreset === 'poll'
      ? GPU_INTERRUPTS_MASK & ~R.GPU_IRQ_RESET_COMPLETED
      : GPU_INTERRUPTS_MASK;
  }

  async init(): Promise<number> {
    this.readInfo();
    this.irq.request();
    await this.irq.resume(this.interruptsMask());
    return 0;
  }

  /**
   * Soft reset. Returns 0 or -ETIMEDOUT; the caller (probe, the reset work) decides what a
   * failure means (mainline's reset work ignores it).
   */
  async softReset(): Promise<number> {
    if (this.dev.reset.design.factors.softreset === 'poll') return this.softResetPolled();
    const dev = this.dev;
    const io = dev.io;
    const k = dev.k;
    const issuedNs = k.nowNs;
    // panthor_gpu_soft_reset: a request already pending only warns, and no command is sent.
    await this.reqsLock.lock('softReset [driver/gpu.ts]');
    const already = (this.pendingReqs & R.GPU_IRQ_RESET_COMPLETED) !== 0;
    if (already) {
      k.trace.instant(dev.lane, 'gpu', 'WARN: soft reset requested while one is pending');
    } else {
      this.pendingReqs |= R.GPU_IRQ_RESET_COMPLETED;
      io.write(R.GPU_INT_CLEAR, R.GPU_IRQ_RESET_COMPLETED);
      io.write(R.GPU_CMD, R.GPU_SOFT_RESET);
    }
    this.reqsLock.unlock();
    const acked = await this.reqsAcked.waitEvent(
      () => (this.pendingReqs & R.GPU_IRQ_RESET_COMPLETED) === 0,
      dev.cfg.softResetTimeoutNs,
    );
    let timedOut = false;
    if (!acked) {
      // "The IRQ may have been missed": re-read RAWSTAT before giving up.
      await this.reqsLock.lock('softReset [driver/gpu.ts]');
      if (
        (this.pendingReqs & R.GPU_IRQ_RESET_COMPLETED) !== 0 &&
        (io.read(R.GPU_INT_RAWSTAT) & R.GPU_IRQ_RESET_COMPLETED) === 0
      ) {
        timedOut = true;
      } else {
        this.pendingReqs &= ~R.GPU_IRQ_RESET_COMPLETED;
      }
      this.reqsLock.unlock();
    }
    if (timedOut) {
      k.trace.instant(dev.lane, 'reset', 'Soft reset timeout');
      // `softreset=irq-rearm`: mainline keeps the request pending, so the next soft reset would
      // only warn and send no command.
      if (dev.reset.design.factors.softreset === 'irq-rearm') {
        await this.reqsLock.lock();
        this.pendingReqs &= ~R.GPU_IRQ_RESET_COMPLETED;
        this.reqsLock.unlock();
      }
      return -Errno.ETIMEDOUT;
    }
    dev.log.resetBeliefs.push({ issuedNs, believedNs: k.nowNs });
    return 0;
  }

  /**
   * Tyr's soft reset (`issue_soft_reset`, after "drm/tyr: use read_poll_timeout"): clear a
   * stale RESET_COMPLETED (the reset series' patch 1/4), write GPU_CMD, then poll
   * GPU_IRQ_RAWSTAT every 1 ms for up to 100 ms, the first read before any sleep. Without the
   * clear (mainline Tyr: the `stale-reset-irq` switch) a bit left from an earlier reset passes
   * the first read: the driver believes in a reset that did not happen.
   */
  private async softResetPolled(): Promise<number> {
    const dev = this.dev;
    const io = dev.io;
    const k = dev.k;
    const issuedNs = k.nowNs;
    if (!dev.bug('stale-reset-irq')) io.write(R.GPU_INT_CLEAR, R.GPU_IRQ_RESET_COMPLETED);
    io.write(R.GPU_CMD, R.GPU_SOFT_RESET);
    const r = await io.poll(
      R.GPU_INT_RAWSTAT,
      (v) => (v & R.GPU_IRQ_RESET_COMPLETED) !== 0,
      100_000_000,
      1_000_000,
    );
    if (!r.ok) {
      k.trace.instant(dev.lane, 'reset', 'GPU reset failed.');
      return -Errno.ETIMEDOUT;
    }
    dev.log.resetBeliefs.push({ issuedNs, believedNs: k.nowNs });
    return 0;
  }

  /** Powers the L2 on and waits for it (panthor_gpu_l2_power_on). */
  async l2PowerOn(): Promise<number> {
    const io = this.dev.io;
    const present = this.info.l2Present || io.read(R.GPU_L2_PRESENT);
    io.write(R.L2_PWRON, present);
    const r = await io.poll(R.L2_READY, (v) => (v & present) === present, 20_000_000, 10_000);
    return r.ok ? 0 : -Errno.ETIMEDOUT;
  }

  async l2PowerOff(): Promise<number> {
    const io = this.dev.io;
    const present = this.info.l2Present || io.read(R.GPU_L2_PRESENT);
    io.write(R.L2_PWROFF, present);
    const r = await io.poll(R.L2_READY, (v) => (v & present) === 0, 20_000_000, 10_000);
    return r.ok ? 0 : -Errno.ETIMEDOUT;
  }

  /** Cleans/invalidates caches (panthor_gpu_flush_caches). */
  async flushCaches(l2: number, lsc: number, other: number): Promise<number> {
    const dev = this.dev;
    const io = dev.io;
    await this.reqsLock.lock('flushCaches [driver/gpu.ts]');
    if ((this.pendingReqs & R.GPU_IRQ_CLEAN_CACHES_COMPLETED) === 0) {
      this.pendingReqs |= R.GPU_IRQ_CLEAN_CACHES_COMPLETED;
      io.write(R.GPU_CMD, R.GPU_CMD_FLUSH_CACHES_TYPE | ((l2 | (lsc << 4) | (other << 8)) << 8));
    }
    this.reqsLock.unlock();
    const acked = await this.reqsAcked.waitEvent(
      () => (this.pendingReqs & R.GPU_IRQ_CLEAN_CACHES_COMPLETED) === 0,
      100_000_000,
    );
    if (acked) return 0;
    await this.reqsLock.lock('flushCaches [driver/gpu.ts]');
    const raw = io.read(R.GPU_INT_RAWSTAT);
    this.pendingReqs &= ~R.GPU_IRQ_CLEAN_CACHES_COMPLETED;
    this.reqsLock.unlock();
    return raw & R.GPU_IRQ_CLEAN_CACHES_COMPLETED ? 0 : -Errno.ETIMEDOUT;
  }

  /** panthor_gpu_suspend: a slow suspend resets the GPU, a fast one powers the L2 down. */
  async suspend(slow: boolean): Promise<void> {
    if (slow) await this.softReset();
    else await this.l2PowerOff();
    await this.irq.suspend();
  }

  /** panthor_gpu_resume: the L2 power-on result is ignored, as in the kernel. */
  async resume(): Promise<void> {
    await this.irq.resume(this.interruptsMask());
    await this.l2PowerOn();
  }

  /** panthor_gpu_unplug. */
  async unplug(): Promise<void> {
    if (this.dev.pm.rpm.active && this.dev.hw.powered) await this.irq.suspend();
    // Requests can never be acknowledged now; wake their waiters (panthor_gpu_unplug).
    await this.reqsLock.lock('unplug [driver/gpu.ts]');
    this.pendingReqs = 0;
    this.reqsAcked.wakeUp();
    this.reqsLock.unlock();
  }
}
