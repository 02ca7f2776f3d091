/**
 * The ioctl surface resetlab models: Panthor's uAPI at the 1.3 level (drm/panthor_drm.h) plus
 * Panfrost's PERFCNT_ENABLE / PERFCNT_DUMP and the generic DRM syncobj ioctls.
 *
 * Arguments are plain objects whose field names follow the C structs (snake_case kept out:
 * camelCase here). 64-bit values are JS numbers: every VA and size in the model is below 2^53.
 * Arrays are `{stride, count, array}` like `drm_panthor_obj_array`; `array` is the user
 * pointer, modelled as an optional JS array: `null` with a non-zero count is the user passing
 * a NULL pointer (EFAULT), and a `stride` smaller than the kernel's struct is rejected.
 *
 * Every ioctl returns `IoctlResult`: a value or an errno, never an exception.
 */

export type IoctlResult<T> = { ok: true; value: T } | { ok: false; errno: number };

export interface ObjArray<T> {
  stride: number;
  count: number;
  array: T[] | null;
}

export function objArray<T>(items: T[], stride = 1): ObjArray<T> {
  return { stride, count: items.length, array: items };
}

// ---- DEV_QUERY ----
export const DevQueryType = {
  GPU_INFO: 0,
  CSIF_INFO: 1,
  TIMESTAMP_INFO: 2,
  GROUP_PRIORITIES_INFO: 3,
} as const;

export interface DevQueryArgs {
  type: number;
  /** In: size of the user buffer (0 with a null pointer asks for the size). Out: size written. */
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
  texureFeatures0: number;
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
  pad0: number;
}

/** Kernel struct sizes in bytes, for the size negotiation of DEV_QUERY. */
export const DEV_QUERY_SIZES: Record<number, number> = {
  [DevQueryType.GPU_INFO]: 80,
  [DevQueryType.CSIF_INFO]: 24,
  [DevQueryType.TIMESTAMP_INFO]: 24,
  [DevQueryType.GROUP_PRIORITIES_INFO]: 8,
};

// ---- VMs ----
export interface VmCreateArgs {
  flags: number;
  /** Out. */
  id?: number;
  userVaRange: number;
}

export interface VmDestroyArgs {
  id: number;
  pad: number;
}

export const VmBindFlags = { ASYNC: 1 } as const;

export const VmBindOpFlags = {
  MAP_READONLY: 1 << 0,
  MAP_NOEXEC: 1 << 1,
  MAP_UNCACHED: 1 << 2,
  TYPE_MASK: 0xf000_0000,
  TYPE_MAP: 0 << 28,
  TYPE_UNMAP: 1 << 28,
  TYPE_SYNC_ONLY: 2 << 28,
} as const;

export const SyncOpFlags = {
  HANDLE_TYPE_MASK: 0xff,
  HANDLE_TYPE_SYNCOBJ: 0,
  HANDLE_TYPE_TIMELINE_SYNCOBJ: 1,
  WAIT: 0 << 31,
  SIGNAL: 0x8000_0000,
} as const;

export interface SyncOp {
  flags: number;
  handle: number;
  timelineValue: number;
}

export interface VmBindOp {
  flags: number;
  boHandle: number;
  boOffset: number;
  va: number;
  size: number;
  syncs: ObjArray<SyncOp>;
}

export interface VmBindArgs {
  vmId: number;
  flags: number;
  ops: ObjArray<VmBindOp>;
}

export const VmState = { USABLE: 0, UNUSABLE: 1 } as const;

export interface VmGetStateArgs {
  vmId: number;
  /** Out. */
  state?: number;
  pad: number;
}

// ---- BOs ----
export const BoFlags = { NO_MMAP: 1 } as const;

export interface BoCreateArgs {
  /** In/out: rounded up to the page size. */
  size: number;
  flags: number;
  exclusiveVmId: number;
  /** Out. */
  handle?: number;
  pad: number;
}

export interface BoMmapOffsetArgs {
  handle: number;
  pad: number;
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
  pad: number;
  computeCoreMask: number;
  fragmentCoreMask: number;
  tilerCoreMask: number;
  vmId: number;
  /** Out. */
  groupHandle?: number;
}

export interface GroupDestroyArgs {
  groupHandle: number;
  pad: number;
}

export interface QueueSubmit {
  queueIndex: number;
  streamSize: number;
  streamAddr: number;
  latestFlush: number;
  pad?: number;
  syncs: ObjArray<SyncOp>;
}

export interface GroupSubmitArgs {
  groupHandle: number;
  pad: number;
  queueSubmits: ObjArray<QueueSubmit>;
}

export const GroupStateFlags = { TIMEDOUT: 1, FATAL_FAULT: 2, INNOCENT: 4 } as const;

export interface GroupGetStateArgs {
  groupHandle: number;
  /** Out. */
  state?: number;
  /** Out. */
  fatalQueues?: number;
  pad: number;
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
  /** Out. */
  firstHeapChunkGpuVa?: number;
}

export interface TilerHeapDestroyArgs {
  handle: number;
  pad: number;
}

// ---- Syncobjs (generic DRM) ----
export const SyncobjCreateFlags = { SIGNALED: 1 } as const;

export interface SyncobjCreateArgs {
  flags: number;
  /** Out. */
  handle?: number;
}

export const SyncobjWaitFlags = { WAIT_ALL: 1, WAIT_FOR_SUBMIT: 2 } as const;

export interface SyncobjWaitArgs {
  handles: number[];
  /** Timeline points (empty for binary syncobjs). */
  points?: number[];
  timeoutNs: number;
  flags: number;
  /** Out: index of the first signalled syncobj (WAIT_ANY). */
  firstSignaled?: number;
}

export interface SyncobjQueryArgs {
  handle: number;
  /** Out: fence status (0 pending, 1 signalled, negative errno), as `dma_fence_get_status`. */
  status?: number;
  /** Out: last signalled timeline point. */
  point?: number;
}

// ---- Panfrost perfcnt (unstable) ----
export interface PerfcntEnableArgs {
  enable: number;
  counterset: number;
}

export interface PerfcntDumpArgs {
  /** The user buffer the sample is copied into (null: EFAULT). */
  buf: number[] | null;
  /** resetlab: out, true when samples were lost to a reset since the previous dump. */
  samplesLost?: boolean;
  /** resetlab: out, the reset epoch the sample belongs to. */
  epoch?: number;
}
