/**
 * DOC: the `panthor` design — mainline Panthor.
 *
 * Rules: an atomic `reset.pending` flag (set by `panthor_device_schedule_reset` with cmpxchg)
 * is checked before the scheduler queues its own works (tick, sync update, firmware events);
 * pre-reset cancels those works with cancel_work_sync and stops every group, so nothing new is
 * scheduled *through the scheduler* once the reset runs. The reset work is on an ordered queue
 * with the watchdog and the job timeouts. A failed reset unplugs the device.
 *
 * Where it is weak, and why: the flag gates the scheduler's works, not the other paths that
 * touch the hardware. A job submitted between the fault and the reset worker is still written
 * to the ring and its doorbell rung (`queue_run_job` does not look at the flag), and ioctls
 * that program the hardware directly (VM_BIND's TLB flush, perfcnt) are not excluded while the
 * reset runs. A request that arrives after the running reset reset the hardware is absorbed.
 * A failed reset unplugs without a wedged event, so nothing tells user space to recover. A reset
 * requested while the device resumes stays pending until the next suspend and resume.
 */
import { ResetDesign } from '../design.js';

export class PanthorDesign extends ResetDesign {
  readonly name = 'panthor';
  override readonly requeueAfterResume = false;
}
