/**
 * The uevent bus: `kobject_uevent_env(KOBJ_CHANGE, env)` on the kernel side, netlink listeners
 * (udev, a recovery daemon) on the user side. Every event is kept in `sent` so that oracles can
 * check, for example, that `WEDGED=` was sent exactly once and only after the device quiesced.
 */
import type { Kernel } from './kernel.js';
import { WaitQueue } from './waitqueue.js';

export type UeventAction = 'add' | 'remove' | 'change' | 'bind' | 'unbind';

export interface Uevent {
  readonly seq: number;
  readonly atNs: number;
  readonly devpath: string;
  readonly action: UeventAction;
  readonly env: Readonly<Record<string, string>>;
}

export class UeventBus {
  readonly sent: Uevent[] = [];
  private readonly listeners = new Set<UeventListener>();

  constructor(private readonly k: Kernel) {}

  /** Sends an event to every listener; never sleeps. */
  emit(devpath: string, action: UeventAction, env: Record<string, string> = {}): Uevent {
    const ev: Uevent = {
      seq: this.sent.length + 1,
      atNs: this.k.nowNs,
      devpath,
      action,
      env: { ...env },
    };
    this.sent.push(ev);
    const text = Object.entries(env)
      .map(([key, v]) => `${key}=${v}`)
      .join(' ');
    this.k.trace.instant(
      this.k.trace.lane('user', 'uevents'),
      'uevent',
      `${action} ${devpath} ${text}`.trim(),
    );
    for (const l of this.listeners) l.deliver(ev);
    return ev;
  }

  listen(): UeventListener {
    const l = new UeventListener(this.k, this);
    this.listeners.add(l);
    return l;
  }

  unlisten(l: UeventListener): void {
    this.listeners.delete(l);
  }
}

export class UeventListener {
  private readonly queue: Uevent[] = [];
  private readonly wq: WaitQueue;

  constructor(
    k: Kernel,
    private readonly bus: UeventBus,
  ) {
    this.wq = new WaitQueue(k, 'uevent listener');
  }

  deliver(ev: Uevent): void {
    this.queue.push(ev);
    this.wq.wakeUp();
  }

  /** Receives the next event; null on timeout. */
  async next(timeoutNs = -1): Promise<Uevent | null> {
    const ok = await this.wq.waitEvent(() => this.queue.length > 0, timeoutNs);
    return ok ? (this.queue.shift() as Uevent) : null;
  }

  close(): void {
    this.bus.unlisten(this);
  }
}
