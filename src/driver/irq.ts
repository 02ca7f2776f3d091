/**
 * Panthor's interrupt pattern (`PANTHOR_IRQ_HANDLER` in panthor_device.h), shared by the GPU,
 * MMU and job (firmware) interrupt lines.
 *
 * - The raw (hard) handler returns IRQ_NONE while the IRQ is suspended, or when `*_INT_STAT` is
 *   0 (a shared line, a masked source); otherwise it masks the source (`*_INT_MASK = 0`) and
 *   wakes the thread. It never looks at the PM state.
 * - The threaded handler loops on `*_INT_RAWSTAT & pirq->mask`, calls the block's handler, and
 *   restores `*_INT_MASK = pirq->mask` unless the IRQ was suspended meanwhile.
 * - `_irq_suspend`: `pirq->mask = 0`, `*_INT_MASK = 0`, `synchronize_irq`, and only then
 *   `suspended = true`. Masking and synchronising are unconditional: before 962f88b9c916 a
 *   `drm_dev_enter` section around them made the suspend a no-op once the device was unplugged,
 *   so a handler already running could go on touching the registers of a GPU being powered
 *   down (the `irq-unmasked-after-unplug` switch).
 * - `_irq_resume`: `suspended = false`, `pirq->mask = mask`, `*_INT_CLEAR = mask` (events raised
 *   while suspended are dropped), `*_INT_MASK = mask`.
 */
import type { IrqLine } from '../kernel/irq.js';
import type { PanthorDevice } from './device.js';

export interface IrqRegs {
  rawstat: number;
  clear: number;
  mask: number;
  stat: number;
}

export class PanthorIrq {
  /** `pirq->mask`: the sources the block wants; what the thread writes back to INT_MASK. */
  mask = 0;
  /** `pirq->suspended`. */
  suspended = true;
  /** Handler invocations, for tests. */
  handled = 0;

  constructor(
    private readonly dev: PanthorDevice,
    readonly name: string,
    private readonly line: IrqLine,
    private readonly regs: IrqRegs,
    private readonly handler: (status: number) => Promise<void>,
  ) {}

  request(): void {
    this.line.request({
      hard: async () => {
        if (this.suspended) return 'none';
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
    if (!this.suspended) this.dev.io.write(this.regs.mask, this.mask);
  }

  /** `_irq_resume`: enables the sources in `mask`, dropping what was raised meanwhile. */
  async resume(mask: number): Promise<void> {
    await this.dev.k.point();
    this.suspended = false;
    this.mask = mask;
    this.dev.io.write(this.regs.clear, mask);
    this.dev.io.write(this.regs.mask, mask);
  }

  /**
   * `_irq_suspend`. Callers on a powered-down device skip it (`pm_runtime_active` in the
   * blocks' unplug), as the kernel does: the registers are not there to write.
   */
  async suspend(): Promise<void> {
    await this.dev.k.point();
    this.mask = 0;
    // The pre-962f88b9c916 suspend: masking and synchronising sat in a drm_dev_enter section,
    // skipped once the device was unplugged.
    const skip = this.dev.bug('irq-unmasked-after-unplug') && this.dev.unplugged;
    if (!skip) {
      this.dev.io.write(this.regs.mask, 0);
      await this.line.synchronize();
    }
    this.suspended = true;
  }

  /** free_irq: waits for running handlers and removes them (at driver removal). */
  async free(): Promise<void> {
    if (this.line.requested) await this.line.free();
  }

  /**
   * Adds sources to the enabled mask without a full resume (`panthor_vm_active` re-enabling a
   * faulty AS writes MMU_INT_MASK directly).
   */
  enableEvents(bits: number): void {
    this.mask |= bits;
    if (!this.suspended) this.dev.io.write(this.regs.mask, this.mask);
  }

  /** Removes sources (the MMU handler leaves a faulty AS masked: `mmu->irq.mask = new_mask`). */
  disableEvents(bits: number): void {
    this.mask &= ~bits;
  }
}
