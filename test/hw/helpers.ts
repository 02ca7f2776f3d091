/**
 * Test helpers that drive the virtual GPU by register writes only, the way a driver would, but
 * without the driver: page-table building, soft reset, L2 power-up, AS programming, firmware
 * image loading, MCU boot, group start and job submission.
 */

import { CsBuilder } from '../../src/hw/cs-isa.js';
import { VirtualGpu } from '../../src/hw/gpu.js';
import type { GpuConfig } from '../../src/hw/latency.js';
import type { PhysMem } from '../../src/hw/memory.js';
import { ptePage, pteTable, ptIndex } from '../../src/hw/pte.js';
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_MEMATTR,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG,
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSTAB,
  CS_CONFIG_DOORBELL,
  CS_REQ_MASK,
  CS_STATE_START,
  CSF_DOORBELL,
  CSF_GLB_DOORBELL_ID,
  CSG_STATE_MASK,
  FW_CODE_VA,
  FW_DATA_CLEAN,
  FW_DATA_VA,
  FW_IMAGE_MAGIC,
  GPU_CMD,
  GPU_INT_CLEAR,
  GPU_INT_RAWSTAT,
  GPU_IRQ_RESET_COMPLETED,
  GPU_SOFT_RESET,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  L2_PWRON,
  L2_READY,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
  MCU_STATUS,
  MCU_STATUS_ENABLED,
  MMU_INT_MASK,
  PAGE_SIZE,
  PT_LEVELS,
  PTE_ADDR_MASK,
  PTE_VALID,
} from '../../src/hw/regs.js';
import { Kernel } from '../../src/kernel/kernel.js';

export const US = 1_000;
export const MS = 1_000_000;

/** A 4-level page table in simulated memory (the driver's io-pgtable, in miniature). */
export class PageTables {
  readonly root: number;

  constructor(private readonly mem: PhysMem) {
    this.root = mem.allocPage();
  }

  private leafEntry(va: number, create: boolean): number {
    let table = this.root;
    for (let level = 0; level < PT_LEVELS - 1; level++) {
      const e = table + ptIndex(va, level) * 8;
      let lo = this.mem.read32(e);
      if ((lo & PTE_VALID) === 0) {
        if (!create) return -1;
        const next = this.mem.allocPage();
        const d = pteTable(next);
        this.mem.write32(e, d.lo);
        this.mem.write32(e + 4, d.hi);
        lo = d.lo;
      }
      table = (lo & PTE_ADDR_MASK) >>> 0;
    }
    return table + ptIndex(va, PT_LEVELS - 1) * 8;
  }

  map(va: number, pa: number, opts: { readOnly?: boolean } = {}): void {
    const e = this.leafEntry(va, true);
    const d = ptePage(pa, opts);
    this.mem.write32(e, d.lo);
    this.mem.write32(e + 4, d.hi);
  }

  unmap(va: number): void {
    const e = this.leafEntry(va, false);
    if (e < 0) return;
    this.mem.write32(e, 0);
    this.mem.write32(e + 4, 0);
  }

  /** Allocates and maps `pages` fresh pages at `va`; returns their physical addresses. */
  mapNew(va: number, pages = 1, opts: { readOnly?: boolean } = {}): number[] {
    const out: number[] = [];
    for (let i = 0; i < pages; i++) {
      const pa = this.mem.allocPage();
      this.map(va + i * PAGE_SIZE, pa, opts);
      out.push(pa);
    }
    return out;
  }
}

/**
 * Runs `body` as a kernel task and the kernel to idle; rethrows an assertion failure from the
 * task, and fails on any model error.
 */
export async function runTask(
  k: Kernel,
  body: () => Promise<void>,
): Promise<Awaited<ReturnType<Kernel['run']>>> {
  let failure: unknown = null;
  k.spawn('test', async () => {
    try {
      await body();
    } catch (err) {
      failure = err;
    }
  });
  const result = await k.run();
  if (failure !== null) throw failure;
  const bad = result.violations.filter((v) => v.invariant === 'model-error');
  if (bad.length > 0) throw new Error(`model error: ${bad[0]?.message}`);
  return result;
}

/** Polls `cond` every `stepNs` of virtual time, up to `timeoutNs`. */
export async function pollUntil(
  k: Kernel,
  cond: () => boolean,
  timeoutNs = 100 * MS,
  stepNs = 1 * US,
): Promise<boolean> {
  const end = k.nowNs + timeoutNs;
  for (;;) {
    if (cond()) return true;
    if (k.nowNs >= end) return false;
    await k.sleep(stepNs);
  }
}

export function newGpu(seed = 1, cfg: Partial<GpuConfig> = {}): { k: Kernel; gpu: VirtualGpu } {
  const k = new Kernel({ seed, trace: false });
  return { k, gpu: new VirtualGpu(k, cfg) };
}

/** Panthor's soft reset: clear RESET_COMPLETED, GPU_CMD, wait for the bit (by polling). */
export async function softReset(k: Kernel, gpu: VirtualGpu, clearFirst = true): Promise<boolean> {
  if (clearFirst) gpu.write32(GPU_INT_CLEAR, GPU_IRQ_RESET_COMPLETED);
  gpu.write32(GPU_CMD, GPU_SOFT_RESET);
  return pollUntil(
    k,
    () => (gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED) !== 0,
    100 * MS,
    5 * US,
  );
}

export async function powerL2(k: Kernel, gpu: VirtualGpu): Promise<boolean> {
  gpu.write32(L2_PWRON, 1);
  return pollUntil(k, () => gpu.read32(L2_READY) === 1, 10 * MS, 5 * US);
}

/** Programs AS `as` with `pt` and issues UPDATE; waits for AS_ACTIVE to clear. */
export async function programAs(
  k: Kernel,
  gpu: VirtualGpu,
  as: number,
  pt: PageTables,
): Promise<boolean> {
  gpu.write32(AS_TRANSTAB(as), pt.root);
  gpu.write32(AS_TRANSTAB(as) + 4, 0);
  gpu.write32(AS_MEMATTR(as), 0x88);
  gpu.write32(AS_TRANSCFG(as), AS_TRANSCFG_ADRMODE_AARCH64_4K);
  gpu.write32(AS_COMMAND(as), AS_COMMAND_UPDATE);
  return waitAsIdle(k, gpu, as);
}

export async function waitAsIdle(k: Kernel, gpu: VirtualGpu, as: number): Promise<boolean> {
  return pollUntil(k, () => (gpu.read32(AS_STATUS(as)) & AS_STATUS_AS_ACTIVE) === 0, MS, 500);
}

/** MCU VA of CSG slot `slot`'s suspend buffer in the helper's AS0 layout. */
export function suspendBufVa(slot: number): number {
  return 0x10_0000 + slot * PAGE_SIZE;
}

export interface Booted {
  mcuPt: PageTables;
  codePa: number;
  dataPa: number;
  suspendPa: number[];
}

/** Sets up AS0 and writes the firmware image (code magic, clean data word). */
export function loadFirmware(gpu: VirtualGpu): Booted {
  const mcuPt = new PageTables(gpu.mem);
  const [codePa] = mcuPt.mapNew(FW_CODE_VA);
  const [dataPa] = mcuPt.mapNew(FW_DATA_VA);
  gpu.mem.write32(codePa as number, FW_IMAGE_MAGIC);
  gpu.mem.write32(dataPa as number, FW_DATA_CLEAN);
  const suspendPa: number[] = [];
  for (let slot = 0; slot < gpu.cfg.csgSlots; slot++) {
    suspendPa.push(mcuPt.mapNew(suspendBufVa(slot))[0] as number);
  }
  return { mcuPt, codePa: codePa as number, dataPa: dataPa as number, suspendPa };
}

/** Enables the MCU and waits for the boot interrupt bit; true when MCU_STATUS is ENABLED. */
export async function enableMcu(k: Kernel, gpu: VirtualGpu): Promise<boolean> {
  gpu.write32(JOB_INT_CLEAR, JOB_INT_GLOBAL_IF);
  gpu.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
  const irq = await pollUntil(
    k,
    () => (gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_GLOBAL_IF) !== 0,
    5 * MS,
    10 * US,
  );
  if (irq) gpu.write32(JOB_INT_CLEAR, JOB_INT_GLOBAL_IF);
  return irq && gpu.read32(MCU_STATUS) === MCU_STATUS_ENABLED;
}

/** The whole register-level bring-up: soft reset, L2 on, AS0, image, MCU enable. */
export async function bootGpu(k: Kernel, gpu: VirtualGpu): Promise<Booted> {
  if (!(await softReset(k, gpu))) throw new Error('soft reset did not complete');
  gpu.write32(GPU_INT_CLEAR, 0xffffffff);
  gpu.write32(JOB_INT_MASK, 0xffffffff);
  gpu.write32(MMU_INT_MASK, 0xffffffff);
  if (!(await powerL2(k, gpu))) throw new Error('L2 did not power up');
  const fw = loadFirmware(gpu);
  if (!(await programAs(k, gpu, 0, fw.mcuPt))) throw new Error('AS0 update did not finish');
  if (!(await enableMcu(k, gpu))) throw new Error(`MCU did not boot: ${gpu.lastBootError}`);
  const glb = gpu.fw.glb;
  glb.input.ackIrqMask = 0xffffffff;
  return fw;
}

export interface QueueSpec {
  ringVa: number;
  ringPa: number;
  ringSize: number;
  doorbell: number;
}

/** A VM in AS `as` with one ring buffer page per queue, mapped at 0x100_0000 + i pages. */
export async function setupVm(
  k: Kernel,
  gpu: VirtualGpu,
  as: number,
  queues = 1,
): Promise<{ pt: PageTables; queues: QueueSpec[] }> {
  const pt = new PageTables(gpu.mem);
  const out: QueueSpec[] = [];
  for (let i = 0; i < queues; i++) {
    const ringVa = 0x100_0000 + i * PAGE_SIZE;
    const [ringPa] = pt.mapNew(ringVa);
    out.push({ ringVa, ringPa: ringPa as number, ringSize: PAGE_SIZE, doorbell: 1 + as * 4 + i });
  }
  if (!(await programAs(k, gpu, as, pt))) throw new Error(`AS${as} update did not finish`);
  return { pt, queues: out };
}

/** Toggles the slot's doorbell bit and rings the global doorbell. */
export function ringCsg(gpu: VirtualGpu, slot: number): void {
  gpu.fw.glb.input.doorbellReq ^= 1 << slot;
  gpu.write32(CSF_DOORBELL(CSF_GLB_DOORBELL_ID), 1);
}

/** Requests CSG state `state` on `slot` and waits for the acknowledgement. */
export async function csgRequest(
  k: Kernel,
  gpu: VirtualGpu,
  slot: number,
  state: number,
  timeoutNs = 100 * MS,
  stepNs = 2 * US,
): Promise<boolean> {
  const csg = gpu.fw.csg[slot];
  if (csg === undefined) throw new Error(`no CSG slot ${slot}`);
  csg.input.req = (csg.input.req & ~CSG_STATE_MASK) | state;
  ringCsg(gpu, slot);
  return pollUntil(k, () => (csg.output.ack & CSG_STATE_MASK) === state, timeoutNs, stepNs);
}

/** Programs queue `cs` of `slot` (ring, doorbell, START request) without starting the group. */
export function programQueue(gpu: VirtualGpu, slot: number, cs: number, q: QueueSpec): void {
  const csg = gpu.fw.csg[slot];
  const s = csg?.streams[cs];
  if (csg === undefined || s === undefined) throw new Error(`no stream ${slot}/${cs}`);
  s.input.ringbufBase = q.ringVa;
  s.input.ringbufSize = q.ringSize;
  s.input.insert = 0;
  s.input.config = CS_CONFIG_DOORBELL(q.doorbell);
  s.input.ackIrqMask = 0xffffffff;
  s.input.req = (s.input.req & ~CS_REQ_MASK) | CS_STATE_START;
}

/** Prepares slot `slot` for a group in AS `as` with its suspend buffer, all IRQs unmasked. */
export function programGroup(gpu: VirtualGpu, slot: number, as: number): void {
  const csg = gpu.fw.csg[slot];
  if (csg === undefined) throw new Error(`no CSG slot ${slot}`);
  csg.input.config = as;
  csg.input.ackIrqMask = 0xffffffff;
  csg.input.suspendBuf = suspendBufVa(slot);
}

/** Appends instructions to a queue's ring and rings its doorbell. */
export function submit(
  gpu: VirtualGpu,
  slot: number,
  cs: number,
  q: QueueSpec,
  b: CsBuilder,
): void {
  const s = gpu.fw.csg[slot]?.streams[cs];
  if (s === undefined) throw new Error(`no stream ${slot}/${cs}`);
  const words = b.words();
  let off = s.input.insert;
  for (let i = 0; i < words.length; i += 2) {
    const at = q.ringPa + (off % q.ringSize);
    gpu.mem.write32(at, words[i] as number);
    gpu.mem.write32(at + 4, words[i + 1] as number);
    off += 8;
  }
  s.input.insert = off;
  gpu.write32(CSF_DOORBELL(q.doorbell), 1);
}

export { CsBuilder };

export interface StartedQueue {
  pt: PageTables;
  q: QueueSpec;
  slot: number;
  as: number;
}

/** Boots nothing: on a booted GPU, creates a VM in `as`, programs queue 0 of `slot`, STARTs. */
export async function startQueue(
  k: Kernel,
  gpu: VirtualGpu,
  slot = 0,
  as = 1,
): Promise<StartedQueue> {
  const vm = await setupVm(k, gpu, as);
  const q = vm.queues[0] as QueueSpec;
  programGroup(gpu, slot, as);
  programQueue(gpu, slot, 0, q);
  if (!(await csgRequest(k, gpu, slot, 1))) throw new Error('CSG START not acknowledged');
  return { pt: vm.pt, q, slot, as };
}
