/**
 * DOC: Wedging a device that cannot be recovered: the driver's side of DRM's wedged protocol
 * (the event itself is `drm_dev_wedged_event`, `src/drm/wedge.ts`).
 *
 * When the reset path gives up, the device is *wedged*: it stays bound but refuses every ioctl
 * with ENODEV until someone recovers it. Before telling user space, the driver quiesces, in
 * this order:
 *   1. mask every interrupt and wait for running handlers;
 *   2. stop DMA: disable the MCU and every address space;
 *   3. terminate every group and signal every pending fence with an error (-ENODEV), so that
 *      nothing waits forever;
 *   4. redirect user mappings to a dummy page (reads see zeros, never freed memory);
 * then it sends one KOBJ_CHANGE uevent `WEDGED=rebind,bus-reset` (the recovery methods in order
 * of increasing side effects). The `wedge-before-quiesce` switch sends the event first, which
 * lets a recovery daemon race with the quiescing.
 */

import { toSchedFence } from '../drm/sched/fence.js';
import { drmDevWedgedEvent, type WedgeMethod } from '../drm/wedge.js';
import * as R from '../hw/regs.js';
import { Completion } from '../kernel/completion.js';
import { Errno } from '../kernel/errno.js';
import { fenceRegistry } from '../kernel/fence.js';
import type { PanthorDevice } from './device.js';

/** What the recovery daemon may do: rebind the driver, or reset the bus function first. */
export const WEDGED_METHODS: readonly WedgeMethod[] = ['rebind', 'bus-reset'];

export class WedgeBlock {
  readonly name = 'wedge';
  wedged = false;
  /** When `wedge()` began (ioctls fail with ENODEV from then on), or -1. */
  wedgedAtNs = -1;
  /** When a wedge was decided (a failed resume queues it), or -1. */
  decidedAtNs = -1;
  irqsMasked = false;
  dmaStopped = false;
  mappingsRedirected = false;
  eventsSent = 0;
  /** The runtime-PM reference that keeps a wedged device as it is; unplug drops it. */
  pmHeld = false;

  /** Set once the wedge has quiesced the device and sent its event. */
  readonly quiesced: Completion;

  constructor(private readonly dev: PanthorDevice) {
    this.quiesced = new Completion(dev.k, 'wedge.quiesced');
  }

  async wedge(reason: string): Promise<void> {
    const dev = this.dev;
    const k = dev.k;
    if (this.wedged) return;
    this.wedged = true;
    this.wedgedAtNs = k.nowNs;
    k.trace.instant(dev.resetLane, 'reset', `wedging: ${reason}`);
    dev.reset.design.unplug();
    // The device stays as it is until it is recovered: no runtime suspend of a wedged device
    // (pm_runtime_get_noresume; the reference goes with the device at unbind).
    dev.pm.rpm.usage++;
    this.pmHeld = true;
    if (dev.bug('wedge-before-quiesce')) this.sendEvent();
    // 1. Interrupts (a device without power has none to mask).
    if (dev.hw.powered && dev.io.mapping.alive) {
      await dev.gpu.irq.suspend();
      await dev.mmu.irq.suspend();
      await dev.fw.irq.suspend();
    }
    this.irqsMasked = true;
    // 2. DMA: the MCU and every address space.
    if (dev.io.mapping.alive && dev.hw.powered) {
      dev.io.write(R.MCU_CONTROL, R.MCU_CONTROL_DISABLE);
      for (let as = 0; as < dev.mmu.slots.length; as++) {
        dev.io.write64(R.AS_TRANSTAB(as), 0);
        dev.io.write64(R.AS_TRANSCFG(as), R.AS_TRANSCFG_ADRMODE_UNMAPPED);
        dev.io.write(R.AS_COMMAND(as), R.AS_COMMAND_UPDATE);
      }
    }
    this.dmaStopped = true;
    // 3. Groups and fences.
    await dev.sched.killAll(-Errno.ENODEV);
    this.signalAllFences();
    await dev.sched.drainEntities();
    // 4. User mappings.
    this.mappingsRedirected = true;
    if (!dev.bug('wedge-before-quiesce')) this.sendEvent();
    this.quiesced.completeAll();
  }

  /**
   * Every fence of this device that is still pending ends with -ENODEV, except the
   * scheduler's own (scheduled and finished fences): drm_sched signals those, once each, when
   * it runs or completes their jobs (`drainEntities`).
   */
  private signalAllFences(): void {
    for (const f of fenceRegistry(this.dev.k).all) {
      if (f.signalled || !this.dev.ownsFenceContext(f.context)) continue;
      if (toSchedFence(f) !== null) continue;
      f.setError(-Errno.ENODEV);
      f.signal();
    }
  }

  private sendEvent(): void {
    const dev = this.dev;
    if (this.eventsSent > 0) return;
    this.eventsSent++;
    dev.log.wedges.push({
      atNs: dev.k.nowNs,
      unsignalledFences: fenceRegistry(dev.k).all.filter(
        (f) => !f.signalled && dev.ownsFenceContext(f.context),
      ).length,
      irqsMasked: this.irqsMasked,
      dmaStopped: this.dmaStopped,
      mappingsRedirected: this.mappingsRedirected,
    });
    // drm_dev_wedged_event sends on the minor's kobject. A device whose probe failed (a reset
    // requested during probe and run by its leftover reset work) never registered it: its
    // event would carry a DEVPATH outside the platform device, which no recovery rule for
    // this device matches, so it is not delivered here (docs/fidelity.md, model deltas).
    if (dev.drm.registered) drmDevWedgedEvent(dev.uevents, dev.busDev.name, WEDGED_METHODS);
  }
}
