/**
 * The ioctl surface resetlab models: Panthor's uAPI at the 1.3 level (drm/panthor_drm.h), the
 * DRM core's syncobj ioctls, GEM_CLOSE and GET_CAP (re-exported from src/drm/uapi.ts), and
 * Panfrost's PERFCNT_ENABLE / PERFCNT_DUMP.
 *
 * Arguments are plain objects whose fields follow the C structs in camelCase. Their byte
 * layouts (`*_LAYOUT`, offsets and C types from the header) are what drm_ioctl copies in and
 * out: a field converts to its C type the way C assignment does (src/kernel/uaccess.ts), a
 * field left out reads as 0, and after the call every field of the struct holds what the
 * kernel's copy held, on an error too. Fields the kernel writes are optional in the argument
 * types and present in the result (`Required<...>`), so a caller never casts.
 *
 * Flags combine with `|` as in C; every flag constant is a non-negative number, including
 * `SyncOpFlags.SIGNAL` (bit 31, 0x80000000), and the flag fields are u32, so
 * `SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_SYNCOBJ`, whose JS value is negative, is the
 * same u32 the kernel sees. 64-bit fields are numbers (exact up to 2^53) or bigints.
 *
 * Arrays are `{stride, count, array}` like `drm_panthor_obj_array`: `stride` is the size of
 * the caller's element struct (`SIZEOF.*` for the current one; the kernel rejects one smaller
 * than the struct was when it entered the uAPI, and a larger one whose extra fields are not
 * zero with E2BIG), and `array` is the user pointer, a JS array of element objects (null with
 * a non-zero count is NULL: EFAULT).
 *
 * Every ioctl returns `IoctlResult`: a value or an errno, never an exception.
 */

import { DRM_COMMAND_BASE, DRM_IOCTL_BASE, type U64 } from '../drm/uapi.js';
import { ioW, ioWR } from '../kernel/ioctl.js';
import { type Layout, layout } from '../kernel/uaccess.js';

export * from '../drm/uapi.js';

export type IoctlResult<T> = { ok: true; value: T } | { ok: false; errno: number };

/**
 * An argument struct after the call: every field present (drm_ioctl copies the whole struct
 * back), 64-bit fields as numbers (what the kernel wrote).
 */
export type Returned<T> = {
  [K in keyof T]-?: [Exclude<T[K], undefined>] extends [number | bigint]
    ? number
    : Exclude<T[K], undefined>;
};

export interface ObjArray<T> {
  stride: number;
  count: number;
  array: T[] | null;
}

/** `sizeof` of each element struct, for `ObjArray.stride` (DRM_PANTHOR_OBJ_ARRAY's sizeof). */
export const SIZEOF = {
  syncOp: 16,
  queueSubmit: 40,
  queueCreate: 8,
  vmBindOp: 48,
} as const;

/** `DRM_PANTHOR_OBJ_ARRAY(count, ptr)`: `items` with the caller's element size `stride`. */
export function objArray<T>(items: T[], stride: number): ObjArray<T> {
  return { stride, count: items.length, array: items };
}

export const OBJ_ARRAY_LAYOUT: Layout = layout('drm_panthor_obj_array', 16, [
  ['stride', 0, 'u32'],
  ['count', 4, 'u32'],
  ['array', 8, 'ptr'],
]);

// ---- DEV_QUERY ----
export const DevQueryType = {
  GPU_INFO: 0,
  CSIF_INFO: 1,
  TIMESTAMP_INFO: 2,
  GROUP_PRIORITIES_INFO: 3,
} as const;

export interface DevQueryArgs {
  type: number;
  /** In: size of the user buffer. Out (pointer NULL only): the kernel struct's size. */
  size: number;
  /** The user buffer, or null to query the size. Filled with the kernel struct's fields. */
  pointer: Record<string, number> | null;
}

export interface GpuInfo {
  gpuId: number;
  gpuRev: number;
  csfId: number;
  l2Features: number;
  tilerFeatures: number;
  memFeatures: number;
  mmuFeatures: number;
  threadFeatures: number;
  maxThreads: number;
  threadMaxWorkgroupSize: number;
  threadMaxBarrierSize: number;
  coherencyFeatures: number;
  textureFeatures0: number;
  textureFeatures1: number;
  textureFeatures2: number;
  textureFeatures3: number;
  asPresent: number;
  shaderPresent: number;
  l2Present: number;
  tilerPresent: number;
  coreFeatures: number;
  pad: number;
}

export interface CsifInfo {
  csgSlotCount: number;
  csSlotCount: number;
  csRegCount: number;
  scoreboardSlotCount: number;
  unpreservedCsRegCount: number;
  pad: number;
}

export interface TimestampInfo {
  timestampFrequency: number;
  currentTimestamp: number;
  timestampOffset: number;
}

export interface GroupPrioritiesInfo {
  allowedMask: number;
}

/** `struct drm_panthor_gpu_info` (104 bytes; a 4-byte hole after `as_present`). */
export const GPU_INFO_LAYOUT: Layout = layout('drm_panthor_gpu_info', 104, [
  ['gpuId', 0, 'u32'],
  ['gpuRev', 4, 'u32'],
  ['csfId', 8, 'u32'],
  ['l2Features', 12, 'u32'],
  ['tilerFeatures', 16, 'u32'],
  ['memFeatures', 20, 'u32'],
  ['mmuFeatures', 24, 'u32'],
  ['threadFeatures', 28, 'u32'],
  ['maxThreads', 32, 'u32'],
  ['threadMaxWorkgroupSize', 36, 'u32'],
  ['threadMaxBarrierSize', 40, 'u32'],
  ['coherencyFeatures', 44, 'u32'],
  ['textureFeatures0', 48, 'u32'],
  ['textureFeatures1', 52, 'u32'],
  ['textureFeatures2', 56, 'u32'],
  ['textureFeatures3', 60, 'u32'],
  ['asPresent', 64, 'u32'],
  ['shaderPresent', 72, 'u64'],
  ['l2Present', 80, 'u64'],
  ['tilerPresent', 88, 'u64'],
  ['coreFeatures', 96, 'u32'],
  ['pad', 100, 'u32'],
]);
export const CSIF_INFO_LAYOUT: Layout = layout('drm_panthor_csif_info', 24, [
  ['csgSlotCount', 0, 'u32'],
  ['csSlotCount', 4, 'u32'],
  ['csRegCount', 8, 'u32'],
  ['scoreboardSlotCount', 12, 'u32'],
  ['unpreservedCsRegCount', 16, 'u32'],
  ['pad', 20, 'u32'],
]);
export const TIMESTAMP_INFO_LAYOUT: Layout = layout('drm_panthor_timestamp_info', 24, [
  ['timestampFrequency', 0, 'u64'],
  ['currentTimestamp', 8, 'u64'],
  ['timestampOffset', 16, 'u64'],
]);
export const GROUP_PRIORITIES_INFO_LAYOUT: Layout = layout('drm_panthor_group_priorities_info', 4, [
  ['allowedMask', 0, 'u8'],
]);

/** Kernel struct sizes in bytes (what DEV_QUERY with a NULL pointer reports). */
export const DEV_QUERY_SIZES: Record<number, number> = {
  [DevQueryType.GPU_INFO]: GPU_INFO_LAYOUT.size,
  [DevQueryType.CSIF_INFO]: CSIF_INFO_LAYOUT.size,
  [DevQueryType.TIMESTAMP_INFO]: TIMESTAMP_INFO_LAYOUT.size,
  [DevQueryType.GROUP_PRIORITIES_INFO]: GROUP_PRIORITIES_INFO_LAYOUT.size,
};

/**
 * PANTHOR_UOBJ_MIN_SIZE of each DEV_QUERY struct: up to its last field when it entered the
 * uAPI (`tiler_present`, `pad`, `current_timestamp`, `pad`); a smaller user buffer is EINVAL.
 */
export const DEV_QUERY_MIN_SIZES: Record<number, number> = {
  [DevQueryType.GPU_INFO]: 96,
  [DevQueryType.CSIF_INFO]: 24,
  [DevQueryType.TIMESTAMP_INFO]: 16,
  [DevQueryType.GROUP_PRIORITIES_INFO]: 4,
};

// ---- VMs ----
export interface VmCreateArgs {
  flags: number;
  /** Out. */
  id?: number;
  /** In: the user VA size wanted (0: the default). Out: where the kernel's VA range starts. */
  userVaRange: U64;
}

export interface VmDestroyArgs {
  id: number;
  pad?: number;
}

export const VmBindFlags = { ASYNC: 1 } as const;

export const VmBindOpFlags = {
  MAP_READONLY: 1 << 0,
  MAP_NOEXEC: 1 << 1,
  MAP_UNCACHED: 1 << 2,
  TYPE_MASK: 0xf000_0000,
  TYPE_MAP: 0,
  TYPE_UNMAP: 0x1000_0000,
  TYPE_SYNC_ONLY: 0x2000_0000,
} as const;

export const SyncOpFlags = {
  HANDLE_TYPE_MASK: 0xff,
  HANDLE_TYPE_SYNCOBJ: 0,
  HANDLE_TYPE_TIMELINE_SYNCOBJ: 1,
  WAIT: 0,
  /** Bit 31. `SIGNAL | x` is negative in JS and the right u32 in the kernel. */
  SIGNAL: 0x8000_0000,
} as const;

export interface SyncOp {
  flags: number;
  handle: number;
  timelineValue: U64;
}

export interface VmBindOp {
  flags: number;
  boHandle: number;
  boOffset: U64;
  va: U64;
  size: U64;
  syncs: ObjArray<SyncOp>;
}

export interface VmBindArgs {
  vmId: number;
  flags: number;
  /** In; `count` out: on a failed synchronous bind, the index of the operation that failed. */
  ops: ObjArray<VmBindOp>;
}

export const VmState = { USABLE: 0, UNUSABLE: 1 } as const;

/** `struct drm_panthor_vm_get_state` has no pad: 8 bytes, `vm_id` and `state`. */
export interface VmGetStateArgs {
  vmId: number;
  /** Out. */
  state?: number;
}

// ---- BOs ----
export const BoFlags = { NO_MMAP: 1 } as const;

export interface BoCreateArgs {
  /** In/out: rounded up to the page size (written on success only). */
  size: U64;
  flags: number;
  exclusiveVmId: number;
  /** Out. */
  handle?: number;
  pad?: number;
}

export interface BoMmapOffsetArgs {
  handle: number;
  pad?: number;
  /** Out. */
  offset?: number;
}

// ---- Groups ----
export const GroupPriority = { LOW: 0, MEDIUM: 1, HIGH: 2, REALTIME: 3 } as const;

export interface QueueCreate {
  priority: number;
  pad: [number, number, number];
  ringbufSize: number;
}

export interface GroupCreateArgs {
  queues: ObjArray<QueueCreate>;
  maxComputeCores: number;
  maxFragmentCores: number;
  maxTilerCores: number;
  priority: number;
  pad?: number;
  computeCoreMask: U64;
  fragmentCoreMask: U64;
  tilerCoreMask: U64;
  vmId: number;
  /** Out. */
  groupHandle?: number;
}

export interface GroupDestroyArgs {
  groupHandle: number;
  pad?: number;
}

export interface QueueSubmit {
  queueIndex: number;
  streamSize: number;
  streamAddr: U64;
  latestFlush: number;
  pad?: number;
  syncs: ObjArray<SyncOp>;
}

export interface GroupSubmitArgs {
  groupHandle: number;
  pad?: number;
  queueSubmits: ObjArray<QueueSubmit>;
}

export const GroupStateFlags = { TIMEDOUT: 1, FATAL_FAULT: 2, INNOCENT: 4 } as const;

export interface GroupGetStateArgs {
  /** In; the kernel clears the whole struct, so it comes back 0. */
  groupHandle: number;
  /** Out. */
  state?: number;
  /** Out. */
  fatalQueues?: number;
  pad?: number;
}

// ---- Tiler heaps ----
export interface TilerHeapCreateArgs {
  vmId: number;
  initialChunkCount: number;
  chunkSize: number;
  maxChunks: number;
  targetInFlight: number;
  /** Out. */
  handle?: number;
  /** Out. */
  tilerHeapCtxGpuVa?: number;
  /** Out (also written when the call then fails with EBUSY). */
  firstHeapChunkGpuVa?: number;
}

export interface TilerHeapDestroyArgs {
  handle: number;
  pad?: number;
}

// ---- Panfrost perfcnt (unstable) ----
export interface PerfcntEnableArgs {
  enable: number;
  counterset: number;
}

export interface PerfcntDumpArgs {
  /** `buf_ptr`: the user buffer (u32 words) the sample is copied into (null: EFAULT). */
  buf: number[] | null;
  /**
   * resetlab extension (not upstream: the struct the Panfrost reset discussion proposed): out,
   * 1 when samples were lost to a reset since the previous dump. Only with the 16-byte
   * struct (`DRM_IOCTL_PANFROST_PERFCNT_DUMP`); the upstream 8-byte `_IOW` command gets
   * nothing back.
   */
  samplesLost?: number;
  /** resetlab extension: out, the reset epoch the sample belongs to. */
  epoch?: number;
}

// ---- Layouts (include/uapi/drm/panthor_drm.h, panfrost_drm.h) ----------------------------------

export const SYNC_OP_LAYOUT: Layout = layout('drm_panthor_sync_op', 16, [
  ['flags', 0, 'u32'],
  ['handle', 4, 'u32'],
  ['timelineValue', 8, 'u64'],
]);
export const QUEUE_SUBMIT_LAYOUT: Layout = layout('drm_panthor_queue_submit', 40, [
  ['queueIndex', 0, 'u32'],
  ['streamSize', 4, 'u32'],
  ['streamAddr', 8, 'u64'],
  ['latestFlush', 16, 'u32'],
  ['pad', 20, 'u32'],
  ['syncs', 24, 'struct', OBJ_ARRAY_LAYOUT],
]);
const QUEUE_PAD_LAYOUT: Layout = layout('u8[3]', 3, [
  ['0', 0, 'u8'],
  ['1', 1, 'u8'],
  ['2', 2, 'u8'],
]);
export const QUEUE_CREATE_LAYOUT: Layout = layout('drm_panthor_queue_create', 8, [
  ['priority', 0, 'u8'],
  ['pad', 1, 'struct', QUEUE_PAD_LAYOUT],
  ['ringbufSize', 4, 'u32'],
]);
export const VM_BIND_OP_LAYOUT: Layout = layout('drm_panthor_vm_bind_op', 48, [
  ['flags', 0, 'u32'],
  ['boHandle', 4, 'u32'],
  ['boOffset', 8, 'u64'],
  ['va', 16, 'u64'],
  ['size', 24, 'u64'],
  ['syncs', 32, 'struct', OBJ_ARRAY_LAYOUT],
]);

export const DEV_QUERY_LAYOUT: Layout = layout('drm_panthor_dev_query', 16, [
  ['type', 0, 'u32'],
  ['size', 4, 'u32'],
  ['pointer', 8, 'ptr'],
]);
export const VM_CREATE_LAYOUT: Layout = layout('drm_panthor_vm_create', 16, [
  ['flags', 0, 'u32'],
  ['id', 4, 'u32'],
  ['userVaRange', 8, 'u64'],
]);
export const VM_DESTROY_LAYOUT: Layout = layout('drm_panthor_vm_destroy', 8, [
  ['id', 0, 'u32'],
  ['pad', 4, 'u32'],
]);
export const VM_BIND_LAYOUT: Layout = layout('drm_panthor_vm_bind', 24, [
  ['vmId', 0, 'u32'],
  ['flags', 4, 'u32'],
  ['ops', 8, 'struct', OBJ_ARRAY_LAYOUT],
]);
export const VM_GET_STATE_LAYOUT: Layout = layout('drm_panthor_vm_get_state', 8, [
  ['vmId', 0, 'u32'],
  ['state', 4, 'u32'],
]);
export const BO_CREATE_LAYOUT: Layout = layout('drm_panthor_bo_create', 24, [
  ['size', 0, 'u64'],
  ['flags', 8, 'u32'],
  ['exclusiveVmId', 12, 'u32'],
  ['handle', 16, 'u32'],
  ['pad', 20, 'u32'],
]);
export const BO_MMAP_OFFSET_LAYOUT: Layout = layout('drm_panthor_bo_mmap_offset', 16, [
  ['handle', 0, 'u32'],
  ['pad', 4, 'u32'],
  ['offset', 8, 'u64'],
]);
export const GROUP_CREATE_LAYOUT: Layout = layout('drm_panthor_group_create', 56, [
  ['queues', 0, 'struct', OBJ_ARRAY_LAYOUT],
  ['maxComputeCores', 16, 'u8'],
  ['maxFragmentCores', 17, 'u8'],
  ['maxTilerCores', 18, 'u8'],
  ['priority', 19, 'u8'],
  ['pad', 20, 'u32'],
  ['computeCoreMask', 24, 'u64'],
  ['fragmentCoreMask', 32, 'u64'],
  ['tilerCoreMask', 40, 'u64'],
  ['vmId', 48, 'u32'],
  ['groupHandle', 52, 'u32'],
]);
export const GROUP_DESTROY_LAYOUT: Layout = layout('drm_panthor_group_destroy', 8, [
  ['groupHandle', 0, 'u32'],
  ['pad', 4, 'u32'],
]);
export const GROUP_SUBMIT_LAYOUT: Layout = layout('drm_panthor_group_submit', 24, [
  ['groupHandle', 0, 'u32'],
  ['pad', 4, 'u32'],
  ['queueSubmits', 8, 'struct', OBJ_ARRAY_LAYOUT],
]);
export const GROUP_GET_STATE_LAYOUT: Layout = layout('drm_panthor_group_get_state', 16, [
  ['groupHandle', 0, 'u32'],
  ['state', 4, 'u32'],
  ['fatalQueues', 8, 'u32'],
  ['pad', 12, 'u32'],
]);
export const TILER_HEAP_CREATE_LAYOUT: Layout = layout('drm_panthor_tiler_heap_create', 40, [
  ['vmId', 0, 'u32'],
  ['initialChunkCount', 4, 'u32'],
  ['chunkSize', 8, 'u32'],
  ['maxChunks', 12, 'u32'],
  ['targetInFlight', 16, 'u32'],
  ['handle', 20, 'u32'],
  ['tilerHeapCtxGpuVa', 24, 'u64'],
  ['firstHeapChunkGpuVa', 32, 'u64'],
]);
export const TILER_HEAP_DESTROY_LAYOUT: Layout = layout('drm_panthor_tiler_heap_destroy', 8, [
  ['handle', 0, 'u32'],
  ['pad', 4, 'u32'],
]);
export const PERFCNT_ENABLE_LAYOUT: Layout = layout('drm_panfrost_perfcnt_enable', 8, [
  ['enable', 0, 'u32'],
  ['counterset', 4, 'u32'],
]);
/** Upstream is 8 bytes (`buf_ptr`); the model's 16-byte struct adds the reset report. */
export const PERFCNT_DUMP_LAYOUT: Layout = layout('drm_panfrost_perfcnt_dump', 16, [
  ['buf', 0, 'ptr'],
  ['samplesLost', 8, 'u32'],
  ['epoch', 12, 'u32'],
]);

// ---- Command numbers -----------------------------------------------------------------------------

/** enum drm_panthor_ioctl_id: DRM_IOCTL_PANTHOR(WR, id, struct) is DRM_IOWR(0x40 + id). */
export const PanthorIoctlId = {
  DEV_QUERY: 0,
  VM_CREATE: 1,
  VM_DESTROY: 2,
  VM_BIND: 3,
  VM_GET_STATE: 4,
  BO_CREATE: 5,
  BO_MMAP_OFFSET: 6,
  GROUP_CREATE: 7,
  GROUP_DESTROY: 8,
  GROUP_SUBMIT: 9,
  GROUP_GET_STATE: 10,
  TILER_HEAP_CREATE: 11,
  TILER_HEAP_DESTROY: 12,
} as const;

const panthor = (id: number, l: Layout) => ioWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + id, l.size);

export const DRM_IOCTL_PANTHOR_DEV_QUERY = panthor(PanthorIoctlId.DEV_QUERY, DEV_QUERY_LAYOUT);
export const DRM_IOCTL_PANTHOR_VM_CREATE = panthor(PanthorIoctlId.VM_CREATE, VM_CREATE_LAYOUT);
export const DRM_IOCTL_PANTHOR_VM_DESTROY = panthor(PanthorIoctlId.VM_DESTROY, VM_DESTROY_LAYOUT);
export const DRM_IOCTL_PANTHOR_VM_BIND = panthor(PanthorIoctlId.VM_BIND, VM_BIND_LAYOUT);
export const DRM_IOCTL_PANTHOR_VM_GET_STATE = panthor(
  PanthorIoctlId.VM_GET_STATE,
  VM_GET_STATE_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_BO_CREATE = panthor(PanthorIoctlId.BO_CREATE, BO_CREATE_LAYOUT);
export const DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET = panthor(
  PanthorIoctlId.BO_MMAP_OFFSET,
  BO_MMAP_OFFSET_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_GROUP_CREATE = panthor(
  PanthorIoctlId.GROUP_CREATE,
  GROUP_CREATE_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_GROUP_DESTROY = panthor(
  PanthorIoctlId.GROUP_DESTROY,
  GROUP_DESTROY_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_GROUP_SUBMIT = panthor(
  PanthorIoctlId.GROUP_SUBMIT,
  GROUP_SUBMIT_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_GROUP_GET_STATE = panthor(
  PanthorIoctlId.GROUP_GET_STATE,
  GROUP_GET_STATE_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE = panthor(
  PanthorIoctlId.TILER_HEAP_CREATE,
  TILER_HEAP_CREATE_LAYOUT,
);
export const DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY = panthor(
  PanthorIoctlId.TILER_HEAP_DESTROY,
  TILER_HEAP_DESTROY_LAYOUT,
);

/**
 * Panfrost's perfcnt numbers (0x06, 0x07) are Panthor's BO_MMAP_OFFSET and GROUP_CREATE, so
 * the model, which puts both on one device, gives the pair driver numbers past Panthor's
 * table: DRM_COMMAND_BASE + 0x30 and + 0x31. ENABLE is `_IOW` (nothing copied back).
 */
export const PERFCNT_ENABLE_NR = DRM_COMMAND_BASE + 0x30;
export const PERFCNT_DUMP_NR = DRM_COMMAND_BASE + 0x31;
export const DRM_IOCTL_PANFROST_PERFCNT_ENABLE = ioW(
  DRM_IOCTL_BASE,
  PERFCNT_ENABLE_NR,
  PERFCNT_ENABLE_LAYOUT.size,
);
/** The model's 16-byte dump, `_IOWR`: the reset report comes back. */
export const DRM_IOCTL_PANFROST_PERFCNT_DUMP = ioWR(
  DRM_IOCTL_BASE,
  PERFCNT_DUMP_NR,
  PERFCNT_DUMP_LAYOUT.size,
);
/** The upstream 8-byte `_IOW` dump: the sample only. */
export const DRM_IOCTL_PANFROST_PERFCNT_DUMP_V1 = ioW(DRM_IOCTL_BASE, PERFCNT_DUMP_NR, 8);

/** @deprecated the kernel's QUERY struct; kept as the old name. */
export type SyncobjQueryArgs = import('../drm/uapi.js').SyncobjTimelineArrayArgs;
