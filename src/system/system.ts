/**
 * A complete simulated machine: the kernel, the virtual GPU on a platform bus, the Panthor-style
 * driver bound to it, and the uevent bus. This is what scenarios, tests and users build on:
 *
 *   const sys = new System({ seed: 1, design: 'default' });
 *   sys.spawn('app', async () => {
 *     await sys.boot();
 *     const c = await sys.client();       // a libdrm-like client on a new file
 *     ...
 *   });
 *   const result = await sys.run();
 */

import type { BugId } from '../driver/bugs.js';
import { type DriverConfig, defaultDriverConfig } from '../driver/config.js';
import type { PanthorDevice } from '../driver/device.js';
import { createPanthorPlatform, DRIVER_NAME, type PanthorPlatform } from '../driver/platform.js';
import type { DesignSpec } from '../driver/reset/design.js';
import type { FaultSpec } from '../explore/program.js';
import { VirtualGpu } from '../hw/gpu.js';
import type { GpuConfig } from '../hw/latency.js';
import { Errno } from '../kernel/errno.js';
import { Process } from '../kernel/fdtable.js';
import { fifoStrategy } from '../kernel/fifo.js';
import { Kernel, type RunResult } from '../kernel/kernel.js';
import type { Strategy } from '../kernel/strategy.js';
import { Bus, type BusDevice } from '../kernel/sysfs.js';
import type { TaskContext } from '../kernel/task.js';
import { UeventBus } from '../kernel/uevent.js';
import { DrmClient } from '../userspace/client.js';

export const GPU_DEVICE_NAME = 'fb000000.gpu';

export interface SystemOptions {
  seed?: number;
  /** A preset name, a composition (`rwsem+failure=wedge`) or a design spec. */
  design?: string | DesignSpec;
  bugs?: Iterable<BugId>;
  strategy?: Strategy;
  trace?: boolean;
  record?: boolean;
  maxSteps?: number;
  maxTimeNs?: number;
  /** KernelOptions.quietPolls. */
  quietPolls?: boolean;
  stopOnViolation?: boolean;
  gpu?: Partial<GpuConfig>;
  driver?: Partial<Omit<DriverConfig, 'design'>> & { design?: string | DesignSpec };
  faults?: readonly FaultSpec[];
}

export class System {
  readonly k: Kernel;
  readonly hw: VirtualGpu;
  readonly uevents: UeventBus;
  readonly bus: Bus;
  readonly busDev: BusDevice;
  readonly platform: PanthorPlatform;
  readonly cfg: DriverConfig;

  constructor(opts: SystemOptions = {}) {
    this.k = new Kernel({
      seed: opts.seed ?? 1,
      strategy: opts.strategy ?? fifoStrategy(),
      trace: opts.trace ?? false,
      record: opts.record ?? true,
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
      ...(opts.maxTimeNs !== undefined ? { maxTimeNs: opts.maxTimeNs } : {}),
      ...(opts.quietPolls !== undefined ? { quietPolls: opts.quietPolls } : {}),
      stopOnViolation: opts.stopOnViolation ?? false,
    });
    this.hw = new VirtualGpu(this.k, opts.gpu ?? {});
    this.uevents = new UeventBus(this.k);
    this.bus = new Bus(this.k, this.uevents);
    this.busDev = this.bus.addDevice(GPU_DEVICE_NAME, () => this.hw.coldReset());
    this.cfg = defaultDriverConfig({
      ...(opts.driver ?? {}),
      design: opts.design ?? opts.driver?.design ?? 'default',
      bugs: new Set(opts.bugs ?? opts.driver?.bugs ?? []),
    });
    this.platform = createPanthorPlatform(this.k, this.hw, this.bus, this.uevents, this.cfg);
    this.bus.registerDriver(this.platform.driver);
    for (const f of opts.faults ?? []) this.hw.faults.arm(f);
  }

  /** The device currently bound, or null (unbound, or probe failed). */
  get dev(): PanthorDevice | null {
    return this.platform.current();
  }

  /** Binds the driver (probe). Returns 0 or a negative errno. Call from a task. */
  boot(): Promise<number> {
    return this.bus.bind(GPU_DEVICE_NAME, DRIVER_NAME);
  }

  unbind(): Promise<number> {
    return this.bus.unbind(GPU_DEVICE_NAME);
  }

  /** Opens the render node: a client on a new file of the bound device. */
  /** A new user process (its own fd table), for clients that share one or pass fds. */
  process(name = 'proc'): Process {
    return new Process(this.k, name);
  }

  /**
   * Opens the render node: a client on a new file, in `opts.process` (a new process of its
   * own by default, as a separate application would be).
   */
  client(
    opts: { privileged?: boolean; name?: string; process?: Process } = {},
  ): DrmClient | number {
    const dev = this.dev;
    if (dev === null) return -Errno.ENODEV;
    const f = dev.drv.open(opts.privileged ?? false, opts.process, opts.name);
    if (typeof f === 'number') return f;
    return new DrmClient(this, dev, f, opts.name ?? `client${f.id}`);
  }

  spawn(
    name: string,
    fn: () => Promise<void>,
    opts: { ctx?: TaskContext; daemon?: boolean } = {},
  ): void {
    // Everything spawned through the system is user space: clients, the daemon, the
    // scenario's actions (the driver spawns its own tasks on the kernel).
    this.k.spawn(name, fn, { ...opts, user: true });
  }

  run(): Promise<RunResult> {
    return this.k.run();
  }
}
