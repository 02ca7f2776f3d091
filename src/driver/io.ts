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

/** A bound on a poll loop's iterations, whatever its timeout: a model guard, not the kernel's. */
const POLL_ITERATIONS = 100_000;

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
    for (let i = 0; i < POLL_ITERATIONS; i++) {
      const v = this.read(offset);
      if (cond(v)) return { ok: true, value: v };
      const now = this.k.nowNs;
      if (now >= deadline) break;
      // Skip the identical iterations of a quiet stretch (see `quietWakes`): one wait for them
      // all, landing where the last of them would have, and each skipped read still counted.
      const skipped = this.quietWakes(
        offset,
        now,
        deadline,
        stepNs,
        atomic,
        POLL_ITERATIONS - 1 - i,
      );
      if (skipped > 0) {
        this.hw.countSkippedReads(skipped);
        this.k.trace.instant(this.k.self().lane, 'io', 'poll: identical reads skipped', {
          reg: regName(offset),
          reads: skipped,
        });
        i += skipped;
      }
      const step = Math.min((skipped + 1) * stepNs, deadline - now);
      const since = now + skipped * stepNs;
      if (atomic) await this.k.delay(step, since);
      else await this.k.sleep(step, since);
    }
    const v = this.read(offset);
    return cond(v) ? { ok: true, value: v } : { ok: false, value: v };
  }

  /**
   * How many of the next wakes of a poll loop can be skipped without changing anything but the
   * step count: the wakes `now + j*stepNs` (j = 1, 2, ...) that come before the deadline and
   * before `Kernel.quietUntilNs()`. At each of them the loop would be the only runnable task,
   * with no event due and no decision offered, and would read the same register again: with
   * `VirtualGpu.repeatableRead` that read returns the value that just failed the condition
   * (nothing but an event or another task's write changes it) and has no effect beyond the
   * MMIO read count. So the loop would sleep again, and its next wake is the only one that can
   * see something new.
   *
   * Why it matters: the driver's stuck-register polls run to their timeout one tick at a time,
   * panthor_mmu.c wait_ready (AS_STATUS, 10 us ticks, 100 ms: ten thousand wakes), the MCU and
   * L2 polls of panthor_fw.c and panthor_gpu.c. In a run with an AS stuck these were nine steps
   * in ten (docs/performance.md).
   *
   * Not skipped: a sleeping poll in atomic context (each of its sleeps is an `atomic-sleep`
   * report of its own), a read the hardware observes (`onMmio`, a register-access hook that is
   * not quiet), a register that moves with time, and anything when the kernel tracks complete
   * happens-before footprints (quietUntilNs is then now).
   */
  private quietWakes(
    offset: number,
    now: number,
    deadline: number,
    stepNs: number,
    atomic: boolean,
    maxIterations: number,
  ): number {
    if (stepNs <= 0 || (!atomic && this.k.current?.atomic === true)) return 0;
    const until = Math.min(deadline, this.k.quietUntilNs());
    if (until - now <= stepNs || !this.mapping.alive || !this.hw.repeatableRead(offset)) return 0;
    // Never past the loop's own bound on iterations (`poll`): those wakes are all real.
    return Math.min(Math.ceil((until - now) / stepNs) - 1, maxIterations);
  }
}
