/**
 * The GPU MMU: `asSlots` address spaces, each with its registers, a latched configuration and a
 * TLB, and the MMU interrupt block. Every GPU memory access (command streams, firmware, perf
 * counters) goes through `translate`.
 *
 * Model:
 * - AS_TRANSTAB / AS_TRANSCFG / AS_MEMATTR are plain registers; AS_COMMAND UPDATE *latches*
 *   them and flushes the AS's TLB. Translation uses only the latched values, so a driver that
 *   writes TRANSTAB and forgets UPDATE keeps translating with the old tables, as on hardware.
 * - Translation mode: AARCH64_4K walks four levels of tables in physical memory (pte.ts);
 *   IDENTITY maps VA = PA; UNMAPPED (and any other mode, including the all-zero reset value)
 *   faults on every access.
 * - The TLB (vpn -> level-3 entry) is filled by walks and emptied only by UPDATE, FLUSH_PT,
 *   FLUSH_MEM, UNLOCK (the locked region only) and reset. A driver that changes page tables,
 *   or hands an AS slot to another VM, without one of these keeps stale translations: that is
 *   what the isolation checks look for.
 * - LOCK records the region encoded in AS_LOCKADDR (base | log2(size) - 1 in bits 0..5); UNLOCK
 *   invalidates the TLB entries in it, as Panthor's "flush caches through GPU_CMD, then UNLOCK"
 *   sequence expects; FLUSH_PT / FLUSH_MEM invalidate the whole AS TLB and unlock. Accesses to a
 *   locked region are not stalled; they are reported to the DMA observer with `locked` set, so
 *   the isolation check does not count a translation that hardware would have stalled.
 * - AS_STATUS.AS_ACTIVE is set by every command and clears `asCommandNs` later, except when the
 *   `as-active-stuck` fault fires: then it stays set until the AS is reset. Commands take effect
 *   when written.
 * - A failed translation or a write to a read-only page records AS_FAULTSTATUS (exception |
 *   access type) and AS_FAULTADDRESS, unless a fault is already pending on that AS (the first
 *   fault wins until MMU_INT_CLEAR clears the AS's bit), raises MMU_PAGE_FAULT(as) and is
 *   logged with its source in `pageFaults`.
 * - An access that translates to a page that is not allocated in PhysMem (freed while still
 *   mapped) is logged in `freedAccesses`: reads give 0 and writes are dropped.
 *
 * Not modelled: memory attributes, shareability, block mappings, bus errors (MMU_BUS_ERROR is
 * never raised), the fault "stall" mode and AS_FAULTEXTRA (reads 0).
 */
import type { TimedEvent } from '../kernel/events.js';
import type { IrqLine } from '../kernel/irq.js';
import type { DmaSource, HwContext } from './context.js';
import { HwEvents } from './context.js';
import { IrqRegs } from './irq-regs.js';
import { ptIndex } from './pte.js';
import {
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_LOCK,
  AS_COMMAND_NOP,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_FAULTSTATUS_ACCESS_TYPE_READ,
  AS_FAULTSTATUS_ACCESS_TYPE_WRITE,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_ADRMODE_IDENTITY,
  AS_TRANSCFG_ADRMODE_MASK,
  Exception,
  MMU_BASE,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
  MMU_PAGE_FAULT,
  PAGE_SIZE,
  PT_LEVELS,
  PTE_ADDR_MASK,
  PTE_AF,
  PTE_READ_ONLY,
  PTE_TABLE_OR_PAGE,
  PTE_VALID,
} from './regs.js';

const TWO32 = 0x1_0000_0000;
const VA_LIMIT = 2 ** 48;
const AS_REG_BYTES = 0x40;

interface AsSlot {
  transtabLo: number;
  transtabHi: number;
  memattrLo: number;
  memattrHi: number;
  lockaddrLo: number;
  lockaddrHi: number;
  transcfgLo: number;
  transcfgHi: number;
  /** Latched by UPDATE. */
  activeTranstab: number;
  activeMode: number;
  /** A page fault was recorded since the last UPDATE that enabled 4K translation. */
  faulted: boolean;
  status: number;
  faultStatus: number;
  faultAddress: number;
  /** A fault is recorded and not yet cleared through MMU_INT_CLEAR. */
  faultPending: boolean;
  /** AS_ACTIVE will never clear (as-active-stuck). */
  stuck: boolean;
  activeEvent: TimedEvent | null;
  lockBase: number;
  lockSize: number;
  tlb: Map<number, number>;
  /** Bumped on every TLB invalidation, so that cached translations (instruction fetch) expire. */
  tlbGen: number;
}

function newSlot(): AsSlot {
  return {
    transtabLo: 0,
    transtabHi: 0,
    memattrLo: 0,
    memattrHi: 0,
    lockaddrLo: 0,
    lockaddrHi: 0,
    transcfgLo: 0,
    transcfgHi: 0,
    activeTranstab: 0,
    activeMode: 0,
    faulted: false,
    status: 0,
    faultStatus: 0,
    faultAddress: 0,
    faultPending: false,
    stuck: false,
    activeEvent: null,
    lockBase: 0,
    lockSize: 0,
    tlb: new Map(),
    tlbGen: 0,
  };
}

export class Mmu {
  readonly irq: IrqRegs;
  /** Exception type of the most recent page fault (for the CS_FATAL it causes). */
  lastFaultException = 0;
  private readonly slots: AsSlot[];
  private readonly events: HwEvents;

  constructor(
    private readonly ctx: HwContext,
    line: IrqLine,
  ) {
    this.irq = new IrqRegs(line, ctx.faults);
    this.slots = Array.from({ length: ctx.cfg.asSlots }, newSlot);
    this.events = new HwEvents(ctx.k);
  }

  // -------------------------------------------------------------------------------------------
  // MMIO

  handles(offset: number): boolean {
    return (
      (offset >= MMU_INT_RAWSTAT && offset <= MMU_INT_STAT) ||
      (offset >= MMU_BASE && offset < MMU_BASE + this.slots.length * AS_REG_BYTES)
    );
  }

  read(offset: number): number {
    switch (offset) {
      case MMU_INT_RAWSTAT:
        return this.irq.rawstat;
      case MMU_INT_MASK:
        return this.irq.mask;
      case MMU_INT_STAT:
        return this.irq.stat;
      case MMU_INT_CLEAR:
        return 0;
    }
    const as = (offset - MMU_BASE) >> 6;
    const s = this.slots[as] as AsSlot;
    switch ((offset - MMU_BASE) & (AS_REG_BYTES - 1)) {
      case 0x00:
        return s.transtabLo;
      case 0x04:
        return s.transtabHi;
      case 0x08:
        return s.memattrLo;
      case 0x0c:
        return s.memattrHi;
      case 0x10:
        return s.lockaddrLo;
      case 0x14:
        return s.lockaddrHi;
      case 0x1c:
        return s.faultStatus;
      case 0x20:
        return s.faultAddress % TWO32;
      case 0x24:
        return Math.floor(s.faultAddress / TWO32);
      case 0x28:
        return s.status;
      case 0x30:
        return s.transcfgLo;
      case 0x34:
        return s.transcfgHi;
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case MMU_INT_MASK:
        this.irq.setMask(value);
        return;
      case MMU_INT_CLEAR:
        this.clearIrq(value);
        return;
      case MMU_INT_RAWSTAT:
      case MMU_INT_STAT:
        return;
    }
    const as = (offset - MMU_BASE) >> 6;
    const s = this.slots[as] as AsSlot;
    switch ((offset - MMU_BASE) & (AS_REG_BYTES - 1)) {
      case 0x00:
        s.transtabLo = value;
        return;
      case 0x04:
        s.transtabHi = value;
        return;
      case 0x08:
        s.memattrLo = value;
        return;
      case 0x0c:
        s.memattrHi = value;
        return;
      case 0x10:
        s.lockaddrLo = value;
        return;
      case 0x14:
        s.lockaddrHi = value;
        return;
      case 0x18:
        this.command(as, s, value);
        return;
      case 0x30:
        s.transcfgLo = value;
        return;
      case 0x34:
        s.transcfgHi = value;
        return;
    }
  }

  private clearIrq(bits: number): void {
    for (let as = 0; as < this.slots.length; as++) {
      if ((bits & MMU_PAGE_FAULT(as)) !== 0) (this.slots[as] as AsSlot).faultPending = false;
    }
    this.irq.clear(bits);
  }

  private command(as: number, s: AsSlot, cmd: number): void {
    const lane = this.ctx.lanes.as[as] ?? this.ctx.lanes.gpu;
    const k = this.ctx.k;
    let name: string;
    switch (cmd) {
      case AS_COMMAND_NOP:
        name = 'NOP';
        break;
      case AS_COMMAND_UPDATE:
        name = 'UPDATE';
        s.activeTranstab = s.transtabLo + s.transtabHi * TWO32;
        s.activeMode = s.transcfgLo & AS_TRANSCFG_ADRMODE_MASK;
        if (s.activeMode === AS_TRANSCFG_ADRMODE_AARCH64_4K) s.faulted = false;
        this.flushAll(s);
        break;
      case AS_COMMAND_LOCK: {
        name = 'LOCK';
        const width = s.lockaddrLo & 0x3f;
        const size = 2 ** Math.min(width + 1, 48);
        const addr = (s.lockaddrLo & ~0xfff) + s.lockaddrHi * TWO32;
        s.lockSize = size;
        s.lockBase = Math.floor(addr / size) * size;
        break;
      }
      case AS_COMMAND_UNLOCK:
        name = 'UNLOCK';
        if (s.lockSize > 0) this.flushRange(s, s.lockBase, s.lockSize);
        s.lockSize = 0;
        break;
      case AS_COMMAND_FLUSH_PT:
      case AS_COMMAND_FLUSH_MEM:
        name = cmd === AS_COMMAND_FLUSH_PT ? 'FLUSH_PT' : 'FLUSH_MEM';
        this.flushAll(s);
        s.lockSize = 0;
        break;
      default:
        k.trace.instant(lane, 'mmu', 'AS_COMMAND?', { cmd });
        return;
    }
    k.trace.instant(lane, 'mmu', `AS_COMMAND ${name}`, { busy: (s.status & 1) !== 0 });
    s.status |= AS_STATUS_AS_ACTIVE;
    if (s.stuck) return;
    if (this.ctx.faults.take('as-active-stuck', `as${as} ${name}`)) {
      s.stuck = true;
      this.events.cancel(s.activeEvent);
      s.activeEvent = null;
      return;
    }
    this.events.cancel(s.activeEvent);
    s.activeEvent = this.events.at(this.ctx.latency(this.ctx.cfg.asCommandNs), 'as-cmd', () => {
      s.activeEvent = null;
      s.status &= ~AS_STATUS_AS_ACTIVE;
    });
  }

  private flushAll(s: AsSlot): void {
    s.tlb.clear();
    s.tlbGen++;
  }

  private flushRange(s: AsSlot, base: number, size: number): void {
    const lo = Math.floor(base / PAGE_SIZE);
    const hi = Math.floor((base + size) / PAGE_SIZE);
    for (const vpn of s.tlb.keys()) if (vpn >= lo && vpn < hi) s.tlb.delete(vpn);
    s.tlbGen++;
  }

  /** A GPU reset was requested: commands in flight never finish (AS_ACTIVE stays as it is). */
  quiesce(): void {
    this.events.cancelAll();
    for (const s of this.slots) s.activeEvent = null;
  }

  /** State loss (soft/hard reset, power-off): all AS registers, TLBs and the IRQ block. */
  reset(): void {
    this.events.cancelAll();
    for (let i = 0; i < this.slots.length; i++) this.slots[i] = newSlot();
    this.irq.reset(false);
  }

  // -------------------------------------------------------------------------------------------
  // Translation (used by every GPU-side memory access)

  /** The TLB generation of `as`: a cached translation is valid while it is unchanged. */
  tlbGen(as: number): number {
    return this.slots[as]?.tlbGen ?? -1;
  }

  /** Whether AS_ACTIVE is set (for tests and the trace). */
  asActive(as: number): boolean {
    return ((this.slots[as]?.status ?? 0) & AS_STATUS_AS_ACTIVE) !== 0;
  }

  /**
   * Translates `va` in address space `as`. Returns the physical address, or -1 after recording
   * a page fault (registers, interrupt, log).
   */
  translate(as: number, va: number, write: boolean, source: DmaSource, csg = -1, cs = -1): number {
    this.ctx.stats.mmuTranslations++;
    const s = this.slots[as];
    if (s === undefined || !(va >= 0 && va < VA_LIMIT)) {
      this.fault(as, va, write, source, Exception.TRANSLATION_FAULT_0, csg, cs);
      return -1;
    }
    if (s.activeMode === AS_TRANSCFG_ADRMODE_IDENTITY) return va;
    if (s.activeMode !== AS_TRANSCFG_ADRMODE_AARCH64_4K) {
      this.fault(as, va, write, source, Exception.TRANSLATION_FAULT_0, csg, cs);
      return -1;
    }
    const vpn = Math.floor(va / PAGE_SIZE);
    let pte = s.tlb.get(vpn);
    if (pte === undefined) {
      pte = this.walk(as, s, va, write, source);
      if (pte === 0) {
        this.fault(as, va, write, source, Exception.TRANSLATION_FAULT_0, csg, cs);
        return -1;
      }
      s.tlb.set(vpn, pte);
    }
    if (write && (pte & PTE_READ_ONLY) !== 0) {
      this.fault(as, va, write, source, Exception.PERM_FAULT_0, csg, cs);
      return -1;
    }
    return ((pte & PTE_ADDR_MASK) >>> 0) + (va % PAGE_SIZE);
  }

  /** Walks the latched tables; returns the level-3 entry's lo word, or 0 when unmapped. */
  private walk(as: number, s: AsSlot, va: number, write: boolean, source: DmaSource): number {
    this.ctx.stats.tlbMisses++;
    const mem = this.ctx.mem;
    let table = s.activeTranstab - (s.activeTranstab % PAGE_SIZE);
    for (let level = 0; level < PT_LEVELS; level++) {
      const entryPa = table + ptIndex(va, level) * 8;
      if (!mem.isAllocated(entryPa)) {
        // The walker itself reads freed (or never allocated) page-table memory.
        this.ctx.log(this.ctx.freedAccesses, {
          as,
          va,
          pa: entryPa,
          write,
          source,
          atNs: this.ctx.k.nowNs,
        });
        return 0;
      }
      const lo = mem.read32(entryPa);
      if ((lo & PTE_VALID) === 0 || (lo & PTE_TABLE_OR_PAGE) === 0) return 0;
      if (level === PT_LEVELS - 1) return (lo & PTE_AF) === 0 ? 0 : lo;
      table = (lo & PTE_ADDR_MASK) >>> 0;
    }
    return 0;
  }

  private fault(
    as: number,
    va: number,
    write: boolean,
    source: DmaSource,
    exception: number,
    csg: number,
    cs: number,
  ): void {
    const ctx = this.ctx;
    ctx.stats.pageFaults++;
    this.lastFaultException = exception;
    const rec: (typeof ctx.pageFaults)[number] = {
      as,
      va,
      write,
      source,
      atNs: ctx.k.nowNs,
      exception,
    };
    if (csg >= 0) rec.csg = csg;
    if (cs >= 0) rec.cs = cs;
    const slot = this.slots[as];
    if (slot !== undefined) {
      if (slot.faulted) rec.afterFault = true;
      slot.faulted = true;
    }
    ctx.log(ctx.pageFaults, rec);
    const lane = ctx.lanes.as[as] ?? ctx.lanes.gpu;
    ctx.k.trace.instant(lane, 'mmu', 'page fault', { as, va, write, source });
    const s = this.slots[as];
    if (s === undefined) return;
    if (!s.faultPending) {
      s.faultPending = true;
      s.faultStatus =
        exception | (write ? AS_FAULTSTATUS_ACCESS_TYPE_WRITE : AS_FAULTSTATUS_ACCESS_TYPE_READ);
      s.faultAddress = va;
    }
    this.irq.raise(MMU_PAGE_FAULT(as));
  }

  /**
   * Checks the physical side of an access: logs it when the page is not allocated, and reports
   * it to the DMA observer. Returns whether the page is allocated.
   */
  private touch(as: number, va: number, pa: number, write: boolean, source: DmaSource): boolean {
    const ctx = this.ctx;
    if (write) ctx.stats.dmaWrites++;
    else ctx.stats.dmaReads++;
    if (ctx.onDma !== null || ctx.onDmaAccess !== null) {
      // Whether the access falls in the AS's locked region: real hardware would stall it until
      // UNLOCK (the model does not), so an observer must not hold its translation against it.
      const s = this.slots[as];
      const locked =
        s !== undefined && s.lockSize > 0 && va >= s.lockBase && va < s.lockBase + s.lockSize;
      if (ctx.onDma !== null) {
        ctx.onDma(locked ? { as, va, pa, write, source, locked } : { as, va, pa, write, source });
      }
      if (ctx.onDmaAccess !== null) ctx.onDmaAccess(as, va, pa, write, locked);
    }
    if (ctx.mem.isAllocated(pa)) return true;
    ctx.log(ctx.freedAccesses, { as, va, pa, write, source, atNs: ctx.k.nowNs });
    return false;
  }

  /** A 32-bit GPU read. Returns the value (u32), or -1 after a page fault. */
  read32(as: number, va: number, source: DmaSource, csg = -1, cs = -1): number {
    const pa = this.translate(as, va, false, source, csg, cs);
    if (pa < 0) return -1;
    if (!this.touch(as, va, pa, false, source)) return 0;
    return this.ctx.mem.read32(pa);
  }

  /** A 32-bit GPU write. Returns false after a page fault. */
  write32(as: number, va: number, value: number, source: DmaSource, csg = -1, cs = -1): boolean {
    const pa = this.translate(as, va, true, source, csg, cs);
    if (pa < 0) return false;
    if (this.touch(as, va, pa, true, source)) this.ctx.mem.write32(pa, value);
    return true;
  }

  /**
   * Instruction fetch of the word pair at `va` (8-byte aligned, so one page): returns the
   * physical address of the pair, or -1 after a page fault. Callers cache it per page while
   * `tlbGen(as)` is unchanged.
   */
  fetchPa(as: number, va: number, csg: number, cs: number): number {
    const pa = this.translate(as, va, false, 'cs', csg, cs);
    if (pa < 0) return -1;
    this.touch(as, va, pa, false, 'cs');
    return pa;
  }

  /** The physical side of an instruction fetch that hit the stream's cached translation. */
  touchFetch(as: number, va: number, pa: number): void {
    this.touch(as, va, pa, false, 'cs');
  }
}
