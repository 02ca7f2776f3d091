/**
 * Encoding of resetlab's page-table entries (the layout is in regs.ts): pure functions shared by
 * the MMU's table walk and by whoever builds tables (the driver's io-pgtable equivalent, tests).
 *
 * The subset is the AArch64 4K-granule, 4-level format with table descriptors at levels 0..2 and
 * page descriptors at level 3. Block descriptors (1 GiB / 2 MiB mappings), memory attributes,
 * shareability and the upper attributes other than XN are not modelled: no reset bug depends on
 * them, and leaving them out keeps the walk a handful of integer operations.
 */
import {
  PAGE_SIZE,
  PT_ENTRIES,
  PT_LEVEL_SHIFT,
  PTE_ADDR_MASK,
  PTE_AF,
  PTE_HI_XN,
  PTE_READ_ONLY,
  PTE_TABLE_OR_PAGE,
  PTE_VALID,
} from './regs.js';

/** The lo and hi words of a page-table entry. */
export interface PteWords {
  lo: number;
  hi: number;
}

/** A table descriptor (levels 0..2) pointing at the next-level table at `pa`. */
export function pteTable(pa: number): PteWords {
  assertPagePa(pa);
  return { lo: ((pa & PTE_ADDR_MASK) | PTE_VALID | PTE_TABLE_OR_PAGE) >>> 0, hi: 0 };
}

/** A level-3 page descriptor mapping the 4 KiB page at `pa`. */
export function ptePage(pa: number, opts: { readOnly?: boolean; noExec?: boolean } = {}): PteWords {
  assertPagePa(pa);
  let lo = (pa & PTE_ADDR_MASK) | PTE_VALID | PTE_TABLE_OR_PAGE | PTE_AF;
  if (opts.readOnly === true) lo |= PTE_READ_ONLY;
  return { lo: lo >>> 0, hi: opts.noExec === true ? PTE_HI_XN : 0 };
}

/** The index into the level-`level` table (0..3) for `va`. */
export function ptIndex(va: number, level: number): number {
  const shift = PT_LEVEL_SHIFT[level];
  if (shift === undefined) throw new RangeError(`ptIndex: bad level ${level}`);
  return Math.floor(va / 2 ** shift) % PT_ENTRIES;
}

/** The physical address held in an entry's lo word. */
export function pteAddress(lo: number): number {
  return (lo & PTE_ADDR_MASK) >>> 0;
}

export function pteIsValid(lo: number): boolean {
  return (lo & PTE_VALID) !== 0;
}

function assertPagePa(pa: number): void {
  if (!Number.isInteger(pa) || pa <= 0 || pa % PAGE_SIZE !== 0 || pa >= 0x1_0000_0000) {
    throw new RangeError(`page-table entry: bad physical address 0x${pa.toString(16)}`);
  }
}
