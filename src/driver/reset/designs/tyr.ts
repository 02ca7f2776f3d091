/**
 * DOC: the `tyr` preset — the Tyr reset series as posted ("drm/tyr: implement GPU reset API",
 * v1 RESEND, Onur Özkan), on the Panthor blocks of this model (mainline Tyr has no scheduler or
 * firmware block yet: the series' mechanisms are applied to the blocks Panthor has).
 *
 * Mechanisms: an ordered workqueue for resets only (`tyr-reset-wq`, an `OrderedQueue`; job
 * timeouts and the watchdog are not on it), a pending flag set with cmpxchg that coalesces
 * requests (`ResetHandle::schedule`), Resettable implementers called in registration order with
 * every error propagated (`run_reset()?`), no global gate, patch 1's "clear the reset IRQ
 * before the soft reset" and Tyr's polled soft reset, `Work::disable_sync` when the handle is
 * dropped at unbind, and a reset work that assumes the device is still bound.
 *
 * Failure: `todo!("unplug the GPU")`. A Rust panic in a work item is an oops: the kworker dies
 * without unwinding, so the work never completes, the ordered queue runs nothing after it, the
 * pending flag stays set (every later request coalesces into a reset that never runs), and the
 * `disable_sync` at unbind waits for ever.
 *
 * What could not be read: the posted v1 logs a failed reset and clears the flag; the unplug
 * placeholder is described in the author's status mail. `tyr+failure=log` is the v1 text.
 */
import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const TYR: DesignSpec = {
  name: 'tyr',
  follows: 'the Tyr reset series, v1 RESEND 0/4 (drm/tyr: implement GPU reset API)',
  factors: {
    ...MAINLINE_FACTORS,
    failure: 'panic',
    success: 'propagate',
    order: 'registration',
    queue: 'reset-only',
    entry: 'assumed',
    softreset: 'poll',
  },
};
