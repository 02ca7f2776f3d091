/**
 * DOC: The submit context's sync-op handling (panthor_drv.c: `panthor_submit_ctx_*`,
 * `panthor_check_sync_op`), shared by GROUP_SUBMIT and asynchronous VM_BIND.
 *
 * A submission of N jobs is all-or-nothing. In the kernel's phases:
 * 1. (the caller) each job is created and its sync ops copied in;
 * 2. `collectSignals`: every SIGNAL op of every job, in order, is checked
 *    (`panthor_check_sync_op`: EINVAL) and gets one entry per distinct (handle, point)
 *    (`panthor_submit_ctx_get_sync_signal`), whose syncobj must exist (EINVAL, not ENOENT) and
 *    which remembers the syncobj's fence for that point now (none is fine);
 * 3. (the caller) locks;
 * 4. `resolveDeps`: job by job, its WAIT ops are checked (EINVAL) and resolved: an entry
 *    with the exact (handle, point) means "what the batch has put there so far" (the fence of
 *    an earlier job that signals it, else the fence remembered in phase 2, and none is
 *    EINVAL); otherwise `drm_syncobj_find_fence` (ENOENT for no syncobj, EINVAL for no fence or
 *    a point not submitted). Then the job is armed, and its own SIGNAL entries now name it;
 * 5. (the caller) every job is pushed, then `pushFences` updates each syncobj once, with the
 *    fence of the last job that signals it: a point > 0 as a new timeline point
 *    (`drm_syncobj_add_point`), point 0 by replacing the fence.
 * Nothing is pushed and no syncobj changes unless every check passed: the model resolves
 * phase 4 before any job fence exists, as the jobs the kernel armed and then dropped on a
 * failure are never seen by anyone.
 */
import { drmSyncobjFindFenceNow, type Syncobj } from '../drm/syncobj.js';
import { Errno } from '../kernel/errno.js';
import type { Fence } from '../kernel/fence.js';
import type { PanthorFile } from './file.js';
import { SyncOpFlags } from './uapi.js';

/** The kernel copy of a `drm_panthor_sync_op`. */
export interface KSyncOp {
  flags: number;
  handle: number;
  timelineValue: number;
}

const SYNC_OP_FLAGS_MASK = (SyncOpFlags.HANDLE_TYPE_MASK | SyncOpFlags.SIGNAL) >>> 0;

/** `panthor_check_sync_op`: 0 or -EINVAL. */
export function checkSyncOp(op: KSyncOp): number {
  if ((op.flags & ~SYNC_OP_FLAGS_MASK) >>> 0 !== 0) return -Errno.EINVAL;
  const type = op.flags & SyncOpFlags.HANDLE_TYPE_MASK;
  if (type !== SyncOpFlags.HANDLE_TYPE_SYNCOBJ && type !== SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ)
    return -Errno.EINVAL;
  if (type === SyncOpFlags.HANDLE_TYPE_SYNCOBJ && op.timelineValue !== 0) return -Errno.EINVAL;
  return 0;
}

export function isSignalOp(op: KSyncOp): boolean {
  return (op.flags & SyncOpFlags.SIGNAL) !== 0;
}

interface SignalEntry {
  handle: number;
  point: number;
  syncobj: Syncobj;
  /** The syncobj's fence for the point when collected (`sig_sync->fence`). */
  fence: Fence | null;
  /** The last job (index) of the batch that signals it, or -1. */
  job: number;
}

/** A dependency: a fence that exists now, or the fence job `job` of this batch will have. */
export type Dep = Fence | { job: number };

export class SubmitCtx {
  private readonly signals: SignalEntry[] = [];

  constructor(
    private readonly file: PanthorFile,
    /** Each job's sync ops (kernel copies). */
    readonly syncs: readonly KSyncOp[][],
  ) {}

  private entry(handle: number, point: number): SignalEntry | undefined {
    for (const e of this.signals) if (e.handle === handle && e.point === point) return e;
    return undefined;
  }

  /** Phase 2, `panthor_submit_ctx_collect_jobs_signal_ops`: 0 or -EINVAL. */
  collectSignals(): number {
    for (const ops of this.syncs) {
      for (const op of ops) {
        if (!isSignalOp(op)) continue;
        const r = checkSyncOp(op);
        if (r) return r;
        if (this.entry(op.handle, op.timelineValue) !== undefined) continue;
        const so = this.file.syncobjs.get(op.handle);
        if (so === undefined) return -Errno.EINVAL;
        this.signals.push({
          handle: op.handle,
          point: op.timelineValue,
          syncobj: so,
          fence: so.fenceFor(op.timelineValue),
          job: -1,
        });
      }
    }
    return 0;
  }

  /** Phase 4, `panthor_submit_ctx_add_deps_and_arm_jobs`: each job's deps, or an errno. */
  resolveDeps(): Dep[][] | number {
    const out: Dep[][] = [];
    for (let i = 0; i < this.syncs.length; i++) {
      const deps: Dep[] = [];
      for (const op of this.syncs[i] as KSyncOp[]) {
        if (isSignalOp(op)) continue;
        const r = checkSyncOp(op);
        if (r) return r;
        const e = this.entry(op.handle, op.timelineValue);
        if (e !== undefined) {
          // A fence the batch itself provides: an earlier job's, or the one found in phase 2.
          if (e.job >= 0) deps.push({ job: e.job });
          else if (e.fence !== null) deps.push(e.fence);
          else return -Errno.EINVAL;
          continue;
        }
        const f = drmSyncobjFindFenceNow(this.file, op.handle, op.timelineValue);
        if (typeof f === 'number') return f;
        deps.push(f);
      }
      out.push(deps);
      // panthor_submit_ctx_update_job_sync_signal_fences: job i is armed, its signals name it.
      for (const op of this.syncs[i] as KSyncOp[]) {
        if (!isSignalOp(op)) continue;
        const e = this.entry(op.handle, op.timelineValue);
        if (e !== undefined) e.job = i;
      }
    }
    return out;
  }

  /** Phase 5, `panthor_submit_ctx_push_fences`: after every job was pushed. */
  pushFences(jobFences: readonly Fence[]): void {
    for (const e of this.signals) {
      const f = jobFences[e.job];
      if (f === undefined) continue;
      if (e.point > 0) e.syncobj.addPoint(f, e.point);
      else e.syncobj.replaceFence(f);
    }
  }
}

/** The fences of `deps` once the batch's job fences exist. */
export function depFences(deps: readonly Dep[], jobFences: readonly Fence[]): Fence[] {
  return deps.map((d) => ('job' in d ? (jobFences[d.job] as Fence) : d));
}
