/**
 * DOC: MMU block: address-space slots, faults, and the MMU's part of reset (panthor_mmu.c).
 *
 * AS0 belongs to the firmware (the MCU VM). User VMs get a slot when they become active
 * (`vmActive`: a group is scheduled on a CSG slot, or the perfcnt session needs one): the VM's
 * own slot if it still has one, else a free slot, else the slot of the least recently used
 * *idle* VM, which is evicted; EBUSY if every slot is in use. `activeCnt` counts the users of
 * the binding; `vmIdle` drops one and puts the VM on the LRU.
 *
 * Every AS command waits for `AS_ACTIVE` to clear first (an atomic poll, 100 ms). If it never
 * clears the AS is stuck: that is a reset reason, scheduled from here, and the command fails.
 *
 * A page fault masks the faulting AS's interrupt, marks the VM's fault, disables the AS (which
 * kills the jobs using it) and tells the scheduler; the fault is cleared when the VM is
 * re-activated.
 *
 * Reset: pre-reset masks the MMU interrupt; post-reset forgets every slot binding and forces
 * every `activeCnt` to 0 (the hardware lost them), so users must re-acquire. Holders that did
 * not give their reference back before the reset would later put a reference they no longer
 * own; that is the Panfrost perfcnt AS-count underflow.
 */

import * as R from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import { Mutex } from '../kernel/mutex.js';
import type { Resettable } from './block.js';
import type { PanthorDevice } from './device.js';
import { PanthorIrq } from './irq.js';
import type { Vm } from './vm.js';

const AS_MEMATTR_DEFAULT = 0x88888888;

export class MmuBlock implements Resettable {
  readonly name = 'mmu';
  readonly irq: PanthorIrq;
  readonly slotsLock: Mutex;
  readonly slots: Array<Vm | null>;
  allocMask = 0;
  faultyMask = 0;
  /** Idle VMs that still own a slot, least recently used first. */
  readonly lru: Vm[] = [];
  /** Every live VM, for reset and suspend. */
  readonly vms = new Set<Vm>();
  asPresent = 0;
  resetInProgress = false;
  /**
   * The VM whose tables each slot last latched (null after a disable or a state loss). Only the
   * `testSkipTlbFlush` hook reads it.
   */
  private readonly latched: Array<Vm | null>;

  constructor(private readonly dev: PanthorDevice) {
    this.slotsLock = new Mutex(dev.k, 'mmu.as.slots_lock');
    this.slots = new Array<Vm | null>(dev.hw.cfg.asSlots).fill(null);
    this.latched = new Array<Vm | null>(dev.hw.cfg.asSlots).fill(null);
    this.irq = new PanthorIrq(
      dev,
      'mmu',
      dev.hw.irq.mmu,
      {
        rawstat: R.MMU_INT_RAWSTAT,
        clear: R.MMU_INT_CLEAR,
        mask: R.MMU_INT_MASK,
        stat: R.MMU_INT_STAT,
      },
      (status) => this.handleIrq(status),
    );
  }

  private faultMaskAll(): number {
    let m = 0;
    for (let as = 0; as < this.slots.length; as++)
      if (this.asPresent & (1 << as)) m |= R.MMU_PAGE_FAULT(as);
    return m;
  }

  async init(): Promise<number> {
    this.asPresent = this.dev.gpu.info.asPresent || (1 << this.slots.length) - 1;
    this.irq.request();
    await this.irq.resume(this.faultMaskAll());
    return 0;
  }

  // ---- AS commands ---------------------------------------------------------------------------

  /** Waits for AS_ACTIVE to clear; a stuck AS schedules a reset. */
  private async waitReady(as: number): Promise<number> {
    const r = await this.dev.io.poll(
      R.AS_STATUS(as),
      (v) => (v & R.AS_STATUS_AS_ACTIVE) === 0,
      this.dev.cfg.asCommandTimeoutNs,
      10_000,
      true,
    );
    if (r.ok) return 0;
    await this.dev.reset.schedule('as-active-stuck');
    return -Errno.ETIMEDOUT;
  }

  private async writeCmd(as: number, cmd: number): Promise<number> {
    const ret = await this.waitReady(as);
    if (ret === 0) this.dev.io.write(R.AS_COMMAND(as), cmd);
    return ret;
  }

  private async doOperation(as: number, va: number, size: number, op: number): Promise<number> {
    // Lock the region so the GPU stalls on it while the tables change, then flush, then unlock.
    const io = this.dev.io;
    io.write64(R.AS_LOCKADDR(as), lockRegionValue(va, size));
    let ret = await this.writeCmd(as, R.AS_COMMAND_LOCK);
    if (ret === 0) ret = await this.writeCmd(as, op);
    if (ret === 0) ret = await this.writeCmd(as, R.AS_COMMAND_UNLOCK);
    if (ret === 0) ret = await this.waitReady(as);
    return ret;
  }

  private async asEnable(as: number, vm: Vm): Promise<number> {
    const io = this.dev.io;
    // Test hook (DriverConfig.testSkipTlbFlush): on a slot last latched for another VM, skip
    // the invalidation, so the hardware keeps that VM's translations.
    const previous = this.latched[as] ?? null;
    const skip = this.dev.cfg.testSkipTlbFlush && previous !== null && previous !== vm;
    this.latched[as] = vm;
    let ret = skip ? 0 : await this.doOperation(as, 0, 2 ** R.VA_BITS, R.AS_COMMAND_FLUSH_MEM);
    if (ret !== 0) return ret;
    io.write64(R.AS_TRANSTAB(as), vm.pt.root);
    io.write64(R.AS_MEMATTR(as), AS_MEMATTR_DEFAULT);
    io.write64(R.AS_TRANSCFG(as), R.AS_TRANSCFG_ADRMODE_AARCH64_4K);
    if (skip) return 0;
    ret = await this.writeCmd(as, R.AS_COMMAND_UPDATE);
    this.dev.k.trace.instant(this.dev.asLane(as), 'mmu', `AS${as} enable ${vm.name}`);
    return ret;
  }

  async asDisable(as: number): Promise<number> {
    const io = this.dev.io;
    this.latched[as] = null;
    const ret = await this.doOperation(as, 0, 2 ** R.VA_BITS, R.AS_COMMAND_FLUSH_MEM);
    if (ret !== 0) return ret;
    io.write64(R.AS_TRANSTAB(as), 0);
    io.write64(R.AS_MEMATTR(as), 0);
    io.write64(R.AS_TRANSCFG(as), R.AS_TRANSCFG_ADRMODE_UNMAPPED);
    this.dev.k.trace.instant(this.dev.asLane(as), 'mmu', `AS${as} disable`);
    return this.writeCmd(as, R.AS_COMMAND_UPDATE);
  }

  // ---- VM <-> AS binding ---------------------------------------------------------------------

  /** Forgets the binding of `vm` (slots lock held). */
  private releaseAsLocked(vm: Vm): void {
    if (vm.asId < 0) return;
    this.slots[vm.asId] = null;
    this.allocMask &= ~(1 << vm.asId);
    vm.activeCnt.forceSet(0, 'releaseAsLocked [driver/mmu.ts]');
    const i = this.lru.indexOf(vm);
    if (i >= 0) this.lru.splice(i, 1);
    vm.asId = -1;
  }

  /** panthor_vm_active: binds the VM to an AS and takes an active reference. */
  async vmActive(vm: Vm): Promise<number> {
    const dev = this.dev;
    const cookie = await dev.drm.enter();
    if (cookie === null) return -Errno.ENODEV;
    try {
      if (await vm.activeCnt.incNotZero('vmActive [driver/mmu.ts]')) return 0;
      await this.slotsLock.lock('vmActive [driver/mmu.ts]');
      try {
        if (await vm.activeCnt.incNotZero('vmActive [driver/mmu.ts]')) return 0;
        let as = vm.asId;
        let needEnable = true;
        if (as >= 0) {
          needEnable = (this.faultyMask & R.MMU_PAGE_FAULT(as)) !== 0;
        } else {
          if (vm.forMcu) {
            as = 0;
          } else {
            as = -1;
            for (let i = 1; i < this.slots.length; i++) {
              if ((this.allocMask & (1 << i)) === 0 && this.asPresent & (1 << i)) {
                as = i;
                break;
              }
            }
          }
          if (as < 0) {
            const victim = this.lru[0];
            if (victim === undefined) return -Errno.EBUSY;
            as = victim.asId;
            this.releaseAsLocked(victim);
          }
          vm.asId = as;
          this.allocMask |= 1 << as;
          this.slots[as] = vm;
        }
        let ret = 0;
        if (needEnable) {
          const fault = R.MMU_PAGE_FAULT(as);
          if (this.faultyMask & fault) {
            dev.io.write(R.MMU_INT_CLEAR, fault);
            this.faultyMask &= ~fault;
            this.irq.enableEvents(fault);
          }
          vm.unhandledFault = false;
          ret = await this.asEnable(as, vm);
        }
        if (ret === 0) {
          vm.activeCnt.forceSet(1, 'vmActive [driver/mmu.ts]');
          const i = this.lru.indexOf(vm);
          if (i >= 0) this.lru.splice(i, 1);
        } else {
          // The slot was not (fully) programmed: forget it, so the next activation retries
          // instead of trusting a half-configured address space.
          this.releaseAsLocked(vm);
        }
        return ret;
      } finally {
        this.slotsLock.unlock();
      }
    } finally {
      dev.drm.exit(cookie);
    }
  }

  /** panthor_vm_idle: drops an active reference; the last one makes the VM evictable. */
  async vmIdle(vm: Vm): Promise<void> {
    if (!(await vm.activeCnt.decAndTest('vmIdle [driver/mmu.ts]'))) return;
    await this.slotsLock.lock('vmIdle [driver/mmu.ts]');
    if (vm.asId >= 0 && !this.lru.includes(vm)) this.lru.push(vm);
    this.slotsLock.unlock();
  }

  /**
   * The perfcnt `restore` put (a model design, not mainline): under the slots lock, drop an
   * active reference only if the MMU still counts one. panthor_mmu_post_reset (through
   * panthor_vm_release_as_locked) zeroes every count and unbinds every VM, so a put that was
   * on its way when the reset ran — a teardown the gate refused after an unplug, running
   * beside the reset work that was already inside — would underflow the count as
   * panthor_vm_idle does (refcount_dec_and_mutex_lock: its final decrement waits for the slots
   * lock the reset holds). An unbound VM (asId -1) has no active reference left to drop
   * (soak unbind@default run 19707). Returns whether a reference was dropped.
   */
  async vmIdleIfCounted(vm: Vm): Promise<boolean> {
    const site = 'vmIdleIfCounted [driver/mmu.ts]';
    await this.slotsLock.lock(site);
    try {
      if (vm.asId < 0 || vm.activeCnt.peek() === 0) {
        this.dev.k.trace.instant(
          this.dev.lane,
          'mmu',
          `${vm.name}: active reference already dropped by the MMU`,
        );
        return false;
      }
      if (vm.activeCnt.decAndTestNow(site) && !this.lru.includes(vm)) this.lru.push(vm);
      return true;
    } finally {
      this.slotsLock.unlock();
    }
  }

  /** Called when the last reference to a VM goes: give its slot back. */
  async releaseVm(vm: Vm): Promise<void> {
    await this.slotsLock.lock('releaseVm [driver/mmu.ts]');
    try {
      if (vm.asId >= 0) {
        const as = vm.asId;
        if (!this.dev.unplugged && this.dev.pm.active) await this.asDisable(as);
        this.releaseAsLocked(vm);
      }
      this.vms.delete(vm);
    } finally {
      this.slotsLock.unlock();
    }
  }

  /**
   * Changes a VM's page tables for `[va, va+size)` (`change`, synchronous) the way Panthor's
   * panthor_vm_lock_region / panthor_vm_unlock_region do: if the VM is bound to an AS of a
   * powered GPU, lock the region first, then change the tables, then FLUSH_PT and UNLOCK. The
   * slots lock is held throughout, so the VM cannot be bound or evicted in between; an unbound
   * VM just changes its tables (binding it later latches them with UPDATE). The change is made
   * even if the hardware does not answer (a reset is then requested by `waitReady`).
   */
  async updateRange(vm: Vm, va: number, size: number, change: () => void): Promise<number> {
    await this.slotsLock.lock('updateRange [driver/mmu.ts]');
    try {
      // Test hook (DriverConfig.testSkipTlbFlush): the lock and flush are forgotten.
      const live =
        vm.asId >= 0 && !this.dev.unplugged && this.dev.pm.active && !this.dev.cfg.testSkipTlbFlush;
      if (!live) {
        change();
        return 0;
      }
      const as = vm.asId;
      this.dev.io.write64(R.AS_LOCKADDR(as), lockRegionValue(va, size));
      let ret = await this.writeCmd(as, R.AS_COMMAND_LOCK);
      change();
      if (ret === 0) ret = await this.writeCmd(as, R.AS_COMMAND_FLUSH_PT);
      if (ret === 0) ret = await this.writeCmd(as, R.AS_COMMAND_UNLOCK);
      if (ret === 0) ret = await this.waitReady(as);
      return ret;
    } finally {
      this.slotsLock.unlock();
    }
  }

  // ---- Faults --------------------------------------------------------------------------------

  private async handleIrq(rawStatus: number): Promise<void> {
    const dev = this.dev;
    const io = dev.io;
    let status = rawStatus & 0xffff;
    let unhandled = false;
    for (let guard = 0; status !== 0 && guard < 32; guard++) {
      const as = 31 - Math.clz32(status & -status);
      const mask = R.MMU_PAGE_FAULT(as) | R.MMU_BUS_ERROR(as);
      const faultStatus = io.read(R.AS_FAULTSTATUS(as));
      const addr = io.read64(R.AS_FAULTADDRESS(as));
      dev.k.trace.instant(dev.asLane(as), 'mmu', `page fault AS${as}`, {
        addr: `0x${addr.toString(16)}`,
        status: faultStatus,
      });
      await this.slotsLock.lock('handleIrq [driver/mmu.ts]');
      this.faultyMask |= mask;
      io.write(R.MMU_INT_CLEAR, mask);
      // Ignore this AS's interrupts until it is re-enabled (mmu->irq.mask = ~faulty_mask).
      this.irq.disableEvents(mask);
      const vm = this.slots[as];
      if (vm !== null && vm !== undefined) vm.unhandledFault = true;
      // Disable the AS to kill the jobs using it.
      await this.asDisable(as);
      this.slotsLock.unlock();
      status &= ~mask;
      unhandled = true;
    }
    if (unhandled) await dev.sched.reportMmuFault();
  }

  hasUnhandledFault(vm: Vm): boolean {
    return vm.unhandledFault;
  }

  // ---- Lifecycle -----------------------------------------------------------------------------

  /**
   * panthor_mmu_pre_reset: suspend the MMU interrupt, mark the reset in progress (VMs created
   * from now on start with their bind queue stopped) and stop every VM's bind queue. The AS
   * slots are left alone: the reset "might come from an AS_ACTIVE_BIT stuck situation".
   */
  async preReset(): Promise<void> {
    await this.irq.suspend();
    this.resetInProgress = true;
    for (const vm of this.vms) if (vm.bindQueue !== null) await vm.bindQueue.stop();
  }

  /**
   * panthor_mmu_post_reset: the hardware lost every binding: forget them (every VM unbound, its
   * active count forced to 0, the firmware VM included: its post-reset re-activates it), resume
   * the interrupt, restart every bind queue.
   */
  async postReset(): Promise<number> {
    await this.slotsLock.lock('postReset [driver/mmu.ts]');
    this.latched.fill(null);
    this.allocMask = 0;
    this.faultyMask = 0;
    for (const vm of this.slots) if (vm !== null && vm !== undefined) this.releaseAsLocked(vm);
    this.slotsLock.unlock();
    await this.irq.resume(this.faultMaskAll());
    for (const vm of this.vms) if (vm.bindQueue !== null) await vm.bindQueue.start();
    this.resetInProgress = false;
    return 0;
  }

  async suspend(): Promise<void> {
    await this.slotsLock.lock('suspend [driver/mmu.ts]');
    for (let as = 0; as < this.slots.length; as++) {
      const vm = this.slots[as];
      if (vm === null || vm === undefined) continue;
      await this.asDisable(as);
      this.releaseAsLocked(vm);
    }
    this.slotsLock.unlock();
    await this.irq.suspend();
  }

  async resume(): Promise<number> {
    await this.slotsLock.lock('resume [driver/mmu.ts]');
    this.latched.fill(null);
    this.allocMask = 0;
    this.faultyMask = 0;
    this.slotsLock.unlock();
    await this.irq.resume(this.faultMaskAll());
    return 0;
  }

  /**
   * panthor_mmu_unplug: suspend the interrupt if the device is powered, then disable and release
   * every bound slot.
   */
  async unplug(): Promise<void> {
    const powered = this.dev.pm.rpm.active && this.dev.hw.powered && this.dev.io.mapping.alive;
    if (powered) await this.irq.suspend();
    await this.slotsLock.lock('unplug [driver/mmu.ts]');
    for (let as = 0; as < this.slots.length; as++) {
      const vm = this.slots[as];
      if (vm === null || vm === undefined) continue;
      if (powered) await this.asDisable(as);
      this.releaseAsLocked(vm);
    }
    this.slotsLock.unlock();
  }
}

/** AS_LOCKADDR encoding: base address with log2(size)-1 in the low bits (minimum 32 KiB). */
function lockRegionValue(va: number, size: number): number {
  let log2 = 15;
  while (2 ** log2 < size && log2 < 48) log2++;
  const base = Math.floor(va / 2 ** log2) * 2 ** log2;
  return base + (log2 - 1);
}
