/**
 * Simulated physical memory: 4 KiB pages, allocated and freed by the driver, read and written
 * both by the CPU (the driver's kernel and user mappings) and by the GPU (through the MMU).
 *
 * Model: a page is a `Uint32Array(1024)` created lazily on first write, so that a 256 MiB
 * device costs memory only for the pages actually touched; a freshly allocated page reads as
 * zeros. Allocation is deterministic: freed pages are reused last-in first-out (the most
 * recently freed page comes back first, which is what makes use-after-free bugs visible: a
 * stale GPU mapping soon points into someone else's buffer), then never-used pages in address
 * order. PA 0 is never handed out, so 0 can mean "no page" (allocation failure is a value, not an
 * exception: the driver turns it into ENOMEM).
 *
 * Accesses to a page that is not allocated (freed, or never allocated) read zeros and drop the
 * write, and are counted in `strayAccesses`; the GPU side additionally logs them with their
 * source in `VirtualGpu.freedAccesses`, which the checker reports. Misaligned word accesses
 * throw: only resetlab's own code calls these methods, so one is a bug in the model.
 *
 * Rejected: a single big ArrayBuffer (256 MiB per run is too much for parallel exploration) and
 * caches/coherency (no driver bug in the corpus depends on them; see docs/hardware.md).
 */
import { PAGE_SIZE } from './regs.js';

const WORDS_PER_PAGE = PAGE_SIZE / 4;
const TWO32 = 0x1_0000_0000;
const MAX_STRAY_LOG = 256;

export interface StrayAccess {
  pa: number;
  write: boolean;
}

export class PhysMem {
  readonly sizeBytes: number;
  readonly pageCount: number;
  /** Pages currently allocated. */
  allocatedPages = 0;
  /** Accesses to unallocated pages (reads gave 0, writes were dropped). */
  strayAccesses = 0;
  /** The first few stray accesses, for diagnostics. */
  readonly strayLog: StrayAccess[] = [];
  private readonly pages = new Map<number, Uint32Array>();
  private readonly allocated: Uint8Array;
  private readonly freeList: number[] = [];
  private nextFresh = 1;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes % PAGE_SIZE !== 0 || sizeBytes > TWO32) {
      throw new RangeError(`PhysMem: bad size ${sizeBytes}`);
    }
    this.sizeBytes = sizeBytes;
    this.pageCount = sizeBytes / PAGE_SIZE;
    this.allocated = new Uint8Array(this.pageCount);
  }

  /** Allocates a zeroed page and returns its physical address, or 0 when memory is exhausted. */
  allocPage(): number {
    let pfn = this.freeList.pop();
    if (pfn === undefined) {
      if (this.nextFresh >= this.pageCount) return 0;
      pfn = this.nextFresh++;
    }
    this.allocated[pfn] = 1;
    this.allocatedPages++;
    return pfn * PAGE_SIZE;
  }

  /** Frees a page. Freeing an unallocated page is a bug in the caller. */
  freePage(pa: number): void {
    const pfn = this.pfnOf(pa);
    if (pa % PAGE_SIZE !== 0 || pfn <= 0 || this.allocated[pfn] !== 1) {
      throw new Error(`PhysMem.freePage(0x${pa.toString(16)}): not an allocated page`);
    }
    this.allocated[pfn] = 0;
    this.allocatedPages--;
    // Drop the contents now: a later reuse must read zeros, and stale reads of a freed page
    // read zeros too (the access is logged by whoever made it).
    this.pages.delete(pfn);
    this.freeList.push(pfn);
  }

  isAllocated(pa: number): boolean {
    const pfn = this.pfnOf(pa);
    return pfn > 0 && pfn < this.pageCount && this.allocated[pfn] === 1;
  }

  read32(pa: number): number {
    if ((pa & 3) !== 0) throw new Error(`PhysMem.read32(0x${pa.toString(16)}): misaligned`);
    const pfn = this.pfnOf(pa);
    if (!(pfn > 0 && pfn < this.pageCount && this.allocated[pfn] === 1)) {
      this.stray(pa, false);
      return 0;
    }
    const page = this.pages.get(pfn);
    return page === undefined ? 0 : (page[(pa % PAGE_SIZE) >>> 2] as number);
  }

  write32(pa: number, value: number): void {
    if ((pa & 3) !== 0) throw new Error(`PhysMem.write32(0x${pa.toString(16)}): misaligned`);
    const pfn = this.pfnOf(pa);
    if (!(pfn > 0 && pfn < this.pageCount && this.allocated[pfn] === 1)) {
      this.stray(pa, true);
      return;
    }
    let page = this.pages.get(pfn);
    if (page === undefined) {
      if (value === 0) return;
      page = new Uint32Array(WORDS_PER_PAGE);
      this.pages.set(pfn, page);
    }
    page[(pa % PAGE_SIZE) >>> 2] = value >>> 0;
  }

  /** A 64-bit little-endian value as a JS number (exact below 2^53). */
  read64(pa: number): number {
    return this.read32(pa) + this.read32(pa + 4) * TWO32;
  }

  /** Writes a non-negative integer below 2^53 as a 64-bit little-endian value. */
  write64(pa: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`PhysMem.write64: ${value} is not a non-negative safe integer`);
    }
    this.write32(pa, value % TWO32);
    this.write32(pa + 4, Math.floor(value / TWO32));
  }

  /** Copies `len` bytes starting at `pa` (may cross pages). */
  readBytes(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const addr = pa + done;
      const pfn = this.pfnOf(addr);
      const off = addr % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      if (!(pfn > 0 && pfn < this.pageCount && this.allocated[pfn] === 1)) {
        this.stray(addr, false);
      } else {
        const page = this.pages.get(pfn);
        if (page !== undefined) {
          out.set(new Uint8Array(page.buffer, off, n), done);
        }
      }
      done += n;
    }
    return out;
  }

  /** Writes `bytes` starting at `pa` (may cross pages). */
  writeBytes(pa: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const addr = pa + done;
      const pfn = this.pfnOf(addr);
      const off = addr % PAGE_SIZE;
      const n = Math.min(bytes.length - done, PAGE_SIZE - off);
      if (!(pfn > 0 && pfn < this.pageCount && this.allocated[pfn] === 1)) {
        this.stray(addr, true);
      } else {
        let page = this.pages.get(pfn);
        if (page === undefined) {
          page = new Uint32Array(WORDS_PER_PAGE);
          this.pages.set(pfn, page);
        }
        new Uint8Array(page.buffer, off, n).set(bytes.subarray(done, done + n));
      }
      done += n;
    }
  }

  private pfnOf(pa: number): number {
    return Math.floor(pa / PAGE_SIZE);
  }

  private stray(pa: number, write: boolean): void {
    this.strayAccesses++;
    if (this.strayLog.length < MAX_STRAY_LOG) this.strayLog.push({ pa, write });
  }
}
