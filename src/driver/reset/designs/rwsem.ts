/**
 * DOC: the `rwsem` design — the r/w-semaphore gate proposed in the Tyr reset thread.
 *
 * Rules: every path that touches the hardware outside the reset (ioctls, scheduler works, the
 * watchdog, job hand-off) takes the read side with `try_access()` (down_read_trylock) and backs
 * off when it fails; the reset worker takes the write side for the whole sequence and releases
 * it once the hardware is back. amdgpu's reset domain works this way.
 *
 * Where it is weak, and why: the gate closes when the reset *worker* gets the write side, not
 * when the hardware broke. Between the fault and that moment `try_access()` still succeeds, so
 * jobs are handed to a broken GPU (the "window" of the thread). A reader that waits for
 * something only the reset can fix, while holding the read side, delays the reset until its own
 * timeout. Refused ioctls fail with EAGAIN instead of waiting, so a perfcnt DUMP during a reset
 * fails rather than proceeding afterwards.
 */
import { Errno } from '../../../kernel/errno.js';
import { RwSemaphore } from '../../../kernel/rwsem.js';
import type { PanthorDevice } from '../../device.js';
import { type GateKind, type GateToken, ResetDesign } from '../design.js';

export class RwsemDesign extends ResetDesign {
  readonly name = 'rwsem';
  private readonly sem: RwSemaphore;

  constructor(dev: PanthorDevice) {
    super(dev);
    this.sem = new RwSemaphore(dev.k, 'reset.sem');
  }

  override async enter(kind: GateKind): Promise<GateToken | number> {
    if (kind === 'wait') {
      await this.sem.downRead();
      return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: true };
    }
    if (!(await this.sem.downReadTrylock())) return -Errno.EAGAIN;
    return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: true };
  }

  override exit(token: GateToken): void {
    if (token.read) this.sem.upRead();
  }

  override async beginReset(): Promise<void> {
    await this.sem.downWrite();
  }

  override endReset(): void {
    if (this.sem.writer !== null) this.sem.upWrite();
  }
}
