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
   * From when the device's lost work is excused, dated: from the start of the first reset that
   * failed (the hardware could not be brought back from then on), or from when a wedge was
   * decided or began; from the unplug when the scenario asked for it (not a recovery);
   * +Infinity otherwise. Work lost before that moment is not excused. Computed once per device.
   */
  private excusedFromNs(dev: PanthorDevice): number {
    const t: number[] = [];
    const failed = dev.log.resets.find((r) => r.ok === false);
    if (failed !== undefined) t.push(failed.startNs);
    const resume = dev.log.failedResumes[0];
    if (resume !== undefined) t.push(resume);
    if (dev.wedge.decidedAtNs >= 0) t.push(dev.wedge.decidedAtNs);
    if (dev.wedge.wedgedAtNs >= 0) t.push(dev.wedge.wedgedAtNs);
    const u = dev.log.unpluggedAtNs;
    if (u >= 0 && this.ctx.explicitUnbinds.some((x) => x <= u)) t.push(u);
    return t.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...t);
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
          `${job.client}: innocent job ${f.name}, submitted at ${job.submittedNs} ns, ended with error ${f.error} and was reported ${job.robustness ?? 'nothing'}, not INNOCENT`,
        );
      }
    }
  }
}
