/**
 * The recovery daemon: a udev-rule-like listener for `WEDGED=` uevents.
 *
 * It recovers with the methods the event lists, in order of increasing side effects (that is
 * the order the kernel sends them in): `rebind` = unbind and bind the driver; `bus-reset` =
 * unbind, reset the function through the bus, bind. If binding fails after a rebind, it goes on
 * to the next method; if every method fails it tries again later (the hardware may still be
 * failing), with a bounded number of attempts. It never closes files on behalf of other
 * processes: applications see ENODEV and reopen the device themselves.
 *
 * Configured with `reprobeUnplugged`, it also recovers a device the driver unplugged by itself
 * (mainline Panthor after a failed reset): the DRM minor's KOBJ_REMOVE uevent arrives while the
 * platform device stays bound. After a settle delay, if the device is still bound and its render
 * node still gone (not an unbind in progress, not a rebind already done), it unbinds and binds
 * the driver: a re-probe, as a udev rule on the minor's removal would.
 */

import { DRIVER_NAME } from '../driver/platform.js';
import type { Uevent, UeventListener } from '../kernel/uevent.js';
import type { System } from '../system/system.js';

const RETRIES = 20;
const RETRY_DELAY_NS = 500_000_000;
/** How long the daemon lets a DRM minor's removal settle before it looks at the device. */
const SETTLE_NS = 100_000_000;

export interface DaemonOptions {
  /** Re-probe a device whose driver unplugged it by itself (its DRM minor removed). */
  reprobeUnplugged?: boolean;
}

export interface RecoveryRecord {
  atNs: number;
  methods: string;
  used: string | null;
  ok: boolean;
}

export class RecoveryDaemon {
  readonly recoveries: RecoveryRecord[] = [];
  private listener: UeventListener | null = null;
  private stopping = false;

  constructor(
    private readonly sys: System,
    private readonly opts: DaemonOptions = {},
  ) {}

  /** Starts listening (spawns the daemon task). */
  start(): void {
    this.listener = this.sys.uevents.listen();
    this.sys.spawn('recovery-daemon', () => this.loop(), { daemon: true });
  }

  stop(): void {
    this.stopping = true;
    this.listener?.close();
  }

  private async loop(): Promise<void> {
    const l = this.listener;
    if (l === null) return;
    for (let i = 0; i < 1000 && !this.stopping; i++) {
      const ev = await l.next();
      if (ev === null || this.stopping) return;
      if (ev.action === 'remove' && ev.env.SUBSYSTEM === 'drm' && this.opts.reprobeUnplugged) {
        await this.reprobe(ev);
        continue;
      }
      const methods = ev.env.WEDGED;
      if (methods === undefined) continue;
      await this.recover(ev, methods);
    }
  }

  /** A DRM minor went away: re-probe its device if the driver is still bound to it. */
  private async reprobe(ev: Uevent): Promise<void> {
    const sys = this.sys;
    const parent = ev.devpath.split('/drm/')[0] ?? '';
    await sys.k.sleep(SETTLE_NS);
    const bound = sys.bus.device(parent)?.bound === true;
    const dev = sys.dev;
    if (!bound || dev === null || !dev.unplugged || this.stopping) return;
    const rec: RecoveryRecord = { atNs: sys.k.nowNs, methods: 'reprobe', used: null, ok: false };
    this.recoveries.push(rec);
    for (let attempt = 0; attempt < RETRIES && !this.stopping; attempt++) {
      if (attempt > 0) await sys.k.sleep(RETRY_DELAY_NS);
      await sys.bus.unbind(parent);
      if ((await sys.bus.bind(parent, DRIVER_NAME)) === 0) {
        rec.used = 'reprobe';
        rec.ok = true;
        return;
      }
    }
  }

  private async recover(ev: Uevent, methods: string): Promise<void> {
    const sys = this.sys;
    const rec: RecoveryRecord = { atNs: sys.k.nowNs, methods, used: null, ok: false };
    this.recoveries.push(rec);
    for (let attempt = 0; attempt < RETRIES && !this.stopping; attempt++) {
      if (attempt > 0) await sys.k.sleep(RETRY_DELAY_NS);
      if (await this.tryMethods(ev, methods, rec)) return;
    }
  }

  private async tryMethods(ev: Uevent, methods: string, rec: RecoveryRecord): Promise<boolean> {
    const sys = this.sys;
    for (const method of methods.split(',')) {
      if (method === 'none') {
        rec.used = 'none';
        rec.ok = true;
        return true;
      }
      if (method === 'rebind') {
        await sys.bus.unbind(ev.devpath);
        if ((await sys.bus.bind(ev.devpath, DRIVER_NAME)) === 0) {
          rec.used = 'rebind';
          rec.ok = true;
          return true;
        }
      } else if (method === 'bus-reset') {
        await sys.bus.unbind(ev.devpath);
        await sys.bus.reset(ev.devpath);
        if ((await sys.bus.bind(ev.devpath, DRIVER_NAME)) === 0) {
          rec.used = 'bus-reset';
          rec.ok = true;
          return true;
        }
      }
    }
    return false;
  }
}
