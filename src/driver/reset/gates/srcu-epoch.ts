/**
 * `gate=srcu-epoch`: SRCU plus a reset counter with a sentinel for "resetting", the alternative
 * of the Tyr reset thread.
 *
 * Hardware sections are SRCU read sections that also read the counter; the reset worker sets
 * the counter to the sentinel, waits for the readers that began before (`synchronize_srcu`, the
 * drain), resets, and sets the counter to a new epoch. A section that finds the sentinel backs
 * off; one that re-enters with an epoch it saw before the reset knows a reset happened in
 * between (the token carries its epoch).
 *
 * Where it is weak: as with the r/w semaphore, the sentinel is written by the worker, so nothing
 * is excluded between the fault and the moment the worker runs. The proposal has no wait queue:
 * a section that must run polls for the new epoch.
 */
import { Errno } from '../../../kernel/errno.js';
import { Srcu } from '../../../kernel/srcu.js';
import type { PanthorDevice } from '../../device.js';
import type { Gate, GateKind, GateToken } from './gate.js';

const RESETTING = -1;
/** How often a section that must run looks for the new epoch. */
const POLL_NS = 1_000_000;

export class SrcuEpochGate implements Gate {
  private readonly srcu: Srcu;
  /** The reset counter, or RESETTING. */
  counter = 0;

  constructor(
    private readonly dev: PanthorDevice,
    private readonly refusedWaits: boolean,
  ) {
    this.srcu = new Srcu(dev.k, 'reset.srcu');
  }

  onRequest(): void {}

  async enter(kind: GateKind): Promise<GateToken | number> {
    const waits = kind === 'wait' || (kind === 'ioctl-wait' && this.refusedWaits);
    for (let i = 0; i < 100_000; i++) {
      const cookie = await this.srcu.readLock('enter [driver/reset/gates/srcu-epoch.ts]');
      const epoch = this.counter;
      if (epoch !== RESETTING) return { kind, cookie, epoch, read: false };
      this.srcu.readUnlock(cookie);
      if (!waits) return -Errno.EAGAIN;
      await this.dev.k.sleep(POLL_NS);
      if (this.dev.unplugged || this.dev.wedge.wedged) return -Errno.ENODEV;
    }
    return -Errno.EAGAIN;
  }

  exit(token: GateToken): void {
    if (token.cookie !== 0) this.srcu.readUnlock(token.cookie);
  }

  allowsHandoff(): boolean {
    return true;
  }

  async beginReset(drain: boolean): Promise<void> {
    this.counter = RESETTING;
    if (drain) await this.srcu.synchronize('beginReset [driver/reset/gates/srcu-epoch.ts]');
  }

  endReset(): void {
    this.counter = this.dev.reset.epoch;
  }

  suspended(): void {}

  unplug(): void {}
}
