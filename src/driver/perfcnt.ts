/**
 * DOC: Performance counters, Panfrost-style (panfrost_perfcnt.c), and their life across a reset.
 * Panthor has no such ioctls: every perfcnt result is Panfrost semantics on the CSF model (model
 * delta `perfcnt-panfrost-on-csf`).
 *
 * One file at a time owns the counters (EBUSY for a second), behind the "unstable ioctls"
 * switch (ENOSYS without it). Enabling creates a session: a sample buffer mapped in a VM, an AS
 * reference taken through `vmActive` (panfrost_mmu_as_get: the counters write through that AS),
 * the counter configuration programmed into the PRFCNT registers, and a runtime-PM reference.
 * DUMP asks for a sample and copies it out.
 *
 * What a reset does to the session is the `perfcnt` factor, the variants of the seed discussion:
 * - `none` (mainline Panfrost): nothing. The reset zeroes every AS count (panfrost_mmu_reset),
 *   the counters lose their configuration, and the session's later put underflows the AS count;
 *   dumps after the reset are silently wrong.
 * - `disable` (Adrián Larumbe's v1): pre-reset returns the AS reference and marks the session
 *   reset (`hw_reset_happened`); later dumps fail with EAGAIN until the owner disables it.
 * - `v2` (his v2): pre-reset returns the AS reference and post-reset re-takes it and reprograms
 *   the counters, but the reset path does it without the perfcnt lock, so a disable racing with
 *   the reset can put the same reference twice (what its review found).
 * - `restore` (Boris Brezillon's proposal): as v2 without the race; a DUMP that arrives during a
 *   reset waits for it (the gate), and the first dump after a reset says `samplesLost: true`.
 *   Its teardown puts the AS reference under the MMU slots lock and only if the MMU still
 *   counts it: a teardown the gate refused (unplugged) can run beside a reset already inside
 *   (docs/designs.md, "The soaks after the job path moved onto drm_sched").
 * The `perfcnt-as-underflow` switch drops `restore`'s hooks: the session keeps the reference
 * the reset destroyed.
 */

import * as R from '../hw/regs.js';
import { Completion } from '../kernel/completion.js';
import { Errno } from '../kernel/errno.js';
import { Mutex } from '../kernel/mutex.js';
import type { Resettable } from './block.js';
import type { PanthorDevice } from './device.js';
import type { PanthorFile } from './file.js';
import { Bo } from './gem.js';
import { Vm } from './vm.js';

export interface PerfcntSession {
  owner: PanthorFile;
  counterset: number;
  vm: Vm;
  bo: Bo;
  va: number;
  /** Whether this session currently holds an AS reference. */
  asHeld: boolean;
  /** Reset epoch the counters were last programmed in. */
  epoch: number;
  samplesLost: boolean;
  /** `perfcnt=disable`: a reset disabled the session (v1's hw_reset_happened). */
  resetHappened: boolean;
  startNs: number;
}

export interface DumpRecord {
  atNs: number;
  /** When the session was enabled. */
  sessionStartNs: number;
  samplesLost: boolean;
  /** Resets completed before this dump that the session saw. */
  epoch: number;
  ok: boolean;
}

export class PerfcntBlock implements Resettable {
  readonly name = 'perfcnt';
  readonly lock: Mutex;
  session: PerfcntSession | null = null;
  readonly sampleDone: Completion;
  readonly dumps: DumpRecord[] = [];
  bytes = 0;

  constructor(private readonly dev: PanthorDevice) {
    this.lock = new Mutex(dev.k, 'perfcnt.lock');
    this.sampleDone = new Completion(dev.k, 'perfcnt.dump_comp');
  }

  init(): void {
    const shaders = popcount(this.dev.gpu.info.shaderPresent);
    this.bytes = (R.PRFCNT_BLOCK_SHADER0 + shaders) * R.PRFCNT_BLOCK_BYTES;
    this.dev.gpu.onSampleDone = () => this.sampleDone.complete();
  }

  /** Programs the counter registers for the session (the session's VM holds an AS). */
  private program(s: PerfcntSession): void {
    const io = this.dev.io;
    io.write(R.PRFCNT_CONFIG, R.PRFCNT_CONFIG_MODE_OFF);
    io.write64(R.PRFCNT_BASE_LO, s.va);
    io.write(R.PRFCNT_JM_EN, 0xffffffff);
    io.write(R.PRFCNT_SHADER_EN, 0xffffffff);
    io.write(R.PRFCNT_TILER_EN, 0xffffffff);
    io.write(R.PRFCNT_MMU_L2_EN, 0xffffffff);
    io.write(
      R.PRFCNT_CONFIG,
      R.PRFCNT_CONFIG_MODE_MANUAL | (s.vm.asId << R.PRFCNT_CONFIG_AS_SHIFT),
    );
    io.write(R.GPU_CMD, R.GPU_PRFCNT_CLEAR);
  }

  /**
   * panfrost_ioctl_perfcnt_enable: ENOSYS without the unstable-ioctls switch; a counterset
   * above 1 is EINVAL even for a disable (the model's GPU counts as Bifrost, which has two);
   * then under the lock, enable or disable.
   */
  async ioctlEnable(
    file: PanthorFile,
    args: { enable: number; counterset: number },
  ): Promise<number> {
    const dev = this.dev;
    if (!dev.cfg.unstableIoctls) return -Errno.ENOSYS;
    if (args.counterset > 1) return -Errno.EINVAL;
    await this.lock.lock('ioctlEnable [driver/perfcnt.ts]');
    try {
      if (args.enable) return await this.enableLocked(file, args.counterset);
      return await this.disableLocked(file);
    } finally {
      this.lock.unlock();
    }
  }

  /**
   * panfrost_perfcnt_enable_locked: the owner enabling again succeeds and changes nothing (a
   * new counterset included); another file is EBUSY.
   */
  private async enableLocked(file: PanthorFile, counterset: number): Promise<number> {
    const dev = this.dev;
    if (this.session !== null) return this.session.owner === file ? 0 : -Errno.EBUSY;
    // Power before the gate (see the scheduler's run queue); the session keeps this reference.
    const pm = await dev.pm.resumeAndGet();
    if (pm) return pm;
    const gate = await dev.gateEnter('ioctl-wait');
    if (typeof gate === 'number') {
      await dev.pm.putAutosuspend();
      return gate;
    }
    try {
      const vm = new Vm(dev, `perfcnt-file${file.id}`, false, 2 ** 32);
      dev.mmu.vms.add(vm);
      const bo = new Bo(
        dev.k,
        dev.hw.mem,
        'perfcnt-buf',
        Math.ceil(this.bytes / R.PAGE_SIZE) * R.PAGE_SIZE,
        true,
        0,
      );
      const va = 0x10_0000;
      await vm.opLock.lock('enableLocked [driver/perfcnt.ts]');
      await vm.map(va, bo.size, bo, 0, { readOnly: false, noExec: true }, true);
      vm.opLock.unlock();
      const ret = await dev.mmu.vmActive(vm);
      if (ret) {
        await dev.pm.putAutosuspend();
        bo.put();
        await vm.put();
        return ret;
      }
      const s: PerfcntSession = {
        owner: file,
        counterset,
        vm,
        bo,
        va,
        asHeld: true,
        epoch: dev.reset.epoch,
        samplesLost: false,
        resetHappened: false,
        startNs: dev.k.nowNs,
      };
      this.session = s;
      this.program(s);
      return 0;
    } finally {
      dev.gateExit(gate);
    }
  }

  private async disableLocked(file: PanthorFile): Promise<number> {
    const s = this.session;
    if (s === null || s.owner !== file) return -Errno.EINVAL;
    await this.teardown(s);
    return 0;
  }

  private async teardown(s: PerfcntSession): Promise<void> {
    const dev = this.dev;
    // Turning the counters off and releasing the session's address space program the
    // hardware: inside the gate. A teardown cannot fail, so it proceeds even if refused, but
    // then without touching the registers: an unplugged device may still be in the middle of
    // its last reset, and a wedged one is left alone.
    // The session stays installed while we wait for the gate: a reset that runs meanwhile must
    // still see it, to release its address-space reference before the MMU forgets them all.
    await dev.teardownSection(async (inGate) => {
      this.session = null;
      if (inGate && dev.pm.active && dev.io.mapping.alive) {
        dev.io.write(R.PRFCNT_CONFIG, R.PRFCNT_CONFIG_MODE_OFF);
      }
      await this.releaseAs(s);
      s.bo.put();
      await s.vm.put();
    });
    await dev.pm.putAutosuspend();
  }

  /**
   * panfrost_ioctl_perfcnt_dump: ENOSYS, then under the lock a non-owner is EINVAL, the sample
   * (ETIMEDOUT after the timeout), and the copy of exactly the sample's size to the user
   * buffer (EFAULT for no buffer or one too small). The reset report (`samplesLost`, `epoch`)
   * is the model's extension.
   */
  async ioctlDump(
    file: PanthorFile,
    args: { buf: unknown; samplesLost: number; epoch: number },
  ): Promise<number> {
    const dev = this.dev;
    if (!dev.cfg.unstableIoctls) return -Errno.ENOSYS;
    await this.lock.lock('ioctlDump [driver/perfcnt.ts]');
    try {
      const s = this.session;
      if (s === null || s.owner !== file) return -Errno.EINVAL;
      // A dump during a reset waits for the reset, then proceeds (the gate decides how).
      const gate = await dev.gateEnter('ioctl-wait');
      if (typeof gate === 'number') return gate;
      let ret: number;
      try {
        const mode = this.mode;
        if (mode === 'disable' && s.resetHappened) return -Errno.EAGAIN;
        if (
          (mode === 'v2' || mode === 'restore') &&
          s.epoch !== dev.reset.epoch &&
          !s.samplesLost
        ) {
          // The session missed a reset it was not told about: the counters were lost.
          s.samplesLost = true;
        }
        this.sampleDone.reinit();
        dev.io.write(
          R.GPU_INT_CLEAR,
          R.GPU_IRQ_PRFCNT_SAMPLE_COMPLETED | R.GPU_IRQ_CLEAN_CACHES_COMPLETED,
        );
        dev.io.write(R.GPU_CMD, R.GPU_PRFCNT_SAMPLE);
        const ok = await this.sampleDone.wait(dev.cfg.perfcntSampleTimeoutNs);
        ret = ok ? 0 : -Errno.ETIMEDOUT;
      } finally {
        dev.gateExit(gate);
      }
      if (ret === 0) {
        const words = this.bytes / 4;
        const buf = args.buf;
        if (!Array.isArray(buf) || buf.length < words) return -Errno.EFAULT;
        for (let i = 0; i < words; i++) buf[i] = s.bo.read32(i * 4);
        args.samplesLost = s.samplesLost ? 1 : 0;
        args.epoch = s.epoch;
        s.samplesLost = false;
      }
      this.dumps.push({
        atNs: dev.k.nowNs,
        sessionStartNs: s.startNs,
        samplesLost: args.samplesLost === 1,
        epoch: s.epoch,
        ok: ret === 0,
      });
      return ret;
    } finally {
      this.lock.unlock();
    }
  }

  /** The owner closed its file: ownership is released. */
  async fileClosed(file: PanthorFile): Promise<void> {
    await this.lock.lock('fileClosed [driver/perfcnt.ts]');
    try {
      const s = this.session;
      if (s !== null && s.owner === file) await this.teardown(s);
    } finally {
      this.lock.unlock();
    }
  }

  private get mode(): 'none' | 'disable' | 'v2' | 'restore' {
    return this.dev.reset.design.factors.perfcnt;
  }

  /** The reset's pre-reset hook (only with perfcnt reset hooks: `perfcnt` other than `none`). */
  async preReset(): Promise<void> {
    const s = this.session;
    if (s === null) return;
    switch (this.mode) {
      case 'none':
        return;
      case 'disable':
        s.resetHappened = true;
        await this.releaseAs(s);
        return;
      case 'v2':
        s.samplesLost = true;
        await this.releaseAsUnlocked(s);
        return;
      case 'restore':
        s.samplesLost = true;
        if (this.dev.bug('perfcnt-as-underflow')) return; // keep the reference the reset zeroes
        await this.releaseAs(s);
        return;
    }
  }

  /** The reset's post-reset hook: `v2` and `restore` re-take the AS and reprogram. */
  async postReset(failed: boolean): Promise<number> {
    const s = this.session;
    if (s === null || failed) return 0;
    const mode = this.mode;
    if (mode === 'none' || mode === 'disable') return 0;
    if (mode === 'restore' && this.dev.bug('perfcnt-as-underflow')) return 0;
    const ret = await this.dev.mmu.vmActive(s.vm);
    if (ret) return 0; // the session stays, without counters; the next dump times out
    s.asHeld = true;
    s.epoch = this.dev.reset.epoch;
    this.program(s);
    return 0;
  }

  /** Runtime suspend (never while a session holds its PM reference, in practice). */
  async suspend(): Promise<void> {
    if (this.mode !== 'none') await this.preReset();
  }

  async resume(): Promise<void> {
    if (this.mode !== 'none') await this.postReset(false);
  }

  /**
   * Unplug: the hardware is going away, so the session gives its AS reference back. The session
   * itself (its VM, sample buffer and runtime-PM reference) stays until its owner closes the
   * file, whose teardown releases it: dropping the session here leaked them (found by the uAPI
   * fuzzer: a perfcnt session on a device that wedged and was rebound).
   */
  async unplug(): Promise<void> {
    // Under the lock: the owner's file may be closing at the same moment, and its teardown
    // puts the session's VM, whose address space this releases.
    await this.lock.lock('unplug [driver/perfcnt.ts]');
    try {
      const s = this.session;
      if (s !== null) await this.releaseAs(s);
    } finally {
      this.lock.unlock();
    }
  }

  /**
   * v2's put from the reset path: it checks the flag, and clears it only after the put, without
   * the perfcnt lock, so a disable that runs meanwhile (under the lock) sees the reference as
   * still held and puts it too.
   */
  private async releaseAsUnlocked(s: PerfcntSession): Promise<void> {
    if (!s.asHeld) return;
    const vm = s.vm.get();
    await this.dev.mmu.vmIdle(vm);
    s.asHeld = false;
    await vm.put();
  }

  /**
   * Drops the session's address-space reference once. The flag is cleared before the call
   * that may sleep: teardown (under the perfcnt lock) and unplug or pre-reset (without it) can
   * race, and each must see the reference as already claimed.
   */
  private async releaseAs(s: PerfcntSession): Promise<void> {
    if (!s.asHeld) return;
    s.asHeld = false;
    // Hold the VM while we drop its active reference: a concurrent teardown may put the
    // session's own VM reference meanwhile, and the VM must not be released (which forgets its
    // address space and its active count) under a put in progress.
    const vm = s.vm.get();
    // `restore` puts only a reference the MMU still counts (Mmu.vmIdleIfCounted): its
    // teardown may run beside a reset when the gate refused it (the device was unplugged
    // while a reset work was already inside), and that reset's MMU post-reset zeroes the
    // count under it. The other variants keep the plain put their authors wrote, and so does
    // the `perfcnt-as-underflow` switch, whose session keeps the reference the reset destroyed.
    if (this.mode === 'restore' && !this.dev.bug('perfcnt-as-underflow'))
      await this.dev.mmu.vmIdleIfCounted(vm);
    else await this.dev.mmu.vmIdle(vm);
    await vm.put();
  }
}

function popcount(x: number): number {
  let n = 0;
  let v = x >>> 0;
  while (v) {
    v &= v - 1;
    n++;
  }
  return n;
}
