/**
 * DOC: The syncobj ioctls (drm_syncobj.c, `drm_syncobj_*_ioctl`), each check in the kernel's
 * order, and their entries in the DRM core's ioctl table (drm_ioctl.c, `drm_ioctls[]`: all
 * DRM_RENDER_ALLOW).
 *
 * Every handler starts with the feature check (EOPNOTSUPP without DRIVER_SYNCOBJ, or without
 * DRIVER_SYNCOBJ_TIMELINE for TIMELINE_WAIT, QUERY, TRANSFER and TIMELINE_SIGNAL), before any
 * argument check. The array ioctls look every handle up before doing anything
 * (`drm_syncobj_array_find`), so one bad handle leaves every syncobj untouched. The errno of a
 * missing handle differs by ioctl, as in the kernel: EINVAL for DESTROY and plain
 * HANDLE_TO_FD, ENOENT for the array ioctls, TRANSFER and the sync_file paths.
 *
 * Handlers see the kernel's copy of the struct (`kdata`, C-typed by drm_ioctl) and write their
 * outputs into it; drm_ioctl copies it back. Fds are allocated in, and looked up in, the
 * calling process's table (`ctx.proc`).
 *
 * EVENTFD (0xCF) is not modelled: the model has no eventfd.
 */
import { Errno } from '../kernel/errno.js';
import { type FileOperations, KFile, type Process } from '../kernel/fdtable.js';
import type { Fence } from '../kernel/fence.js';
import { fenceUnwrapMerge } from '../kernel/fence-array.js';
import { FenceChain, fenceChainWalk } from '../kernel/fence-chain.js';
import { fenceAllocatePrivateStub, fenceGetStub } from '../kernel/fence-stub.js';
import type { Kernel } from '../kernel/kernel.js';
import { kmallocArrayFits } from '../kernel/slab.js';
import { syncFileCreate, syncFileGetFence } from '../kernel/sync-file.js';
import { copyArrayFromUser, putUser } from '../kernel/uaccess.js';
import type { DrmFile } from './file.js';
import type { DrmIoctlDesc } from './ioctl.js';
import { DRM_RENDER_ALLOW } from './ioctl.js';
import { drmSyncobjFindFence, drmSyncobjFindFenceNow, Syncobj } from './syncobj.js';
import { syncobjArrayWaitTimeout, timeoutAbsToNs } from './syncobj-wait.js';
import {
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_QUERY,
  DRM_IOCTL_SYNCOBJ_RESET,
  DRM_IOCTL_SYNCOBJ_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
  DRM_IOCTL_SYNCOBJ_TRANSFER,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DriverFeature,
  SYNCOBJ_ARRAY_LAYOUT,
  SYNCOBJ_CREATE_LAYOUT,
  SYNCOBJ_DESTROY_LAYOUT,
  SYNCOBJ_HANDLE_LAYOUT,
  SYNCOBJ_TIMELINE_ARRAY_LAYOUT,
  SYNCOBJ_TIMELINE_WAIT_LAYOUT,
  SYNCOBJ_TRANSFER_LAYOUT,
  SYNCOBJ_WAIT_LAYOUT,
  SyncobjCreateFlags,
  SyncobjFdToHandleFlags,
  SyncobjHandleToFdFlags,
  SyncobjQueryFlags,
  SyncobjWaitFlags,
} from './uapi.js';

/** What a core ioctl handler runs with: the device's features, the file, the caller. */
export interface DrmCoreCtx {
  readonly k: Kernel;
  readonly file: DrmFile;
  /** `drm_driver.driver_features` (DriverFeature bits). */
  readonly features: number;
  /** The calling process (`current`): where fds are allocated and looked up. */
  readonly proc: Process;
}

/** `drm_syncobj_file_fops`: a syncobj fd, recognised by identity. */
export const SYNCOBJ_FOPS: FileOperations = { name: 'syncobj_file' };

/** The syncobj an fd names, if it is a syncobj fd. */
export function syncobjOfFile(f: KFile | null): Syncobj | null {
  return f !== null && f.fops === SYNCOBJ_FOPS ? (f.privateData as Syncobj) : null;
}

interface K {
  [field: string]: unknown;
}
const u32 = (v: unknown) => v as number;

function hasFeature(ctx: DrmCoreCtx, f: number): boolean {
  return (ctx.features & f) !== 0;
}

/**
 * `drm_syncobj_array_find`: the syncobjs of `count` handles at the user pointer `handles`, or
 * -ENOMEM (the two kmalloc_array calls a huge count fails), -EFAULT, -ENOENT (first missing).
 */
function arrayFind(ctx: DrmCoreCtx, handles: unknown, count: number): Syncobj[] | number {
  if (!kmallocArrayFits(count, 4)) return -Errno.ENOMEM;
  const hs = copyArrayFromUser(handles, count, 'u32');
  if (typeof hs === 'number') return hs;
  if (!kmallocArrayFits(count, 8)) return -Errno.ENOMEM;
  const out: Syncobj[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const so = ctx.file.syncobjs.get(hs[i] as number);
    if (so === undefined) return -Errno.ENOENT;
    out[i] = so;
  }
  return out;
}

/** A user `u64 *` of `count` points, NULL meaning all 0 (-EFAULT for bad memory). */
function userPoints(points: unknown, count: number): number[] | number {
  if (points === null) return new Array<number>(count).fill(0);
  return copyArrayFromUser(points, count, 'u64');
}

// ---- CREATE / DESTROY ------------------------------------------------------------------------

/** `drm_syncobj_create_ioctl`. */
function create(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if ((u32(a.flags) & ~SyncobjCreateFlags.SIGNALED) !== 0) return -Errno.EINVAL;
  const so = new Syncobj(ctx.k);
  // drm_syncobj_assign_null_handle: a new private stub, already signalled.
  if (u32(a.flags) & SyncobjCreateFlags.SIGNALED) so.replaceFence(fenceAllocatePrivateStub(ctx.k));
  const h = ctx.file.syncobjs.alloc(so);
  if (h === 0) return -Errno.ENOSPC;
  a.handle = h;
  return 0;
}

/** `drm_syncobj_destroy_ioctl`: an unknown handle is EINVAL (idr_remove found nothing). */
function destroy(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  if (ctx.file.syncobjs.remove(u32(a.handle)) === undefined) return -Errno.EINVAL;
  return 0;
}

// ---- HANDLE_TO_FD / FD_TO_HANDLE -------------------------------------------------------------

/** `drm_syncobj_handle_to_fd_ioctl`. */
function handleToFd(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  const flags = u32(a.flags);
  const valid = SyncobjHandleToFdFlags.TIMELINE | SyncobjHandleToFdFlags.EXPORT_SYNC_FILE;
  if ((flags & ~valid) !== 0) return -Errno.EINVAL;
  const point = flags & SyncobjHandleToFdFlags.TIMELINE ? (a.point as number) : 0;
  const files = ctx.proc.files;
  if (flags & SyncobjHandleToFdFlags.EXPORT_SYNC_FILE) {
    // drm_syncobj_export_sync_file: the fd is reserved before the fence is looked up.
    const fd = files.getUnusedFd();
    if (fd < 0) return fd;
    const fence = drmSyncobjFindFenceNow(ctx.file, u32(a.handle), point);
    if (typeof fence === 'number') {
      files.putUnusedFd(fd);
      return fence;
    }
    files.fdInstall(fd, syncFileCreate(fence));
    a.fd = fd;
    return 0;
  }
  if (point !== 0) return -Errno.EINVAL;
  // drm_syncobj_handle_to_fd: the handle first (EINVAL), then the fd.
  const so = ctx.file.syncobjs.get(u32(a.handle));
  if (so === undefined) return -Errno.EINVAL;
  const fd = files.install(new KFile(SYNCOBJ_FOPS, so));
  if (fd < 0) return fd;
  a.fd = fd;
  return 0;
}

/** `drm_syncobj_fd_to_handle_ioctl`. */
function fdToHandle(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  const flags = u32(a.flags);
  const valid = SyncobjFdToHandleFlags.TIMELINE | SyncobjFdToHandleFlags.IMPORT_SYNC_FILE;
  if ((flags & ~valid) !== 0) return -Errno.EINVAL;
  const point = flags & SyncobjFdToHandleFlags.TIMELINE ? (a.point as number) : 0;
  const files = ctx.proc.files;
  if (flags & SyncobjFdToHandleFlags.IMPORT_SYNC_FILE) {
    // drm_syncobj_import_sync_file_fence: the sync_file first (EINVAL), then the handle.
    const fence = syncFileGetFence(files, a.fd);
    if (fence === null) return -Errno.EINVAL;
    const so = ctx.file.syncobjs.get(u32(a.handle));
    if (so === undefined) return -Errno.ENOENT;
    if (point !== 0) so.addPoint(fence, point);
    else so.replaceFence(fence);
    return 0;
  }
  if (point !== 0) return -Errno.EINVAL;
  // drm_syncobj_fd_to_handle: a bad fd and a file that is not a syncobj's are both EINVAL.
  const so = syncobjOfFile(files.lookup(a.fd));
  if (so === null) return -Errno.EINVAL;
  const h = ctx.file.syncobjs.alloc(so);
  if (h === 0) return -Errno.ENOSPC;
  a.handle = h;
  return 0;
}

// ---- TRANSFER --------------------------------------------------------------------------------

/**
 * `drm_syncobj_transfer_ioctl`: to a timeline point (dst_point != 0: the source fence is
 * flattened with dma_fence_unwrap_merge and added as a point) or to a binary syncobj (the
 * fence replaces dst's). The destination is looked up first.
 */
async function transfer(ctx: DrmCoreCtx, a: K): Promise<number> {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ_TIMELINE)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  const dst = ctx.file.syncobjs.get(u32(a.dstHandle));
  if (dst === undefined) return -Errno.ENOENT;
  const f = await drmSyncobjFindFence(
    ctx.k,
    ctx.file,
    u32(a.srcHandle),
    a.srcPoint as number,
    u32(a.flags),
  );
  if (typeof f === 'number') return f;
  const dstPoint = a.dstPoint as number;
  if (dstPoint !== 0) dst.addPoint(fenceUnwrapMerge(ctx.k, f), dstPoint);
  else dst.replaceFence(f);
  return 0;
}

// ---- WAIT / TIMELINE_WAIT --------------------------------------------------------------------

const WAIT_FLAGS =
  SyncobjWaitFlags.WAIT_ALL | SyncobjWaitFlags.WAIT_FOR_SUBMIT | SyncobjWaitFlags.WAIT_DEADLINE;

/**
 * `drm_syncobj_wait_ioctl` and `drm_syncobj_timeline_wait_ioctl`: `first_signaled` is written
 * only on success (with WAIT_ALL too: the first index signalled at entry, or 0xffffffff); a
 * failed wait leaves the user's value as it was. Count 0 succeeds at once (current kernels).
 */
async function wait(ctx: DrmCoreCtx, a: K, timeline: boolean): Promise<number> {
  const feature = timeline ? DriverFeature.SYNCOBJ_TIMELINE : DriverFeature.SYNCOBJ;
  if (!hasFeature(ctx, feature)) return -Errno.EOPNOTSUPP;
  const flags = u32(a.flags);
  const possible = timeline ? WAIT_FLAGS | SyncobjWaitFlags.WAIT_AVAILABLE : WAIT_FLAGS;
  if ((flags & ~possible) !== 0) return -Errno.EINVAL;
  const count = u32(a.countHandles);
  if (count === 0) return 0;
  const syncobjs = arrayFind(ctx, a.handles, count);
  if (typeof syncobjs === 'number') return syncobjs;
  // WAIT_DEADLINE's deadline is a hint to the fence signaller; the model's signallers have no
  // use for it.
  const timeout = timeoutAbsToNs(ctx.k, a.timeoutNsec as number);
  const points = timeline ? userPoints(a.points, count) : new Array<number>(count).fill(0);
  if (typeof points === 'number') return points;
  const first = { value: 0xffff_ffff };
  const ret = await syncobjArrayWaitTimeout(ctx.k, syncobjs, points, flags, timeout, first);
  if (ret < 0) return ret;
  a.firstSignaled = first.value;
  return 0;
}

// ---- RESET / SIGNAL / TIMELINE_SIGNAL --------------------------------------------------------

/** `drm_syncobj_reset_ioctl`: every fence becomes NULL (a timeline loses its whole chain). */
function reset(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  const count = u32(a.countHandles);
  if (count === 0) return -Errno.EINVAL;
  const syncobjs = arrayFind(ctx, a.handles, count);
  if (typeof syncobjs === 'number') return syncobjs;
  for (const so of syncobjs) so.replaceFence(null);
  return 0;
}

/** `drm_syncobj_signal_ioctl`: each gets a new signalled private stub. */
function signal(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ)) return -Errno.EOPNOTSUPP;
  if (u32(a.pad) !== 0) return -Errno.EINVAL;
  const count = u32(a.countHandles);
  if (count === 0) return -Errno.EINVAL;
  const syncobjs = arrayFind(ctx, a.handles, count);
  if (typeof syncobjs === 'number') return syncobjs;
  for (const so of syncobjs) so.replaceFence(fenceAllocatePrivateStub(ctx.k));
  return 0;
}

/**
 * `drm_syncobj_timeline_signal_ioctl`: a chain node holding the (signalled) stub at each
 * point. Point 0 still adds a node; it does not replace the fence.
 */
function timelineSignal(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ_TIMELINE)) return -Errno.EOPNOTSUPP;
  if (u32(a.flags) !== 0) return -Errno.EINVAL;
  const count = u32(a.countHandles);
  if (count === 0) return -Errno.EINVAL;
  const syncobjs = arrayFind(ctx, a.handles, count);
  if (typeof syncobjs === 'number') return syncobjs;
  const points = userPoints(a.points, count);
  if (typeof points === 'number') return points;
  const stub = fenceGetStub(ctx.k);
  for (let i = 0; i < count; i++) (syncobjs[i] as Syncobj).addPoint(stub, points[i] as number);
  return 0;
}

// ---- QUERY -----------------------------------------------------------------------------------

/**
 * The point QUERY reports for one syncobj: 0 for no fence or a binary (non-chain) fence;
 * with LAST_SUBMITTED the head's seqno; otherwise the last signalled point of the head's run
 * of points: walking from the head over nodes of its fence context, the last one reached is
 * reported as its seqno if signalled, else as the point before it.
 */
function queryPoint(fence: Fence | null, lastSubmitted: boolean): number {
  if (!(fence instanceof FenceChain)) return 0;
  if (lastSubmitted) return fence.seqno;
  let last: Fence = fence;
  for (let it: Fence | null = fence; it !== null; it = fenceChainWalk(it)) {
    if (it.context !== fence.context) break;
    last = it;
  }
  return last.signalled ? last.seqno : (last as FenceChain).prevSeqno;
}

/** `drm_syncobj_query_ioctl`: points written one by one; a fault stops at that entry. */
function query(ctx: DrmCoreCtx, a: K): number {
  if (!hasFeature(ctx, DriverFeature.SYNCOBJ_TIMELINE)) return -Errno.EOPNOTSUPP;
  const flags = u32(a.flags);
  if ((flags & ~SyncobjQueryFlags.LAST_SUBMITTED) !== 0) return -Errno.EINVAL;
  const count = u32(a.countHandles);
  if (count === 0) return -Errno.EINVAL;
  const syncobjs = arrayFind(ctx, a.handles, count);
  if (typeof syncobjs === 'number') return syncobjs;
  const last = (flags & SyncobjQueryFlags.LAST_SUBMITTED) !== 0;
  for (let i = 0; i < count; i++) {
    const p = queryPoint((syncobjs[i] as Syncobj).fence, last);
    const r = putUser(a.points, i, p);
    if (r < 0) return r;
  }
  return 0;
}

// ---- The table -------------------------------------------------------------------------------

function desc(
  name: string,
  cmd: number,
  layout: DrmIoctlDesc<DrmCoreCtx>['layout'],
  func: (ctx: DrmCoreCtx, a: K) => number | Promise<number>,
): [number, DrmIoctlDesc<DrmCoreCtx>] {
  return [cmd & 0xff, { name, cmd, layout, flags: DRM_RENDER_ALLOW, func: func as never }];
}

/** The syncobj entries of `drm_ioctls[]`, by ioctl number. */
export const SYNCOBJ_IOCTLS: ReadonlyArray<[number, DrmIoctlDesc<DrmCoreCtx>]> = [
  desc('SYNCOBJ_CREATE', DRM_IOCTL_SYNCOBJ_CREATE, SYNCOBJ_CREATE_LAYOUT, create),
  desc('SYNCOBJ_DESTROY', DRM_IOCTL_SYNCOBJ_DESTROY, SYNCOBJ_DESTROY_LAYOUT, destroy),
  desc('SYNCOBJ_HANDLE_TO_FD', DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, SYNCOBJ_HANDLE_LAYOUT, handleToFd),
  desc('SYNCOBJ_FD_TO_HANDLE', DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, SYNCOBJ_HANDLE_LAYOUT, fdToHandle),
  desc('SYNCOBJ_TRANSFER', DRM_IOCTL_SYNCOBJ_TRANSFER, SYNCOBJ_TRANSFER_LAYOUT, transfer),
  desc('SYNCOBJ_WAIT', DRM_IOCTL_SYNCOBJ_WAIT, SYNCOBJ_WAIT_LAYOUT, (c, a) => wait(c, a, false)),
  desc(
    'SYNCOBJ_TIMELINE_WAIT',
    DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
    SYNCOBJ_TIMELINE_WAIT_LAYOUT,
    (c, a) => wait(c, a, true),
  ),
  desc('SYNCOBJ_RESET', DRM_IOCTL_SYNCOBJ_RESET, SYNCOBJ_ARRAY_LAYOUT, reset),
  desc('SYNCOBJ_SIGNAL', DRM_IOCTL_SYNCOBJ_SIGNAL, SYNCOBJ_ARRAY_LAYOUT, signal),
  desc(
    'SYNCOBJ_TIMELINE_SIGNAL',
    DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
    SYNCOBJ_TIMELINE_ARRAY_LAYOUT,
    timelineSignal,
  ),
  desc('SYNCOBJ_QUERY', DRM_IOCTL_SYNCOBJ_QUERY, SYNCOBJ_TIMELINE_ARRAY_LAYOUT, query),
];
