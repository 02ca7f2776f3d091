/**
 * DOC: the `default` design — resetlab's own, meant to hold every invariant.
 *
 * Rules:
 * - The gate closes at *request* time (`onRequest`, synchronous, any context): from the moment
 *   a problem is reported, no job is handed to the hardware and no work touches it. There is no
 *   window between the fault and the worker (taken from the criticism of `rwsem`).
 * - Hardware sections are SRCU read sections; the reset worker waits for the sections already
 *   inside (synchronize_srcu) before its first pre-reset hook, so in-flight hardware accesses
 *   drain before the reset (from `srcu-epoch`).
 * - Refused work is deferred, not failed: job hand-off stays queued and is re-kicked by the
 *   scheduler's post-reset; ioctls that must touch the hardware sleep until the reset is over,
 *   then proceed (the Panfrost perfcnt fix: a DUMP during a reset waits, then continues).
 * - Long-lived sessions carry the reset epoch and revalidate (from `srcu-epoch`).
 * - Innocent work survives: groups that suspend cleanly resume after the reset; those whose
 *   suspend fails are reported INNOCENT (Panthor's pre-reset, kept as is).
 * - The pending flag and the ordered reset queue of `panthor` are kept; a request that arrives
 *   after the running reset reset the hardware is served by another reset.
 * - A job that times out is blamed only once the firmware answered a ping and its slot has no
 *   event that an interrupt failed to report: a hung firmware stalls every queue, a lost
 *   tiler-OOM interrupt stalls one, and blaming them would kill innocent work. Timeouts that
 *   fire while a reset is pending are put off; the restarted queue gets a full timeout.
 * - A request made while the device suspends is served by the next resume (a slow resume), and
 *   until then the hardware is off: nothing can touch it but that resume, since every access
 *   outside it takes `getIfActive` or resumes first. So while the device is suspended the closed
 *   gate lets sections through; otherwise a VM operation waiting for the gate would wait for a
 *   resume that nobody asks for.
 * - A reset that fails twice wedges the device: quiesce, signal every fence with an error, send
 *   WEDGED=rebind,bus-reset once, and refuse ioctls until recovery (DRM's wedged protocol).
 */
import { Errno } from '../../../kernel/errno.js';
import { Srcu } from '../../../kernel/srcu.js';
import { WaitQueue } from '../../../kernel/waitqueue.js';
import type { PanthorDevice } from '../../device.js';
import { PmState } from '../../pm.js';
import { type GateKind, type GateToken, ResetDesign } from '../design.js';

export class DefaultDesign extends ResetDesign {
  readonly name = 'default';
  override readonly wedgeOnFailure = true;
  override readonly checksBeforeBlame = true;
  private readonly srcu: Srcu;
  private readonly reopened: WaitQueue;
  /** Closed from the first request until the reset that serves it is over. */
  closed = false;

  constructor(dev: PanthorDevice) {
    super(dev);
    this.srcu = new Srcu(dev.k, 'reset.gate_srcu');
    this.reopened = new WaitQueue(dev.k, 'reset.gate');
  }

  override onRequest(): void {
    this.closed = true;
  }

  private gone(): boolean {
    return this.dev.unplugged || this.dev.wedge.wedged;
  }

  override async enter(kind: GateKind): Promise<GateToken | number> {
    for (let i = 0; i < 1000; i++) {
      const cookie = await this.srcu.readLock();
      if (!this.closed || this.servedByResume())
        return { kind, cookie, epoch: this.dev.reset.epoch, read: false };
      this.srcu.readUnlock(cookie);
      if (kind !== 'ioctl-wait' && kind !== 'wait') return -Errno.EAGAIN;
      await this.reopened.waitEvent(() => !this.closed || this.servedByResume() || this.gone());
      if (this.gone()) return -Errno.ENODEV;
    }
    return -Errno.EAGAIN;
  }

  /** A pending request on a suspended device: the resume will serve it (see above). */
  private servedByResume(): boolean {
    return this.dev.pm.state.peek() === PmState.SUSPENDED && this.dev.reset.isPending();
  }

  override allowsHandoff(): boolean {
    return !this.closed;
  }

  override defersTimeouts(): boolean {
    return this.closed && !this.gone();
  }

  override exit(token: GateToken): void {
    if (token.cookie !== 0) this.srcu.readUnlock(token.cookie);
  }

  override async beginReset(): Promise<void> {
    this.closed = true;
    await this.srcu.synchronize();
  }

  override endReset(): void {
    // Requests made during the reset keep the gate closed until the reset that serves them.
    if (!this.dev.reset.isPending()) this.reopen();
  }

  /** Opens the gate. */
  private reopen(): void {
    this.closed = false;
    this.reopened.wakeUp();
  }

  /** The device finished suspending: waiters may now pass (see `servedByResume`). */
  override suspended(): void {
    this.reopened.wakeUp();
  }

  override unplug(): void {
    this.reopened.wakeUp();
  }
}
