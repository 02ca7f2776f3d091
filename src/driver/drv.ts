/**
 * DOC: The ioctl surface (panthor_drv.c, drm_ioctl.c, drm_syncobj.c, panfrost_perfcnt.c).
 *
 * Every ioctl goes through `ioctl(file, cmd, arg)`, the model's `drm_ioctl`: ENODEV for a file
 * that is closed or a device that is unplugged (or, the model's wedge, wedged), then the DRM
 * core's dispatch (src/drm/ioctl.ts: ENOTTY for a foreign type, EINVAL for a number with no
 * entry, the struct copied in at the caller's size and zero-filled, copied back whatever the
 * result). The table holds the DRM core's entries (GET_CAP, GEM_CLOSE, the syncobj ioctls:
 * src/drm/core-ioctls.ts) and Panthor's, plus the Panfrost perfcnt pair at model numbers.
 * The named methods (`vmCreate`, `syncobjWait`, ...) are that call with the kernel's command
 * and return `IoctlResult`.
 *
 * Driver ioctls run inside the `drm_dev_enter` section that keeps unplug from completing under
 * them (the model holds it for every one, where Panthor takes it in VM_CREATE, VM_BIND,
 * BO_CREATE and GROUP_SUBMIT only; the errno an unplug gives is ENODEV either way). The core
 * ioctls take none, as in the kernel: a syncobj wait must not hold off an unplug.
 *
 * Each handler checks its arguments in panthor_drv.c's order, with its errno: pads zero, flags
 * known, a VM or group that is not found is EINVAL, a BO that is not found ENOENT (EINVAL in a
 * VM_BIND map), a syncobj depends on the ioctl. Expected failures are values, never throws.
 *
 * Closing a file tears down what it owns in a safe order (panthor_postclose_file): the perfcnt
 * session, then the groups (they are evicted and their jobs cancelled), then the VMs (VM
 * teardown waits for the groups' eviction), then the BO handles and syncobjs.
 */

import { DRM_CORE_IOCTLS } from '../drm/core-ioctls.js';
import { DRM_RENDER_ALLOW, type DrmIoctlDesc, drmIoctl, drmIoctlDesc } from '../drm/ioctl.js';
import { MAX_JOB_DEPENDENCIES } from '../drm/sched/job.js';
import type { DrmCoreCtx } from '../drm/syncobj-ioctl.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import { type FileOperations, KFile, Process as Proc, type Process } from '../kernel/fdtable.js';
import type { Fence } from '../kernel/fence.js';
import { iocNr } from '../kernel/ioctl.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Layout } from '../kernel/uaccess.js';
import type { PanthorDevice } from './device.js';
import { PanthorFile } from './file.js';
import { Bo } from './gem.js';
import type { Group, Job } from './group.js';
import { HeapPool } from './heap.js';
import { type Dep, depFences, type KSyncOp, SubmitCtx } from './submit-ctx.js';
import {
  BO_CREATE_LAYOUT,
  BO_MMAP_OFFSET_LAYOUT,
  type BoCreateArgs,
  BoFlags,
  type BoMmapOffsetArgs,
  CSIF_INFO_LAYOUT,
  DEV_QUERY_LAYOUT,
  DEV_QUERY_MIN_SIZES,
  DEV_QUERY_SIZES,
  type DevQueryArgs,
  DevQueryType,
  DRM_COMMAND_BASE,
  DRM_IOCTL_GEM_CLOSE,
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
  type GemCloseArgs,
  type GetCapArgs,
  GPU_INFO_LAYOUT,
  GROUP_CREATE_LAYOUT,
  GROUP_DESTROY_LAYOUT,
  GROUP_GET_STATE_LAYOUT,
  GROUP_PRIORITIES_INFO_LAYOUT,
  GROUP_SUBMIT_LAYOUT,
  type GroupCreateArgs,
  type GroupDestroyArgs,
  type GroupGetStateArgs,
  GroupPriority,
  GroupStateFlags,
  type GroupSubmitArgs,
  type IoctlResult,
  PERFCNT_DUMP_LAYOUT,
  PERFCNT_ENABLE_LAYOUT,
  type PerfcntDumpArgs,
  type PerfcntEnableArgs,
  QUEUE_CREATE_LAYOUT,
  QUEUE_SUBMIT_LAYOUT,
  type Returned,
  SYNC_OP_LAYOUT,
  type SyncobjArrayArgs,
  type SyncobjCreateArgs,
  type SyncobjDestroyArgs,
  type SyncobjHandleArgs,
  type SyncobjTimelineArrayArgs,
  type SyncobjTimelineWaitArgs,
  type SyncobjTransferArgs,
  type SyncobjWaitArgs,
  TILER_HEAP_CREATE_LAYOUT,
  TILER_HEAP_DESTROY_LAYOUT,
  TIMESTAMP_INFO_LAYOUT,
  type TilerHeapCreateArgs,
  type TilerHeapDestroyArgs,
  VM_BIND_LAYOUT,
  VM_BIND_OP_LAYOUT,
  VM_CREATE_LAYOUT,
  VM_DESTROY_LAYOUT,
  VM_GET_STATE_LAYOUT,
  type VmBindArgs,
  VmBindFlags,
  VmBindOpFlags,
  type VmCreateArgs,
  type VmDestroyArgs,
  type VmGetStateArgs,
  VmState,
} from './uapi.js';
import { getUobjArray, type KObjArray, setUobj } from './uobj.js';
import { VA_LIMIT, Vm } from './vm.js';
import { applyBindOps, type BindOp, VmBindQueue } from './vm-bind.js';

/** Every Panthor ioctl handler runs with this (`drm_device`, `drm_file`, `current`). */
export interface PanthorCtx extends DrmCoreCtx {
  readonly file: PanthorFile;
}

/** `PANTHOR_VM_MIN_KERNEL_VA_SIZE`: VA the kernel keeps for its own objects. */
const MIN_KERNEL_VA_SIZE = 256 * 1024 * 1024;
/** `MAX_CS_PER_CSG`: the queue count limit of GROUP_CREATE. */
const MAX_CS_PER_CSG = 32;
/** `CSF_MAX_QUEUE_PRIO`. */
const MAX_QUEUE_PRIO = 15;
/** Sizes a BO cannot have: `drm_gem_shmem_create` of more than MAX_LFS_FILESIZE fails. */
const MAX_LFS_FILESIZE = 2 ** 63 - 1;
/** Pages the simulated memory keeps free for the driver itself. */
const MEM_RESERVE_PAGES = 256;

function ok<T>(value: T): IoctlResult<T> {
  return { ok: true, value };
}

function err<T>(errno: number): IoctlResult<T> {
  return { ok: false, errno: Math.abs(errno) };
}

// ---- The kernel copies of the structs, as handlers see them --------------------------------------

interface KDevQuery {
  type: number;
  size: number;
  pointer: unknown;
}
interface KVmCreate {
  flags: number;
  id: number;
  userVaRange: number;
}
interface KIdPad {
  id: number;
  pad: number;
}
interface KVmBind {
  vmId: number;
  flags: number;
  ops: KObjArray;
}
interface KVmBindOp {
  flags: number;
  boHandle: number;
  boOffset: number;
  va: number;
  size: number;
  syncs: KObjArray;
}
interface KVmGetState {
  vmId: number;
  state: number;
}
interface KBoCreate {
  size: number;
  flags: number;
  exclusiveVmId: number;
  handle: number;
  pad: number;
}
interface KBoMmapOffset {
  handle: number;
  pad: number;
  offset: number;
}
interface KQueueCreate {
  priority: number;
  pad: { 0: number; 1: number; 2: number };
  ringbufSize: number;
}
interface KGroupCreate {
  queues: KObjArray;
  maxComputeCores: number;
  maxFragmentCores: number;
  maxTilerCores: number;
  priority: number;
  pad: number;
  computeCoreMask: number;
  fragmentCoreMask: number;
  tilerCoreMask: number;
  vmId: number;
  groupHandle: number;
}
interface KGroupHandlePad {
  groupHandle: number;
  pad: number;
}
interface KGroupGetState {
  groupHandle: number;
  state: number;
  fatalQueues: number;
  pad: number;
}
interface KQueueSubmit {
  queueIndex: number;
  streamSize: number;
  streamAddr: number;
  latestFlush: number;
  pad: number;
  syncs: KObjArray;
}
interface KGroupSubmit {
  groupHandle: number;
  pad: number;
  queueSubmits: KObjArray;
}
interface KTilerHeapCreate {
  vmId: number;
  initialChunkCount: number;
  chunkSize: number;
  maxChunks: number;
  targetInFlight: number;
  handle: number;
  tilerHeapCtxGpuVa: number;
  firstHeapChunkGpuVa: number;
}
interface KHandlePad {
  handle: number;
  pad: number;
}
interface KPerfcntEnable {
  enable: number;
  counterset: number;
}
interface KPerfcntDump {
  buf: unknown;
  samplesLost: number;
  epoch: number;
}

/** A prepared VM_BIND operation (the model's `panthor_vm_op_ctx`). */
type PreparedOp = { op: BindOp; syncs: KSyncOp[] };

/** The DRM file's `file_operations` (drm_fops): ioctl through drm_ioctl, release closes. */
function drmFops(drv: Drv): FileOperations {
  return {
    name: 'drm',
    ioctl: (f, cmd, arg, proc) => drv.ioctl(f.privateData as PanthorFile, cmd, arg, proc),
    release: (f) => drv.close(f.privateData as PanthorFile),
  };
}

export class Drv {
  /** Results of ioctls issued while the device was wedged or unplugged (wedge-protocol oracle). */
  readonly afterDeath: Array<{ name: string; errno: number }> = [];
  readonly counts = new Map<string, number>();
  /**
   * Every fake mmap offset handed out, with its BO (the device's drm_vma_offset_manager), so
   * that mmap can tell an offset this file may not map (EACCES) from one that names nothing
   * (EINVAL). Entries of freed BOs are dropped as the table grows.
   */
  private readonly mmapOffsets = new Map<number, Bo>();
  private readonly table: {
    core: ReadonlyMap<number, DrmIoctlDesc<PanthorCtx>>;
    driver: Array<DrmIoctlDesc<PanthorCtx> | undefined>;
  };
  private readonly fops: FileOperations;

  constructor(private readonly dev: PanthorDevice) {
    const driver: Array<DrmIoctlDesc<PanthorCtx> | undefined> = [];
    const def = <T>(
      name: string,
      cmd: number,
      l: Layout,
      func: (ctx: PanthorCtx, a: T) => Promise<number>,
    ) => {
      driver[iocNr(cmd) - DRM_COMMAND_BASE] = {
        name,
        cmd,
        layout: l,
        flags: DRM_RENDER_ALLOW,
        func: func as never,
      };
    };
    def('DEV_QUERY', DRM_IOCTL_PANTHOR_DEV_QUERY, DEV_QUERY_LAYOUT, (c, a: KDevQuery) =>
      this.devQueryIoctl(c, a),
    );
    // VM_CREATE, VM_BIND, BO_CREATE and GROUP_SUBMIT take drm_dev_enter() themselves, first
    // thing (GROUP_SUBMIT after its pad), as panthor_drv.c has them; the others take none.
    def('VM_CREATE', DRM_IOCTL_PANTHOR_VM_CREATE, VM_CREATE_LAYOUT, (c, a: KVmCreate) =>
      this.inDevSection('VM_CREATE', () => this.vmCreateIoctl(c, a)),
    );
    def('VM_DESTROY', DRM_IOCTL_PANTHOR_VM_DESTROY, VM_DESTROY_LAYOUT, (c, a: KIdPad) =>
      this.vmDestroyIoctl(c, a),
    );
    def('VM_BIND', DRM_IOCTL_PANTHOR_VM_BIND, VM_BIND_LAYOUT, (c, a: KVmBind) =>
      this.inDevSection('VM_BIND', () => this.vmBindIoctl(c, a)),
    );
    def('VM_GET_STATE', DRM_IOCTL_PANTHOR_VM_GET_STATE, VM_GET_STATE_LAYOUT, (c, a: KVmGetState) =>
      this.vmGetStateIoctl(c, a),
    );
    def('BO_CREATE', DRM_IOCTL_PANTHOR_BO_CREATE, BO_CREATE_LAYOUT, (c, a: KBoCreate) =>
      this.inDevSection('BO_CREATE', () => this.boCreateIoctl(c, a)),
    );
    def(
      'BO_MMAP_OFFSET',
      DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
      BO_MMAP_OFFSET_LAYOUT,
      (c, a: KBoMmapOffset) => this.boMmapOffsetIoctl(c, a),
    );
    def('GROUP_CREATE', DRM_IOCTL_PANTHOR_GROUP_CREATE, GROUP_CREATE_LAYOUT, (c, a: KGroupCreate) =>
      this.groupCreateIoctl(c, a),
    );
    def(
      'GROUP_DESTROY',
      DRM_IOCTL_PANTHOR_GROUP_DESTROY,
      GROUP_DESTROY_LAYOUT,
      (c, a: KGroupHandlePad) => this.groupDestroyIoctl(c, a),
    );
    def(
      'GROUP_SUBMIT',
      DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
      GROUP_SUBMIT_LAYOUT,
      (c, a: KGroupSubmit) =>
        a.pad !== 0
          ? Promise.resolve(-Errno.EINVAL)
          : this.inDevSection('GROUP_SUBMIT', () => this.groupSubmitIoctl(c, a)),
    );
    def(
      'GROUP_GET_STATE',
      DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
      GROUP_GET_STATE_LAYOUT,
      (c, a: KGroupGetState) => this.groupGetStateIoctl(c, a),
    );
    def(
      'TILER_HEAP_CREATE',
      DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
      TILER_HEAP_CREATE_LAYOUT,
      (c, a: KTilerHeapCreate) => this.tilerHeapCreateIoctl(c, a),
    );
    def(
      'TILER_HEAP_DESTROY',
      DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
      TILER_HEAP_DESTROY_LAYOUT,
      (c, a: KHandlePad) => this.tilerHeapDestroyIoctl(c, a),
    );
    def(
      'PERFCNT_ENABLE',
      DRM_IOCTL_PANFROST_PERFCNT_ENABLE,
      PERFCNT_ENABLE_LAYOUT,
      async (c, a: KPerfcntEnable) => this.dev.perfcnt.ioctlEnable(c.file, a),
    );
    def(
      'PERFCNT_DUMP',
      DRM_IOCTL_PANFROST_PERFCNT_DUMP,
      PERFCNT_DUMP_LAYOUT,
      async (c, a: KPerfcntDump) => this.dev.perfcnt.ioctlDump(c.file, a),
    );
    this.table = { core: DRM_CORE_IOCTLS, driver };
    this.fops = drmFops(this);
  }

  private get k(): Kernel {
    return this.dev.k;
  }

  /**
   * Opens a new file on this device (open(2) of the render node) in process `proc` (a new
   * process of its own by default, named `name`: reports name a job's client by it): the file,
   * whose `fd` is the descriptor in `proc`, or -ENODEV / -EMFILE.
   */
  open(privileged = false, proc?: Process, name = 'drm-client'): PanthorFile | number {
    const dev = this.dev;
    if (dev.unplugged || !dev.initialized) return -Errno.ENODEV;
    const owner = proc ?? new Proc(this.k, name);
    const fd = owner.files.getUnusedFd();
    if (fd < 0) return fd;
    const f = new PanthorFile(dev, privileged, owner, fd);
    owner.files.fdInstall(fd, new KFile(this.fops, f));
    dev.files.add(f);
    return f;
  }

  /**
   * ioctl(2) on a DRM file, as `drm_ioctl`: 0 or a negative errno. `proc` is the caller (the
   * file's opener by default), where fd-returning ioctls put their fds.
   */
  async ioctl(file: PanthorFile, cmd: number, arg: unknown, proc?: Process): Promise<number> {
    const dev = this.dev;
    const desc = drmIoctlDesc(this.table, cmd);
    const name = desc?.name ?? `ioctl 0x${cmd.toString(16)}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    // A system call is a preemption point.
    await this.k.point();
    if (file.closed || file.dev !== dev) return -Errno.ENODEV;
    if (dev.unplugged || dev.wedge.wedged) {
      this.afterDeath.push({ name, errno: Errno.ENODEV });
      return -Errno.ENODEV;
    }
    const ctx: PanthorCtx = {
      k: this.k,
      file,
      features: dev.drm.driverFeatures,
      proc: proc ?? file.owner,
    };
    // drm_ioctl_kernel tests only drm_dev_is_unplugged() (above); an ioctl that needs the
    // device for longer takes its own drm_dev_enter section (`inDevSection`).
    return drmIoctl(this.table, ctx, cmd, arg);
  }

  /**
   * drm_dev_enter() .. drm_dev_exit() around an ioctl's body: ENODEV once the device is
   * unplugged (or wedged, `failure=wedge`), recorded as an after-death ioctl.
   */
  private async inDevSection(name: string, body: () => Promise<number>): Promise<number> {
    const dev = this.dev;
    const cookie = await dev.drm.enter();
    if (cookie === null) {
      this.afterDeath.push({ name, errno: Errno.ENODEV });
      return -Errno.ENODEV;
    }
    try {
      if (dev.wedge.wedged) {
        this.afterDeath.push({ name, errno: Errno.ENODEV });
        return -Errno.ENODEV;
      }
      return await body();
    } finally {
      dev.drm.exit(cookie);
    }
  }

  /** `ioctl` with the kernel's command, as an `IoctlResult` holding the copied-back args. */
  private async call<T>(file: PanthorFile, cmd: number, args: T, proc?: Process) {
    const r = await this.ioctl(file, cmd, args, proc);
    return r === 0 ? ok(args as unknown as Returned<T>) : err<Returned<T>>(r);
  }

  // ---- Named entry points ------------------------------------------------------------------

  getCap(file: PanthorFile, args: GetCapArgs) {
    return this.call(file, DRM_IOCTL_GET_CAP, args);
  }

  devQuery(file: PanthorFile, args: DevQueryArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_DEV_QUERY, args);
  }

  vmCreate(file: PanthorFile, args: VmCreateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_VM_CREATE, args);
  }

  vmDestroy(file: PanthorFile, args: VmDestroyArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_VM_DESTROY, args);
  }

  vmBind(file: PanthorFile, args: VmBindArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_VM_BIND, args);
  }

  vmGetState(file: PanthorFile, args: VmGetStateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_VM_GET_STATE, args);
  }

  boCreate(file: PanthorFile, args: BoCreateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_BO_CREATE, args);
  }

  boMmapOffset(file: PanthorFile, args: BoMmapOffsetArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, args);
  }

  /** DRM_IOCTL_GEM_CLOSE of `handle` (pad 0), or of a whole `drm_gem_close`. */
  gemClose(file: PanthorFile, handle: number | GemCloseArgs) {
    const args = typeof handle === 'number' ? { handle, pad: 0 } : handle;
    return this.call(file, DRM_IOCTL_GEM_CLOSE, args);
  }

  groupCreate(file: PanthorFile, args: GroupCreateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_GROUP_CREATE, args);
  }

  groupDestroy(file: PanthorFile, args: GroupDestroyArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_GROUP_DESTROY, args);
  }

  groupSubmit(file: PanthorFile, args: GroupSubmitArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, args);
  }

  groupGetState(file: PanthorFile, args: GroupGetStateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, args);
  }

  tilerHeapCreate(file: PanthorFile, args: TilerHeapCreateArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, args);
  }

  tilerHeapDestroy(file: PanthorFile, args: TilerHeapDestroyArgs) {
    return this.call(file, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, args);
  }

  syncobjCreate(file: PanthorFile, args: SyncobjCreateArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_CREATE, args);
  }

  /** SYNCOBJ_DESTROY of `handle` (pad 0), or of a whole `drm_syncobj_destroy`. */
  syncobjDestroy(file: PanthorFile, handle: number | SyncobjDestroyArgs) {
    const args = typeof handle === 'number' ? { handle, pad: 0 } : handle;
    return this.call(file, DRM_IOCTL_SYNCOBJ_DESTROY, args);
  }

  syncobjHandleToFd(file: PanthorFile, args: SyncobjHandleArgs, proc?: Process) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, args, proc);
  }

  syncobjFdToHandle(file: PanthorFile, args: SyncobjHandleArgs, proc?: Process) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, args, proc);
  }

  syncobjWait(file: PanthorFile, args: SyncobjWaitArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_WAIT, args);
  }

  syncobjTimelineWait(file: PanthorFile, args: SyncobjTimelineWaitArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, args);
  }

  syncobjReset(file: PanthorFile, args: SyncobjArrayArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_RESET, args);
  }

  syncobjSignal(file: PanthorFile, args: SyncobjArrayArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_SIGNAL, args);
  }

  syncobjTimelineSignal(file: PanthorFile, args: SyncobjTimelineArrayArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, args);
  }

  syncobjQuery(file: PanthorFile, args: SyncobjTimelineArrayArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_QUERY, args);
  }

  syncobjTransfer(file: PanthorFile, args: SyncobjTransferArgs) {
    return this.call(file, DRM_IOCTL_SYNCOBJ_TRANSFER, args);
  }

  perfcntEnable(file: PanthorFile, args: PerfcntEnableArgs) {
    return this.call(file, DRM_IOCTL_PANFROST_PERFCNT_ENABLE, args);
  }

  perfcntDump(file: PanthorFile, args: PerfcntDumpArgs) {
    return this.call(file, DRM_IOCTL_PANFROST_PERFCNT_DUMP, args);
  }

  /**
   * Runs an ioctl body that may program the hardware (a TLB flush after a page-table change)
   * inside the reset design's gate.
   */
  private async gated(body: () => Promise<number>): Promise<number> {
    const gate = await this.dev.gateEnter('ioctl-wait');
    if (typeof gate === 'number') return gate;
    try {
      return await body();
    } finally {
      this.dev.gateExit(gate);
    }
  }

  // ---- DEV_QUERY ---------------------------------------------------------------------------

  /**
   * panthor_ioctl_dev_query: with a NULL pointer, the kernel struct's size is written to
   * `size` (EINVAL for an unknown type); otherwise the struct is copied out with
   * panthor_set_uobj (EINVAL below its minimum size) and `size` is left as it was.
   */
  private async devQueryIoctl(c: PanthorCtx, a: KDevQuery): Promise<number> {
    const size = DEV_QUERY_SIZES[a.type];
    if (a.pointer === null) {
      if (size === undefined) return -Errno.EINVAL;
      a.size = size;
      return 0;
    }
    const min = DEV_QUERY_MIN_SIZES[a.type] ?? 0;
    switch (a.type) {
      case DevQueryType.GPU_INFO:
        return setUobj(a.pointer, a.size, min, GPU_INFO_LAYOUT, this.gpuInfo());
      case DevQueryType.CSIF_INFO:
        return setUobj(a.pointer, a.size, min, CSIF_INFO_LAYOUT, {
          csgSlotCount: this.dev.sched.csgSlotCount,
          csSlotCount: this.dev.sched.csSlotCount,
          csRegCount: 96,
          scoreboardSlotCount: 8,
          unpreservedCsRegCount: 8,
          pad: 0,
        });
      case DevQueryType.TIMESTAMP_INFO:
        return setUobj(a.pointer, a.size, min, TIMESTAMP_INFO_LAYOUT, {
          timestampFrequency: 1_000_000_000,
          currentTimestamp: this.k.nowNs,
          timestampOffset: 0,
        });
      case DevQueryType.GROUP_PRIORITIES_INFO: {
        // panthor_query_group_priorities_info: the priorities *this file* may create groups
        // with (group_priority_permit): HIGH and REALTIME only with privilege.
        const allowed = c.file.privileged
          ? 0b1111
          : (1 << GroupPriority.LOW) | (1 << GroupPriority.MEDIUM);
        return setUobj(a.pointer, a.size, min, GROUP_PRIORITIES_INFO_LAYOUT, {
          allowedMask: allowed,
        });
      }
      default:
        return -Errno.EINVAL;
    }
  }

  private gpuInfo(): object {
    const g = this.dev.gpu.info;
    return {
      gpuId: g.gpuId,
      gpuRev: 0,
      csfId: g.csfId,
      l2Features: g.l2Features,
      tilerFeatures: g.tilerFeatures,
      memFeatures: g.memFeatures,
      mmuFeatures: g.mmuFeatures,
      threadFeatures: 0,
      maxThreads: 2048,
      threadMaxWorkgroupSize: 1024,
      threadMaxBarrierSize: 1024,
      coherencyFeatures: 0,
      textureFeatures0: 0,
      textureFeatures1: 0,
      textureFeatures2: 0,
      textureFeatures3: 0,
      asPresent: g.asPresent,
      shaderPresent: g.shaderPresent,
      l2Present: g.l2Present,
      tilerPresent: g.tilerPresent,
      coreFeatures: g.coreFeatures,
      pad: 0,
    };
  }

  // ---- VMs ---------------------------------------------------------------------------------

  /**
   * panthor_ioctl_vm_create (panthor_vm_pool_create_vm, panthor_vm_create_check_args): flags
   * must be 0; the user range (0: the lower half of the VA space) may not exceed the VA space
   * minus the kernel's minimum; the kernel range is the largest power of two that fits above
   * it, and `userVaRange` comes back as where that range starts (possibly above what was
   * asked). At most 32 VMs per file (EBUSY).
   */
  private async vmCreateIoctl(c: PanthorCtx, a: KVmCreate): Promise<number> {
    if (a.flags !== 0) return -Errno.EINVAL;
    const full = VA_LIMIT;
    const max = full - MIN_KERNEL_VA_SIZE;
    if (a.userVaRange > max) return -Errno.EINVAL;
    const user = a.userVaRange !== 0 ? a.userVaRange : full > 2 ** 32 ? full / 2 : max;
    const kernelRange = 2 ** Math.floor(Math.log2(full - user));
    const kernelStart = full - kernelRange;
    const dev = this.dev;
    this.k.kmalloc('vm');
    const vm = new Vm(dev, `file${c.file.id}-vm`, false, kernelStart);
    const id = c.file.vms.alloc(vm);
    if (id === 0) {
      await vm.put();
      return -Errno.EBUSY;
    }
    dev.mmu.vms.add(vm);
    a.id = id;
    a.userVaRange = kernelStart;
    return 0;
  }

  /** panthor_ioctl_vm_destroy: pad, then the id (EINVAL). */
  private async vmDestroyIoctl(c: PanthorCtx, a: KIdPad): Promise<number> {
    if (a.pad !== 0) return -Errno.EINVAL;
    const vm = c.file.vms.remove(a.id);
    if (vm === undefined) return -Errno.EINVAL;
    await this.evictForVmDestroy(vm);
    // The handle is gone: the destruction must happen now, whatever the design says about
    // ioctls during a reset (a refusal here would leak an unreachable VM).
    await this.dev.teardownSection(() => this.destroyVm(vm));
    return 0;
  }

  /**
   * First half of panthor_vm_destroy, outside the gate (it waits for the scheduler's tick):
   * `vm->destroyed = true`, and, since 565ed40b5fc1 ("Evict groups before VM termination"),
   * if the VM is still active, flush the tick, so that the eviction of groups destroyed just
   * before (a controlled termination destroys groups first) is over before the heap context the
   * firmware writes back on CSG suspend is unmapped. With `vmdestroy=evict` the VM's groups also
   * stop being able to run and the tick that evicts them is queued first, which covers user
   * space that destroys the VM before its groups. The `vm-destroy-no-evict` switch drops the
   * wait for the tick, as before the fix.
   *
   * With `vmdestroy=evict` the tick is flushed before the VM's groups are looked at: a tick
   * already running may be binding one of them to a slot (its AS not active yet, its `csg_id`
   * still -1), and would start it after the check (fuzz: the heap pool destroyed under a group
   * that the running tick started).
   */
  async evictForVmDestroy(vm: Vm): Promise<void> {
    const dev = this.dev;
    vm.destroyed = true;
    const evict = dev.reset.design.factors.vmdestroy === 'evict';
    if (evict && !dev.bug('vm-destroy-no-evict')) await dev.sched.prepareForVmDestruction();
    const active = vm.activeCnt.peek() > 0;
    if (evict && active) await dev.sched.evictVmGroups(vm);
    if (dev.bug('vm-destroy-no-evict')) return;
    if (active || evict) await dev.sched.prepareForVmDestruction();
  }

  /** Second half: destroy the heap pool, unmap, drop the reference. */
  async destroyVm(vm: Vm): Promise<void> {
    const pool = vm.heapPool;
    vm.heapPool = null;
    if (pool !== null) await pool.destroy();
    await vm.opLock.lock('destroyVm [driver/drv.ts]');
    const user = vm.mappings.filter((m) => !m.kernel);
    for (const m of user) await vm.unmap(m.va, m.size);
    vm.opLock.unlock();
    await vm.put();
  }

  /** panthor_ioctl_vm_get_state: the VM (EINVAL); the struct has no pad. */
  private async vmGetStateIoctl(c: PanthorCtx, a: KVmGetState): Promise<number> {
    const vm = c.file.vms.get(a.vmId);
    if (vm === undefined) return -Errno.EINVAL;
    a.state = vm.unusable ? VmState.UNUSABLE : VmState.USABLE;
    return 0;
  }

  /**
   * panthor_ioctl_vm_bind: ASYNC picks the asynchronous path; other flag bits are ignored
   * (PANTHOR_VM_BIND_FLAGS is not checked).
   */
  private async vmBindIoctl(c: PanthorCtx, a: KVmBind): Promise<number> {
    const vm = c.file.vms.get(a.vmId);
    if (vm === undefined) return -Errno.EINVAL;
    const ops = getUobjArray<KVmBindOp>(a.ops, VM_BIND_OP_LAYOUT.size, VM_BIND_OP_LAYOUT);
    if (typeof ops === 'number') return ops;
    if (a.flags & VmBindFlags.ASYNC) return this.vmBindAsync(c, vm, ops);
    return this.vmBindSync(c, vm, a, ops);
  }

  /**
   * panthor_ioctl_vm_bind_sync: one operation at a time (panthor_vm_bind_exec_sync_op): no
   * syncs allowed (EINVAL), size 0 is a no-op whatever else the operation says, then
   * prepare and execute. The first failure stops the loop with `ops.count` set to its index
   * (copied back); the operations before it stay applied.
   */
  private async vmBindSync(c: PanthorCtx, vm: Vm, a: KVmBind, ops: KVmBindOp[]): Promise<number> {
    let gate: Awaited<ReturnType<PanthorDevice['gateEnter']>> | null = null;
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as KVmBindOp;
        let ret = 0;
        if (op.syncs.count !== 0) ret = -Errno.EINVAL;
        else if (op.size === 0) continue;
        const p = ret === 0 ? this.prepareBindOp(c.file, vm, op, false) : ret;
        if (typeof p === 'number') {
          ret = p;
        } else if (p.kind === 'map' && vm.unusable) {
          // panthor_vm_exec_op: a MAP on an unusable VM is refused when it executes (no
          // hardware access, so no gate needed to say so).
          ret = -Errno.EINVAL;
        } else {
          gate ??= await this.dev.gateEnter('ioctl-wait');
          if (typeof gate === 'number') {
            ret = gate;
          } else {
            await vm.opLock.lock('vmBindSync [driver/drv.ts]');
            ret = await applyBindOps(vm, [p]);
            vm.opLock.unlock();
          }
        }
        if (ret !== 0) {
          a.ops.count = i;
          return ret;
        }
      }
      return 0;
    } finally {
      if (gate !== null && typeof gate !== 'number') this.dev.gateExit(gate);
    }
  }

  /**
   * panthor_ioctl_vm_bind_async: per operation, panthor_vm_bind_job_create (a destroyed or
   * unusable VM refuses every operation, UNMAP too: EINVAL; then the prepare checks) and its
   * syncs copied in; then the submit context's phases (src/driver/submit-ctx.ts). Nothing is
   * queued unless everything passed.
   */
  private async vmBindAsync(c: PanthorCtx, vm: Vm, ops: KVmBindOp[]): Promise<number> {
    const prepared: PreparedOp[] = [];
    for (const op of ops) {
      if (vm.destroyed || vm.unusable) return -Errno.EINVAL;
      const p = this.prepareBindOp(c.file, vm, op, true);
      if (typeof p === 'number') return p;
      const syncs = getUobjArray<KSyncOp>(op.syncs, SYNC_OP_LAYOUT.size, SYNC_OP_LAYOUT);
      if (typeof syncs === 'number') return syncs;
      prepared.push({ op: p, syncs });
    }
    if (prepared.length === 0) return 0;
    const ctx = new SubmitCtx(
      c.file,
      prepared.map((p) => p.syncs),
    );
    const r = ctx.collectSignals();
    if (r) return r;
    const deps = ctx.resolveDeps();
    if (typeof deps === 'number') return deps;
    const fenceCtx = this.bindFenceCtx(vm);
    const fences = prepared.map(() => fenceCtx.create());
    vm.bindQueue ??= new VmBindQueue(this.dev, vm);
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i] as PreparedOp;
      await vm.bindQueue.push({
        ops: [p.op],
        deps: depFences(deps[i] as Dep[], fences),
        done: fences[i] as Fence,
      });
    }
    ctx.pushFences(fences);
    return 0;
  }

  private bindFenceCtx(vm: Vm) {
    vm.bindFenceCtx ??= this.dev.newFenceContext(`vm${vm.uid}-bind`);
    return vm.bindFenceCtx;
  }

  /**
   * panthor_vm_bind_prepare_op_ctx, in order: va, size and bo_offset page-aligned (EINVAL; the
   * bo_offset term is upstream 5afa9d2a9bb1), then by type:
   * - MAP: the BO (a missing one is passed on as NULL and rejected with EINVAL, not ENOENT),
   *   flags within READONLY|NOEXEC|UNCACHED, the range inside the BO, an exclusive BO only in
   *   its own VM (all EINVAL);
   * - UNMAP: no flag bits, no BO handle or offset (EINVAL);
   * - SYNC_ONLY: no flag bits, BO, VA or size, and at least one sync (EINVAL);
   * - any other type: EINVAL.
   * The model also refuses a range outside the VM's user VA (EINVAL, where drm_gpuvm refuses
   * it when the operation executes) and, on the asynchronous path, a zero size.
   */
  private prepareBindOp(file: PanthorFile, vm: Vm, op: KVmBindOp, async: boolean): BindOp | number {
    if (op.va % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.boOffset % PAGE_SIZE !== 0)
      return -Errno.EINVAL;
    const type = (op.flags & VmBindOpFlags.TYPE_MASK) >>> 0;
    const extra = (op.flags & ~VmBindOpFlags.TYPE_MASK) >>> 0;
    if (type === VmBindOpFlags.TYPE_SYNC_ONLY) {
      if (extra !== 0 || op.boHandle !== 0 || op.boOffset !== 0) return -Errno.EINVAL;
      if (op.va !== 0 || op.size !== 0 || op.syncs.count === 0) return -Errno.EINVAL;
      return { kind: 'sync-only' };
    }
    if (type === VmBindOpFlags.TYPE_UNMAP) {
      if (extra !== 0 || op.boHandle !== 0 || op.boOffset !== 0) return -Errno.EINVAL;
      if (!this.inUserRange(vm, op, async)) return -Errno.EINVAL;
      return { kind: 'unmap', va: op.va, size: op.size };
    }
    if (type !== VmBindOpFlags.TYPE_MAP) return -Errno.EINVAL;
    const bo = file.bos.get(op.boHandle);
    if (bo === undefined) return -Errno.EINVAL;
    const mapFlags =
      VmBindOpFlags.MAP_READONLY | VmBindOpFlags.MAP_NOEXEC | VmBindOpFlags.MAP_UNCACHED;
    if ((extra & ~mapFlags) !== 0) return -Errno.EINVAL;
    if (op.size > bo.size || op.boOffset > bo.size - op.size) return -Errno.EINVAL;
    if (bo.exclusiveVmId !== 0 && bo.exclusiveVmUid !== vm.uid) return -Errno.EINVAL;
    if (!this.inUserRange(vm, op, async)) return -Errno.EINVAL;
    const flags = {
      readOnly: (op.flags & VmBindOpFlags.MAP_READONLY) !== 0,
      noExec: (op.flags & VmBindOpFlags.MAP_NOEXEC) !== 0,
    };
    return { kind: 'map', va: op.va, size: op.size, bo, boOffset: op.boOffset, flags };
  }

  private inUserRange(vm: Vm, op: KVmBindOp, async: boolean): boolean {
    if (async && op.size === 0) return false;
    return op.va + op.size <= vm.userVaRange;
  }

  // ---- BOs ---------------------------------------------------------------------------------

  /**
   * panthor_ioctl_bo_create: size 0, a pad or an unknown flag is EINVAL (one check); then the
   * exclusive VM (EINVAL); then the BO, its size rounded up to a page (EINVAL past
   * MAX_LFS_FILESIZE; ENOMEM when the simulated memory cannot back it). `size` and `handle`
   * are written on success only.
   */
  private async boCreateIoctl(c: PanthorCtx, a: KBoCreate): Promise<number> {
    if (a.size === 0 || a.pad !== 0 || (a.flags & ~BoFlags.NO_MMAP) !== 0) return -Errno.EINVAL;
    let exclusiveUid = 0;
    if (a.exclusiveVmId !== 0) {
      const vm = c.file.vms.get(a.exclusiveVmId);
      if (vm === undefined) return -Errno.EINVAL;
      exclusiveUid = vm.uid;
    }
    if (a.size > MAX_LFS_FILESIZE) return -Errno.EINVAL;
    const pages = Math.ceil(a.size / PAGE_SIZE);
    const dev = this.dev;
    if (dev.hw.mem.pageCount - dev.hw.mem.allocatedPages < pages + MEM_RESERVE_PAGES)
      return -Errno.ENOMEM;
    const size = pages * PAGE_SIZE;
    const bo = new Bo(
      this.k,
      dev.hw.mem,
      `file${c.file.id}-bo`,
      size,
      (a.flags & BoFlags.NO_MMAP) !== 0,
      a.exclusiveVmId,
    );
    bo.exclusiveVmUid = exclusiveUid;
    const handle = c.file.bos.alloc(bo);
    if (handle === 0) {
      bo.put();
      return -Errno.ENOSPC;
    }
    a.size = size;
    a.handle = handle;
    return 0;
  }

  /** panthor_ioctl_bo_mmap_offset: pad (EINVAL), the BO (ENOENT), NO_MMAP (EPERM). */
  private async boMmapOffsetIoctl(c: PanthorCtx, a: KBoMmapOffset): Promise<number> {
    if (a.pad !== 0) return -Errno.EINVAL;
    const bo = c.file.bos.get(a.handle);
    if (bo === undefined) return -Errno.ENOENT;
    if (bo.noMmap) return -Errno.EPERM;
    if (bo.mmapOffset === 0) {
      bo.mmapOffset = this.dev.allocMmapOffset(bo.size);
      this.mmapOffsets.set(bo.mmapOffset, bo);
      const n = this.mmapOffsets.size;
      if (n >= 64 && (n & (n - 1)) === 0)
        for (const [off, b] of this.mmapOffsets) if (!b.alive) this.mmapOffsets.delete(off);
    }
    c.file.mmapAllowed.set(bo.mmapOffset, bo);
    a.offset = bo.mmapOffset;
    return 0;
  }

  // ---- mmap --------------------------------------------------------------------------------

  /** mmap of a BO's fake offset. Returns a mapping id. */
  mmap(file: PanthorFile, offset: number): IoctlResult<number> {
    const dev = this.dev;
    if (file.closed) return err(Errno.EBADF);
    if (dev.unplugged || dev.wedge.wedged) return err(Errno.ENODEV);
    const bo = file.mmapAllowed.get(offset);
    // drm_gem_mmap: an offset of no (live) object is EINVAL; one this file may not map, EACCES.
    if (bo === undefined)
      return err(this.mmapOffsets.get(offset)?.alive ? Errno.EACCES : Errno.EINVAL);
    const id = file.nextMappingId++;
    file.mappings.set(id, { id, bo: bo.get(), unmapped: false });
    return ok(id);
  }

  /** A user load through a mapping: the mmap fault handler resolves it. */
  mapRead(file: PanthorFile, id: number, offset: number): IoctlResult<number> {
    const m = file.mappings.get(id);
    if (m === undefined || m.unmapped) return err(Errno.EFAULT);
    if (offset < 0 || offset + 4 > m.bo.size || offset % 4 !== 0) return err(Errno.EFAULT);
    // A wedged device's mappings point at the dummy page.
    if (this.dev.wedge.mappingsRedirected) return ok(0);
    return ok(m.bo.read32(offset));
  }

  mapWrite(file: PanthorFile, id: number, offset: number, value: number): IoctlResult<number> {
    const m = file.mappings.get(id);
    if (m === undefined || m.unmapped) return err(Errno.EFAULT);
    if (offset < 0 || offset + 4 > m.bo.size || offset % 4 !== 0) return err(Errno.EFAULT);
    if (this.dev.wedge.mappingsRedirected) return ok(0);
    m.bo.write32(offset, value);
    return ok(0);
  }

  munmap(file: PanthorFile, id: number): IoctlResult<number> {
    const m = file.mappings.get(id);
    if (m === undefined || m.unmapped) return err(Errno.EINVAL);
    m.unmapped = true;
    file.mappings.delete(id);
    m.bo.put();
    return ok(0);
  }

  // ---- Groups ------------------------------------------------------------------------------

  /**
   * panthor_ioctl_group_create then panthor_group_create, in order: the queue count (0 or
   * more than 32: EINVAL); the queue array (EINVAL / E2BIG / EFAULT / ENOMEM); the priority
   * (above REALTIME EINVAL, HIGH or REALTIME without privilege EACCES); pad; the core masks
   * within the present cores and holding the max counts (EINVAL); the VM (EINVAL); the group
   * id (1..128, EBUSY); and only then each queue's pad, ring size (a power of two in 4K..64K)
   * and priority (0..15), all EINVAL. The model also refuses more queues than the firmware
   * has CS slots per group (EINVAL).
   */
  private async groupCreateIoctl(c: PanthorCtx, a: KGroupCreate): Promise<number> {
    const dev = this.dev;
    if (a.queues.count === 0 || a.queues.count > MAX_CS_PER_CSG) return -Errno.EINVAL;
    const queues = getUobjArray<KQueueCreate>(
      a.queues,
      QUEUE_CREATE_LAYOUT.size,
      QUEUE_CREATE_LAYOUT,
    );
    if (typeof queues === 'number') return queues;
    // group_priority_permit.
    if (a.priority > GroupPriority.REALTIME) return -Errno.EINVAL;
    if (a.priority > GroupPriority.MEDIUM && !c.file.privileged) return -Errno.EACCES;
    if (a.pad !== 0) return -Errno.EINVAL;
    const shaders = dev.gpu.info.shaderPresent;
    const tilers = dev.gpu.info.tilerPresent;
    if (
      hasBitsOutside(a.computeCoreMask, shaders) ||
      hasBitsOutside(a.fragmentCoreMask, shaders) ||
      hasBitsOutside(a.tilerCoreMask, tilers)
    )
      return -Errno.EINVAL;
    if (
      popcount(a.computeCoreMask) < a.maxComputeCores ||
      popcount(a.fragmentCoreMask) < a.maxFragmentCores ||
      popcount(a.tilerCoreMask) < a.maxTilerCores
    ) {
      return -Errno.EINVAL;
    }
    const vm = c.file.vms.get(a.vmId);
    if (vm === undefined || vm.destroyed) return -Errno.EINVAL;
    if (queues.length > dev.sched.csSlotCount) return -Errno.EINVAL;
    return this.gated(async () => {
      const handle = c.file.groups.alloc(null as unknown as Group);
      if (handle === 0) return -Errno.EBUSY;
      // group_create_queue, per queue, after the id is allocated.
      for (const q of queues) {
        const bad =
          q.pad[0] !== 0 ||
          q.pad[1] !== 0 ||
          q.pad[2] !== 0 ||
          q.ringbufSize < 4096 ||
          q.ringbufSize > 65536 ||
          (q.ringbufSize & (q.ringbufSize - 1)) !== 0 ||
          q.priority > MAX_QUEUE_PRIO;
        if (bad) {
          c.file.groups.remove(handle);
          return -Errno.EINVAL;
        }
      }
      const g = await dev.sched.groupCreate(
        c.file.id,
        c.file.owner.name,
        handle,
        vm,
        a,
        queues.map((q) => ({
          priority: q.priority,
          pad: [q.pad[0], q.pad[1], q.pad[2]] as [number, number, number],
          ringbufSize: q.ringbufSize,
        })),
      );
      if (typeof g === 'number') {
        c.file.groups.remove(handle);
        return g;
      }
      c.file.groups.map.set(handle, g);
      a.groupHandle = handle;
      return 0;
    });
  }

  /**
   * panthor_ioctl_group_destroy: pad, then the group (EINVAL), which must be registered: the id
   * of a group still being created (its GROUP_CREATE has not returned) is EINVAL and stays
   * reserved for it.
   */
  private async groupDestroyIoctl(c: PanthorCtx, a: KGroupHandlePad): Promise<number> {
    if (a.pad !== 0) return -Errno.EINVAL;
    if ((c.file.groups.get(a.groupHandle) ?? null) === null) return -Errno.EINVAL;
    const g = c.file.groups.remove(a.groupHandle) as Group;
    await this.dev.sched.groupDestroy(g);
    return 0;
  }

  /**
   * panthor_ioctl_group_get_state: pad, the group (EINVAL), then the whole struct is cleared
   * (`group_handle` comes back 0) and the state filled in under the scheduler lock.
   */
  private async groupGetStateIoctl(c: PanthorCtx, a: KGroupGetState): Promise<number> {
    if (a.pad !== 0) return -Errno.EINVAL;
    const g = c.file.groups.get(a.groupHandle);
    if (g === undefined || g === null) return -Errno.EINVAL;
    a.groupHandle = 0;
    a.state = 0;
    a.fatalQueues = 0;
    a.pad = 0;
    const sched = this.dev.sched;
    await sched.lock.lock('groupGetStateIoctl [driver/drv.ts]');
    let state = 0;
    if (g.timedout) state |= GroupStateFlags.TIMEDOUT;
    if (g.fatalQueues) {
      state |= GroupStateFlags.FATAL_FAULT;
      a.fatalQueues = g.fatalQueues;
    }
    if (g.innocent) state |= GroupStateFlags.INNOCENT;
    a.state = state;
    sched.lock.unlock();
    return 0;
  }

  /**
   * panthor_ioctl_group_submit: pad first (EINVAL), the queue_submit array (EINVAL / E2BIG /
   * EFAULT / ENOMEM); then per job, in array order (panthor_job_create): pad, stream size and
   * address both zero or both not (EINVAL), address 64-byte and size 8-byte aligned (EINVAL),
   * latest_flush bits 24..30 clear (EINVAL), the group (EINVAL), the group able to run
   * (EINVAL), the queue index (EINVAL), then its sync array. A submit of no job returns 0
   * without looking at the group. Then the submit context's phases (src/driver/submit-ctx.ts):
   * all-or-nothing, nothing written back: every job is initialised on its queue's drm_sched
   * entity (drm_sched_job_init, with a group reference), its waits added as dependencies
   * (drm_sched_job_add_dependency), armed (its finished fence is what the signal syncobjs get),
   * and only then are the jobs pushed, in order (drm_sched_entity_push_job). A batch larger
   * than the ring is not refused: the scheduler's credits hold the jobs back until the ring
   * has room.
   *
   * Model bound: a job waiting on fences of more than MAX_JOB_DEPENDENCIES (1024) distinct
   * contexts fails the batch with EBUSY before any job is armed (the kernel's dependency xarray
   * has no such limit; docs/drm-sched.md).
   */
  /** The body of panthor_ioctl_group_submit, after its pad test and drm_dev_enter. */
  private async groupSubmitIoctl(c: PanthorCtx, a: KGroupSubmit): Promise<number> {
    const dev = this.dev;
    const submits = getUobjArray<KQueueSubmit>(
      a.queueSubmits,
      QUEUE_SUBMIT_LAYOUT.size,
      QUEUE_SUBMIT_LAYOUT,
    );
    if (typeof submits === 'number') return submits;
    let g: Group | null = null;
    const syncs: KSyncOp[][] = [];
    for (const qs of submits) {
      if (qs.pad !== 0) return -Errno.EINVAL;
      if ((qs.streamSize === 0) !== (qs.streamAddr === 0)) return -Errno.EINVAL;
      if (qs.streamAddr % 64 !== 0 || qs.streamSize % 8 !== 0) return -Errno.EINVAL;
      if ((qs.latestFlush & 0x7f00_0000) !== 0) return -Errno.EINVAL;
      g = c.file.groups.get(a.groupHandle) ?? null;
      if (g === null) return -Errno.EINVAL;
      if (!g.canRun()) return -Errno.EINVAL;
      if (qs.queueIndex >= g.queues.length || g.queues[qs.queueIndex] === undefined)
        return -Errno.EINVAL;
      const ops = getUobjArray<KSyncOp>(qs.syncs, SYNC_OP_LAYOUT.size, SYNC_OP_LAYOUT);
      if (typeof ops === 'number') return ops;
      syncs.push(ops);
    }
    if (g === null) return 0;
    const ctx = new SubmitCtx(c.file, syncs);
    const r = ctx.collectSignals();
    if (r) return r;
    const deps = ctx.resolveDeps();
    if (typeof deps === 'number') return deps;
    const group = g;
    // drm_sched_job_add_dependency keeps one fence per context: a job waiting on more distinct
    // timelines than the model's bound fails the batch before anything is armed.
    for (const d of deps) {
      // Distinct contexts never outnumber the waits: only a job with more waits than the bound
      // needs counting (GROUP_SUBMIT is on every run's hot path).
      if (d.length <= MAX_JOB_DEPENDENCIES) continue;
      const contexts = new Set<number>();
      for (const e of d) {
        if ('job' in e) {
          const q = group.queues[(submits[e.job] as KQueueSubmit).queueIndex];
          if (q !== undefined) contexts.add(q.entity.fenceContext + 1);
        } else contexts.add(e.context);
      }
      if (contexts.size > MAX_JOB_DEPENDENCIES) return -Errno.EBUSY;
    }
    const jobs: Job[] = [];
    for (const qs of submits) {
      const q = group.queues[qs.queueIndex] as Group['queues'][number];
      const job = dev.sched.createJob(group, q, qs.streamAddr, qs.streamSize);
      if (typeof job === 'number') {
        for (const j of jobs) await dev.sched.jobPut(j);
        return job;
      }
      jobs.push(job);
    }
    // panthor_submit_ctx_add_deps_and_arm_jobs: job by job, so that a job may wait for the
    // finished fence of an earlier one.
    const fences: Fence[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as Job;
      for (const f of depFences(deps[i] as Dep[], fences)) {
        const r = job.addDependency(f);
        if (r !== 0) throw new Error(`drm_sched_job_add_dependency: ${r} under the bound`);
      }
      job.arm();
      fences.push(job.finished);
    }
    // panthor_submit_ctx_push_jobs: nothing can fail after this point.
    for (const job of jobs) await dev.sched.pushJob(group, job);
    ctx.pushFences(fences);
    return 0;
  }

  // ---- Tiler heaps -------------------------------------------------------------------------

  /**
   * panthor_ioctl_tiler_heap_create: the VM (EINVAL), its heap pool (created on first use;
   * EINVAL for a destroyed VM), then panthor_heap_create's checks; the handle is
   * `vm_id << 16 | heap id`. `first_heap_chunk_gpu_va` is written before the heap id is
   * allocated, so a full pool (EBUSY) still reports it.
   */
  private async tilerHeapCreateIoctl(c: PanthorCtx, a: KTilerHeapCreate): Promise<number> {
    const vm = c.file.vms.get(a.vmId);
    if (vm === undefined || vm.destroyed) return -Errno.EINVAL;
    return this.gated(async () => {
      vm.heapPool ??= await HeapPool.create(this.dev, vm);
      const heap = await vm.heapPool.createHeap(a, a);
      if (typeof heap === 'number') return heap;
      a.handle = ((a.vmId << 16) | heap.idx) >>> 0;
      a.tilerHeapCtxGpuVa = heap.ctxVa;
      return 0;
    });
  }

  /**
   * panthor_ioctl_tiler_heap_destroy: pad (EINVAL), the VM of `handle >> 16` (EINVAL), its
   * heap pool (ENOENT when it has none), the heap id (EINVAL).
   */
  private async tilerHeapDestroyIoctl(c: PanthorCtx, a: KHandlePad): Promise<number> {
    if (a.pad !== 0) return -Errno.EINVAL;
    const vm = c.file.vms.get(a.handle >>> 16);
    if (vm === undefined) return -Errno.EINVAL;
    const pool = vm.heapPool;
    if (pool === null) return -Errno.ENOENT;
    return this.gated(() => pool.destroyHeap(a.handle & 0xffff));
  }

  // ---- Close -------------------------------------------------------------------------------

  /**
   * panthor_postclose_file: tears down what the file owns, in a safe order: groups first (they
   * are evicted and their jobs cancelled), then the VMs, whose teardown waits for that eviction
   * outside the reset gate, then, inside the gate because it programs the hardware, the perfcnt
   * session, the VMs' memory, the BOs and syncobjs. A close cannot fail: if a design refuses the
   * gate, teardown proceeds anyway.
   */
  async close(file: PanthorFile): Promise<void> {
    const dev = this.dev;
    if (file.closed) return;
    file.closed = true;
    for (const [h, g] of [...file.groups.map]) {
      file.groups.remove(h);
      if (g !== null) await dev.sched.groupDestroy(g);
    }
    const vms = [...file.vms.map];
    for (const [h] of vms) file.vms.remove(h);
    for (const [, vm] of vms) await this.evictForVmDestroy(vm);
    // The perfcnt session first, outside the gate: it takes the perfcnt lock, which is held
    // across a runtime resume, and the resume path waits for the reset work that waits for the
    // gate's readers.
    await dev.perfcnt.fileClosed(file);
    await dev.teardownSection(async () => {
      for (const [, vm] of vms) await this.destroyVm(vm);
      for (const [id, m] of [...file.mappings]) {
        file.mappings.delete(id);
        m.bo.put();
      }
      for (const [h, bo] of [...file.bos.map]) {
        file.bos.remove(h);
        bo.put();
      }
      for (const h of [...file.syncobjs.map.keys()]) file.syncobjs.remove(h);
      dev.files.delete(file);
    });
  }
}

/**
 * Whether the u64 `mask` has bits outside `allowed`. The masks are u64 in the uAPI, and JS
 * bitwise operators truncate to 32 bits: `2 ** 40 & ~0xf` is 0, so a mask with only high bits
 * set passed the check (found by the uAPI fuzzer).
 */
function hasBitsOutside(mask: number, allowed: number): boolean {
  return (BigInt(mask) & ~BigInt(allowed)) !== 0n;
}

function popcount(x: number): number {
  let n = 0;
  let v = x;
  while (v > 0) {
    n += v % 2;
    v = Math.floor(v / 2);
  }
  return n;
}

export type { Bo };
