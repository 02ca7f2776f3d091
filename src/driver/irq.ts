/**
 * Panthor's interrupt pattern (`PANTHOR_IRQ_HANDLER`), shared by the GPU, MMU and job (firmware)
 * interrupt lines.
 *
 * The hard handler checks `*_INT_STAT`, masks the source (`*_INT_MASK = 0`) and wakes the
 * threaded handler; the thread loops on `RAWSTAT & mask`, calls the block's handler, and
 * restores the mask unless the IRQ was suspended meanwhile. `suspend()` sets the suspended
 * flag, masks and synchronises *unconditionally* — the fix for `irq-unmasked-after-unplug`,
 * where masking used to be skipped once the device was unplugged, leaving a handler free to
 * run on a powered-down device.
 */
import type { IrqLine } from '../kernel/irq.js';
import type { Kernel } from '../kernel/kernel.js';
import { Spinlock } from '../kernel/spinlock.js';
import type { PanthorDevice } from './device.js';

export interface IrqRegs {
  rawstat: number;
  clear: number;
  mask: number;
  stat: number;
}

export class PanthorIrq {
  /** Sources the block wants; what is written to INT_MASK when the IRQ is enabled. */
  mask = 0;
  suspended = true;
  private readonly maskLock: Spinlock;
  /** Handler invocations, for tests. */
  handled = 0;

  constructor(
    private readonly dev: PanthorDevice,
    readonly name: string,
    private readonly line: IrqLine,
    private readonly regs: IrqRegs,
    private readonly handler: (status: number) => Promise<void>,
  ) {
    this.maskLock = new Spinlock(dev.k, `${name}.mask_lock`);
  }

  private get k(): Kernel {
    return this.dev.k;
  }

  request(): void {
    this.line.request({
      hard: async () => {
        if (this.dev.io.read(this.regs.stat) === 0) return 'none';
        this.dev.io.write(this.regs.mask, 0);
        return 'wake-thread';
      },
      thread: async () => {
        await this.threaded();
      },
    });
  }

  private async threaded(): Promise<void> {
    for (let i = 0; i < 64; i++) {
      const status = this.dev.io.read(this.regs.rawstat) & this.mask;
      if (status === 0) break;
      this.handled++;
      await this.handler(status);
    }
    await this.maskLock.lock();
    if (!this.suspended) this.dev.io.write(this.regs.mask, this.mask);
    this.maskLock.unlock();
  }

  /** Enables the sources in `mask` (clearing stale status first), as `*_irq_resume`. */
  async resume(mask: number): Promise<void> {
    await this.maskLock.lock();
    this.suspended = false;
    this.mask = mask;
    this.dev.io.write(this.regs.clear, mask);
    this.dev.io.write(this.regs.mask, mask);
    this.maskLock.unlock();
  }

  /** Masks and waits for running handlers (`*_irq_suspend`). */
  async suspend(): Promise<void> {
    await this.maskLock.lock();
    this.suspended = true;
    const skipMask = this.dev.bug('irq-unmasked-after-unplug') && this.dev.unplugged;
    // A powered-down device has its interrupts masked already (its registers lost their state).
    if (!skipMask && this.dev.pm.powered) this.dev.io.write(this.regs.mask, 0);
    this.maskLock.unlock();
    if (!skipMask) await this.line.synchronize();
  }

  /** free_irq: waits for running handlers and removes them (at driver removal). */
  async free(): Promise<void> {
    if (this.line.requested) await this.line.free();
  }

  /** Adds sources to the enabled mask without a full resume (the MMU re-enables one AS). */
  async enableEvents(bits: number): Promise<void> {
    await this.maskLock.lock();
    this.mask |= bits;
    if (!this.suspended) this.dev.io.write(this.regs.mask, this.mask);
    this.maskLock.unlock();
  }

  async disableEvents(bits: number): Promise<void> {
    await this.maskLock.lock();
    this.mask &= ~bits;
    if (!this.suspended) this.dev.io.write(this.regs.mask, this.mask);
    this.maskLock.unlock();
  }
}
