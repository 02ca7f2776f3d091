/**
 * `perfcnt-continuity`: a counter session survives a reset, and the first dump after it says
 * that samples were lost; a dump is never silently wrong. (The AS reference count never going
 * negative is checked by the runtime's `refcount-underflow`.)
 *
 * For each successful dump: if a reset of the device completed between the session's previous
 * successful dump (or its start) and this one, the dump must carry `samplesLost`.
 */
import type { CheckContext, Oracle } from './oracle.js';

export class PerfcntOracle implements Oracle {
  readonly name = 'perfcnt-continuity';

  constructor(private readonly ctx: CheckContext) {}

  final(): void {
    for (const dev of this.ctx.sys.platform.devices) {
      const dumps = dev.perfcnt.dumps;
      let prevNs = -1;
      let session = -1;
      for (const d of dumps) {
        if (d.sessionStartNs !== session) {
          session = d.sessionStartNs;
          prevNs = d.sessionStartNs;
        }
        if (!d.ok) continue;
        const resetBetween = dev.log.resets.some(
          (r) => r.endNs !== null && r.endNs > prevNs && r.endNs <= d.atNs,
        );
        const slowResume = dev.log.fullReinits.some((t) => t > prevNs && t <= d.atNs);
        if ((resetBetween || slowResume) && !d.samplesLost) {
          this.ctx.report(
            'perfcnt-continuity',
            `${dev.name}: perfcnt dump at ${d.atNs} ns follows a reset but does not say samples were lost`,
          );
          return;
        }
        prevNs = d.atNs;
      }
    }
  }
}
