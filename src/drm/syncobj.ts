/**
 * DOC: DRM sync objects (drivers/gpu/drm/drm_syncobj.c): the object and its fence.
 *
 * A syncobj is a container for a pointer to a fence, which may be NULL ("unsubmitted"). Used
 * as a *binary* syncobj, each signal operation replaces the fence (`replaceFence`, which RESET
 * sets to NULL and SIGNAL to a new signalled stub). Used as a *timeline*, each point is a
 * dma_fence_chain node put on top of the current fence (`addPoint`); the fence is then the
 * chain's head, and a point is found by walking the chain (`fenceChainFindSeqno`). The same
 * object can be used both ways, with the kernel's consequences: a plain SIGNAL or RESET of a
 * timeline throws the whole chain away.
 *
 * Waiters that need a fence to appear (WAIT_FOR_SUBMIT, WAIT_AVAILABLE, `drm_syncobj_find_fence`
 * with WAIT_FOR_SUBMIT) queue an entry on the syncobj (`cb_list`); every replace and add_point
 * re-evaluates the entries, and an entry that finds its point takes that fence and leaves the
 * list, so later changes do not affect that waiter (the "snapshot" IGT's wait-*-snapshot tests
 * rely on).
 *
 * A syncobj outlives its handle while an exported fd or another handle refers to it; the model
 * leaves that to the garbage collector (nothing is freed in a way user space can observe).
 *
 * `drmSyncobjFindFence` is the exported `drm_syncobj_find_fence` drivers use for in-syncs:
 * ENOENT for no such handle, EINVAL for no fence or a point not yet submitted, and with
 * WAIT_FOR_SUBMIT a sleep of up to 5 s for the point to appear (ETIME).
 */
import { Errno } from '../kernel/errno.js';
import type { Fence } from '../kernel/fence.js';
import { fenceChainFindSeqno, fenceChainInit, fenceChainWalk } from '../kernel/fence-chain.js';
import { fenceGetStub } from '../kernel/fence-stub.js';
import type { Kernel } from '../kernel/kernel.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { DrmFile } from './file.js';
import { SyncobjWaitFlags } from './uapi.js';

/** ETIME (62): drm_syncobj's timeout errno. */
export const ETIME = Errno.ETIME;

/** `DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT`: how long find_fence waits for a point to appear. */
export const WAIT_FOR_SUBMIT_TIMEOUT_NS = 5_000_000_000;

/** `struct syncobj_wait_entry`: a waiter for a fence to appear at `point`. */
export interface SyncobjWaitEntry {
  point: number;
  /** The fence picked up for the point (once set, later changes do not matter). */
  fence: Fence | null;
  /** Wakes the waiting task (`wake_up_process`). */
  wake: () => void;
  /** On the syncobj's `cb_list`. */
  listed: boolean;
}

export class Syncobj {
  /** `syncobj->fence`. */
  fence: Fence | null = null;
  /** `syncobj->cb_list`. */
  private readonly cbList: SyncobjWaitEntry[] = [];

  constructor(private readonly k: Kernel) {}

  /**
   * The fence for `point` as `dma_fence_chain_find_seqno` resolves it on the current fence:
   * the fence (the stub for a collected point), or null for "no fence or not yet submitted".
   */
  fenceFor(point: number): Fence | null {
    if (this.fence === null) return null;
    const f = fenceChainFindSeqno(this.fence, point);
    if (f === false) return null;
    return f ?? fenceGetStub(this.k);
  }

  /** `drm_syncobj_replace_fence`: waiters are re-evaluated if the pointer changed. */
  replaceFence(fence: Fence | null): void {
    const old = this.fence;
    this.fence = fence;
    if (fence !== old) this.runWaits();
  }

  /**
   * `drm_syncobj_add_point`: a chain node for `point` holding `fence` becomes the head. A
   * point not above the head's is accepted (the kernel only logs it): the node starts a new
   * fence context and takes the head's seqno. Then one walk of the old chain collects the
   * nodes whose fence signalled.
   */
  addPoint(fence: Fence, point: number): void {
    const prev = this.fence;
    this.fence = fenceChainInit(this.k, prev, fence, point);
    this.runWaits();
    for (let it: Fence | null = prev; it !== null; it = fenceChainWalk(it)) {
      // The walk itself is the garbage collection.
    }
  }

  /** `drm_syncobj_fence_add_wait`: picks up the point now, or queues the entry. */
  addWait(e: SyncobjWaitEntry): void {
    if (e.fence !== null) return;
    const f = this.fenceFor(e.point);
    if (f === null) {
      e.listed = true;
      this.cbList.push(e);
    } else {
      e.fence = f;
    }
  }

  /** `drm_syncobj_remove_wait`. */
  removeWait(e: SyncobjWaitEntry): void {
    if (!e.listed) return;
    e.listed = false;
    const i = this.cbList.indexOf(e);
    if (i >= 0) this.cbList.splice(i, 1);
  }

  /** `syncobj_wait_syncobj_func` for every queued entry. */
  private runWaits(): void {
    if (this.cbList.length === 0) return;
    for (const e of [...this.cbList]) {
      const f = this.fenceFor(e.point);
      if (f === null) continue;
      e.fence = f;
      this.removeWait(e);
      e.wake();
    }
  }

  /** Waiters queued for a fence to appear (for tests and leak checks). */
  get waiters(): number {
    return this.cbList.length;
  }
}

/**
 * `drm_syncobj_find_fence(file, handle, point, flags)`: the fence for `point` of `handle`, or
 * -EINVAL (flags other than WAIT_FOR_SUBMIT; no fence; point not submitted), -ENOENT (no such
 * handle), -ETIME (WAIT_FOR_SUBMIT and nothing appeared within 5 s). Sleeps only with
 * WAIT_FOR_SUBMIT.
 */
export async function drmSyncobjFindFence(
  k: Kernel,
  file: DrmFile,
  handle: number,
  point: number,
  flags: number,
): Promise<Fence | number> {
  const so = file.syncobjs.get(handle);
  if ((flags & ~SyncobjWaitFlags.WAIT_FOR_SUBMIT) >>> 0 !== 0) return -Errno.EINVAL;
  if (so === undefined) return -Errno.ENOENT;
  const f = so.fenceFor(point);
  if (f !== null) return f;
  if ((flags & SyncobjWaitFlags.WAIT_FOR_SUBMIT) === 0) return -Errno.EINVAL;
  const wq = new WaitQueue(k, 'syncobj find_fence');
  const e: SyncobjWaitEntry = { point, fence: null, listed: false, wake: () => wq.wakeUp() };
  so.addWait(e);
  try {
    if (e.fence === null) await wq.waitEvent(() => e.fence !== null, WAIT_FOR_SUBMIT_TIMEOUT_NS);
    return e.fence ?? -Errno.ETIME;
  } finally {
    so.removeWait(e);
  }
}

/** The same, for callers that never wait (flags 0): never sleeps. */
export function drmSyncobjFindFenceNow(
  file: DrmFile,
  handle: number,
  point: number,
): Fence | number {
  const so = file.syncobjs.get(handle);
  if (so === undefined) return -Errno.ENOENT;
  return so.fenceFor(point) ?? -Errno.EINVAL;
}
