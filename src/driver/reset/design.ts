/**
 * The interface every reset *gate design* implements, and the base class with the neutral
 * behaviour. A design decides two things:
 *
 * 1. How code outside the reset path is kept off the hardware: `enter(kind)` / `exit()` wrap
 *    every such section (job hand-off, scheduler and watchdog works, ioctls that program the
 *    hardware). `kind` says what the caller does on refusal: `submit` and `worker` skip or
 *    defer (the reset path re-kicks them), `ioctl-wait` is an ioctl that the design may make
 *    sleep until the reset is over or fail with the returned errno, and `wait` is an internal
 *    section that must eventually run (an asynchronous VM_BIND job, a file's teardown): every
 *    design makes it wait rather than fail.
 * 2. When that exclusion starts and ends: `onRequest()` runs synchronously at request time,
 *    from any context; `beginReset()` runs in the reset worker before the first pre-reset hook
 *    (it may wait for in-flight sections to drain); `endReset()` runs once the hardware is back
 *    (also after a slow resume that served a request made while suspending, with no `beginReset`),
 *    before the scheduler restarts.
 *
 * How the reset itself is carried out (the orchestrated sequence on the ordered workqueue, or a
 * full unbind and probe) is the `recovery` property.
 */
import type { PanthorDevice } from '../device.js';

export type GateKind = 'submit' | 'worker' | 'ioctl-wait' | 'wait';

export interface GateToken {
  readonly kind: GateKind;
  /** SRCU cookie, or 0. */
  readonly cookie: number;
  /** The reset epoch the section entered in. */
  readonly epoch: number;
  /** rwsem read side held. */
  readonly read: boolean;
}

export type Recovery = 'sequence' | 'rebind';

export abstract class ResetDesign {
  abstract readonly name: string;
  readonly recovery: Recovery = 'sequence';
  /** Whether a failed reset wedges the device (DRM wedged event) or unplugs it. */
  readonly wedgeOnFailure: boolean = false;
  /**
   * Whether a reset requested *while* the device was resuming is queued once it is active.
   * Mainline Panthor only looks at the pending flag when the resume starts, so such a request
   * waits for the next suspend/resume cycle (and every later request coalesces into it).
   */
  readonly requeueAfterResume: boolean = true;

  constructor(protected readonly dev: PanthorDevice) {}

  /** Synchronous; any context. */
  onRequest(): void {}

  /** Returns a token, or a negative errno when the section must not run now. */
  async enter(kind: GateKind): Promise<GateToken | number> {
    return { kind, cookie: 0, epoch: this.dev.reset.epoch, read: false };
  }

  exit(_token: GateToken): void {}

  /**
   * Re-checked at the moment of a hand-off, by code that entered the gate earlier (a section
   * may have been blocked on a lock while the reset was requested). Only `default` says no.
   */
  allowsHandoff(): boolean {
    return true;
  }

  /**
   * Whether a job timeout that fires now is put off rather than acted on. A job makes no
   * progress while a reset is pending for someone else's fault (a hung firmware stalls every
   * queue), so blaming it then kills innocent work. Mainline Panthor blames it anyway (and only
   * warns if the reset is already in progress); `default` puts it off: the reset stops the
   * queue's timer and the restarted queue gets a full timeout, so a real hang still times out.
   */
  defersTimeouts(): boolean {
    return false;
  }

  /**
   * Whether a job timeout first rules out the causes that are not the job's. A firmware that
   * stopped answering stalls every queue on a slot, and their jobs time out one after the
   * other; a lost interrupt leaves a tiler-OOM request unanswered, and the job waits for memory
   * for ever. Blamed, they die although they did nothing wrong. Mainline Panthor blames them
   * (its ping watchdog runs every 12 s, after the 5 s job timeout, and only interrupts deliver
   * firmware events); `default` pings first (a silent firmware gets a reset instead, and the
   * timeout is put off, see `defersTimeouts`) and then looks at the slot's unacknowledged
   * events (handled now, and the job gets a fresh timeout).
   */
  readonly checksBeforeBlame: boolean = false;

  async beginReset(): Promise<void> {}

  endReset(): void {}

  /** Called when the device has finished a runtime suspend. */
  suspended(): void {}

  /** Called when the device goes away, to release waiters. */
  unplug(): void {}
}
