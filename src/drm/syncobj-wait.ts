/**
 * DOC: Host waits on syncobjs (drm_syncobj.c: `drm_timeout_abs_to_jiffies`,
 * `drm_syncobj_array_wait_timeout`), the core of SYNCOBJ_WAIT and SYNCOBJ_TIMELINE_WAIT.
 *
 * Timeouts are absolute CLOCK_MONOTONIC times (virtual ns here), signed: 0, and any time not
 * after now (a negative one too, which is what UINT64_MAX becomes), mean "poll". The kernel
 * converts the rest to jiffies and adds one; the model has no tick and waits exactly until
 * the deadline (a delta: the kernel may return up to one jiffy later).
 *
 * The wait (kernel order):
 * 1. Up front, for every entry: the fence for its point. An entry with no fence, or whose
 *    point is not submitted yet, fails the whole call with EINVAL, even when others are
 *    signalled, unless WAIT_FOR_SUBMIT or WAIT_AVAILABLE is set (then it waits for the point).
 *    An entry counts as signalled with WAIT_AVAILABLE as soon as it has a fence, otherwise when
 *    the fence signalled; the first such index is recorded, WAIT_ALL or not.
 * 2. Done already when all are, or (without WAIT_ALL) any is.
 * 3. Otherwise the entries without a fence queue on their syncobj (they pick up the fence when
 *    it appears, and keep it whatever happens to the syncobj later), fence callbacks wake the
 *    task, and it sleeps until the condition holds: any-mode stops at the lowest index that is
 *    signalled when it wakes (that index is `first_signaled`), WAIT_ALL when all are. A poll,
 *    or the deadline, with the condition unmet, is ETIME.
 * A fence that signalled with an error counts as signalled: the wait succeeds, and the error
 * is for sync_file (or the driver's own state) to report.
 *
 * Every sleep is a `WaitQueue.waitEvent`, a decision point of the simulated kernel, so the
 * explorer can interleave a reset, a signal or a replacement at each one. The model has no
 * signals, so ERESTARTSYS never happens.
 */
import { Errno } from '../kernel/errno.js';
import type { Fence } from '../kernel/fence.js';
import { fenceChainFindSeqno } from '../kernel/fence-chain.js';
import { fenceGetStub } from '../kernel/fence-stub.js';
import type { Kernel } from '../kernel/kernel.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { Syncobj, SyncobjWaitEntry } from './syncobj.js';
import { SyncobjWaitFlags } from './uapi.js';

/** Waits forever (a remaining time the model's clock cannot reach). */
export const MAX_SCHEDULE_TIMEOUT = -1;

/** Bound on wake-ups of one wait (docs/design.md §5: a limit on everything). */
const MAX_ROUNDS = 1_000_000;

/**
 * `drm_timeout_abs_to_jiffies`, in ns: 0 to poll, the time left until `timeoutNsec`, or
 * MAX_SCHEDULE_TIMEOUT when that is beyond what the clock can reach (the kernel clamps to
 * MAX_SCHEDULE_TIMEOUT - 1 jiffies, effectively the same).
 */
export function timeoutAbsToNs(k: Kernel, timeoutNsec: number): number {
  if (timeoutNsec === 0) return 0;
  const now = k.nowNs;
  if (!(timeoutNsec > now)) return 0;
  const left = timeoutNsec - now;
  return left >= Number.MAX_SAFE_INTEGER ? MAX_SCHEDULE_TIMEOUT : left;
}

interface Entry extends SyncobjWaitEntry {
  syncobj: Syncobj;
  /** A fence callback is registered (`fence_cb.func`). */
  cb: boolean;
}

/**
 * `drm_syncobj_array_wait_timeout`: the time left (>= 0) on success, with `first.value` set as
 * the kernel sets `*idx`; or a negative errno (-EINVAL, -ETIME).
 */
export async function syncobjArrayWaitTimeout(
  k: Kernel,
  syncobjs: readonly Syncobj[],
  points: readonly number[],
  flags: number,
  timeoutNs: number,
  first: { value: number },
): Promise<number> {
  const count = syncobjs.length;
  const waitAll = (flags & SyncobjWaitFlags.WAIT_ALL) !== 0;
  const available = (flags & SyncobjWaitFlags.WAIT_AVAILABLE) !== 0;
  const forSubmit = (flags & SyncobjWaitFlags.WAIT_FOR_SUBMIT) !== 0;
  let woken = false;
  const wq = new WaitQueue(k, 'syncobj wait');
  const wake = () => {
    woken = true;
    wq.wakeUp();
  };
  const entries: Entry[] = new Array(count);
  let signaled = 0;
  for (let i = 0; i < count; i++) {
    const so = syncobjs[i] as Syncobj;
    const e: Entry = {
      point: points[i] ?? 0,
      fence: null,
      wake,
      listed: false,
      syncobj: so,
      cb: false,
    };
    entries[i] = e;
    const found = so.fence === null ? false : fenceChainFindSeqno(so.fence, e.point);
    if (found === false) {
      if (forSubmit || available) continue;
      return -Errno.EINVAL;
    }
    e.fence = found ?? fenceGetStub(k);
    if (available || e.fence.signalled) {
      if (signaled === 0) first.value = i;
      signaled++;
    }
  }
  if (signaled === count || (signaled > 0 && !waitAll)) return timeoutNs < 0 ? 0 : timeoutNs;

  const cbWake = (_f: Fence) => wake();
  if (forSubmit || available) for (const e of entries) e.syncobj.addWait(e);
  const deadline = timeoutNs < 0 ? -1 : k.nowNs + timeoutNs;
  let left = timeoutNs;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      signaled = 0;
      for (let i = 0; i < count; i++) {
        const e = entries[i] as Entry;
        const f = e.fence;
        if (f === null) continue;
        let done = available || f.signalled;
        if (!done && !e.cb) {
          e.cb = f.addCallback(cbWake);
          done = !e.cb;
        }
        if (!done) continue;
        if (waitAll) {
          signaled++;
        } else {
          first.value = i;
          return left < 0 ? 0 : left;
        }
      }
      if (signaled === count) return left < 0 ? 0 : left;
      if (left === 0) return -Errno.ETIME;
      woken = false;
      await wq.waitEvent(() => woken, left);
      left = deadline < 0 ? -1 : Math.max(0, deadline - k.nowNs);
    }
    return -Errno.ETIME;
  } finally {
    for (const e of entries) {
      e.syncobj.removeWait(e);
      if (e.cb) e.fence?.removeCallback(cbWake);
    }
  }
}
