/**
 * resetlab's public API. Named exports only; see docs/api.md.
 */

export { fifoStrategy } from './explore/fifo.js';
export { randomStrategy } from './explore/random.js';
export { replayStrategy } from './explore/replay.js';
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
export {
  beginSignalling,
  endSignalling,
  Fence,
  FenceContext,
  fenceRegistry,
} from './kernel/fence.js';
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
export { Bus, BusDevice, type DeviceDriver } from './kernel/sysfs.js';
export { Task, type TaskContext } from './kernel/task.js';
export { Timer } from './kernel/timer.js';
export { type Lane, Trace, type TraceEvent } from './kernel/trace.js';
export { type Uevent, UeventBus } from './kernel/uevent.js';
export { INVARIANTS, type InvariantId, type Violation } from './kernel/violations.js';
export { WaitQueue } from './kernel/waitqueue.js';
export { DelayedWork, Work, Workqueue } from './kernel/workqueue.js';
