/**
 * The platform driver: what `bind` and `unbind` on the bus call (panthor_probe, panthor_remove),
 * plus the platform-level recovery work of the `rebind` design, which must live outside the
 * device it rebinds (removing a device waits for that device's own works).
 */

import type { VirtualGpu } from '../hw/gpu.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Bus, BusDevice, DeviceDriver } from '../kernel/sysfs.js';
import type { UeventBus } from '../kernel/uevent.js';
import { Work, Workqueue } from '../kernel/workqueue.js';
import type { DriverConfig } from './config.js';
import { PanthorDevice, type RebindWork } from './device.js';

export const DRIVER_NAME = 'panthor';

export interface PanthorPlatform {
  readonly driver: DeviceDriver;
  /** Every device instance probed so far, oldest first. */
  readonly devices: PanthorDevice[];
  /** The currently bound device, if any. */
  current(): PanthorDevice | null;
}

export function createPanthorPlatform(
  k: Kernel,
  hw: VirtualGpu,
  bus: Bus,
  uevents: UeventBus,
  cfg: DriverConfig,
): PanthorPlatform {
  const devices: PanthorDevice[] = [];
  let bound: PanthorDevice | null = null;
  let busDev: BusDevice | null = null;
  const wq = new Workqueue(k, 'platform-recovery', 1);
  const recover = new Work(k, 'rebind.recover', async () => {
    if (busDev === null) return;
    await bus.unbind(busDev.name);
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await bus.bind(busDev.name, DRIVER_NAME)) === 0) return;
    }
  });
  const rebindWork: RebindWork = { queue: () => wq.enqueue(recover) };
  const driver: DeviceDriver = {
    name: DRIVER_NAME,
    async probe(dev: BusDevice): Promise<number> {
      busDev = dev;
      const pdev = new PanthorDevice(k, hw, cfg, dev, uevents, rebindWork);
      devices.push(pdev);
      const ret = await pdev.probe();
      if (ret !== 0) return ret;
      dev.data = pdev;
      bound = pdev;
      return 0;
    },
    async remove(dev: BusDevice): Promise<void> {
      const pdev = dev.data as PanthorDevice | null;
      bound = null;
      if (pdev !== null) await pdev.remove();
    },
  };
  return { driver, devices, current: () => bound };
}
