/**
 * The virtual Mali CSF GPU: composition of the blocks and the MMIO window the driver talks to.
 *
 * Blocks (one file each): gpu-control.ts (identification, GPU interrupts, GPU_CMD, resets),
 * power.ts (L2/tiler/shader domains), mmu.ts (address spaces, TLBs, MMU interrupts), mcu.ts
 * (boot, global interface, doorbells) with csg.ts and cs-exec.ts (groups and streams),
 * perfcnt.ts (Panfrost-style counters), faults.ts (the fault plane), memory.ts (physical pages).
 *
 * The hardware is not a task. It reacts synchronously to `read32`/`write32` and to its own timed
 * events on the kernel's queue, and raises interrupts by driving three level-triggered lines
 * (`irq.gpu`, `irq.mmu`, `irq.job`). Expected failures are states and register values, never
 * exceptions; an exception thrown from here is a bug in the model.
 *
 * Beyond the registers, the platform side: `setPower` is the runtime-PM power domain (off loses
 * every register and all firmware state, memory survives, MMIO while off reads 0, is ignored and
 * is recorded in `offAccesses`), and `coldReset` is a bus/function reset (everything back to
 * power-on state and the "always" faults cleared; what the `bus-reset` recovery method does).
 *
 * Observation for the checkers never changes behaviour: `onMmio`, `onRegisterAccess` and `onDma`
 * hooks (a null check each when unset), and logs (`pageFaults`, `freedAccesses`, `resets`, `offAccesses`,
 * `unknownAccesses`, `ignoredWrites`, `faults.fired`), all bounded.
 */
import { IrqLine } from '../kernel/irq.js';
import type { Kernel } from '../kernel/kernel.js';
import {
  type DmaAccess,
  type FreedAccess,
  type GpuStats,
  HwContext,
  type MmioAccess,
  type PageFaultRecord,
} from './context.js';
import type { StreamState } from './cs-exec.js';
import { FaultPlane } from './faults.js';
import { type FwIface, newFwIface } from './fw-iface.js';
import { GpuControl, type ResetRecord } from './gpu-control.js';
import { IrqRegs } from './irq-regs.js';
import { type GpuConfig, resolveGpuConfig } from './latency.js';
import { Mcu } from './mcu.js';
import { PhysMem } from './memory.js';
import { Mmu } from './mmu.js';
import { PerfCounters, type PerfCounterValues } from './perfcnt.js';
import { Power } from './power.js';
import { regName } from './reg-names.js';
import {
  CSF_DOORBELL,
  GPU_CMD,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  JOB_INT_CLEAR,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  JOB_INT_STAT,
  L2_PWROFF,
  L2_PWRON,
  MCU_CONTROL,
  MCU_STATUS,
  MMIO_SIZE,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  PRFCNT_CONFIG,
} from './regs.js';

const DOORBELL_BASE = CSF_DOORBELL(0);
const DOORBELL_STRIDE = 0x10000;
const DOORBELL_COUNT = 64;

export class VirtualGpu {
  readonly cfg: GpuConfig;
  readonly irq: { readonly gpu: IrqLine; readonly mmu: IrqLine; readonly job: IrqLine };
  readonly mem: PhysMem;
  readonly fw: FwIface;
  readonly faults: FaultPlane;
  readonly stats: GpuStats;
  readonly pageFaults: PageFaultRecord[];
  readonly freedAccesses: FreedAccess[];
  readonly resets: ResetRecord[];
  /** Writes ignored because the GPU was in reset. */
  readonly ignoredWrites: MmioAccess[];
  /** MMIO while the power domain was off (reads gave 0, writes were dropped). */
  readonly offAccesses: MmioAccess[] = [];
  /** MMIO to offsets the model does not implement (reads gave 0). */
  readonly unknownAccesses: MmioAccess[] = [];
  /** Observation hook: every MMIO access, after it took effect. Must not change the model. */
  onMmio: ((a: MmioAccess) => void) | null = null;
  /**
   * The same without a record per access (the checker's hook: a driver makes an MMIO access
   * every few steps, and an object each is garbage the oracle does not need).
   */
  onRegisterAccess: ((offset: number, write: boolean) => void) | null = null;
  /**
   * Set with `onRegisterAccess` by a hook that can tell: whether a read by the running task, now,
   * would leave the hook as it is (nothing reported, nothing remembered that matters). Without
   * it, a hooked read is never `repeatableRead`.
   */
  registerAccessQuiet: (() => boolean) | null = null;

  private readonly ctx: HwContext;
  private readonly gpuIrq: IrqRegs;
  private readonly jobIrq: IrqRegs;
  private readonly control: GpuControl;
  private readonly power: Power;
  private readonly mmu: Mmu;
  private readonly mcu: Mcu;
  private readonly perf: PerfCounters;
  private isPowered = true;

  constructor(
    private readonly k: Kernel,
    cfg: Partial<GpuConfig> = {},
  ) {
    this.cfg = resolveGpuConfig(cfg);
    this.mem = new PhysMem(this.cfg.physMemBytes);
    this.faults = new FaultPlane(k);
    this.ctx = new HwContext(k, this.cfg, this.mem, this.faults);
    this.stats = this.ctx.stats;
    this.pageFaults = this.ctx.pageFaults;
    this.freedAccesses = this.ctx.freedAccesses;
    this.irq = {
      gpu: new IrqLine(k, 'gpu'),
      mmu: new IrqLine(k, 'mmu'),
      job: new IrqLine(k, 'job'),
    };
    this.gpuIrq = new IrqRegs(this.irq.gpu, this.faults);
    this.jobIrq = new IrqRegs(this.irq.job, this.faults);
    this.fw = newFwIface(this.cfg.csgSlots, this.cfg.streamsPerCsg);
    this.mmu = new Mmu(this.ctx, this.irq.mmu);
    this.power = new Power(this.ctx, this.gpuIrq);
    this.mcu = new Mcu(this.ctx, this.mmu, this.power, this.jobIrq, this.gpuIrq, this.fw);
    this.perf = new PerfCounters(this.ctx, this.mmu, this.gpuIrq, () => this.settle());
    const self = this;
    this.control = new GpuControl(this.ctx, this.gpuIrq, {
      quiesce: () => this.quiesce(),
      wipe: () => this.wipe(true),
      prfcntSample: () => this.perf.sample(),
      prfcntClear: () => this.perf.clear(),
      get active() {
        return self.mcu.active;
      },
      get powerTransitioning() {
        return self.power.transitioning;
      },
    });
    this.resets = this.control.resets;
    this.ignoredWrites = this.control.ignoredWrites;
    this.faults.onLive = (name) => {
      if (!this.isPowered) return;
      if (name === 'fw-hang') this.mcu.faultLive();
      else if (name === 'stale-reset-completed') this.control.faultLive();
    };
  }

  // -------------------------------------------------------------------------------------------
  // Observation

  get onDma(): ((a: DmaAccess) => void) | null {
    return this.ctx.onDma;
  }

  set onDma(fn: ((a: DmaAccess) => void) | null) {
    this.ctx.onDma = fn;
  }

  /**
   * Every GPU memory access through an AS, as arguments rather than a record (the checker's
   * hook: command streams make many accesses, and a record each is garbage it does not need).
   * `locked`: the access falls in the AS's locked region (real hardware would stall it).
   */
  get onDmaAccess(): HwContext['onDmaAccess'] {
    return this.ctx.onDmaAccess;
  }

  set onDmaAccess(fn: HwContext['onDmaAccess']) {
    this.ctx.onDmaAccess = fn;
  }

  /** Truth for the `stale-reset-irq` oracle: a reset was requested and has not completed. */
  get resetInProgress(): boolean {
    return this.control.resetInProgress;
  }

  get powered(): boolean {
    return this.isPowered;
  }

  /** MCU_STATUS as the hardware holds it (also readable by MMIO). */
  get mcuStatus(): number {
    return this.mcu.status;
  }

  /** Whether the firmware is hung (fw-hang), for tests and reports. */
  get firmwareHung(): boolean {
    return this.mcu.hung;
  }

  /**
   * The progress timeout the firmware took from GLB_PROGRESS_TIMER (ns; 0 until the host's
   * GLB_CFG_PROGRESS_TIMER request was acknowledged), for tests and reports.
   */
  get progressTimeoutNs(): number {
    return this.mcu.progressTimeoutNs;
  }

  /** Why the last MCU boot failed (null after a successful boot). */
  get lastBootError(): string | null {
    return this.mcu.lastBootError;
  }

  /** The execution state of stream `cs` of CSG slot `csg` (for tests and checkers). */
  streamState(csg: number, cs: number): StreamState {
    return this.mcu.csgs[csg]?.streams[cs]?.state ?? 'off';
  }

  /** RUN time of the queue on stream `cs` of CSG slot `csg` since it started (settled now). */
  queueRunNs(csg: number, cs: number): number {
    const s = this.mcu.csgs[csg]?.streams[cs];
    if (s === undefined) return 0;
    s.settle();
    return s.runNs;
  }

  /** Whether a group is on CSG slot `csg` (started or resumed). */
  csgRunning(csg: number): boolean {
    return this.mcu.csgs[csg]?.running ?? false;
  }

  /** Whether AS_ACTIVE is set on `as`. */
  asActive(as: number): boolean {
    return this.mmu.asActive(as);
  }

  /** Current perf-counter values (what a sample would write now, before 32-bit wrapping). */
  perfCounters(): PerfCounterValues {
    return this.perf.values();
  }

  /** Bytes one perf-counter sample occupies for this configuration. */
  get prfcntSampleBytes(): number {
    return this.perf.sampleBytes;
  }

  /** Brings in-progress RUN time and spin loops into `stats`. */
  settle(): void {
    for (const g of this.mcu.csgs) for (const s of g.streams) s.settle();
  }

  // -------------------------------------------------------------------------------------------
  // The MMIO window

  read32(offset: number): number {
    let value = 0;
    this.stats.mmioReads++;
    if (!this.isPowered) {
      this.ctx.log(this.offAccesses, { offset, write: false, value: 0, atNs: this.k.nowNs });
    } else {
      value = this.readReg(offset) >>> 0;
    }
    if (this.onMmio !== null) this.onMmio({ offset, write: false, value, atNs: this.k.nowNs });
    if (this.onRegisterAccess !== null) this.onRegisterAccess(offset, false);
    return value;
  }

  /**
   * Whether reading `offset` again later, with no hardware event and no other MMIO in between,
   * returns the same value and has no effect but `stats.mmioReads`: the register is implemented
   * (an unknown offset is logged), does not move with time (the cycle counter and timestamp do),
   * the GPU is powered (a read without power is logged), and no observer sees each read (or the
   * one that does says this read would not matter to it). Register reads have no side effects
   * in this model otherwise: status, ready and fault registers only report state that events
   * and writes change. What a poll loop needs to know before it skips the identical reads of a
   * stretch in which nothing else can happen (driver/io.ts `poll`).
   */
  repeatableRead(offset: number): boolean {
    if (!this.isPowered || this.onMmio !== null) return false;
    if (this.onRegisterAccess !== null) {
      if (this.registerAccessQuiet === null || !this.registerAccessQuiet()) return false;
    }
    if (this.control.readMovesWithTime(offset)) return false;
    return this.regValue(offset) !== undefined;
  }

  /** Counts `n` reads that a poll loop skipped because they were `repeatableRead`. */
  countSkippedReads(n: number): void {
    this.stats.mmioReads += n;
  }

  write32(offset: number, value: number): void {
    const v = value >>> 0;
    this.stats.mmioWrites++;
    const atNs = this.k.nowNs;
    if (!this.isPowered) {
      this.ctx.log(this.offAccesses, { offset, write: true, value: v, atNs });
    } else if (this.control.resetInProgress && !writableDuringReset(offset)) {
      this.control.logIgnored({ offset, write: true, value: v, atNs });
      this.k.trace.instant(this.ctx.lanes.gpu, 'mmio', 'write ignored (in reset)', {
        offset,
        reg: regName(offset),
      });
    } else {
      this.writeReg(offset, v);
    }
    if (this.onMmio !== null) this.onMmio({ offset, write: true, value: v, atNs });
    if (this.onRegisterAccess !== null) this.onRegisterAccess(offset, true);
  }

  private readReg(offset: number): number {
    const v = this.regValue(offset);
    if (v !== undefined) return v;
    this.unknown(offset, false, 0);
    return 0;
  }

  /**
   * What a read of `offset` returns, undefined for an offset no block implements. No side
   * effects: `readReg` and `repeatableRead` both ask it.
   */
  private regValue(offset: number): number | undefined {
    if (this.control.handles(offset)) return this.control.read(offset);
    if (this.power.handles(offset)) return this.power.read(offset);
    if (this.mmu.handles(offset)) return this.mmu.read(offset);
    if (this.perf.handles(offset)) return this.perf.read(offset);
    switch (offset) {
      case MCU_CONTROL:
        return this.mcu.control;
      case MCU_STATUS:
        return this.mcu.status;
      case JOB_INT_RAWSTAT:
        return this.jobIrq.rawstat;
      case JOB_INT_MASK:
        return this.jobIrq.mask;
      case JOB_INT_STAT:
        return this.jobIrq.stat;
      case JOB_INT_CLEAR:
        return 0;
    }
    if (doorbellId(offset) >= 0) return 0;
    return undefined;
  }

  private writeReg(offset: number, value: number): void {
    const trace = this.k.trace;
    const lane = this.ctx.lanes.gpu;
    if (this.control.handles(offset)) {
      if (offset === GPU_CMD) trace.instant(lane, 'mmio', 'GPU_CMD', { value });
      this.control.write(offset, value);
      return;
    }
    if (this.power.handles(offset)) {
      if (offset === L2_PWRON || offset === L2_PWROFF) {
        trace.instant(lane, 'mmio', offset === L2_PWRON ? 'L2_PWRON' : 'L2_PWROFF', { value });
      }
      this.power.write(offset, value);
      return;
    }
    if (this.mmu.handles(offset)) {
      this.mmu.write(offset, value);
      return;
    }
    if (this.perf.handles(offset)) {
      if (offset === PRFCNT_CONFIG) trace.instant(lane, 'mmio', 'PRFCNT_CONFIG', { value });
      this.perf.write(offset, value);
      return;
    }
    switch (offset) {
      case MCU_CONTROL:
        trace.instant(this.ctx.lanes.fw, 'mmio', 'MCU_CONTROL', { value });
        this.mcu.writeControl(value);
        return;
      case JOB_INT_MASK:
        this.jobIrq.setMask(value);
        return;
      case JOB_INT_CLEAR:
        this.jobIrq.clear(value);
        return;
      case MCU_STATUS:
      case JOB_INT_RAWSTAT:
      case JOB_INT_STAT:
        return;
    }
    const bell = doorbellId(offset);
    if (bell >= 0) {
      trace.instant(this.ctx.lanes.fw, 'mmio', 'doorbell', {
        id: bell,
        reg: `CSF_DOORBELL(${bell})`,
      });
      this.mcu.doorbell(bell);
      return;
    }
    this.unknown(offset, true, value);
  }

  private unknown(offset: number, write: boolean, value: number): void {
    this.ctx.log(this.unknownAccesses, { offset, write, value, atNs: this.k.nowNs });
  }

  // -------------------------------------------------------------------------------------------
  // Resets and power

  /** A reset was requested: every block stops making progress. */
  private quiesce(): void {
    this.mcu.quiesce();
    this.mmu.quiesce();
    this.power.quiesce();
    this.perf.quiesce();
  }

  /** State loss of every block (memory survives). */
  private wipe(keepGpuMask: boolean): void {
    this.mcu.reset();
    this.mmu.reset();
    this.power.reset();
    this.perf.reset();
    this.jobIrq.reset(false);
    if (!keepGpuMask) this.gpuIrq.reset(false);
  }

  /** The platform power domain (runtime PM). Off loses all register and firmware state. */
  setPower(on: boolean): void {
    if (on === this.isPowered) return;
    const lane = this.ctx.lanes.gpu;
    if (!on) {
      this.control.powerLoss();
      this.wipe(false);
      this.isPowered = false;
      for (const r of [this.gpuIrq, this.jobIrq, this.mmu.irq]) r.setEnabled(false);
      this.k.trace.instant(lane, 'power', 'GPU power off');
    } else {
      this.isPowered = true;
      for (const r of [this.gpuIrq, this.jobIrq, this.mmu.irq]) r.setEnabled(true);
      this.k.trace.instant(lane, 'power', 'GPU power on');
    }
  }

  /**
   * A bus/function reset: everything back to power-on state, powered, and the "always" faults
   * that describe a broken device cleared (a workload's `job-hang` stays armed). Memory survives;
   * the driver re-probes.
   */
  coldReset(): void {
    const now = this.k.nowNs;
    this.control.powerLoss();
    this.wipe(false);
    this.isPowered = true;
    for (const r of [this.gpuIrq, this.jobIrq, this.mmu.irq]) r.setEnabled(true);
    this.faults.disarmUnlimited(['job-hang']);
    this.ctx.log(this.resets, { kind: 'cold', requestedAtNs: now, completedAtNs: now });
    this.k.trace.instant(this.ctx.lanes.gpu, 'reset', 'cold reset');
  }
}

function doorbellId(offset: number): number {
  if (offset < DOORBELL_BASE || offset >= MMIO_SIZE) return -1;
  const rel = offset - DOORBELL_BASE;
  if (rel % DOORBELL_STRIDE !== 0) return -1;
  const id = rel / DOORBELL_STRIDE;
  return id < DOORBELL_COUNT ? id : -1;
}

/**
 * Registers that still accept writes while the GPU is in reset: the three interrupt blocks'
 * CLEAR and MASK, and GPU_CMD (a new reset request restarts the reset; other commands are
 * ignored by the control block).
 */
function writableDuringReset(offset: number): boolean {
  return (
    offset === GPU_CMD ||
    offset === GPU_INT_CLEAR ||
    offset === GPU_INT_MASK ||
    offset === JOB_INT_CLEAR ||
    offset === JOB_INT_MASK ||
    offset === MMU_INT_CLEAR ||
    offset === MMU_INT_MASK
  );
}
