/**
 * `submit-after-fault`: no new job is handed to the hardware between a reset request and the
 * end of the reset that serves it. A hand-off is the driver writing a job to a ring buffer
 * whose group is on a CSG slot and ringing the doorbell, or starting a group with jobs written
 * (logged by the scheduler). The reset path itself is exempt.
 *
 * This is the "window" of the r/w-semaphore debate: between the hardware breaking and the reset
 * worker closing the gate, jobs still reach a GPU that is about to be reset.
 */
import type { PanthorDevice } from '../driver/device.js';
import type { CheckContext, Oracle } from './oracle.js';
import { servedAt } from './served.js';

export class SubmitAfterFaultOracle implements Oracle {
  readonly name = 'submit-after-fault';
  private readonly cursors = new Map<PanthorDevice, number>();
  private reported = 0;
  /** `step` acts on new entries of each device's `log.handoffs` only. */
  readonly logsOnly = true;

  constructor(private readonly ctx: CheckContext) {}

  step(): void {
    for (const dev of this.ctx.sys.platform.devices) {
      const log = dev.log;
      let i = this.cursors.get(dev) ?? 0;
      if (i >= log.handoffs.length) continue;
      for (; i < log.handoffs.length; i++) {
        const h = log.handoffs[i];
        if (h === undefined) continue;
        if (dev.reset.worker !== null && h.task === dev.reset.worker.name) continue;
        for (const req of log.requests) {
          if (req.atNs > h.atNs) break;
          // Oracles run after every step, so a serving reset that has ended ended before this
          // hand-off (even at the same nanosecond).
          const served = servedAt(dev, req);
          if (served !== null && served <= h.atNs) continue;
          if (this.reported++ < 3) {
            this.ctx.report(
              'submit-after-fault',
              `${h.task} handed job ${h.job}${h.client === '' ? '' : ` (client ${h.client})`} to the GPU at ${h.atNs} ns, after a reset request (${req.reason}) at ${req.atNs} ns and before the reset that serves it ended`,
            );
          }
          break;
        }
      }
      this.cursors.set(dev, i);
    }
  }
}
