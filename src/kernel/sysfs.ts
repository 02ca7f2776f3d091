/**
 * A sysfs-like bus: devices, drivers, and the `bind` / `unbind` files that user space writes to
 * rebind a driver, plus a function-level `reset` (the PCI `reset` file; here the platform
 * device's reset line), which is what the WEDGED recovery methods use.
 *
 * Bind and unbind take the device lock, as the driver core does, so that a probe and a remove
 * never run at the same time on one device.
 */
import { Errno } from './errno.js';
import type { Kernel } from './kernel.js';
import { Mutex } from './mutex.js';
import type { UeventBus } from './uevent.js';

export interface DeviceDriver {
  readonly name: string;
  /** Returns 0 or a negative errno. */
  probe(dev: BusDevice): Promise<number>;
  remove(dev: BusDevice): Promise<void>;
}

export class BusDevice {
  driver: DeviceDriver | null = null;
  /** Driver-private data (`dev_get_drvdata`). */
  data: unknown = null;
  readonly lock: Mutex;
  probes = 0;
  removes = 0;
  busResets = 0;

  constructor(
    k: Kernel,
    readonly name: string,
    /** Resets the hardware function (a cold reset of the simulated GPU). */
    readonly resetFunction: () => void,
  ) {
    this.lock = new Mutex(k, 'device_lock');
  }

  get bound(): boolean {
    return this.driver !== null;
  }
}

export class Bus {
  private readonly devices = new Map<string, BusDevice>();
  private readonly drivers = new Map<string, DeviceDriver>();

  constructor(
    private readonly k: Kernel,
    private readonly uevents: UeventBus,
  ) {}

  addDevice(name: string, resetFunction: () => void): BusDevice {
    const dev = new BusDevice(this.k, name, resetFunction);
    this.devices.set(name, dev);
    return dev;
  }

  device(name: string): BusDevice | undefined {
    return this.devices.get(name);
  }

  registerDriver(drv: DeviceDriver): void {
    this.drivers.set(drv.name, drv);
  }

  /** Writes the device name to `/sys/bus/.../drivers/<drv>/bind`. Returns 0 or -errno. */
  async bind(devName: string, drvName: string): Promise<number> {
    const dev = this.devices.get(devName);
    const drv = this.drivers.get(drvName);
    if (dev === undefined || drv === undefined) return -Errno.ENODEV;
    return dev.lock.with(async () => {
      if (dev.driver !== null) return -Errno.EBUSY;
      dev.probes++;
      const ret = await drv.probe(dev);
      if (ret === 0) {
        dev.driver = drv;
        this.uevents.emit(devName, 'bind', { DRIVER: drv.name });
      }
      return ret;
    }, 'bind [kernel/sysfs.ts]');
  }

  /** Writes the device name to `.../unbind`. Returns 0 or -errno. */
  async unbind(devName: string): Promise<number> {
    const dev = this.devices.get(devName);
    if (dev === undefined) return -Errno.ENODEV;
    return dev.lock.with(async () => {
      const drv = dev.driver;
      if (drv === null) return -Errno.ENODEV;
      dev.removes++;
      await drv.remove(dev);
      dev.driver = null;
      dev.data = null;
      this.uevents.emit(devName, 'unbind', { DRIVER: drv.name });
      return 0;
    }, 'unbind [kernel/sysfs.ts]');
  }

  /** Writes 1 to the device's `reset` file. The driver must be unbound (EBUSY otherwise). */
  async reset(devName: string): Promise<number> {
    const dev = this.devices.get(devName);
    if (dev === undefined) return -Errno.ENODEV;
    return dev.lock.with(async () => {
      if (dev.driver !== null) return -Errno.EBUSY;
      dev.busResets++;
      dev.resetFunction();
      return 0;
    }, 'reset [kernel/sysfs.ts]');
  }
}
