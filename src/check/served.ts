/**
 * When is a reset request *served*? By the first thing after it that really re-initialises the
 * GPU: a reset whose hardware reset was issued at or after the request, or after the evidence
 * the request reports (once that reset has ended), a full re-initialisation (a slow resume, a probe), or the device going away (unplug,
 * wedge). A request made on a device already unplugged is moot: the device is gone, and
 * panthor_device_schedule_reset still queues a reset work that drm_dev_enter stops. Shared by
 * the `submit-after-fault` and `reset-dedup` oracles.
 */
import type { PanthorDevice } from '../driver/device.js';
import { newerThan, type ResetRequest } from '../driver/log.js';

/** The virtual time at which `req` was served on `dev`, or null if it is not (yet). */
export function servedAt(dev: PanthorDevice, req: ResetRequest): number | null {
  const log = dev.log;
  let best: number | null = null;
  const consider = (t: number) => {
    if (best === null || t < best) best = t;
  };
  for (const r of log.resets) {
    if (r.endNs === null || r.hwResetNs < 0) continue;
    // At or after the request; or after its evidence, for a request whose task was held up
    // between collecting the evidence and making the request (`ResetRequest.causeNs`).
    if (r.hwResetNs >= req.atNs) consider(r.endNs);
    else if (newerThan(r.hwResetNs, r.hwResetSeq, req.causeNs, req.causeSeq))
      consider(Math.max(r.endNs, req.atNs));
  }
  for (const t of log.fullReinits) if (t >= req.atNs) consider(t);
  if (log.unpluggedAtNs >= 0) consider(Math.max(log.unpluggedAtNs, req.atNs));
  for (const w of log.wedges) if (w.atNs >= req.atNs) consider(w.atNs);
  if (dev.wedge.wedged) consider(dev.k.nowNs);
  return best;
}
