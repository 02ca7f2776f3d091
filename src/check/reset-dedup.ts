/**
 * `reset-dedup`: at most one reset is queued or running per device; coalesced requests are
 * not lost, and a reset is not repeated for a problem the previous one already fixed.
 *
 * - Overlap: two resets of one device running at the same time (a timeout handler resetting
 *   the GPU itself, beside the reset work).
 * - Lost: at the end of the run, a request that nothing served (see `served.ts`): it was
 *   absorbed by a reset that had already reset the hardware, or dropped across a suspend.
 * - Duplicate: a reset that serves no request whose evidence is newer than the previous
 *   hardware reset (a second source reporting the same hang after the first reset fixed it).
 */

import type { PanthorDevice } from '../driver/device.js';
import { newerThan } from '../driver/log.js';
import type { CheckContext, Oracle } from './oracle.js';
import { servedAt } from './served.js';

export class ResetDedupOracle implements Oracle {
  readonly name = 'reset-dedup';
  private readonly seenResets = new Map<PanthorDevice, number>();
  /** `step` acts on new entries of each device's `log.resets` only. */
  readonly logsOnly = true;

  constructor(private readonly ctx: CheckContext) {}

  step(): void {
    for (const dev of this.ctx.sys.platform.devices) {
      const resets = dev.log.resets;
      const seen = this.seenResets.get(dev) ?? 0;
      if (resets.length === seen) continue;
      for (let i = seen; i < resets.length; i++) {
        const r = resets[i];
        if (r === undefined) continue;
        for (let j = 0; j < i; j++) {
          const o = resets[j];
          if (o !== undefined && o.endNs === null) {
            this.ctx.report(
              'reset-dedup',
              `${dev.name}: reset ${r.id} (${r.task}) started while reset ${o.id} (${o.task}) was still running`,
            );
          }
        }
      }
      this.seenResets.set(dev, resets.length);
    }
  }

  final(): void {
    for (const dev of this.ctx.sys.platform.devices) {
      const log = dev.log;
      for (const req of log.requests) {
        if (servedAt(dev, req) === null) {
          this.ctx.report(
            'reset-dedup',
            `${dev.name}: reset request (${req.reason}) at ${req.atNs} ns was never served: it was lost`,
          );
          break;
        }
      }
      let prevHw = -1;
      let prevHwSeq = -1;
      for (const r of log.resets) {
        if (r.hwResetNs < 0) continue;
        if (prevHw >= 0) {
          // A cause in the same nanosecond as the previous hardware reset is newer when it was
          // seen at a later kernel step (a request made right after the reset command).
          const fresh = log.requests.some(
            (q) =>
              q.atNs <= r.hwResetNs &&
              q.atNs >= prevHw &&
              newerThan(q.causeNs, q.causeSeq, prevHw, prevHwSeq),
          );
          if (!fresh) {
            this.ctx.report(
              'reset-dedup',
              `${dev.name}: reset ${r.id} at ${r.startNs} ns served no request newer than the previous hardware reset at ${prevHw} ns (a duplicate)`,
            );
            break;
          }
        }
        prevHw = r.hwResetNs;
        prevHwSeq = r.hwResetSeq;
      }
    }
  }
}
