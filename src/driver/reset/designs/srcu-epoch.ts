/**
 * DOC: the `srcu-epoch` design — SRCU plus a reset counter, the alternative in the Tyr thread.
 *
 * Rules: hardware sections are SRCU read sections that also read a reset counter; the reset
 * worker sets the counter to a sentinel meaning "resetting", waits for the readers that began
 * before (synchronize_srcu), resets, and sets the counter to a new epoch. A section that finds
 * the sentinel backs off; long-lived users (the perfcnt session) remember the epoch they saw and
 * treat a different one as "a reset happened in between".
 *
 * Where it is weak, and why: readers never block the worker from *starting*, but the sentinel
 * is written by the worker, so, as with the r/w semaphore, nothing is excluded between the
 * fault and the moment the worker runs: jobs still reach a broken GPU in that window. Refused
 * ioctls fail with EAGAIN.
 */
import { Errno } from '../../../kernel/errno.js';
import { Srcu } from '../../../kernel/srcu.js';
import type { PanthorDevice } from '../../device.js';
import { type GateKind, type GateToken, ResetDesign } from '../design.js';

const RESETTING = -1;

export class SrcuEpochDesign extends ResetDesign {
  readonly name = 'srcu-epoch';
  private readonly srcu: Srcu;
  /** The reset counter, or RESETTING. */
  counter = 0;

  constructor(dev: PanthorDevice) {
    super(dev);
    this.srcu = new Srcu(dev.k, 'reset.srcu');
  }

  override async enter(kind: GateKind): Promise<GateToken | number> {
    for (let i = 0; i < 100_000; i++) {
      const cookie = await this.srcu.readLock();
      const epoch = this.counter;
      if (epoch !== RESETTING) return { kind, cookie, epoch, read: false };
      this.srcu.readUnlock(cookie);
      if (kind !== 'wait') return -Errno.EAGAIN;
      // Sections that must run poll for the new epoch: the proposal has no wait queue.
      await this.dev.k.sleep(1_000_000);
      if (this.dev.unplugged || this.dev.wedge.wedged) return -Errno.ENODEV;
    }
    return -Errno.EAGAIN;
  }

  override exit(token: GateToken): void {
    if (token.cookie !== 0) this.srcu.readUnlock(token.cookie);
  }

  override async beginReset(): Promise<void> {
    this.counter = RESETTING;
    await this.srcu.synchronize();
  }

  override endReset(): void {
    this.counter = this.dev.reset.epoch;
  }
}
