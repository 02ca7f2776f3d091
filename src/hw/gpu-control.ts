/**
 * The GPU control block: identification registers, the GPU interrupt block, GPU_CMD (soft and
 * hard reset, cache flush, perf-counter sample and clear), GPU_STATUS, timestamps, and the reset
 * state machine.
 *
 * A reset request (GPU_CMD SOFT_RESET or HARD_RESET) stops the GPU making progress at once
 * (firmware, streams and every latency in flight are frozen) and, `softResetNs` later, really
 * resets it: AS state and TLBs, the MCU and every firmware interface, the L2, the perf-counter
 * configuration and counters, and the JOB and MMU interrupt blocks are wiped, GPU_INT_RAWSTAT is
 * cleared, and only then RESET_COMPLETED is set (raising the interrupt if unmasked). Until that
 * moment, and forever if the reset never completes, nothing else happens: a RESET_COMPLETED bit
 * already in RAWSTAT before the request stays there until the driver clears it, so a driver that
 * does not clear it first believes a reset completed that did not (docs/design.md §3 stale-reset-irq).
 * While a reset is in progress, writes other than to the interrupt registers and GPU_CMD resets
 * are ignored (and logged in `ignoredWrites`): the hardware is in reset.
 *
 * GPU_INT_MASK survives a soft reset (Panthor and kbase wait for the RESET_COMPLETED interrupt
 * with the mask they set before the command); the JOB and MMU masks do not (Panthor re-enables
 * them in post-reset). A new reset request while one is in progress restarts it (that is how a
 * driver recovers from a stuck soft reset), and a hard reset is never subject to
 * `reset-timeout`.
 *
 * Fault opportunities here: `reset-timeout` (a soft reset never completes), and
 * `stale-reset-completed`: at its arm time, RESET_COMPLETED appears in RAWSTAT without a
 * reset and without an interrupt, as a bit left over while the interrupt was masked (between
 * an unbind and the next probe, say). Only a driver that clears it before resetting survives.
 * Rejected: a reset engine that sets the bit while the real reset still runs. No driver can
 * defend against hardware that lies about its own reset, so the fault would only add noise.
 *
 * Not modelled: GPU_FAULT_STATUS/ADDRESS (bus faults are not generated), protected mode, the
 * cache hierarchy (memory is coherent, so a flush only takes time), GPU_IRQ_FAULT.
 */
import type { TimedEvent } from '../kernel/events.js';
import { type HwContext, HwEvents, type MmioAccess } from './context.js';
import type { IrqRegs } from './irq-regs.js';
import {
  CSF_GPU_LATEST_FLUSH_ID,
  GPU_AS_PRESENT,
  GPU_CMD,
  GPU_CMD_FLUSH_CACHES_TYPE,
  GPU_CORE_FEATURES,
  GPU_CSF_ID,
  GPU_CYCLE_COUNT,
  GPU_FAULT_ADDR,
  GPU_FAULT_STATUS,
  GPU_HARD_RESET,
  GPU_ID,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_INT_STAT,
  GPU_IRQ_CLEAN_CACHES_COMPLETED,
  GPU_IRQ_RESET_COMPLETED,
  GPU_L2_FEATURES,
  GPU_MEM_FEATURES,
  GPU_MMU_FEATURES,
  GPU_PRFCNT_CLEAR,
  GPU_PRFCNT_SAMPLE,
  GPU_SOFT_RESET,
  GPU_STATUS,
  GPU_STATUS_ACTIVE,
  GPU_STATUS_PWR_ACTIVE,
  GPU_TILER_FEATURES,
  GPU_TIMESTAMP,
  GPU_TIMESTAMP_OFFSET,
} from './regs.js';

const TWO32 = 0x1_0000_0000;

export type ResetKind = 'soft' | 'hard' | 'cold';

export interface ResetRecord {
  kind: ResetKind;
  requestedAtNs: number;
  /** null while in progress, and forever for a reset that never completed or was superseded. */
  completedAtNs: number | null;
}

/** What the control block asks of the rest of the GPU. */
export interface GpuControlHost {
  /** Stop all progress (a reset was requested). */
  quiesce(): void;
  /** Wipe all state (the reset completes); the GPU interrupt mask is kept. */
  wipe(): void;
  prfcntSample(): void;
  prfcntClear(): void;
  /** GPU_STATUS.ACTIVE. */
  readonly active: boolean;
  /** GPU_STATUS.PWR_ACTIVE. */
  readonly powerTransitioning: boolean;
}

export class GpuControl {
  readonly resets: ResetRecord[] = [];
  readonly ignoredWrites: MmioAccess[] = [];
  private pending: ResetRecord | null = null;
  private resetEvent: TimedEvent | null = null;
  private resetSlice = 0;
  private timestampOffsetLo = 0;
  private timestampOffsetHi = 0;
  private flushId = 0;
  private readonly events: HwEvents;
  private readonly readers = new Map<number, () => number>();
  /** The readers that read the clock: their value moves with time on its own. */
  private readonly clockReaders = new Set<number>();

  constructor(
    private readonly ctx: HwContext,
    readonly irq: IrqRegs,
    private readonly host: GpuControlHost,
  ) {
    this.events = new HwEvents(ctx.k);
    const cfg = ctx.cfg;
    const ts = (): number => ctx.k.nowNs + this.timestampOffsetLo + this.timestampOffsetHi * TWO32;
    const r = this.readers;
    r.set(GPU_ID, () => cfg.gpuId);
    // L2: 64-byte lines, 512 KiB, 16 ways (log2 fields as Panthor decodes them).
    r.set(GPU_L2_FEATURES, () => 0x07130206);
    r.set(GPU_CORE_FEATURES, () => 0);
    r.set(GPU_TILER_FEATURES, () => 0x809);
    r.set(GPU_MEM_FEATURES, () => 0x1);
    // 48-bit VAs, 40-bit PAs.
    r.set(GPU_MMU_FEATURES, () => 0x2830);
    r.set(GPU_AS_PRESENT, () => (2 ** cfg.asSlots - 1) >>> 0);
    r.set(GPU_CSF_ID, () => 0x40a00000);
    r.set(GPU_INT_RAWSTAT, () => this.irq.rawstat);
    r.set(GPU_INT_MASK, () => this.irq.mask);
    r.set(GPU_INT_STAT, () => this.irq.stat);
    r.set(GPU_INT_CLEAR, () => 0);
    r.set(GPU_CMD, () => 0);
    r.set(GPU_STATUS, () => this.status());
    r.set(GPU_FAULT_STATUS, () => 0);
    r.set(GPU_FAULT_ADDR, () => 0);
    r.set(GPU_FAULT_ADDR + 4, () => 0);
    r.set(GPU_TIMESTAMP_OFFSET, () => this.timestampOffsetLo);
    r.set(GPU_TIMESTAMP_OFFSET + 4, () => this.timestampOffsetHi);
    const clock = (offset: number, f: () => number): void => {
      r.set(offset, f);
      this.clockReaders.add(offset);
    };
    clock(GPU_CYCLE_COUNT, () => ctx.k.nowNs % TWO32);
    clock(GPU_CYCLE_COUNT + 4, () => Math.floor(ctx.k.nowNs / TWO32));
    clock(GPU_TIMESTAMP, () => ts() % TWO32);
    clock(GPU_TIMESTAMP + 4, () => Math.floor(ts() / TWO32) % TWO32);
    r.set(CSF_GPU_LATEST_FLUSH_ID, () => this.flushId);
  }

  handles(offset: number): boolean {
    return this.readers.has(offset);
  }

  /**
   * The registers whose value moves with time on its own (the cycle counter and the
   * timestamp): those whose reader was registered as reading the clock.
   */
  readMovesWithTime(offset: number): boolean {
    return this.clockReaders.has(offset);
  }

  /** A soft or hard reset has been requested and has not completed. */
  get resetInProgress(): boolean {
    return this.pending !== null;
  }

  private status(): number {
    let s = 0;
    if (this.host.active) s |= GPU_STATUS_ACTIVE;
    if (this.host.powerTransitioning) s |= GPU_STATUS_PWR_ACTIVE;
    return s;
  }

  read(offset: number): number {
    const f = this.readers.get(offset);
    return f === undefined ? 0 : f() >>> 0;
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case GPU_INT_CLEAR:
        this.irq.clear(value);
        return;
      case GPU_INT_MASK:
        this.irq.setMask(value);
        return;
      case GPU_CMD:
        this.command(value);
        return;
      case GPU_TIMESTAMP_OFFSET:
        this.timestampOffsetLo = value;
        return;
      case GPU_TIMESTAMP_OFFSET + 4:
        this.timestampOffsetHi = value;
        return;
    }
  }

  private command(cmd: number): void {
    const ctx = this.ctx;
    if (cmd === GPU_SOFT_RESET || cmd === GPU_HARD_RESET) {
      this.requestReset(cmd === GPU_SOFT_RESET ? 'soft' : 'hard');
      return;
    }
    if (this.pending !== null) {
      ctx.k.trace.instant(ctx.lanes.gpu, 'gpu', 'GPU_CMD ignored (in reset)', { cmd });
      return;
    }
    if (cmd === GPU_PRFCNT_SAMPLE) {
      ctx.k.trace.instant(ctx.lanes.gpu, 'gpu', 'GPU_CMD PRFCNT_SAMPLE');
      this.host.prfcntSample();
    } else if (cmd === GPU_PRFCNT_CLEAR) {
      ctx.k.trace.instant(ctx.lanes.gpu, 'gpu', 'GPU_CMD PRFCNT_CLEAR');
      this.host.prfcntClear();
    } else if ((cmd & 0xff) === GPU_CMD_FLUSH_CACHES_TYPE) {
      ctx.k.trace.instant(ctx.lanes.gpu, 'gpu', 'GPU_CMD FLUSH_CACHES');
      this.events.at(ctx.latency(ctx.cfg.cacheFlushNs), 'cache-flush', () => {
        this.flushId = (this.flushId + 1) >>> 0;
        ctx.stats.cacheFlushes++;
        this.irq.raise(GPU_IRQ_CLEAN_CACHES_COMPLETED);
      });
    } else {
      ctx.k.trace.instant(ctx.lanes.gpu, 'gpu', 'GPU_CMD unknown', { cmd });
    }
  }

  private requestReset(kind: 'soft' | 'hard'): void {
    const ctx = this.ctx;
    const k = ctx.k;
    if (this.pending !== null) {
      // A new request restarts the reset; the superseded one never completes.
      this.events.cancel(this.resetEvent);
      this.resetEvent = null;
      this.endSlice('superseded');
    }
    const rec: ResetRecord = { kind, requestedAtNs: k.nowNs, completedAtNs: null };
    ctx.log(this.resets, rec);
    this.pending = rec;
    this.resetSlice = ctx.asyncId();
    k.trace.asyncBegin(ctx.lanes.gpu, 'reset', `${kind} reset`, this.resetSlice);
    this.host.quiesce();
    this.events.cancelAll();
    if (kind === 'soft' && ctx.faults.take('reset-timeout', 'soft reset')) {
      k.trace.instant(ctx.lanes.gpu, 'reset', 'soft reset stuck');
      return;
    }
    this.resetEvent = this.events.at(ctx.latency(ctx.cfg.softResetNs), `${kind}-reset`, () => {
      this.resetEvent = null;
      this.completeReset(rec);
    });
  }

  private completeReset(rec: ResetRecord): void {
    const ctx = this.ctx;
    this.endSlice('done');
    this.pending = null;
    this.host.wipe();
    this.resetRegs();
    this.irq.reset(true);
    rec.completedAtNs = ctx.k.nowNs;
    ctx.stats.resetsCompleted++;
    this.irq.raise(GPU_IRQ_RESET_COMPLETED);
  }

  private endSlice(how: string): void {
    if (this.resetSlice === 0) return;
    const rec = this.pending;
    this.ctx.k.trace.asyncEnd(
      this.ctx.lanes.gpu,
      'reset',
      `${rec?.kind ?? 'soft'} reset`,
      this.resetSlice,
      {
        how,
      },
    );
    this.resetSlice = 0;
  }

  /**
   * The `stale-reset-completed` fault's arm-time opportunity: RESET_COMPLETED appears in
   * RAWSTAT without a reset and without an interrupt of its own, so no handler clears it. Only a
   * driver that clears the bit before its next soft reset is safe from it.
   */
  faultLive(): void {
    if (this.pending !== null) return;
    if (this.ctx.faults.take('stale-reset-completed', 'stale bit, no reset')) {
      this.irq.raiseSilently(GPU_IRQ_RESET_COMPLETED);
    }
  }

  /** Registers of this block a reset clears (the interrupt block is handled by the caller). */
  private resetRegs(): void {
    this.events.cancelAll();
    this.timestampOffsetLo = 0;
    this.timestampOffsetHi = 0;
  }

  /** Power-off or cold reset: any reset in progress is abandoned, everything cleared. */
  powerLoss(): void {
    if (this.pending !== null) {
      this.endSlice('power lost');
      this.pending = null;
    }
    this.resetEvent = null;
    this.resetRegs();
    this.irq.reset(false);
  }

  logIgnored(a: MmioAccess): void {
    this.ctx.log(this.ignoredWrites, a);
  }
}
