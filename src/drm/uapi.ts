/**
 * The DRM core's uAPI that resetlab models (include/uapi/drm/drm.h): the syncobj ioctls,
 * GEM_CLOSE and GET_CAP, with their structs, flags and command numbers.
 *
 * Argument structs are plain objects whose fields follow the C structs in camelCase; their
 * byte layouts (`*_LAYOUT`) drive drm_ioctl's copy in and out (src/kernel/uaccess.ts says how
 * JS values become C fields). User pointers (`handles`, `points`) are JS arrays, or null for
 * NULL. Fields marked "out" are written by the kernel; every field of the struct comes back
 * after the call, error or not, as drm_ioctl copies the whole struct back.
 *
 * The sizes are the current kernel's: `drm_syncobj_handle` has `point` (24 bytes; older
 * callers pass 16), `drm_syncobj_wait` and `drm_syncobj_timeline_wait` have `deadline_nsec`
 * (40 and 48 bytes; older: 32 and 40). A command built with an older size gets the missing
 * fields as zero (`drmIoctlCmd(nr, size)`).
 */
import { ioW, ioWR } from '../kernel/ioctl.js';
import { type Layout, layout } from '../kernel/uaccess.js';

/** The DRM ioctl type, `'d'`. */
export const DRM_IOCTL_BASE = 0x64;
/** Driver ioctls are numbered from here (`DRM_COMMAND_BASE`) up to `DRM_COMMAND_END`. */
export const DRM_COMMAND_BASE = 0x40;
export const DRM_COMMAND_END = 0xa0;

/** A 64-bit value as C would write it, for the s64/u64 fields (timeouts, points). */
export type U64 = number | bigint;

/** INT64_MAX: an absolute timeout that never comes (what IGT's panthor tests wait with). */
export const INT64_MAX = 0x7fff_ffff_ffff_ffffn;
/** UINT64_MAX: as an s64 timeout this is -1, a time in the past, so a poll. */
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

// ---- Driver features (drm_drv.h, enum drm_driver_feature) ----------------------------------

export const DriverFeature = {
  GEM: 1 << 0,
  MODESET: 1 << 1,
  RENDER: 1 << 3,
  SYNCOBJ: 1 << 5,
  SYNCOBJ_TIMELINE: 1 << 6,
  GEM_GPUVA: 1 << 8,
} as const;

// ---- Flags -----------------------------------------------------------------------------------

export const SyncobjCreateFlags = { SIGNALED: 1 << 0 } as const;

export const SyncobjFdToHandleFlags = { IMPORT_SYNC_FILE: 1 << 0, TIMELINE: 1 << 1 } as const;
export const SyncobjHandleToFdFlags = { EXPORT_SYNC_FILE: 1 << 0, TIMELINE: 1 << 1 } as const;

export const SyncobjWaitFlags = {
  WAIT_ALL: 1 << 0,
  WAIT_FOR_SUBMIT: 1 << 1,
  WAIT_AVAILABLE: 1 << 2,
  WAIT_DEADLINE: 1 << 3,
} as const;

export const SyncobjQueryFlags = { LAST_SUBMITTED: 1 << 0 } as const;

/** DRM_CAP_* answered by GET_CAP on a render-only driver (drm_getcap). */
export const DrmCap = {
  PRIME: 0x5,
  TIMESTAMP_MONOTONIC: 0x6,
  SYNCOBJ: 0x13,
  SYNCOBJ_TIMELINE: 0x14,
} as const;
export const DRM_PRIME_CAP_IMPORT = 1;
export const DRM_PRIME_CAP_EXPORT = 2;

// ---- Structs ---------------------------------------------------------------------------------

export interface SyncobjCreateArgs {
  /** Out. */
  handle?: number;
  flags: number;
}

export interface SyncobjDestroyArgs {
  handle: number;
  pad?: number;
}

/** `struct drm_syncobj_handle`, for HANDLE_TO_FD and FD_TO_HANDLE. */
export interface SyncobjHandleArgs {
  /** In (HANDLE_TO_FD, IMPORT_SYNC_FILE); out (plain FD_TO_HANDLE). */
  handle?: number;
  flags?: number;
  /** Out (HANDLE_TO_FD); in (FD_TO_HANDLE). */
  fd?: number;
  pad?: number;
  /** The timeline point (read only with the TIMELINE flag). */
  point?: U64;
}

export interface SyncobjWaitArgs {
  /** User pointer: the `u32` handles. */
  handles: ArrayLike<number> | null;
  /** Absolute CLOCK_MONOTONIC time in (virtual) ns; 0 or a time in the past polls. */
  timeoutNsec: U64;
  countHandles: number;
  flags: number;
  /** Out, on success only: the index of a signalled syncobj (see SYNCOBJ_WAIT). */
  firstSignaled?: number;
  pad?: number;
  /** Read with WAIT_DEADLINE only. */
  deadlineNsec?: U64;
}

export interface SyncobjTimelineWaitArgs extends SyncobjWaitArgs {
  /** User pointer: the `u64` points (null: every point 0). */
  points: ArrayLike<U64> | null;
}

/** `struct drm_syncobj_array`, for RESET and SIGNAL. */
export interface SyncobjArrayArgs {
  handles: ArrayLike<number> | null;
  countHandles: number;
  pad?: number;
}

/** `struct drm_syncobj_timeline_array`, for TIMELINE_SIGNAL and QUERY. */
export interface SyncobjTimelineArrayArgs {
  handles: ArrayLike<number> | null;
  /** In (TIMELINE_SIGNAL; null: all 0) or out (QUERY: written per handle). */
  points: Array<U64> | BigUint64Array | null;
  countHandles: number;
  flags?: number;
}

export interface SyncobjTransferArgs {
  srcHandle: number;
  dstHandle: number;
  srcPoint?: U64;
  dstPoint?: U64;
  /** 0 or WAIT_FOR_SUBMIT (waits up to 5 s for the source point). */
  flags?: number;
  pad?: number;
}

export interface GemCloseArgs {
  handle: number;
  pad?: number;
}

export interface GetCapArgs {
  capability: number;
  /** Out. */
  value?: number;
}

export const SYNCOBJ_CREATE_LAYOUT: Layout = layout('drm_syncobj_create', 8, [
  ['handle', 0, 'u32'],
  ['flags', 4, 'u32'],
]);
export const SYNCOBJ_DESTROY_LAYOUT: Layout = layout('drm_syncobj_destroy', 8, [
  ['handle', 0, 'u32'],
  ['pad', 4, 'u32'],
]);
export const SYNCOBJ_HANDLE_LAYOUT: Layout = layout('drm_syncobj_handle', 24, [
  ['handle', 0, 'u32'],
  ['flags', 4, 'u32'],
  ['fd', 8, 's32'],
  ['pad', 12, 'u32'],
  ['point', 16, 'u64'],
]);
export const SYNCOBJ_WAIT_LAYOUT: Layout = layout('drm_syncobj_wait', 40, [
  ['handles', 0, 'ptr'],
  ['timeoutNsec', 8, 's64'],
  ['countHandles', 16, 'u32'],
  ['flags', 20, 'u32'],
  ['firstSignaled', 24, 'u32'],
  ['pad', 28, 'u32'],
  ['deadlineNsec', 32, 'u64'],
]);
export const SYNCOBJ_TIMELINE_WAIT_LAYOUT: Layout = layout('drm_syncobj_timeline_wait', 48, [
  ['handles', 0, 'ptr'],
  ['points', 8, 'ptr'],
  ['timeoutNsec', 16, 's64'],
  ['countHandles', 24, 'u32'],
  ['flags', 28, 'u32'],
  ['firstSignaled', 32, 'u32'],
  ['pad', 36, 'u32'],
  ['deadlineNsec', 40, 'u64'],
]);
export const SYNCOBJ_ARRAY_LAYOUT: Layout = layout('drm_syncobj_array', 16, [
  ['handles', 0, 'ptr'],
  ['countHandles', 8, 'u32'],
  ['pad', 12, 'u32'],
]);
export const SYNCOBJ_TIMELINE_ARRAY_LAYOUT: Layout = layout('drm_syncobj_timeline_array', 24, [
  ['handles', 0, 'ptr'],
  ['points', 8, 'ptr'],
  ['countHandles', 16, 'u32'],
  ['flags', 20, 'u32'],
]);
export const SYNCOBJ_TRANSFER_LAYOUT: Layout = layout('drm_syncobj_transfer', 32, [
  ['srcHandle', 0, 'u32'],
  ['dstHandle', 4, 'u32'],
  ['srcPoint', 8, 'u64'],
  ['dstPoint', 16, 'u64'],
  ['flags', 24, 'u32'],
  ['pad', 28, 'u32'],
]);
export const GEM_CLOSE_LAYOUT: Layout = layout('drm_gem_close', 8, [
  ['handle', 0, 'u32'],
  ['pad', 4, 'u32'],
]);
export const GET_CAP_LAYOUT: Layout = layout('drm_get_cap', 16, [
  ['capability', 0, 'u64'],
  ['value', 8, 'u64'],
]);

// ---- Command numbers -------------------------------------------------------------------------

/** A DRM_IOWR command for `nr` with a struct of `size` bytes (an older or newer struct size). */
export function drmIoctlCmd(nr: number, size: number): number {
  return ioWR(DRM_IOCTL_BASE, nr, size);
}

export const DRM_IOCTL_GEM_CLOSE = ioW(DRM_IOCTL_BASE, 0x09, GEM_CLOSE_LAYOUT.size);
export const DRM_IOCTL_GET_CAP = drmIoctlCmd(0x0c, GET_CAP_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_CREATE = drmIoctlCmd(0xbf, SYNCOBJ_CREATE_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_DESTROY = drmIoctlCmd(0xc0, SYNCOBJ_DESTROY_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD = drmIoctlCmd(0xc1, SYNCOBJ_HANDLE_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE = drmIoctlCmd(0xc2, SYNCOBJ_HANDLE_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_WAIT = drmIoctlCmd(0xc3, SYNCOBJ_WAIT_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_RESET = drmIoctlCmd(0xc4, SYNCOBJ_ARRAY_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_SIGNAL = drmIoctlCmd(0xc5, SYNCOBJ_ARRAY_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = drmIoctlCmd(0xca, SYNCOBJ_TIMELINE_WAIT_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_QUERY = drmIoctlCmd(0xcb, SYNCOBJ_TIMELINE_ARRAY_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_TRANSFER = drmIoctlCmd(0xcc, SYNCOBJ_TRANSFER_LAYOUT.size);
export const DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL = drmIoctlCmd(
  0xcd,
  SYNCOBJ_TIMELINE_ARRAY_LAYOUT.size,
);
