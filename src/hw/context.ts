/**
 * What every block of the virtual GPU shares: the kernel (time, trace), the configuration, the
 * jittered-latency source, physical memory, the fault plane, statistics, the checker-facing
 * logs and observation hooks, and a per-block event set.
 *
 * The hardware is not a task: it reacts synchronously to MMIO writes and to its own timed events
 * (`k.at`), and never awaits. Each block keeps its pending events in an `HwEvents` set, so that
 * a reset, a power-off or an MCU stop can cancel exactly the work that state loss abandons
 * (a cancelled event also stops holding the run open). Rejected: a generation counter checked
 * in every callback; stale events would still fire, advance virtual time and change the trace.
 */
import type { TimedEvent } from '../kernel/events.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Lane } from '../kernel/trace.js';
import type { FaultPlane } from './faults.js';
import { type GpuConfig, jitter } from './latency.js';
import type { PhysMem } from './memory.js';

/** Who made a GPU memory access (for page-fault and DMA logs). */
export type DmaSource = 'cs' | 'fw-suspend' | 'fw-heap' | 'prfcnt' | 'fw';

export interface PageFaultRecord {
  as: number;
  va: number;
  write: boolean;
  source: DmaSource;
  atNs: number;
  /** Exception type recorded (TRANSLATION_FAULT_0 or PERM_FAULT_0). */
  exception: number;
  csg?: number;
  cs?: number;
  /**
   * The address space had already faulted since it was last enabled (an UPDATE to a 4K table
   * mode): the driver's fault handler may have disabled it, so this access fails because of
   * that earlier fault, whatever is mapped.
   */
  afterFault?: boolean;
}

export interface DmaAccess {
  as: number;
  va: number;
  pa: number;
  write: boolean;
  source: DmaSource;
  /** Present (true) when the access falls in the AS's locked region: hardware would stall it. */
  locked?: true;
}

/** A GPU access that translated to a physical page that is not allocated (freed). */
export interface FreedAccess extends DmaAccess {
  atNs: number;
}

export interface MmioAccess {
  offset: number;
  write: boolean;
  value: number;
  atNs: number;
}

export interface GpuStats {
  /** Command-stream instructions executed. */
  instructions: number;
  /** Nanoseconds spent in RUN, all streams together (in-progress RUNs counted when sampled). */
  runNs: number;
  /** RUN instructions started. */
  runs: number;
  /** SYNC_ADD64 executed. */
  syncAdds: number;
  /** SYNC_SET64 executed. */
  syncSets: number;
  doorbells: number;
  tilerBytes: number;
  heapAllocs: number;
  tilerOoms: number;
  csFatals: number;
  mmuTranslations: number;
  tlbMisses: number;
  dmaReads: number;
  dmaWrites: number;
  pageFaults: number;
  glbAcks: number;
  csgAcks: number;
  /** CSG_PROGRESS_TIMER_EVENTs raised (a RUN without progress for the progress timeout). */
  progressTimeouts: number;
  boots: number;
  bootFailures: number;
  resetsCompleted: number;
  prfcntSamples: number;
  cacheFlushes: number;
  mmioReads: number;
  mmioWrites: number;
}

export function newGpuStats(): GpuStats {
  return {
    instructions: 0,
    runNs: 0,
    runs: 0,
    syncAdds: 0,
    syncSets: 0,
    doorbells: 0,
    tilerBytes: 0,
    heapAllocs: 0,
    tilerOoms: 0,
    csFatals: 0,
    mmuTranslations: 0,
    tlbMisses: 0,
    dmaReads: 0,
    dmaWrites: 0,
    pageFaults: 0,
    glbAcks: 0,
    csgAcks: 0,
    progressTimeouts: 0,
    boots: 0,
    bootFailures: 0,
    resetsCompleted: 0,
    prfcntSamples: 0,
    cacheFlushes: 0,
    mmioReads: 0,
    mmioWrites: 0,
  };
}

/** A block's pending hardware events; cancelled together when the block loses its state. */
export class HwEvents {
  private readonly live = new Set<TimedEvent>();

  constructor(private readonly k: Kernel) {}

  at(delayNs: number, label: string, fire: () => void): TimedEvent {
    const ev: TimedEvent = this.k.at(delayNs, label, () => {
      this.live.delete(ev);
      fire();
    });
    this.live.add(ev);
    return ev;
  }

  cancel(ev: TimedEvent | null): void {
    if (ev !== null && this.live.delete(ev)) this.k.cancelEvent(ev);
  }

  cancelAll(): void {
    for (const ev of this.live) this.k.cancelEvent(ev);
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }
}

/** Logs are bounded (docs/design.md §5: a limit on everything); `dropped` counts what did not fit. */
export const MAX_LOG = 10_000;

export class HwContext {
  readonly stats: GpuStats = newGpuStats();
  readonly pageFaults: PageFaultRecord[] = [];
  readonly freedAccesses: FreedAccess[] = [];
  /** Entries not stored because a log was full. */
  logsDropped = 0;
  onDma: ((a: DmaAccess) => void) | null = null;
  /** The same without a record per access (see `VirtualGpu.onDmaAccess`). */
  onDmaAccess:
    | ((as: number, va: number, pa: number, write: boolean, locked: boolean) => void)
    | null = null;
  readonly lanes: {
    readonly gpu: Lane;
    readonly fw: Lane;
    readonly csg: readonly Lane[];
    readonly as: readonly Lane[];
  };
  private asyncIds = 1;

  constructor(
    readonly k: Kernel,
    readonly cfg: GpuConfig,
    readonly mem: PhysMem,
    readonly faults: FaultPlane,
  ) {
    const t = k.trace;
    this.lanes = {
      // Lane names say whose view a row is: the hardware's (hw), the firmware's (fw) or the
      // driver's (src/driver/device.ts), so that no two rows read alike.
      gpu: t.lane('gpu', 'GPU (hw)'),
      fw: t.lane('fw', 'MCU (fw)'),
      csg: Array.from({ length: cfg.csgSlots }, (_, i) => t.lane('csg', `CSG${i} (fw)`)),
      as: Array.from({ length: cfg.asSlots }, (_, i) => t.lane('as', `AS${i} (hw)`)),
    };
  }

  /** A latency from the configuration, jittered with the hardware PRNG. */
  latency(ns: number): number {
    return jitter(this.k.hwRng, ns, this.cfg.jitter);
  }

  /** A fresh id for an async trace slice. */
  asyncId(): number {
    return this.asyncIds++;
  }

  log<T>(list: T[], item: T): void {
    if (list.length < MAX_LOG) list.push(item);
    else this.logsDropped++;
  }
}
