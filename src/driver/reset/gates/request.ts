/**
 * `gate=request`: resetlab's gate, closed at *request* time.
 *
 * `onRequest` runs synchronously in whatever context reports the problem (an IRQ handler, a
 * timeout, the watchdog, an ioctl), so from that moment no job is handed to the hardware and no
 * work touches it: there is no window between the fault and the worker. Hardware sections are
 * SRCU read sections; with `drain=wait` the reset worker waits for the sections already inside
 * (`synchronize_srcu`) before its first pre-reset hook. The gate reopens when the reset that
 * serves the last request is over (a request made during the reset keeps it closed).
 *
 * A request made while the device suspends is served by the next resume, and until then the
 * hardware is off: every access outside that resume takes `get_if_active` or resumes first. So
 * while the device is suspended the closed gate lets sections through; otherwise a VM operation
 * waiting for the gate would wait for a resume nobody asks for.
 */
import { Errno } from '../../../kernel/errno.js';
import { Srcu } from '../../../kernel/srcu.js';
import { WaitQueue } from '../../../kernel/waitqueue.js';
import type { PanthorDevice } from '../../device.js';
import { PmState } from '../../pm.js';
import type { Gate, GateKind, GateToken } from './gate.js';

export class RequestGate implements Gate {
  private readonly srcu: Srcu;
  private readonly reopened: WaitQueue;
  /** Closed from the first request until the reset that serves it is over. */
  closed = false;

  constructor(
    private readonly dev: PanthorDevice,
    private readonly refusedWaits: boolean,
  ) {
    this.srcu = new Srcu(dev.k, 'reset.gate_srcu');
    this.reopened = new WaitQueue(dev.k, 'reset.gate');
  }

  onRequest(): void {
    this.closed = true;
  }

  private gone(): boolean {
    return this.dev.unplugged || this.dev.wedge.wedged;
  }

  async enter(kind: GateKind): Promise<GateToken | number> {
    const waits = kind === 'wait' || (kind === 'ioctl-wait' && this.refusedWaits);
    for (let i = 0; i < 1000; i++) {
      const cookie = await this.srcu.readLock('enter [driver/reset/gates/request.ts]');
      if (!this.closed || this.servedByResume())
        return { kind, cookie, epoch: this.dev.reset.epoch, read: false };
      this.srcu.readUnlock(cookie);
      if (!waits) return -Errno.EAGAIN;
      await this.reopened.waitEvent(() => !this.closed || this.servedByResume() || this.gone());
      if (this.gone()) return -Errno.ENODEV;
    }
    return -Errno.EAGAIN;
  }

  /** A pending request on a suspended device: the resume will serve it (see above). */
  private servedByResume(): boolean {
    return this.dev.pm.state.peek() === PmState.SUSPENDED && this.dev.reset.isPending();
  }

  exit(token: GateToken): void {
    if (token.cookie !== 0) this.srcu.readUnlock(token.cookie);
  }

  allowsHandoff(): boolean {
    return !this.closed;
  }

  async beginReset(drain: boolean): Promise<void> {
    this.closed = true;
    if (drain) await this.srcu.synchronize('beginReset [driver/reset/gates/request.ts]');
  }

  endReset(): void {
    // Requests made during the reset keep the gate closed until the reset that serves them.
    if (!this.dev.reset.isPending()) this.reopen();
  }

  private reopen(): void {
    this.closed = false;
    this.reopened.wakeUp();
  }

  suspended(): void {
    this.reopened.wakeUp();
  }

  unplug(): void {
    this.reopened.wakeUp();
  }
}
