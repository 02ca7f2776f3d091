/**
 * DOC: DRM sync objects (drm_syncobj.c), binary and timeline.
 *
 * A binary syncobj holds at most one fence (replaced by each signal operation); a timeline
 * syncobj holds a fence per point. Waits follow the generic ioctl: every handle must exist
 * (ENOENT), a syncobj without a fence is EINVAL unless WAIT_FOR_SUBMIT waits for one, and a
 * timeout is ETIME. A fence that ended with an error still counts as signalled for a wait —
 * the error is reported by the fence status (QUERY, or the user-mode driver's robustness
 * query), not by the wait: "waiting on a job that was reset returns 0".
 */
import { Errno } from '../kernel/errno.js';
import { type Fence, FenceContext } from '../kernel/fence.js';
import type { Kernel } from '../kernel/kernel.js';
import { WaitQueue } from '../kernel/waitqueue.js';

/** ETIME (62): drm_syncobj's timeout errno. */
export const ETIME = 62;

export class Syncobj {
  fence: Fence | null = null;
  /** Timeline points. */
  readonly points = new Map<number, Fence>();
  /** Called when a fence is attached (WAIT_FOR_SUBMIT waiters listen). */
  readonly listeners = new Set<() => void>();

  constructor(
    readonly handle: number,
    readonly timeline: boolean,
  ) {}

  /** Replaces the fence (binary) or adds a point (timeline), waking WAIT_FOR_SUBMIT waiters. */
  attach(fence: Fence, point: number): void {
    if (this.timeline && point > 0) this.points.set(point, fence);
    else this.fence = fence;
    for (const l of this.listeners) l();
  }

  /**
   * The fence to wait for at `point` (0 for binary syncobjs), or null when none yet. For a
   * timeline, the fence of the smallest point at or after `point`.
   */
  fenceFor(point: number): Fence | null {
    if (!this.timeline || point === 0) return this.fence;
    let best: [number, Fence] | null = null;
    for (const [p, f] of this.points)
      if (p >= point && (best === null || p < best[0])) best = [p, f];
    return best?.[1] ?? null;
  }

  /** dma_fence_get_status of the current fence (or the highest point). */
  status(): number {
    const f = this.timeline ? this.lastPointFence() : this.fence;
    return f === null ? 0 : f.status;
  }

  lastPoint(): number {
    let max = 0;
    for (const [p, f] of this.points) if (f.signalled && p > max) max = p;
    return max;
  }

  private lastPointFence(): Fence | null {
    let best: Fence | null = null;
    let bp = -1;
    for (const [p, f] of this.points) {
      if (p > bp) {
        bp = p;
        best = f;
      }
    }
    return best ?? this.fence;
  }
}

/** A per-device stub fence context for SIGNALED syncobjs and signal-only operations. */
export class SyncobjStubs {
  private readonly ctx: FenceContext;

  constructor(k: Kernel) {
    this.ctx = new FenceContext(k, 'syncobj-stub');
  }

  signalled(): Fence {
    const f = this.ctx.create('stub');
    f.signal();
    return f;
  }
}

export interface WaitSpec {
  syncobj: Syncobj;
  point: number;
}

/**
 * drm_syncobj_array_wait: waits for all (WAIT_ALL) or any of the syncobjs. Returns the index
 * of the first signalled one (WAIT_ANY), 0 for WAIT_ALL, or a negative errno.
 */
export async function waitSyncobjs(
  k: Kernel,
  specs: WaitSpec[],
  timeoutNs: number,
  waitAll: boolean,
  waitForSubmit: boolean,
): Promise<number> {
  if (!waitForSubmit) {
    for (const s of specs) if (s.syncobj.fenceFor(s.point) === null) return -Errno.EINVAL;
  }
  const wq = new WaitQueue(k, 'syncobj wait');
  let dirty = false;
  const wake = () => {
    dirty = true;
    wq.wakeUp();
  };
  const watched = new Set<Fence>();
  for (const s of specs) s.syncobj.listeners.add(wake);
  try {
    const deadline = timeoutNs < 0 ? -1 : k.nowNs + timeoutNs;
    const ready = (s: WaitSpec) => s.syncobj.fenceFor(s.point)?.signalled === true;
    for (let round = 0; round < 100_000; round++) {
      if (waitAll ? specs.every(ready) : specs.some(ready))
        return waitAll ? 0 : specs.findIndex(ready);
      for (const s of specs) {
        const f = s.syncobj.fenceFor(s.point);
        if (f !== null && !watched.has(f)) {
          watched.add(f);
          f.addCallback(wake);
        }
      }
      const left = deadline < 0 ? -1 : deadline - k.nowNs;
      if (deadline >= 0 && left <= 0) return -ETIME;
      dirty = false;
      await wq.waitEvent(() => dirty, left);
    }
    return -ETIME;
  } finally {
    for (const s of specs) s.syncobj.listeners.delete(wake);
    for (const f of watched) f.removeCallback(wake);
  }
}
