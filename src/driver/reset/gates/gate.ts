/**
 * The gate: how a design keeps code outside the reset path off the hardware (the `gate`
 * factor). Every section that touches the hardware outside the reset (job hand-off, scheduler
 * and watchdog works, ioctls that program registers) is wrapped in `enter`/`exit`. What the
 * caller does when refused depends on its kind:
 *
 * - `submit` and `worker` skip or defer (the reset path re-kicks them);
 * - `ioctl-wait` is an ioctl: the `refused` factor decides whether it fails (EAGAIN) or sleeps
 *   until the reset is over;
 * - `wait` is an internal section that must eventually run (an asynchronous VM_BIND job, a
 *   file's teardown): every gate makes it wait rather than fail.
 *
 * When the exclusion starts and ends: `onRequest()` runs synchronously at request time, from
 * any context; `beginReset(drain)` runs in the reset worker before the first pre-reset hook (and
 * waits for sections in flight when `drain`); `endReset()` runs once the hardware is back (also
 * after a slow resume that served a request made while suspending, with no `beginReset`).
 */
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

export interface Gate {
  onRequest(): void;
  /** A token, or a negative errno when the section must not run now. */
  enter(kind: GateKind): Promise<GateToken | number>;
  exit(token: GateToken): void;
  /**
   * Re-checked at the moment of a hand-off by code that entered earlier (a section may have
   * waited for a lock while a reset was requested). Only a gate that closes at request time
   * says no.
   */
  allowsHandoff(): boolean;
  beginReset(drain: boolean): Promise<void>;
  endReset(): void;
  /** The device finished a runtime suspend. */
  suspended(): void;
  /** The device goes away: release waiters. */
  unplug(): void;
}
