/**
 * `gate=rwsem`: the r/w-semaphore gate of the Tyr reset review (Daniel Almeida's `reset_gate:
 * RwSem<ActiveHwState>` with `try_access()`; amdgpu's reset domain works the same way).
 *
 * Hardware sections take the read side with `down_read_trylock` and back off when it fails;
 * the reset worker takes the write side (`down_write`, which waits for the readers: the drain)
 * for the whole sequence and releases it once the hardware is back.
 *
 * Where it is weak: the gate closes when the *worker* gets the write side, not when the hardware
 * broke. Between the two, `try_access()` still succeeds and jobs are handed to a broken GPU (the
 * "window"). A reader that waits, holding the read side, for something only the reset can fix
 * delays the reset until its own timeout.
 */
import { Errno } from '../../../kernel/errno.js';
import { RwSemaphore } from '../../../kernel/rwsem.js';
import type { PanthorDevice } from '../../device.js';
import type { Gate, GateKind, GateToken } from './gate.js';

export class RwsemGate implements Gate {
  private readonly sem: RwSemaphore;

  constructor(
    private readonly dev: PanthorDevice,
    private readonly refusedWaits: boolean,
  ) {
    this.sem = new RwSemaphore(dev.k, 'reset.sem');
  }

  onRequest(): void {}

  async enter(kind: GateKind): Promise<GateToken | number> {
    if (kind === 'wait' || (kind === 'ioctl-wait' && this.refusedWaits)) {
      await this.sem.downRead('enter [driver/reset/gates/rwsem.ts]');
      return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: true };
    }
    if (!(await this.sem.downReadTrylock('enter [driver/reset/gates/rwsem.ts]')))
      return -Errno.EAGAIN;
    return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: true };
  }

  exit(token: GateToken): void {
    if (token.read) this.sem.upRead();
  }

  allowsHandoff(): boolean {
    return true;
  }

  async beginReset(_drain: boolean): Promise<void> {
    await this.sem.downWrite('beginReset [driver/reset/gates/rwsem.ts]');
  }

  endReset(): void {
    if (this.sem.writer !== null) this.sem.upWrite();
  }

  suspended(): void {}

  unplug(): void {}
}
