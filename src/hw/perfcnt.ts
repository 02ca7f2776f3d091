/**
 * The performance-counter block, Panfrost style (the CSF firmware's own counter interface is not
 * modelled): PRFCNT_CONFIG (mode and the AS the samples go through), PRFCNT_BASE (the GPU VA of
 * the sample buffer), per-block enable masks, and the GPU_CMD commands PRFCNT_SAMPLE and
 * PRFCNT_CLEAR.
 *
 * Counters advance with executed work while the mode is MANUAL: active cycles from RUN time (the
 * model's clock is 1 GHz, so cycles = ns), instructions, sync operations, doorbells, tiler bytes
 * and allocations, MMU translations and TLB misses, L2 reads and writes (every GPU memory
 * access), and page faults; shader-core blocks split the active cycles evenly between the cores
 * of `shaderPresent`. Rather than incrementing counters on the hot paths, the block snapshots the
 * GPU's statistics when counting starts and subtracts: the execution engine pays nothing for
 * counters nobody enabled.
 *
 * PRFCNT_SAMPLE writes the whole sample (layout in regs.ts and docs/hardware.md) through the
 * configured AS `prfcntSampleNs` after the command, then raises PRFCNT_SAMPLE_COMPLETED. A
 * translation failure there is a page fault with source 'prfcnt' (the rest of that sample is
 * not written; completion is still signalled, so the driver sees the MMU fault, not a hang).
 * PRFCNT_CLEAR zeroes the counters at once. A reset or power-off clears the configuration and
 * the counters: the perfcnt-across-reset discussion is about the driver noticing exactly that.
 */
import type { TimedEvent } from '../kernel/events.js';
import { type GpuStats, type HwContext, HwEvents } from './context.js';
import type { IrqRegs } from './irq-regs.js';
import type { Mmu } from './mmu.js';
import {
  GPU_IRQ_PRFCNT_SAMPLE_COMPLETED,
  PRFCNT_BASE_HI,
  PRFCNT_BASE_LO,
  PRFCNT_BLOCK_BYTES,
  PRFCNT_BLOCK_SHADER0,
  PRFCNT_CONFIG,
  PRFCNT_CONFIG_AS_MASK,
  PRFCNT_CONFIG_AS_SHIFT,
  PRFCNT_CONFIG_MODE_MANUAL,
  PRFCNT_COUNTERS_PER_BLOCK,
  PRFCNT_CSF_CYCLES,
  PRFCNT_CSF_DOORBELLS,
  PRFCNT_CSF_INSTRUCTIONS,
  PRFCNT_CSF_SYNC_OPS,
  PRFCNT_HDR_ENABLE,
  PRFCNT_HDR_INDEX,
  PRFCNT_HDR_KIND,
  PRFCNT_HDR_SEQ,
  PRFCNT_JM_EN,
  PRFCNT_L2_READS,
  PRFCNT_L2_WRITES,
  PRFCNT_MMU_FAULTS,
  PRFCNT_MMU_L2_EN,
  PRFCNT_MMU_TLB_MISSES,
  PRFCNT_MMU_TRANSLATIONS,
  PRFCNT_SHADER_CYCLES,
  PRFCNT_SHADER_EN,
  PRFCNT_TILER_ALLOCS,
  PRFCNT_TILER_BYTES,
  PRFCNT_TILER_EN,
  PRFCNT_TILER_OOMS,
} from './regs.js';

const TWO32 = 0x1_0000_0000;

/** The statistics the counters are derived from, in a fixed order. */
const SOURCES = [
  'runNs',
  'instructions',
  'syncOps',
  'doorbells',
  'tilerBytes',
  'heapAllocs',
  'tilerOoms',
  'mmuTranslations',
  'tlbMisses',
  'dmaReads',
  'dmaWrites',
  'pageFaults',
] as const;
type Source = (typeof SOURCES)[number];

function snapshot(s: GpuStats): number[] {
  return SOURCES.map((k) => (k === 'syncOps' ? s.syncAdds + s.syncSets : s[k]));
}

/** Counter values by name, as a sample would report them (before 32-bit wrapping). */
export type PerfCounterValues = Record<Source, number>;

export class PerfCounters {
  private baseLo = 0;
  private baseHi = 0;
  private config = 0;
  private readonly en = new Map<number, number>([
    [PRFCNT_JM_EN, 0],
    [PRFCNT_SHADER_EN, 0],
    [PRFCNT_TILER_EN, 0],
    [PRFCNT_MMU_L2_EN, 0],
  ]);
  /** Counts from earlier enabled periods. */
  private acc: number[] = SOURCES.map(() => 0);
  /** Statistics at the start of the current enabled period; null while counting is off. */
  private start: number[] | null = null;
  private seq = 0;
  private sampleEvent: TimedEvent | null = null;
  private readonly events: HwEvents;
  private readonly cores: number[];

  constructor(
    private readonly ctx: HwContext,
    private readonly mmu: Mmu,
    private readonly gpuIrq: IrqRegs,
    /** Brings in-progress work (RUN time) into the statistics before they are read. */
    private readonly settle: () => void,
  ) {
    this.events = new HwEvents(ctx.k);
    this.cores = [];
    for (let i = 0; i < 32; i++) if ((ctx.cfg.shaderPresent >>> i) & 1) this.cores.push(i);
  }

  handles(offset: number): boolean {
    return (
      offset === PRFCNT_BASE_LO ||
      offset === PRFCNT_BASE_HI ||
      offset === PRFCNT_CONFIG ||
      this.en.has(offset)
    );
  }

  read(offset: number): number {
    if (offset === PRFCNT_BASE_LO) return this.baseLo;
    if (offset === PRFCNT_BASE_HI) return this.baseHi;
    if (offset === PRFCNT_CONFIG) return this.config;
    return this.en.get(offset) ?? 0;
  }

  write(offset: number, value: number): void {
    if (offset === PRFCNT_BASE_LO) this.baseLo = value;
    else if (offset === PRFCNT_BASE_HI) this.baseHi = value;
    else if (offset === PRFCNT_CONFIG) this.setConfig(value);
    else if (this.en.has(offset)) this.en.set(offset, value);
  }

  get counting(): boolean {
    return (this.config & 0xf) === PRFCNT_CONFIG_MODE_MANUAL;
  }

  private setConfig(value: number): void {
    const was = this.counting;
    this.config = value;
    const now = this.counting;
    if (was === now) return;
    this.settle();
    const cur = snapshot(this.ctx.stats);
    if (now) {
      this.start = cur;
    } else if (this.start !== null) {
      const start = this.start;
      this.acc = this.acc.map((v, i) => v + (cur[i] as number) - (start[i] as number));
      this.start = null;
    }
  }

  /** The current counter values (for tests and the trace; a sample writes these). */
  values(): PerfCounterValues {
    this.settle();
    const cur = snapshot(this.ctx.stats);
    const start = this.start;
    const out = {} as PerfCounterValues;
    SOURCES.forEach((k, i) => {
      const extra = start === null ? 0 : (cur[i] as number) - (start[i] as number);
      out[k] = (this.acc[i] as number) + extra;
    });
    return out;
  }

  /** GPU_CMD PRFCNT_CLEAR. */
  clear(): void {
    this.acc = SOURCES.map(() => 0);
    if (this.start !== null) {
      this.settle();
      this.start = snapshot(this.ctx.stats);
    }
  }

  /** GPU_CMD PRFCNT_SAMPLE. */
  sample(): void {
    // A sample already in flight is superseded (one completion for both requests).
    this.events.cancel(this.sampleEvent);
    this.sampleEvent = this.events.at(
      this.ctx.latency(this.ctx.cfg.prfcntSampleNs),
      'prfcnt-sample',
      () => {
        this.sampleEvent = null;
        this.writeSample();
        this.ctx.stats.prfcntSamples++;
        this.gpuIrq.raise(GPU_IRQ_PRFCNT_SAMPLE_COMPLETED);
      },
    );
  }

  /** Bytes one sample occupies (three fixed blocks plus one per shader core). */
  get sampleBytes(): number {
    return (PRFCNT_BLOCK_SHADER0 + this.cores.length) * PRFCNT_BLOCK_BYTES;
  }

  private writeSample(): void {
    this.seq++;
    if (!this.counting) {
      this.ctx.k.trace.instant(this.ctx.lanes.gpu, 'prfcnt', 'sample (counters off)');
      return;
    }
    const v = this.values();
    const as = (this.config & PRFCNT_CONFIG_AS_MASK) >>> PRFCNT_CONFIG_AS_SHIFT;
    const base = this.baseLo + this.baseHi * TWO32;
    const nCores = this.cores.length;
    const blocks: Array<{ kind: number; index: number; en: number; c: Array<[number, number]> }> = [
      {
        kind: 0,
        index: 0,
        en: this.en.get(PRFCNT_JM_EN) ?? 0,
        c: [
          [PRFCNT_CSF_CYCLES, v.runNs],
          [PRFCNT_CSF_INSTRUCTIONS, v.instructions],
          [PRFCNT_CSF_SYNC_OPS, v.syncOps],
          [PRFCNT_CSF_DOORBELLS, v.doorbells],
        ],
      },
      {
        kind: 1,
        index: 0,
        en: this.en.get(PRFCNT_TILER_EN) ?? 0,
        c: [
          [PRFCNT_TILER_BYTES, v.tilerBytes],
          [PRFCNT_TILER_ALLOCS, v.heapAllocs],
          [PRFCNT_TILER_OOMS, v.tilerOoms],
        ],
      },
      {
        kind: 2,
        index: 0,
        en: this.en.get(PRFCNT_MMU_L2_EN) ?? 0,
        c: [
          [PRFCNT_MMU_TRANSLATIONS, v.mmuTranslations],
          [PRFCNT_MMU_TLB_MISSES, v.tlbMisses],
          [PRFCNT_L2_READS, v.dmaReads],
          [PRFCNT_L2_WRITES, v.dmaWrites],
          [PRFCNT_MMU_FAULTS, v.pageFaults],
        ],
      },
    ];
    this.cores.forEach((core, j) => {
      const share = Math.floor(v.runNs / nCores) + (j < v.runNs % nCores ? 1 : 0);
      blocks.push({
        kind: 3,
        index: core,
        en: this.en.get(PRFCNT_SHADER_EN) ?? 0,
        c: [[PRFCNT_SHADER_CYCLES, share]],
      });
    });
    const words = new Uint32Array(PRFCNT_COUNTERS_PER_BLOCK);
    for (let b = 0; b < blocks.length; b++) {
      const blk = blocks[b] as (typeof blocks)[number];
      words.fill(0);
      words[PRFCNT_HDR_SEQ] = this.seq;
      words[PRFCNT_HDR_KIND] = blk.kind;
      words[PRFCNT_HDR_ENABLE] = blk.en;
      words[PRFCNT_HDR_INDEX] = blk.index;
      for (const [i, val] of blk.c) {
        if ((blk.en >>> (i >> 2)) & 1) words[i] = val % TWO32;
      }
      const blockVa = base + b * PRFCNT_BLOCK_BYTES;
      for (let i = 0; i < PRFCNT_COUNTERS_PER_BLOCK; i++) {
        if (!this.mmu.write32(as, blockVa + i * 4, words[i] as number, 'prfcnt')) return;
      }
    }
    this.ctx.k.trace.instant(this.ctx.lanes.gpu, 'prfcnt', 'sample', { seq: this.seq });
  }

  /** A GPU reset was requested: a sample in flight is never written. */
  quiesce(): void {
    this.events.cancelAll();
    this.sampleEvent = null;
  }

  /** State loss: configuration, counters and any sample in flight are gone. */
  reset(): void {
    this.events.cancelAll();
    this.sampleEvent = null;
    this.baseLo = 0;
    this.baseHi = 0;
    this.config = 0;
    for (const k of this.en.keys()) this.en.set(k, 0);
    this.acc = SOURCES.map(() => 0);
    this.start = null;
    this.seq = 0;
  }
}
