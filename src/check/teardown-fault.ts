/**
 * `teardown-page-fault`: no GPU page fault is caused by the driver's own teardown order. The
 * faults that can only come from driver-managed memory are the firmware's writes (the suspend
 * buffer, the tiler heap context written back on CSG suspend, the firmware image) and counter
 * samples: if one of those faults, the driver unmapped memory the GPU was still going to use
 * (the VM-teardown bug). Faults of user command streams are the user's, and so is a driver-source
 * fault on an address space that had already faulted since it was enabled: Panthor's MMU fault
 * handler disables the faulting VM's AS, so the firmware's heap-context write-back when the
 * group is terminated fails through it, whatever the driver left mapped.
 */
import type { CheckContext, Oracle } from './oracle.js';

const DRIVER_SOURCES = new Set(['fw-heap', 'fw-suspend', 'fw', 'prfcnt']);

export class TeardownFaultOracle implements Oracle {
  readonly name = 'teardown-page-fault';
  private cursor = 0;
  /** `step` reads `hw.pageFaults` only. */
  readonly logsOnly = true;

  constructor(private readonly ctx: CheckContext) {}

  step(): void {
    const faults = this.ctx.sys.hw.pageFaults;
    while (this.cursor < faults.length) {
      const f = faults[this.cursor++];
      if (f === undefined || !DRIVER_SOURCES.has(f.source) || f.afterFault === true) continue;
      this.ctx.report(
        'teardown-page-fault',
        `GPU page fault at 0x${f.va.toString(16)} on AS${f.as} from ${f.source}: the driver unmapped memory the GPU still used`,
      );
    }
  }
}
