/**
 * DOC: Firmware block: MCU boot, the global interface and the watchdog (panthor_fw.c).
 *
 * The firmware runs in its own VM bound to AS0. At init the driver loads the firmware sections
 * (code and data) into that VM, starts the MCU and waits for the global interface's boot
 * interrupt. Requests to the firmware use the req/ack toggle protocol of `hw/fw-iface.ts`; the
 * job interrupt handler wakes `reqWaitqueue` and forwards events to the scheduler.
 *
 * The watchdog pings the firmware every 12 s from the reset workqueue (the same ordered queue
 * as the reset work and the job timeouts, so they serialise). A ping that is not acknowledged
 * within 100 ms is a reset reason.
 *
 * Reset: pre-reset cancels the watchdog, and unless the reset is for a hang, asks the firmware
 * to halt; a clean halt allows a *fast* restart (no reload). Post-reset re-activates the
 * firmware VM, reloads every section on a slow reset, boots the MCU and re-initialises the
 * global interface; its result decides whether the reset succeeded.
 */

import type { CsgIface, CsIface, GlbIface } from '../hw/fw-iface.js';
import * as R from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import { Spinlock } from '../kernel/spinlock.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { DelayedWork } from '../kernel/workqueue.js';
import type { Resettable } from './block.js';
import type { PanthorDevice } from './device.js';
import { Bo } from './gem.js';
import { PanthorIrq } from './irq.js';
import { DEFAULT_USER_VA_RANGE, Vm } from './vm.js';

/** panthor_fw.c PROGRESS_TIMEOUT_CYCLES: GPU cycles a RUN may go without progress. */
export const PROGRESS_TIMEOUT_CYCLES = 5 * 500 * 1024 * 1024;
/** panthor_fw.c PROGRESS_TIMEOUT_SCALE_SHIFT: GLB_PROGRESS_TIMER counts units of 1024 cycles. */
export const PROGRESS_TIMEOUT_SCALE_SHIFT = 10;

type ReqIface = { input: { req: number }; output: { ack: number } };

export class FwBlock implements Resettable {
  readonly name = 'fw';
  readonly irq: PanthorIrq;
  vm!: Vm;
  booted = false;
  readonly reqWaitqueue: WaitQueue;
  readonly pingWork: DelayedWork;
  private codeBo: Bo | null = null;
  private dataBo: Bo | null = null;
  private readonly glbLock: Spinlock;
  private readonly csgLocks: Spinlock[];
  /** Firmware boots, for tests and metrics. */
  boots = 0;

  constructor(private readonly dev: PanthorDevice) {
    const k = dev.k;
    this.reqWaitqueue = new WaitQueue(k, 'fw.req_waitqueue');
    this.glbLock = new Spinlock(k, 'fw.glb_iface.lock');
    this.csgLocks = Array.from(
      { length: dev.hw.cfg.csgSlots },
      () => new Spinlock(k, 'fw.csg_iface.lock'),
    );
    this.pingWork = new DelayedWork(k, 'fw.watchdog.ping_work', () => this.pingWorkFn());
    this.irq = new PanthorIrq(
      dev,
      'job',
      dev.hw.irq.job,
      {
        rawstat: R.JOB_INT_RAWSTAT,
        clear: R.JOB_INT_CLEAR,
        mask: R.JOB_INT_MASK,
        stat: R.JOB_INT_STAT,
      },
      (status) => this.handleIrq(status),
    );
  }

  get glb(): GlbIface {
    return this.dev.hw.fw.glb;
  }

  csg(slot: number): CsgIface {
    return this.dev.hw.fw.csg[slot] as CsgIface;
  }

  cs(slot: number, stream: number): CsIface {
    return this.csg(slot).streams[stream] as CsIface;
  }

  private async handleIrq(status: number): Promise<void> {
    const dev = this.dev;
    dev.io.write(R.JOB_INT_CLEAR, status);
    if (!this.booted && status & R.JOB_INT_GLOBAL_IF) this.booted = true;
    this.reqWaitqueue.wakeUp();
    if (!this.booted) return;
    await dev.sched.reportFwEvents(status);
  }

  // ---- req/ack helpers (panthor_fw_toggle_reqs / panthor_fw_update_reqs) ----------------------

  private lockFor(iface: ReqIface): Spinlock {
    if (iface === this.glb) return this.glbLock;
    const slot = this.dev.hw.fw.csg.indexOf(iface as CsgIface);
    return slot >= 0 ? (this.csgLocks[slot] as Spinlock) : this.glbLock;
  }

  async toggleReqs(iface: ReqIface, mask: number): Promise<void> {
    const lock = this.lockFor(iface);
    await lock.lock('toggleReqs [driver/fw.ts]');
    const cur = iface.input.req;
    const out = iface.output.ack;
    iface.input.req = (((out ^ mask) & mask) | (cur & ~mask)) >>> 0;
    lock.unlock();
  }

  async updateReqs(iface: ReqIface, value: number, mask: number): Promise<void> {
    const lock = this.lockFor(iface);
    await lock.lock('updateReqs [driver/fw.ts]');
    iface.input.req = ((iface.input.req & ~mask) | (value & mask)) >>> 0;
    lock.unlock();
  }

  /** Toggles bits of an arbitrary req/ack register pair (doorbell_req vs doorbell_ack). */
  toggleField(input: Record<string, number>, inKey: string, outVal: number, mask: number): void {
    const cur = input[inKey] ?? 0;
    input[inKey] = (((outVal ^ mask) & mask) | (cur & ~mask)) >>> 0;
  }

  ringGlbDoorbell(): void {
    this.dev.io.write(R.CSF_DOORBELL(R.CSF_GLB_DOORBELL_ID), 1);
  }

  /** panthor_fw_ring_csg_doorbells. */
  ringCsgDoorbells(csgMask: number): void {
    const glb = this.glb;
    this.toggleField(
      glb.input as unknown as Record<string, number>,
      'doorbellReq',
      glb.output.doorbellAck,
      csgMask,
    );
    this.ringGlbDoorbell();
  }

  ringDoorbell(id: number): void {
    this.dev.io.write(R.CSF_DOORBELL(id), 1);
  }

  /**
   * Waits until every bit of `mask` is acknowledged; returns the acked bits and success. The CSG
   * state is a 3-bit *value*, not three flags: it counts as acknowledged only when the whole
   * field matches. (Compared bit by bit, an unanswered RESUME (3) over a TERMINATE (0) ack would
   * look partly acknowledged and the group would be taken for terminated.)
   */
  async waitAcks(
    iface: ReqIface,
    mask: number,
    timeoutNs: number,
  ): Promise<{ ok: boolean; acked: number }> {
    const done = () => ((iface.input.req ^ iface.output.ack) & mask) === 0;
    const ok = await this.reqWaitqueue.waitEvent(done, timeoutNs);
    let pending = (iface.input.req ^ iface.output.ack) & mask;
    if (pending & R.CSG_STATE_MASK) pending |= mask & R.CSG_STATE_MASK;
    return { ok: ok || pending === 0, acked: mask & ~pending };
  }

  // ---- Boot ----------------------------------------------------------------------------------

  /** Writes the firmware sections into the firmware VM (all of them on a slow reset). */
  private loadSections(): void {
    (this.codeBo as Bo).write32(0, R.FW_IMAGE_MAGIC);
    (this.dataBo as Bo).write32(0, R.FW_DATA_CLEAN);
  }

  /** panthor_fw_start: boots the MCU and waits for the global interface. */
  private async start(): Promise<number> {
    const dev = this.dev;
    this.booted = false;
    await this.irq.resume(0xffffffff);
    dev.io.write(R.MCU_CONTROL, R.MCU_CONTROL_AUTO);
    const ok = await this.reqWaitqueue.waitEvent(() => this.booted, dev.cfg.fwBootTimeoutNs);
    if (!ok && !this.booted && (dev.io.read(R.JOB_INT_STAT) & R.JOB_INT_GLOBAL_IF) === 0) {
      dev.k.trace.instant(dev.lane, 'fw', 'Failed to boot MCU', {
        status: dev.io.read(R.MCU_STATUS),
      });
      return -Errno.ETIMEDOUT;
    }
    this.booted = true;
    this.boots++;
    return 0;
  }

  /** panthor_fw_stop: disables the MCU. */
  private async stop(): Promise<void> {
    this.dev.io.write(R.MCU_CONTROL, R.MCU_CONTROL_DISABLE);
    await this.dev.io.poll(R.MCU_STATUS, (v) => v === R.MCU_STATUS_DISABLED, 10_000_000, 10_000);
  }

  /** panthor_fw_init_global_iface. */
  private async initGlobalIface(): Promise<void> {
    const glb = this.glb;
    const dev = this.dev;
    glb.input.coreEnMask = dev.gpu.info.shaderPresent;
    glb.input.poweroffTimer = 800;
    // panthor_fw.c: progress_timer = PROGRESS_TIMEOUT_CYCLES >> PROGRESS_TIMEOUT_SCALE_SHIFT
    // (5 * 500 * 1024 * 1024 cycles in units of 1024: ~2.6 s of a RUN without progress).
    glb.input.progressTimer = PROGRESS_TIMEOUT_CYCLES / 2 ** PROGRESS_TIMEOUT_SCALE_SHIFT;
    glb.input.idleTimer = 800;
    glb.input.ackIrqMask =
      R.GLB_CFG_ALLOC_EN |
      R.GLB_PING |
      R.GLB_CFG_PROGRESS_TIMER |
      R.GLB_CFG_POWEROFF_TIMER |
      R.GLB_IDLE_EN |
      R.GLB_IDLE;
    await this.updateReqs(glb, R.GLB_IDLE_EN, R.GLB_IDLE_EN);
    await this.toggleReqs(
      glb,
      R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER | R.GLB_CFG_PROGRESS_TIMER,
    );
    this.ringGlbDoorbell();
    this.armWatchdog();
  }

  /** mod_delayed_work(reset.wq, ping_work, 12 s): the watchdog shares the reset queue. */
  armWatchdog(): void {
    this.pingWork.mod(this.dev.timeoutWq(), this.dev.cfg.pingIntervalNs);
  }

  async init(): Promise<number> {
    const dev = this.dev;
    this.irq.request();
    let ret = await dev.gpu.l2PowerOn();
    if (ret) return ret;
    this.vm = new Vm(dev, 'mcu', true, DEFAULT_USER_VA_RANGE);
    dev.mmu.vms.add(this.vm);
    this.codeBo = new Bo(dev.k, dev.hw.mem, 'fw-code', R.PAGE_SIZE, true, 0);
    this.dataBo = new Bo(dev.k, dev.hw.mem, 'fw-data', R.PAGE_SIZE, true, 0);
    await this.vm.opLock.lock('init [driver/fw.ts]');
    await this.vm.map(
      R.FW_CODE_VA,
      R.PAGE_SIZE,
      this.codeBo,
      0,
      { readOnly: true, noExec: false },
      true,
    );
    await this.vm.map(
      R.FW_DATA_VA,
      R.PAGE_SIZE,
      this.dataBo,
      0,
      { readOnly: false, noExec: true },
      true,
    );
    this.vm.opLock.unlock();
    ret = await dev.mmu.vmActive(this.vm);
    if (ret) return ret;
    this.loadSections();
    ret = await this.start();
    if (ret) return ret;
    await this.initGlobalIface();
    return 0;
  }

  /** Allocates a buffer in the firmware VM (suspend buffers); returns its BO and MCU VA. */
  async allocFwMem(name: string, size: number): Promise<{ bo: Bo; va: number }> {
    const dev = this.dev;
    const bytes = Math.max(R.PAGE_SIZE, Math.ceil(size / R.PAGE_SIZE) * R.PAGE_SIZE);
    const bo = new Bo(dev.k, dev.hw.mem, name, bytes, true, 0);
    const va = this.vm.allocKernelVa(bytes);
    await this.vm.opLock.lock('allocFwMem [driver/fw.ts]');
    await this.vm.map(va, bytes, bo, 0, { readOnly: false, noExec: true }, true);
    this.vm.opLock.unlock();
    bo.put(); // the mapping holds the BO
    return { bo, va };
  }

  async freeFwMem(va: number, size: number): Promise<void> {
    await this.vm.opLock.lock('freeFwMem [driver/fw.ts]');
    await this.vm.unmap(va, size);
    this.vm.opLock.unlock();
  }

  // ---- Watchdog ------------------------------------------------------------------------------

  /**
   * Pings the firmware now (from a section inside the reset gate). False when it does not
   * answer within the global acknowledgement timeout; true when it does, or when the device is
   * not active (nothing to ask).
   */
  async answersPing(): Promise<boolean> {
    const dev = this.dev;
    if (!dev.pm.active) return true;
    await this.toggleReqs(this.glb, R.GLB_PING);
    this.ringGlbDoorbell();
    const r = await this.waitAcks(this.glb, R.GLB_PING, dev.cfg.glbAckTimeoutNs);
    return r.ok;
  }

  /**
   * panthor_fw_ping_work: no PM reference and no drm_dev_enter (the work is cancelled by the
   * firmware's pre-reset, which the suspend path also runs, and at unplug). A pending reset
   * stops the watchdog until the reset re-arms it.
   */
  private async pingWorkFn(): Promise<void> {
    const dev = this.dev;
    if (!dev.checkIoAlive('fw ping work')) return;
    if (dev.reset.isPending()) return;
    const gate = await dev.gateEnter('worker');
    if (typeof gate === 'number') return;
    try {
      if (!(await this.answersPing())) {
        dev.k.trace.instant(dev.lane, 'fw', 'FW ping timeout, scheduling a reset');
        await dev.reset.schedule('fw-ping-timeout');
        return;
      }
      this.armWatchdog();
    } finally {
      dev.gateExit(gate);
    }
  }

  // ---- Reset and PM --------------------------------------------------------------------------

  /**
   * panthor_fw_pre_reset: stop the watchdog; unless the reset is for a hang (the suspend path),
   * ask the MCU to halt, and a clean halt allows a fast restart; suspend the job IRQ. The MCU
   * is not stopped here: the soft reset that follows takes it down.
   */
  async preReset(onHang: boolean): Promise<void> {
    const dev = this.dev;
    await this.pingWork.cancelSync('preReset [driver/fw.ts]');
    dev.resetFast = false;
    if (!onHang) {
      await this.updateReqs(this.glb, R.GLB_HALT, R.GLB_HALT);
      this.ringGlbDoorbell();
      const r = await dev.io.poll(
        R.MCU_STATUS,
        (v) => v === R.MCU_STATUS_HALT,
        100_000_000,
        10_000,
      );
      if (r.ok) dev.resetFast = true;
      else dev.k.trace.instant(dev.lane, 'fw', 'Failed to cleanly suspend MCU');
    }
    await this.irq.suspend();
  }

  /**
   * panthor_fw_post_reset: re-activate the firmware VM, reload every section on a slow reset
   * (clear HALT on a fast one), boot the MCU, re-initialise the global interface (which re-arms
   * the watchdog). Its result decides whether the reset succeeded.
   */
  async postReset(): Promise<number> {
    const dev = this.dev;
    let ret = await dev.mmu.vmActive(this.vm);
    if (ret) return ret;
    if (!dev.resetFast) {
      this.loadSections();
    } else {
      // The firmware detects 0 -> 1 transitions: clear HALT before rebooting.
      await this.updateReqs(this.glb, 0, R.GLB_HALT);
    }
    ret = await this.start();
    if (ret) {
      dev.k.trace.instant(dev.lane, 'fw', `FW ${dev.resetFast ? 'fast' : 'slow'} reset failed`);
      return ret;
    }
    if (!dev.resetFast) dev.log.fullReinits.push(dev.k.nowNs);
    await this.initGlobalIface();
    return 0;
  }

  /**
   * panthor_fw_unplug: stop the watchdog (disable_delayed_work_sync since 65c22519cf68, cancel
   * before it: the `reset-work-after-unbind` switch); if the device is powered, suspend the job
   * IRQ and stop the MCU.
   */
  async unplug(): Promise<void> {
    const dev = this.dev;
    if (dev.bug('reset-work-after-unbind')) await this.pingWork.cancelSync('unplug [driver/fw.ts]');
    else await this.pingWork.disableSync('unplug [driver/fw.ts]');
    if (dev.pm.rpm.active && dev.hw.powered && dev.io.mapping.alive) {
      await this.irq.suspend();
      await this.stop();
    }
  }
}
