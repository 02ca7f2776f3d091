/**
 * One interrupt source block (GPU, MMU or JOB): RAWSTAT, MASK, CLEAR and STAT, driving a
 * level-triggered `IrqLine`.
 *
 * The line's level is `RAWSTAT & MASK != 0`, minus the bits of an assertion lost by the
 * `lost-irq` fault. A lost assertion models an interrupt that never reaches the CPU although the
 * hardware did set its status bit: RAWSTAT and STAT still show the bit (a driver that re-reads
 * RAWSTAT after a timeout, as Panthor's soft reset does, recovers), and the next raise of an
 * unmasked bit of this block, or a CLEAR of the lost bits, ends the loss (a later event
 * re-triggers the line, as on hardware where only one edge went missing).
 *
 * Writes to RAWSTAT and STAT are ignored (the real blocks allow RAWSTAT writes for self-test;
 * no driver path in resetlab needs them).
 */
import type { IrqLine } from '../kernel/irq.js';
import type { FaultPlane } from './faults.js';

export class IrqRegs {
  rawstat = 0;
  mask = 0;
  /** Bits whose assertion was lost; they do not drive the line until raised again or cleared. */
  private lost = 0;
  /** False while the power domain is off: the line is held low. */
  private enabled = true;

  constructor(
    readonly line: IrqLine,
    private readonly faults: FaultPlane,
  ) {}

  get stat(): number {
    return (this.rawstat & this.mask) >>> 0;
  }

  /** The hardware sets status bits. */
  raise(bits: number): void {
    this.rawstat = (this.rawstat | bits) >>> 0;
    // Only an unmasked event re-triggers the line: a masked one changes nothing the interrupt
    // controller sees, so a lost (or silent) bit stays unnoticed.
    if ((bits & this.mask) !== 0) this.lost = 0;
    this.update();
  }

  /**
   * Sets status bits without an interrupt assertion for them (a stale bit nobody was told
   * about: the `stale-reset-completed` fault). Another raise later re-triggers the line.
   */
  raiseSilently(bits: number): void {
    this.rawstat = (this.rawstat | bits) >>> 0;
    this.lost = (this.lost | bits) >>> 0;
    this.update();
  }

  /** GPU/JOB/MMU_INT_CLEAR. */
  clear(bits: number): void {
    this.rawstat = (this.rawstat & ~bits) >>> 0;
    this.lost = (this.lost & ~bits) >>> 0;
    this.update();
  }

  /** GPU/JOB/MMU_INT_MASK. */
  setMask(mask: number): void {
    this.mask = mask >>> 0;
    this.update();
  }

  /** State loss (reset or power-off): everything cleared, optionally keeping the mask. */
  reset(keepMask: boolean): void {
    this.rawstat = 0;
    this.lost = 0;
    if (!keepMask) this.mask = 0;
    this.update();
  }

  /** Power gating: while disabled the line is low whatever the registers say. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    this.update();
  }

  private update(): void {
    let level = this.enabled && (this.rawstat & this.mask & ~this.lost) !== 0;
    if (level && !this.line.level) {
      // A new assertion of the line: the `lost-irq` opportunity.
      if (this.faults.take('lost-irq', `${this.line.name} 0x${this.stat.toString(16)}`)) {
        this.lost = this.stat;
        level = false;
      }
    }
    this.line.set(level);
  }
}
