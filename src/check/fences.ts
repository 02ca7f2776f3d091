/**
 * `fence-signalled` (liveness part) and `fence-error-code`.
 *
 * The runtime already reports a fence signalled twice. Here: at the end of the liveness phase
 * every fence of the run must be signalled (a job taken off a list and never put back, or a
 * device that stopped without failing its jobs, leaves one pending for ever).
 *
 * Error codes of killed jobs (checked for every job in the ledger):
 * - only -EINVAL (fatal fault), -ETIMEDOUT (timed out), -ECANCELED and -ENODEV are allowed;
 * - -ENODEV only once the job's device was unplugged or wedged;
 * - the error names the right cause: a job that faulted on purpose (a page fault, an invalid
 *   instruction) never ends with -ETIMEDOUT, a job that hangs never with -EINVAL, and a job of a
 *   client that did nothing wrong never with -EINVAL (-ECANCELED is always possible: a job killed
 *   before it ran, with its group, for another group's fault).
 */
import { Errno, errnoName } from '../kernel/errno.js';
import { fenceRegistry } from '../kernel/fence.js';
import type { CheckContext, Oracle } from './oracle.js';

const ALLOWED = new Set([-Errno.EINVAL, -Errno.ETIMEDOUT, -Errno.ECANCELED, -Errno.ENODEV]);

export class FenceOracle implements Oracle {
  readonly name = 'fence';

  constructor(
    private readonly ctx: CheckContext,
    /** Clients whose jobs fault or hang on purpose, by name, with what they do. */
    private readonly culprits: ReadonlyMap<string, 'hang' | 'fault' | 'other'>,
  ) {}

  final(): void {
    const { sys, ledger } = this.ctx;
    const pending = fenceRegistry(sys.k).unsignalled();
    if (pending.length > 0) {
      // A job's fence is named as the job (`group3/q0#5`); the ledger says whose it is.
      const clientOf = new Map(ledger.jobs.map((j) => [j.fence, j.client]));
      const names = pending
        .slice(0, 4)
        .map((f) => {
          const client = clientOf.get(f);
          return client === undefined ? f.name : `${f.name} (client ${client})`;
        })
        .join(', ');
      this.ctx.report(
        'fence-signalled',
        `${pending.length} fence(s) never signalled after faults stopped: ${names}`,
      );
    }
    // Per device and per run, not per job: when each device died, and the first hardware fault.
    const deadAtByUid = new Map(sys.platform.devices.map((d) => [d.uid, deathTime(d)]));
    let firstFaultNs = Number.POSITIVE_INFINITY;
    for (const x of sys.hw.faults.fired) firstFaultNs = Math.min(firstFaultNs, x.atNs);
    let reported = 0;
    for (const job of ledger.jobs) {
      if (reported >= 3) break;
      const f = job.fence;
      if (f === null || !f.signalled || f.error === 0) continue;
      const deadAt = deadAtByUid.get(job.deviceUid) ?? -1;
      const err = f.error;
      let problem: string | null = null;
      if (!ALLOWED.has(err)) problem = `unexpected error ${errnoName(err)}`;
      else if (err === -Errno.ENODEV && (deadAt < 0 || f.signalledAtNs < deadAt))
        problem = 'ENODEV while the device was alive';
      else if (deadAt < 0 || f.signalledAtNs < deadAt) {
        const kind = this.culprits.get(job.client);
        // A hardware fault before the job ended (a firmware that stops answering, lost or late
        // acknowledgements, a stuck MMU) can keep the job's own fault from being reported: it
        // then times out, and ETIMEDOUT is the honest error. A fault armed before the job was
        // even submitted counts too: a lost interrupt or a silent firmware stays so.
        const silenced = firstFaultNs <= f.signalledAtNs;
        if (kind === 'fault' && err === -Errno.ETIMEDOUT && !silenced)
          problem = 'a faulting job ended with ETIMEDOUT';
        if (kind === 'hang' && err === -Errno.EINVAL) problem = 'a hung job ended with EINVAL';
        if (kind === undefined && !job.guilty && err === -Errno.EINVAL) {
          problem = 'an innocent job ended with EINVAL';
        }
      }
      if (problem !== null) {
        reported++;
        this.ctx.report('fence-error-code', `${job.client}: fence ${f.name}: ${problem}`);
      }
    }
  }
}

function deathTime(dev: import('../driver/device.js').PanthorDevice): number {
  const t: number[] = [];
  if (dev.log.unpluggedAtNs >= 0) t.push(dev.log.unpluggedAtNs);
  // The device is dead from the moment wedging begins, not only from the uevent at its end:
  // from then on every ioctl fails with ENODEV, and a group terminated in between (by the
  // failed reset's post-reset, whose term work runs while the wedge quiesces) rightly ends its
  // jobs with -ENODEV too.
  if (dev.wedge.wedgedAtNs >= 0) t.push(dev.wedge.wedgedAtNs);
  // A failed resume decides the wedge (`resumefail=wedge`) before its work runs.
  if (dev.wedge.decidedAtNs >= 0) t.push(dev.wedge.decidedAtNs);
  for (const w of dev.log.wedges) t.push(w.atNs);
  if (dev.wedge.wedged && dev.log.wedges.length === 0) t.push(0);
  return t.length === 0 ? -1 : Math.min(...t);
}
