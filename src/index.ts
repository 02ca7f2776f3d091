/**
 * resetlab's public API. Named exports only; see docs/api.md.
 *
 * The machine and its users: `System` (kernel + virtual GPU + driver), `DrmClient` (one open
 * file, one typed call per ioctl), `Umd` (contexts, buffers, robustness), the uAPI argument
 * types and flags. Running things: `runScenario` with a `ScenarioSpec` (built-in or your own),
 * `explore` over a `Program`, the bug corpus (`BUG_IDS`, `REGRESSIONS`) and the invariant list.
 * Campaigns: `runCampaign` (worker threads, `--shard`-style shards, failure files) and
 * `mergeShards`, the engine the command line uses. Output: Chrome traces and the HTML report. The
 * DRM core's GPU scheduler (`GpuScheduler`, `SchedEntity`, `SchedJob`; docs/drm-sched.md). And
 * below them all, the simulated kernel and the virtual GPU. Exports are sorted by module path.
 */

export {
  type CampaignError,
  type CampaignOptions,
  type CampaignOutcome,
  type CampaignPlan,
  type CampaignProgress,
  type PlanOutcome,
  parseShard,
  planCampaign,
  predictSearch,
  runCampaign,
} from './campaign/campaign.js';
export { type MergeOutcome, mergeShards } from './campaign/merge.js';
export { programsModuleUrl } from './campaign/programs.js';
export type { CampaignSummary } from './campaign/summary.js';
export { Checker } from './check/checker.js';
export { BUG_IDS, type BugId, isBugId } from './driver/bugs.js';
export {
  DESIGN_NAMES,
  type DesignName,
  type DriverConfig,
  defaultDriverConfig,
  isDesignName,
} from './driver/config.js';
export type { PanthorDevice } from './driver/device.js';
export {
  type BoCreateArgs,
  BoFlags,
  type BoMmapOffsetArgs,
  type CsifInfo,
  DEV_QUERY_SIZES,
  type DevQueryArgs,
  DevQueryType,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PANFROST_PERFCNT_DUMP,
  DRM_IOCTL_PANFROST_PERFCNT_ENABLE,
  DRM_IOCTL_PANTHOR_BO_CREATE,
  DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_IOCTL_PANTHOR_GROUP_DESTROY,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  DRM_IOCTL_PANTHOR_VM_DESTROY,
  DRM_IOCTL_PANTHOR_VM_GET_STATE,
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
  DrmCap,
  drmIoctlCmd,
  type GetCapArgs,
  type GpuInfo,
  type GroupCreateArgs,
  type GroupDestroyArgs,
  type GroupGetStateArgs,
  type GroupPrioritiesInfo,
  GroupPriority,
  GroupStateFlags,
  type GroupSubmitArgs,
  INT64_MAX,
  type IoctlResult,
  type ObjArray,
  objArray,
  type PerfcntDumpArgs,
  type PerfcntEnableArgs,
  type QueueCreate,
  type QueueSubmit,
  type Returned,
  SIZEOF,
  type SyncOp,
  SyncOpFlags,
  type SyncobjArrayArgs,
  type SyncobjCreateArgs,
  SyncobjCreateFlags,
  type SyncobjDestroyArgs,
  SyncobjFdToHandleFlags,
  type SyncobjHandleArgs,
  SyncobjHandleToFdFlags,
  type SyncobjQueryArgs,
  SyncobjQueryFlags,
  type SyncobjTimelineArrayArgs,
  type SyncobjTimelineWaitArgs,
  type SyncobjTransferArgs,
  type SyncobjWaitArgs,
  SyncobjWaitFlags,
  type TilerHeapCreateArgs,
  type TilerHeapDestroyArgs,
  type TimestampInfo,
  type U64,
  UINT64_MAX,
  type VmBindArgs,
  VmBindFlags,
  type VmBindOp,
  VmBindOpFlags,
  type VmCreateArgs,
  type VmDestroyArgs,
  type VmGetStateArgs,
  VmState,
} from './driver/uapi.js';
export {
  type FlushCaller,
  MAX_ENTITY_QUEUED_JOBS,
  MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS,
  SchedEntity,
  SchedPriority,
} from './drm/sched/entity.js';
export { SchedFence, toSchedFence } from './drm/sched/fence.js';
export { MAX_JOB_DEPENDENCIES, SchedJob } from './drm/sched/job.js';
export { type RunJobResult, type SchedBackendOps, SchedStat } from './drm/sched/ops.js';
export { SchedRunQueue } from './drm/sched/rq.js';
export { GpuScheduler, MAX_SCHEDULE_TIMEOUT, type SchedInitArgs } from './drm/sched/scheduler.js';
export {
  buildCertificate,
  type Certificate,
  distinctOutcome,
  distinctState,
  type Verdict,
} from './explore/certificate.js';
export { type ExploreOptions, type ExploreProgress, explore, runSeed } from './explore/explore.js';
export type { Failure } from './explore/failure.js';
export { dfsFrontier, type Frontier } from './explore/frontier.js';
export type { FaultSpec, Program, RunInput, RunReport } from './explore/program.js';
export { randomStrategy } from './explore/random.js';
export { getProgram, programIds, registerProgram } from './explore/registry.js';
export { replayStrategy } from './explore/replay.js';
export type { ExploreResult } from './explore/result.js';
export { STRATEGY_NAMES, type StrategyName, strategyFromName } from './explore/strategy-factory.js';
export { estimateTreeSize, type TreeEstimate } from './explore/tree-estimate.js';
export type {
  DmaAccess,
  DmaSource,
  FreedAccess,
  GpuStats,
  MmioAccess,
  PageFaultRecord,
} from './hw/context.js';
export type { StreamState } from './hw/cs-exec.js';
export { CsBuilder, decode, encode, Op } from './hw/cs-isa.js';
export {
  FAULT_NAMES,
  type FaultName,
  FaultPlane,
  type FiredFault,
  isFaultName,
  validateFaultSpec,
} from './hw/faults.js';
export { type FwIface, newFwIface } from './hw/fw-iface.js';
export { VirtualGpu } from './hw/gpu.js';
export type { ResetKind, ResetRecord } from './hw/gpu-control.js';
export { DEFAULT_GPU_CONFIG, type GpuConfig } from './hw/latency.js';
export { PhysMem } from './hw/memory.js';
export type { PerfCounterValues } from './hw/perfcnt.js';
export { ptePage, pteTable, ptIndex } from './hw/pte.js';
export { Atomic } from './kernel/atomic.js';
export { Completion } from './kernel/completion.js';
export { Errno, errnoName } from './kernel/errno.js';
export { KFile, Process, sendFd } from './kernel/fdtable.js';
export {
  beginSignalling,
  endSignalling,
  Fence,
  FenceContext,
  fenceRegistry,
} from './kernel/fence.js';
export { fifoStrategy } from './kernel/fifo.js';
export { IrqLine, type IrqReturn } from './kernel/irq.js';
export {
  Kernel,
  type KernelOptions,
  type Lifetime,
  type RunOutcome,
  type RunResult,
} from './kernel/kernel.js';
export { Mutex } from './kernel/mutex.js';
export { Prng, Stream } from './kernel/prng.js';
export { Refcount } from './kernel/refcount.js';
export { RwSemaphore } from './kernel/rwsem.js';
export { decodeSchedule, encodeSchedule } from './kernel/schedule.js';
export { Spinlock } from './kernel/spinlock.js';
export { Srcu } from './kernel/srcu.js';
export type { Strategy, StrategyHost } from './kernel/strategy.js';
export {
  SYNC_IOC_FILE_INFO,
  type SyncFenceInfo,
  type SyncFileInfo,
} from './kernel/sync-file.js';
export { Bus, BusDevice, type DeviceDriver } from './kernel/sysfs.js';
export { Task, type TaskContext } from './kernel/task.js';
export { Timer } from './kernel/timer.js';
export { type Lane, Trace, type TraceEvent } from './kernel/trace.js';
export { type Uevent, UeventBus } from './kernel/uevent.js';
export { INVARIANTS, type InvariantId, type Violation } from './kernel/violations.js';
export { WaitQueue } from './kernel/waitqueue.js';
export { DelayedWork, Work, Workqueue } from './kernel/workqueue.js';
export {
  type ChromeTrace,
  type ChromeTraceMeta,
  chromeTraceFromRun,
  toChromeTrace,
  validateChromeTrace,
  writeChromeTrace,
} from './report/chrome-trace.js';
export { type RenderOptions, renderReport, writeReport } from './report/html.js';
export type {
  DesignMetrics,
  InvariantResult,
  ReportData,
  ReportFailure,
} from './report/report-data.js';
export {
  BUILTIN_SCENARIOS,
  builtinScenario,
  builtinScenarioNames,
} from './scenarios/builtin.js';
export { JobLedger } from './scenarios/ledger.js';
export {
  parseProgramId,
  registerBuiltinPrograms,
  scenarioProgram,
  scenarioProgramId,
} from './scenarios/program.js';
export { REGRESSIONS, type RegressionCase, regressionCase } from './scenarios/regressions.js';
export { runScenario, type ScenarioResult } from './scenarios/runner.js';
export type {
  ActionKind,
  ActionSpec,
  ClientSpec,
  HostileMode,
  ScenarioRunOptions,
  ScenarioSpec,
  WorkloadKind,
} from './scenarios/spec.js';
export { GPU_DEVICE_NAME, System, type SystemOptions } from './system/system.js';
export { DrmClient, UserMapping } from './userspace/client.js';
export { RecoveryDaemon, type RecoveryRecord } from './userspace/daemon.js';
export { syncFenceStatus, syncFileInfo, syncWait } from './userspace/libsync.js';
export {
  type Buffer as UmdBuffer,
  Context as UmdContext,
  type ContextOptions,
  type Robustness,
  type Submission,
  streams,
  Umd,
} from './userspace/umd.js';
