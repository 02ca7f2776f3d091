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

  private excused(dev: PanthorDevice | undefined, atNs: number): boolean {
    if (dev === undefined) return true;
    if (dev.wedge.wedged) return true;
    if (dev.log.resets.some((r) => r.ok === false)) return true;
    // An unbind the scenario asked for (not a recovery) before the job ended.
    if (dev.log.unpluggedAtNs >= 0 && dev.log.unpluggedAtNs <= atNs) {
      const u = dev.log.unpluggedAtNs;
      if (this.ctx.explicitUnbinds.some((t) => t <= u)) return true;
    }
    return false;
  }

  final(): void {
    const { sys, ledger } = this.ctx;
    const devices = new Map(sys.platform.devices.map((d) => [d.uid, d]));
    for (const job of ledger.jobs) {
      if (job.guilty) continue;
      const f = job.fence;
      if (f === null || !f.signalled || f.error === 0) continue;
      if (job.robustness === 'innocent') continue;
      const dev = devices.get(job.deviceUid);
      if (this.excused(dev, f.signalledAtNs)) continue;
      // The driver marked it, but the scenario unbound the device before the client could ask:
      // DEVICE_LOST is all anyone can report then.
      if (
        job.robustness === 'device-lost' &&
        job.robustnessAtNs !== undefined &&
        this.excused(dev, job.robustnessAtNs)
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
