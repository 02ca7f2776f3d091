/**
 * `gate=none`: mainline Panthor. There is no gate: the only thing that looks at the reset is
 * the scheduler's `sched_queue_work` / `sched_queue_delayed_work` (panthor_sched.c), which drop
 * a tick, sync-update or firmware-event work queued while `reset.pending` or
 * `reset.in_progress` is set. Every other section runs.
 */
import type { PanthorDevice } from '../../device.js';
import type { Gate, GateKind, GateToken } from './gate.js';

export class NoGate implements Gate {
  constructor(private readonly dev: PanthorDevice) {}

  onRequest(): void {}

  async enter(kind: GateKind): Promise<GateToken | number> {
    return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: false };
  }

  exit(_token: GateToken): void {}

  allowsHandoff(): boolean {
    return true;
  }

  async beginReset(_drain: boolean): Promise<void> {}

  endReset(): void {}

  suspended(): void {}

  unplug(): void {}
}
