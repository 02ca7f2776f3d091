/**
 * Register access for the driver (`gpu_read`, `gpu_write`, `gpu_read_poll_timeout`).
 *
 * Every access checks that the device's I/O mapping is still alive: after the driver is
 * unbound the mapping is released, and code that still touches it (a reset work that was not
 * disabled at unbind, an IRQ handler that was not synchronised) is a `use-after-free`, exactly
 * the class of bug the corpus re-introduces. The hardware model itself records who touched it
 * for the other oracles.
 *
 * Register access is synchronous, like MMIO; the decision points are in the primitives around
 * it (locks, waits, polls), which is where real driver code can be preempted in a way that
 * matters.
 */

import type { VirtualGpu } from '../hw/gpu.js';
import { regName } from '../hw/reg-names.js';
import type { Kernel, Lifetime } from '../kernel/kernel.js';

export type PollResult = { ok: true; value: number } | { ok: false; value: number };

export class DeviceIo {
  constructor(
    private readonly k: Kernel,
    private readonly hw: VirtualGpu,
    /** The ioremap()ed region; dead after unbind. */
    readonly mapping: Lifetime,
  ) {}

  read(offset: number): number {
    // The message is built only for the violation: register accesses are the hottest path.
    if (!this.mapping.alive) {
      this.k.checkAlive(this.mapping, `gpu_read(${regName(offset)})`, 'read [driver/io.ts]');
      return 0;
    }
    return this.hw.read32(offset);
  }

  write(offset: number, value: number): void {
    if (!this.mapping.alive) {
      this.k.checkAlive(this.mapping, `gpu_write(${regName(offset)})`, 'write [driver/io.ts]');
      return;
    }
    this.hw.write32(offset, value >>> 0);
  }

  read64(offset: number): number {
    const lo = this.read(offset);
    const hi = this.read(offset + 4);
    return lo + hi * 0x1_0000_0000;
  }

  write64(offset: number, value: number): void {
    this.write(offset, value % 0x1_0000_0000);
    this.write(offset + 4, Math.floor(value / 0x1_0000_0000));
  }

  /**
   * readl_poll_timeout: reads until `cond(value)` or the timeout. `atomic` polls with udelay
   * (allowed in atomic context), otherwise with usleep_range (sleeps). A timeout re-reads once,
   * as the kernel macro does, so a condition met exactly at the deadline is not missed.
   */
  async poll(
    offset: number,
    cond: (v: number) => boolean,
    timeoutNs: number,
    stepNs = 10_000,
    atomic = false,
  ): Promise<PollResult> {
    const deadline = this.k.nowNs + timeoutNs;
    for (let i = 0; i < 100_000; i++) {
      const v = this.read(offset);
      if (cond(v)) return { ok: true, value: v };
      if (this.k.nowNs >= deadline) break;
      const step = Math.min(stepNs, deadline - this.k.nowNs);
      if (atomic) await this.k.delay(step);
      else await this.k.sleep(step);
    }
    const v = this.read(offset);
    return cond(v) ? { ok: true, value: v } : { ok: false, value: v };
  }
}
