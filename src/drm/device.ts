/**
 * DOC: The DRM device's lifetime (drivers/gpu/drm/drm_drv.c): `drm_dev_enter`,
 * `drm_dev_exit`, `drm_dev_unplug`, `drm_dev_is_unplugged`.
 *
 * A driver section that touches the hardware, or any resource that goes away with the device,
 * runs inside `enter()`/`exit()`: an SRCU read section (`drm_unplug_srcu`) that fails once the
 * device is unplugged. `unplug()` sets the flag and then waits, with `synchronize_srcu`, for
 * every section that entered before it; after it returns no section is running and none can
 * start. That is all the DRM core promises: what the driver does before and after (stopping
 * its blocks, failing its jobs) is the driver's (`src/driver/device.ts`).
 *
 * `drm_dev_unplug` also unregisters the device: the DRM minor goes away, with a KOBJ_REMOVE
 * uevent for it (drm_dev_unregister -> drm_minor_unregister -> device_del). That is all user
 * space sees of an unplug the driver did by itself (a failed reset): the platform device stays
 * bound, its render node is gone.
 */
import type { Kernel } from '../kernel/kernel.js';
import { Srcu } from '../kernel/srcu.js';
import type { UeventBus } from '../kernel/uevent.js';
import { DriverFeature } from './uapi.js';

export class DrmDevice {
  /** `drm_dev_is_unplugged`: set by `unplug()`, never cleared (a new probe is a new device). */
  unplugged = false;
  /**
   * `drm_dev_register` ran (and stays true after the unplug: the wedge asks whether the device
   * ever had a minor): the minor (`card0`, its render node) is visible to user space.
   * A probe that fails before it never registers, so its unplug sends no KOBJ_REMOVE
   * (drm_minor_unregister returns early for a minor that `device_is_registered` says was
   * never added).
   */
  registered = false;
  /** `drm_unplug_srcu`: one per device here, one global in the kernel (same guarantee). */
  readonly srcu: Srcu;
  /**
   * `drm_driver.driver_features`, which the core ioctls check first (Panthor's: RENDER, GEM,
   * SYNCOBJ, SYNCOBJ_TIMELINE, GEM_GPUVA). Tests clear bits to see the EOPNOTSUPP paths.
   */
  driverFeatures: number =
    DriverFeature.RENDER |
    DriverFeature.GEM |
    DriverFeature.SYNCOBJ |
    DriverFeature.SYNCOBJ_TIMELINE |
    DriverFeature.GEM_GPUVA;

  constructor(
    readonly k: Kernel,
    private readonly uevents: UeventBus | null = null,
    /** The parent (platform) device's path; the minor is `<parent>/drm/card0`. */
    private readonly parentPath = '',
  ) {
    this.srcu = new Srcu(k, 'drm_unplug_srcu');
  }

  /** `drm_dev_register`: the end of a successful probe. */
  register(): void {
    this.registered = true;
  }

  /** `drm_dev_enter`: a cookie, or null once the device is unplugged. */
  async enter(): Promise<number | null> {
    const cookie = await this.srcu.readLock('enter [drm/device.ts]');
    if (this.unplugged) {
      this.srcu.readUnlock(cookie);
      return null;
    }
    return cookie;
  }

  /** `drm_dev_exit`. */
  exit(cookie: number): void {
    this.srcu.readUnlock(cookie);
  }

  /**
   * `drm_dev_unplug`: later `enter()` calls fail; returns once the sections in progress ended.
   * `onUnplugged` runs between setting the flag and waiting, for the driver's bookkeeping (it
   * must not sleep).
   */
  async unplug(onUnplugged?: () => void): Promise<void> {
    this.unplugged = true;
    onUnplugged?.();
    await this.srcu.synchronize('unplug [drm/device.ts]');
    if (!this.registered) return;
    this.uevents?.emit(`${this.parentPath}/drm/card0`, 'remove', {
      SUBSYSTEM: 'drm',
      DEVNAME: 'dri/card0',
      DEVTYPE: 'drm_minor',
    });
  }
}
