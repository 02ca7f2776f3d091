/**
 * `isolation` (memory part) and `use-after-free` for GPU accesses.
 *
 * Every GPU memory access through an address space must land on a page the VM bound to that
 * AS maps at that VA right now. An access that lands elsewhere went through a stale TLB entry
 * (a page-table change or an AS reuse without a flush) or the wrong AS: one VM reached memory
 * it does not own. An access to a page that was freed is a use-after-free. The file-handle part
 * of `isolation` is structural (each file has its own handle tables) and is tested directly.
 */
import { PAGE_SIZE } from '../hw/regs.js';
import type { CheckContext, Oracle } from './oracle.js';

export class IsolationOracle implements Oracle {
  readonly name = 'isolation';
  private freedCursor = 0;
  /** `step` reads `hw.freedAccesses` only (GPU accesses are checked by the `onDma` hook). */
  readonly logsOnly = true;
  private reported = 0;

  constructor(private readonly ctx: CheckContext) {
    ctx.sys.hw.onDmaAccess = (as, va, pa, write, locked) => this.access(as, va, pa, write, locked);
  }

  private access(as: number, va: number, pa: number, write: boolean, locked: boolean): void {
    // Hardware stalls accesses to a locked region until the page-table update is flushed;
    // the model lets them through, so their translation proves nothing.
    if (this.reported >= 3 || locked) return;
    const dev = this.ctx.sys.dev;
    if (dev === null) return;
    const vm = dev.mmu.slots[as];
    if (vm === null || vm === undefined) return;
    const expect = vm.pt.lookup(va);
    if (expect === null || Math.floor(expect / PAGE_SIZE) !== Math.floor(pa / PAGE_SIZE)) {
      this.reported++;
      this.ctx.report(
        'isolation',
        `GPU ${write ? 'write' : 'read'} at 0x${va.toString(16)} on AS${as} (${vm.name}) reached PA 0x${pa.toString(16)}, which that VM does not map there (stale translation)`,
      );
    }
  }

  step(): void {
    const freed = this.ctx.sys.hw.freedAccesses;
    while (this.freedCursor < freed.length) {
      const a = freed[this.freedCursor++];
      if (a === undefined) break;
      if (this.freedCursor <= 3) {
        this.ctx.report(
          'use-after-free',
          `GPU ${a.write ? 'write' : 'read'} at 0x${a.va.toString(16)} (${a.source}) hit a freed page`,
        );
      }
    }
  }
}
