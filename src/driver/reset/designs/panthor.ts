/**
 * DOC: the `panthor` preset — mainline Panthor as of the pinned kernel (Linux v7.0), every
 * factor at the kernel's value and no delta of the fidelity ledger (docs/fidelity.md).
 *
 * Mechanisms: an atomic `reset.pending` flag set by `panthor_device_schedule_reset` (cmpxchg,
 * and the work queued only when the device is ACTIVE), checked before the scheduler queues its
 * own works; pre-reset cancels the tick and the sync-update work with cancel_work_sync, suspends
 * every CSG and stops every group; one ordered queue for the reset work, the watchdog and the
 * job timeouts; only the firmware restart decides success, and a failed reset unplugs.
 *
 * Where it is weak, and why: the flag gates the scheduler's works, not the other paths that
 * touch the hardware, so a job submitted between the fault and the reset worker is still
 * written to the ring and its doorbell rung, and ioctls that program the hardware are not kept
 * out while the reset runs. A request that arrives after the running reset reset the hardware
 * is absorbed. A failed reset unplugs without telling user space, and the jobs of the unplugged
 * device are left unsignalled.
 */

import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const PANTHOR: DesignSpec = {
  name: 'panthor',
  follows: 'mainline Panthor, Linux v7.0 (drivers/gpu/drm/panthor)',
  factors: MAINLINE_FACTORS,
};
