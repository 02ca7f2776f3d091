/**
 * `innocent-survives`: work of groups that did not cause a reset completes, or is reported
 * INNOCENT.
 *
 * For every job of a client that is not a culprit: if its fence ended with an error, the
 * client must have been told INNOCENT for that context. The exceptions are the cases where no
 * reset design could have saved it: the hardware could not be brought back (a reset failed and
 * the device was wedged or unplugged), or the scenario itself unbound the device. A design that
 * recovers by unbinding the driver (`rebind`) is not excused: it threw the work away by choice.
 */
import type { PanthorDevice } from '../driver/device.js';
import type { CheckContext, Oracle } from './oracle.js';

export class InnocentOracle implements Oracle {
  readonly name = 'innocent-survives';
  lost = 0;

  constructor(private readonly ctx: CheckContext) {}

  /**
   * From when the device's lost work is excused: -Infinity when no design could have saved it
   * at all (wedged, a reset that failed), the unplug when the scenario asked for it (not a
   * recovery), +Infinity otherwise. Computed once per device, not per job.
   */
  private excusedFromNs(dev: PanthorDevice): number {
    if (dev.wedge.wedged) return Number.NEGATIVE_INFINITY;
    if (dev.log.resets.some((r) => r.ok === false)) return Number.NEGATIVE_INFINITY;
    const u = dev.log.unpluggedAtNs;
    if (u >= 0 && this.ctx.explicitUnbinds.some((t) => t <= u)) return u;
    return Number.POSITIVE_INFINITY;
  }

  final(): void {
    const { sys, ledger } = this.ctx;
    const excusedFrom = new Map(sys.platform.devices.map((d) => [d.uid, this.excusedFromNs(d)]));
    for (const job of ledger.jobs) {
      if (job.guilty) continue;
      const f = job.fence;
      if (f === null || !f.signalled || f.error === 0) continue;
      if (job.robustness === 'innocent') continue;
      // A job of a device that is gone altogether is excused.
      const from = excusedFrom.get(job.deviceUid) ?? Number.NEGATIVE_INFINITY;
      if (f.signalledAtNs >= from) continue;
      // The driver marked it, but the scenario unbound the device before the client could ask:
      // DEVICE_LOST is all anyone can report then.
      if (
        job.robustness === 'device-lost' &&
        job.robustnessAtNs !== undefined &&
        job.robustnessAtNs >= from
      )
        continue;
      this.lost++;
      if (this.lost <= 3) {
        this.ctx.report(
          'innocent-survives',
          `${job.client}: an innocent job submitted at ${job.submittedNs} ns ended with error ${f.error} and was reported ${job.robustness ?? 'nothing'}, not INNOCENT`,
        );
      }
    }
  }
}
