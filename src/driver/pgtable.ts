/**
 * io-pgtable: the driver's writer for the GPU page tables (AArch64 4K granule, 4 levels), in
 * simulated physical memory with the entry layout of `hw/regs.ts`. The GPU walks the same
 * tables, so a driver bug here (a missing flush after an update, a page freed while still
 * mapped) has the same consequence as on hardware.
 *
 * Table pages are allocated with the allocation rules of the kernel (`kmalloc` is called so
 * that an allocation inside a fence-signalling section is caught); callers that must not
 * allocate in the signalling path (asynchronous VM_BIND) pre-allocate with `reserve()`.
 */

import type { PhysMem } from '../hw/memory.js';
import * as R from '../hw/regs.js';
import type { Kernel } from '../kernel/kernel.js';

export interface PteFlags {
  readOnly: boolean;
  noExec: boolean;
}

function index(va: number, level: number): number {
  return Math.floor(va / 2 ** (R.PT_LEVEL_SHIFT[level] as number)) % R.PT_ENTRIES;
}

export class PageTable {
  readonly root: number;
  private readonly tables = new Set<number>();
  /** Pre-allocated table pages (asynchronous binds reserve them outside the signalling path). */
  private readonly reserved: number[] = [];
  mappedPages = 0;

  constructor(
    private readonly k: Kernel,
    private readonly mem: PhysMem,
    readonly name: string,
  ) {
    this.root = this.allocTable();
  }

  private allocTable(): number {
    const pa = this.reserved.pop();
    if (pa !== undefined) return pa;
    this.k.kmalloc(`${this.name} page table`);
    const fresh = this.mem.allocPage();
    this.tables.add(fresh);
    return fresh;
  }

  /** Reserves enough table pages for mapping `pages` new pages (a generous upper bound). */
  reserve(pages: number): void {
    const need = Math.min(3 * Math.ceil(pages / R.PT_ENTRIES) + 3, 64);
    for (let i = this.reserved.length; i < need; i++) {
      this.k.kmalloc(`${this.name} page table (reserve)`);
      const pa = this.mem.allocPage();
      this.tables.add(pa);
      this.reserved.push(pa);
    }
  }

  private entryPa(table: number, idx: number): number {
    return table + idx * 8;
  }

  /** Maps one 4K page. */
  map(va: number, pa: number, flags: PteFlags): void {
    let table = this.root;
    for (let level = 0; level < R.PT_LEVELS - 1; level++) {
      const e = this.entryPa(table, index(va, level));
      const lo = this.mem.read32(e);
      if ((lo & R.PTE_VALID) === 0) {
        const next = this.allocTable();
        this.mem.write32(e, (next & R.PTE_ADDR_MASK) | R.PTE_VALID | R.PTE_TABLE_OR_PAGE);
        this.mem.write32(e + 4, 0);
        table = next;
      } else {
        table = (lo & R.PTE_ADDR_MASK) >>> 0;
      }
    }
    const e = this.entryPa(table, index(va, R.PT_LEVELS - 1));
    const wasValid = (this.mem.read32(e) & R.PTE_VALID) !== 0;
    let lo = (pa & R.PTE_ADDR_MASK) | R.PTE_VALID | R.PTE_TABLE_OR_PAGE | R.PTE_AF;
    if (flags.readOnly) lo |= R.PTE_READ_ONLY;
    this.mem.write32(e, lo >>> 0);
    this.mem.write32(e + 4, flags.noExec ? R.PTE_HI_XN : 0);
    if (!wasValid) this.mappedPages++;
  }

  /** Unmaps one page; returns the physical address it mapped, or null. */
  unmap(va: number): number | null {
    let table = this.root;
    for (let level = 0; level < R.PT_LEVELS - 1; level++) {
      const lo = this.mem.read32(this.entryPa(table, index(va, level)));
      if ((lo & R.PTE_VALID) === 0) return null;
      table = (lo & R.PTE_ADDR_MASK) >>> 0;
    }
    const e = this.entryPa(table, index(va, R.PT_LEVELS - 1));
    const lo = this.mem.read32(e);
    if ((lo & R.PTE_VALID) === 0) return null;
    this.mem.write32(e, 0);
    this.mem.write32(e + 4, 0);
    this.mappedPages--;
    return (lo & R.PTE_ADDR_MASK) >>> 0;
  }

  lookup(va: number): number | null {
    let table = this.root;
    for (let level = 0; level < R.PT_LEVELS; level++) {
      const lo = this.mem.read32(this.entryPa(table, index(va, level)));
      if ((lo & R.PTE_VALID) === 0) return null;
      table = (lo & R.PTE_ADDR_MASK) >>> 0;
    }
    return table + (va % R.PAGE_SIZE);
  }

  /** Frees every table page. The tables must no longer be used by any AS. */
  destroy(): void {
    for (const pa of this.tables) this.mem.freePage(pa);
    this.tables.clear();
    this.reserved.length = 0;
  }
}
