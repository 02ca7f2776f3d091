/**
 * The MCU and its firmware: boot, the global interface (ping, halt, configuration requests),
 * doorbell dispatch, and the CSG slots it runs (csg.ts) with their streams (cs-exec.ts).
 *
 * Boot. Writing MCU_CONTROL = ENABLE or AUTO starts a boot; `mcuBootNs` later the firmware
 * checks, in order: the L2 is powered; AS0 (the MCU's address space, set up by the driver)
 * translates FW_CODE_VA and FW_DATA_VA (a failure is a page fault with source 'fw'); the code
 * word is FW_IMAGE_MAGIC; the data word is FW_DATA_CLEAN; and the `fw-boot-fail` fault does not
 * fire. Then it marks its data section FW_DATA_DIRTY (it is running), fills the read-only
 * control fields of the interfaces, sets MCU_STATUS = ENABLED and raises JOB_INT_GLOBAL_IF (the
 * boot-done interrupt). Otherwise MCU_STATUS = FATAL and no interrupt comes.
 *
 * Halt and the fast path. A GLB_HALT request stops every group, writes FW_DATA_CLEAN back
 * through AS0, sets MCU_STATUS = HALT and acknowledges. Re-enabling the MCU without reloading
 * the image (Panthor's fast reset, used by resume) therefore works only after a clean halt:
 * after a hang, or a reset without a halt, the data word is still DIRTY and only a driver that
 * rewrites the sections (a slow reset) boots again. Nothing special-cases "broken firmware";
 * the fast path simply fails the way it does on hardware.
 *
 * Global interface. On a GLB doorbell (CSF_DOORBELL(0)) the firmware, `doorbellNs` later, takes
 * the requests of `glb.input.req` that differ from `glb.output.ack` and acknowledges them
 * `glbReqNs` later (`late-ack`: ~1 s), raising JOB_INT_GLOBAL_IF when `glb.input.ackIrqMask`
 * has one of their bits; and it processes every CSG slot whose bit of `glb.input.doorbellReq`
 * differs from `glb.output.doorbellAck`. Requests other than HALT and
 * CFG_PROGRESS_TIMER (PING, the other CFG_*, IDLE_EN, COUNTER_EN, ...) have no effect besides
 * their acknowledgement. Doorbells 1..63 are the
 * streams' doorbells (CS_CONFIG_DOORBELL): they make the streams using them look at their ring.
 *
 * Hang. The `fw-hang` fault (at its arm time if the MCU runs, or at a GLB doorbell) stops the
 * firmware dead: pending acknowledgements are lost, no request, ping or event is answered, the
 * streams freeze, and the data section stays DIRTY. Only an MCU stop, a reset or a power cycle
 * ends it.
 *
 * Progress timer. Acknowledging GLB_CFG_PROGRESS_TIMER latches `glb.input.progressTimer`
 * (x 1024 cycles) as the progress timeout the CSG slots use (csg.ts); boot and reset clear it,
 * so a firmware the driver has not configured yet raises no CSG_PROGRESS_TIMER_EVENT.
 *
 * Rejected: GLB_IDLE events, protected mode and the firmware's own counters. No reset design
 * in resetlab reacts to them.
 */
import type { TimedEvent } from '../kernel/events.js';
import type { HwContext } from './context.js';
import { HwEvents } from './context.js';
import { CsEngine } from './cs-exec.js';
import { type CsgFirmware, CsgSlot, type SavedGroup } from './csg.js';
import { type FwIface, zeroFwIface } from './fw-iface.js';
import type { IrqRegs } from './irq-regs.js';
import type { Mmu } from './mmu.js';
import type { Power } from './power.js';
import {
  CS_CONFIG_DOORBELL_ID,
  CSF_GLB_DOORBELL_ID,
  CSG_SUSPEND_BUF_SIZE,
  FW_CODE_VA,
  FW_DATA_CLEAN,
  FW_DATA_DIRTY,
  FW_DATA_VA,
  FW_IMAGE_MAGIC,
  GLB_CFG_PROGRESS_TIMER,
  GLB_HALT,
  GLB_PING,
  GLB_PROGRESS_TIMER_UNIT_SHIFT,
  GLB_REQ_MASK,
  GPU_IRQ_MCU_STATUS_CHANGED,
  JOB_INT_GLOBAL_IF,
  MCU_CONTROL_AUTO,
  MCU_CONTROL_DISABLE,
  MCU_CONTROL_ENABLE,
  MCU_STATUS_DISABLED,
  MCU_STATUS_ENABLED,
  MCU_STATUS_FATAL,
  MCU_STATUS_HALT,
  PANTHOR_FW_HALT_OK,
  RESETLAB_FW_IFACE_VERSION,
} from './regs.js';

const STATUS_NAMES = ['DISABLED', 'ENABLED', 'HALT', 'FATAL'];

export class Mcu implements CsgFirmware {
  status = MCU_STATUS_DISABLED;
  control = MCU_CONTROL_DISABLE;
  /** The firmware stopped answering (fw-hang). */
  hung = false;
  readonly events: HwEvents;
  readonly engine: CsEngine;
  readonly csgs: CsgSlot[];
  /** Saved groups by suspend-buffer PA: memory, so it survives resets and power cycles. */
  readonly suspendStore = new Map<number, SavedGroup>();
  /** Why the last boot failed, or null ('' before any boot). */
  lastBootError: string | null = '';
  private bootEvent: TimedEvent | null = null;
  private glbInflight = 0;
  private glbBellEvent: TimedEvent | null = null;
  private userBellEvent: TimedEvent | null = null;
  private readonly userBells = new Set<number>();
  private tokens = 0;
  /** See CsgFirmware.progressTimeoutNs. */
  progressTimeoutNs = 0;

  constructor(
    readonly ctx: HwContext,
    readonly mmu: Mmu,
    private readonly power: Power,
    readonly jobIrq: IrqRegs,
    private readonly gpuIrq: IrqRegs,
    readonly fw: FwIface,
  ) {
    this.events = new HwEvents(ctx.k);
    this.engine = new CsEngine(ctx, mmu);
    this.csgs = fw.csg.map((iface, slot) => new CsgSlot(this, slot, iface));
  }

  get running(): boolean {
    return this.status === MCU_STATUS_ENABLED && !this.hung;
  }

  get booting(): boolean {
    return this.bootEvent !== null;
  }

  /** Some stream is executing (GPU_STATUS.ACTIVE). */
  get active(): boolean {
    if (this.engine.frozen) return false;
    for (const g of this.csgs) for (const s of g.streams) if (s.busy) return true;
    return false;
  }

  ackDelay(baseNs: number, what: string): number {
    const ctx = this.ctx;
    return ctx.faults.take('late-ack', what) ? ctx.latency(ctx.cfg.lateAckNs) : ctx.latency(baseNs);
  }

  nextToken(): number {
    this.tokens = (this.tokens + 1) >>> 0 || 1;
    return this.tokens;
  }

  private setStatus(status: number): void {
    if (status === this.status) return;
    this.status = status;
    this.ctx.k.trace.instant(this.ctx.lanes.fw, 'fw', `MCU ${STATUS_NAMES[status] ?? status}`);
    this.gpuIrq.raise(GPU_IRQ_MCU_STATUS_CHANGED);
  }

  // -------------------------------------------------------------------------------------------
  // MCU_CONTROL and boot

  writeControl(value: number): void {
    this.control = value & 0x3;
    if (this.control === MCU_CONTROL_ENABLE || this.control === MCU_CONTROL_AUTO) {
      if (this.status === MCU_STATUS_ENABLED || this.bootEvent !== null) return;
      this.startBoot();
    } else if (this.control === MCU_CONTROL_DISABLE) {
      this.stop();
      this.setStatus(MCU_STATUS_DISABLED);
    }
  }

  private startBoot(): void {
    // The firmware rebuilds its interfaces from scratch: nothing the host wrote before boot
    // survives (the host programs them after the boot interrupt, as Panthor does).
    this.stop();
    zeroFwIface(this.fw);
    this.progressTimeoutNs = 0;
    this.ctx.k.trace.instant(this.ctx.lanes.fw, 'fw', 'boot start');
    this.bootEvent = this.events.at(this.ctx.latency(this.ctx.cfg.mcuBootNs), 'mcu-boot', () => {
      this.bootEvent = null;
      this.finishBoot();
    });
  }

  private bootCheck(): string | null {
    if (!this.power.l2Ready) return 'L2 not powered';
    const mmu = this.mmu;
    const code = mmu.read32(0, FW_CODE_VA, 'fw');
    if (code < 0) return 'firmware code section not mapped in AS0';
    const data = mmu.read32(0, FW_DATA_VA, 'fw');
    if (data < 0) return 'firmware data section not mapped in AS0';
    if (code !== FW_IMAGE_MAGIC) return `bad image magic 0x${code.toString(16)}`;
    if (data !== FW_DATA_CLEAN) return `data section not clean (0x${data.toString(16)})`;
    if (this.ctx.faults.take('fw-boot-fail', 'boot')) return 'fw-boot-fail';
    return null;
  }

  private finishBoot(): void {
    const ctx = this.ctx;
    const err = this.bootCheck();
    this.lastBootError = err;
    if (err !== null) {
      ctx.stats.bootFailures++;
      ctx.k.trace.instant(ctx.lanes.fw, 'fw', 'boot failed', { reason: err });
      this.setStatus(MCU_STATUS_FATAL);
      return;
    }
    this.mmu.write32(0, FW_DATA_VA, FW_DATA_DIRTY, 'fw');
    const glb = this.fw.glb;
    glb.control.version = RESETLAB_FW_IFACE_VERSION;
    glb.control.features = 0;
    glb.control.groupNum = this.csgs.length;
    glb.control.perfcntSize = 0;
    for (const g of this.fw.csg) {
      g.control.streamNum = g.streams.length;
      g.control.suspendSize = CSG_SUSPEND_BUF_SIZE;
      g.control.features = 0;
    }
    this.hung = false;
    ctx.stats.boots++;
    ctx.k.trace.instant(ctx.lanes.fw, 'fw', 'boot done');
    this.setStatus(MCU_STATUS_ENABLED);
    this.jobIrq.raise(JOB_INT_GLOBAL_IF);
  }

  /** Stops the firmware: groups and pending work are gone (MCU_CONTROL DISABLE, halt, reset). */
  private stop(): void {
    this.events.cancelAll();
    this.bootEvent = null;
    this.glbBellEvent = null;
    this.userBellEvent = null;
    this.userBells.clear();
    this.glbInflight = 0;
    for (const g of this.csgs) g.drop();
    this.engine.reset();
    this.hung = false;
  }

  /** A GPU reset was requested: the MCU stops making progress until the reset wipes it. */
  quiesce(): void {
    const streams = this.csgs.flatMap((g) => g.streams);
    this.events.cancelAll();
    this.bootEvent = null;
    this.glbBellEvent = null;
    this.userBellEvent = null;
    this.glbInflight = 0;
    this.engine.freeze(streams);
  }

  /** State loss (soft/hard reset, power-off): MCU disabled, interfaces zeroed. */
  reset(): void {
    this.stop();
    zeroFwIface(this.fw);
    this.progressTimeoutNs = 0;
    this.status = MCU_STATUS_DISABLED;
    this.control = MCU_CONTROL_DISABLE;
  }

  /** The `fw-hang` fault's arm-time opportunity. */
  faultLive(): void {
    if (this.running && this.ctx.faults.take('fw-hang', 'armed while running')) this.hang();
  }

  private hang(): void {
    this.hung = true;
    this.events.cancelAll();
    this.glbBellEvent = null;
    this.userBellEvent = null;
    this.glbInflight = 0;
    this.engine.freeze(this.csgs.flatMap((g) => g.streams));
    this.ctx.k.trace.instant(this.ctx.lanes.fw, 'fw', 'firmware hung');
  }

  private halt(): void {
    for (const g of this.csgs) g.drop();
    this.engine.reset();
    this.mmu.write32(0, FW_DATA_VA, FW_DATA_CLEAN, 'fw');
    this.fw.glb.output.haltStatus = PANTHOR_FW_HALT_OK;
    this.setStatus(MCU_STATUS_HALT);
  }

  // -------------------------------------------------------------------------------------------
  // Doorbells and the global interface

  doorbell(id: number): void {
    const ctx = this.ctx;
    ctx.stats.doorbells++;
    if (!this.running) {
      ctx.k.trace.instant(ctx.lanes.fw, 'fw', 'doorbell ignored', { id });
      return;
    }
    if (id === CSF_GLB_DOORBELL_ID) {
      if (this.glbBellEvent !== null) return;
      this.glbBellEvent = this.events.at(ctx.latency(ctx.cfg.doorbellNs), 'glb-doorbell', () => {
        this.glbBellEvent = null;
        this.processGlb();
      });
      return;
    }
    this.userBells.add(id);
    if (this.userBellEvent !== null) return;
    this.userBellEvent = this.events.at(ctx.latency(ctx.cfg.doorbellNs), 'cs-doorbell', () => {
      this.userBellEvent = null;
      this.processUserBells();
    });
  }

  private processGlb(): void {
    if (!this.running) return;
    if (this.ctx.faults.take('fw-hang', 'glb doorbell')) {
      this.hang();
      return;
    }
    const glb = this.fw.glb;
    const pending = (glb.input.req ^ glb.output.ack) & GLB_REQ_MASK & ~this.glbInflight;
    if (pending !== 0) {
      this.glbInflight |= pending;
      const what =
        (pending & GLB_HALT) !== 0 ? 'HALT' : (pending & GLB_PING) !== 0 ? 'PING' : 'CFG';
      this.events.at(this.ackDelay(this.ctx.cfg.glbReqNs, `glb ${what}`), 'glb-ack', () =>
        this.ackGlb(pending),
      );
    }
    const slotMask = (2 ** this.csgs.length - 1) >>> 0;
    const slots = (glb.input.doorbellReq ^ glb.output.doorbellAck) & slotMask;
    glb.output.doorbellAck = (glb.output.doorbellAck ^ slots) >>> 0;
    for (let i = 0; i < this.csgs.length; i++) {
      if ((slots >>> i) & 1) (this.csgs[i] as CsgSlot).process();
    }
    this.engine.wakeWaiters();
  }

  private ackGlb(bits: number): void {
    this.glbInflight &= ~bits;
    if (!this.running) return;
    const glb = this.fw.glb;
    glb.output.ack = ((glb.output.ack & ~bits) | (glb.input.req & bits)) >>> 0;
    this.ctx.stats.glbAcks++;
    if ((bits & GLB_HALT) !== 0) this.halt();
    // The firmware takes the progress timeout when it acknowledges the configuration request
    // (the value is in units of 1024 GPU cycles; 1 cycle = 1 ns in the model).
    if ((bits & GLB_CFG_PROGRESS_TIMER) !== 0) {
      this.progressTimeoutNs = glb.input.progressTimer * 2 ** GLB_PROGRESS_TIMER_UNIT_SHIFT;
    }
    this.ctx.k.trace.instant(this.ctx.lanes.fw, 'fw', 'glb ack', { bits });
    if ((glb.input.ackIrqMask & bits) !== 0) this.jobIrq.raise(JOB_INT_GLOBAL_IF);
  }

  private processUserBells(): void {
    if (!this.running) return;
    for (const g of this.csgs) {
      if (!g.running) continue;
      for (const s of g.streams) {
        if (this.userBells.has(CS_CONFIG_DOORBELL_ID(s.iface.input.config))) s.kick();
      }
    }
    this.userBells.clear();
    this.engine.wakeWaiters();
  }
}
