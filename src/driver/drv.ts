/**
 * DOC: The ioctl surface (panthor_drv.c, drm_ioctl, drm_syncobj, panfrost perfcnt).
 *
 * Every ioctl returns a value or an errno and never throws: argument validation follows the
 * kernel (pads must be zero, flags must be known, arrays with a count need a pointer (EFAULT),
 * a BO handle that is not found is ENOENT (EINVAL in VM_BIND), a VM or group handle EINVAL).
 * After an unplug, or while the device is wedged, every ioctl fails with ENODEV: `enter()`
 * checks both, inside the drm_dev_enter section that keeps unplug from completing under a
 * running ioctl.
 *
 * Closing a file tears down what it owns in a safe order (panthor_postclose_file): the perfcnt
 * session, then the groups (they are evicted and their jobs cancelled), then the VMs (VM
 * teardown waits for the groups' eviction), then the BO handles and syncobjs.
 */

import { ETIME, Syncobj, waitSyncobjs } from '../drm/syncobj.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import type { Fence } from '../kernel/fence.js';
import type { Kernel } from '../kernel/kernel.js';
import type { PanthorDevice } from './device.js';
import { PanthorFile } from './file.js';
import { Bo, pageAlign } from './gem.js';
import { type Group, Job } from './group.js';
import { HeapPool } from './heap.js';
import {
  type BoCreateArgs,
  BoFlags,
  type BoMmapOffsetArgs,
  DEV_QUERY_SIZES,
  type DevQueryArgs,
  DevQueryType,
  type GroupCreateArgs,
  type GroupDestroyArgs,
  type GroupGetStateArgs,
  GroupPriority,
  GroupStateFlags,
  type GroupSubmitArgs,
  type IoctlResult,
  type ObjArray,
  type PerfcntDumpArgs,
  type PerfcntEnableArgs,
  type QueueCreate,
  type QueueSubmit,
  type SyncOp,
  SyncOpFlags,
  type SyncobjCreateArgs,
  SyncobjCreateFlags,
  type SyncobjQueryArgs,
  type SyncobjWaitArgs,
  SyncobjWaitFlags,
  type TilerHeapCreateArgs,
  type TilerHeapDestroyArgs,
  type VmBindArgs,
  VmBindFlags,
  type VmBindOp,
  VmBindOpFlags,
  type VmCreateArgs,
  type VmDestroyArgs,
  type VmGetStateArgs,
  VmState,
} from './uapi.js';
import { DEFAULT_USER_VA_RANGE, Vm } from './vm.js';
import { applyBindOps, type BindOp, VmBindQueue } from './vm-bind.js';

/**
 * PANTHOR_UOBJ_MIN_SIZE of each DEV_QUERY struct, in this model's layout: up to and including
 * `tiler_present` (GPU_INFO), `pad` (CSIF_INFO), `current_timestamp` (TIMESTAMP_INFO) and `pad`
 * (GROUP_PRIORITIES_INFO).
 */
const DEV_QUERY_MIN_SIZES: Record<number, number> = {
  [DevQueryType.GPU_INFO]: 80,
  [DevQueryType.CSIF_INFO]: 24,
  [DevQueryType.TIMESTAMP_INFO]: 16,
  [DevQueryType.GROUP_PRIORITIES_INFO]: 8,
};

/** Upper bound on array counts, so a hostile count cannot make the model loop for ever. */
const MAX_ARRAY = 1024;
const MAX_BO_SIZE = 256 * 1024 * 1024;

function ok<T>(value: T): IoctlResult<T> {
  return { ok: true, value };
}

function err<T>(errno: number): IoctlResult<T> {
  return { ok: false, errno: Math.abs(errno) };
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isU64(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** panthor_get_uobj_array: EINVAL for a bad stride, EFAULT for a missing pointer. */
function getArray<T>(a: ObjArray<T> | undefined): T[] | number {
  if (a === undefined || a === null) return [];
  if (!isU32(a.count) || !isU32(a.stride)) return -Errno.EINVAL;
  if (a.count === 0) return [];
  if (a.count > MAX_ARRAY) return -Errno.EINVAL;
  if (a.stride === 0) return -Errno.EINVAL;
  if (a.array === null || !Array.isArray(a.array) || a.array.length < a.count) return -Errno.EFAULT;
  return a.array.slice(0, a.count);
}

type SyncPlan = { waits: Fence[]; signals: Array<{ syncobj: Syncobj; point: number }> };

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

  constructor(private readonly dev: PanthorDevice) {}

  private get k(): Kernel {
    return this.dev.k;
  }

  /** Opens a new file on this device. */
  open(privileged = false): PanthorFile | number {
    const dev = this.dev;
    if (dev.unplugged || !dev.initialized) return -Errno.ENODEV;
    const f = new PanthorFile(dev, privileged);
    dev.files.add(f);
    return f;
  }

  /** Wraps an ioctl: file and device checks, the drm_dev_enter section, errno capture. */
  private async call<T>(
    name: string,
    file: PanthorFile,
    body: () => Promise<IoctlResult<T>>,
  ): Promise<IoctlResult<T>> {
    const dev = this.dev;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (file.closed || file.dev !== dev) return err(Errno.ENODEV);
    const dead = dev.unplugged || dev.wedge.wedged;
    if (dead) {
      this.afterDeath.push({ name, errno: Errno.ENODEV });
      return err(Errno.ENODEV);
    }
    const cookie = await dev.drm.enter();
    if (cookie === null) {
      this.afterDeath.push({ name, errno: Errno.ENODEV });
      return err(Errno.ENODEV);
    }
    try {
      if (dev.wedge.wedged) {
        this.afterDeath.push({ name, errno: Errno.ENODEV });
        return err(Errno.ENODEV);
      }
      return await body();
    } finally {
      dev.drm.exit(cookie);
    }
  }

  /**
   * Runs an ioctl body that may program the hardware (a TLB flush after a page-table change)
   * inside the reset design's gate.
   */
  private async gated<T>(body: () => Promise<IoctlResult<T>>): Promise<IoctlResult<T>> {
    const gate = await this.dev.gateEnter('ioctl-wait');
    if (typeof gate === 'number') return err(gate);
    try {
      return await body();
    } finally {
      this.dev.gateExit(gate);
    }
  }

  // ---- DEV_QUERY -------------------------------------------------------------------------------

  devQuery(file: PanthorFile, args: DevQueryArgs): Promise<IoctlResult<DevQueryArgs>> {
    return this.call('DEV_QUERY', file, async () => {
      const size = DEV_QUERY_SIZES[args.type];
      if (size === undefined || !isU32(args.size)) return err(Errno.EINVAL);
      if (args.pointer === null) {
        args.size = size;
        return ok(args);
      }
      // panthor_set_uobj: a user struct smaller than the struct was when it entered the uAPI is
      // EINVAL; only fields added later may be cut off. (Copying the fields that fit let a user
      // buffer of 8 bytes succeed with a partial GPU_INFO.)
      if (args.size < (DEV_QUERY_MIN_SIZES[args.type] ?? size)) return err(Errno.EINVAL);
      const info = this.queryInfo(args.type, file);
      // Copy min(user size, kernel size) bytes; fields are 4 or 8 bytes in declaration order.
      let off = 0;
      for (const [key, value] of Object.entries(info)) {
        const width = key.startsWith('!') ? 8 : 4;
        const name = key.replace('!', '');
        if (off + width <= args.size) args.pointer[name] = value;
        off += width;
      }
      args.size = Math.min(args.size, size);
      return ok(args);
    });
  }

  private queryInfo(type: number, file: PanthorFile): Record<string, number> {
    const dev = this.dev;
    const g = dev.gpu.info;
    if (type === DevQueryType.GPU_INFO) {
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
        texureFeatures0: 0,
        asPresent: g.asPresent,
        '!shaderPresent': g.shaderPresent,
        '!l2Present': g.l2Present,
        '!tilerPresent': g.tilerPresent,
        coreFeatures: g.coreFeatures,
        pad: 0,
      };
    }
    if (type === DevQueryType.CSIF_INFO) {
      return {
        csgSlotCount: dev.sched.csgSlotCount,
        csSlotCount: dev.sched.csSlotCount,
        csRegCount: 96,
        scoreboardSlotCount: 8,
        unpreservedCsRegCount: 8,
        pad: 0,
      };
    }
    if (type === DevQueryType.TIMESTAMP_INFO) {
      return {
        '!timestampFrequency': 1_000_000_000,
        '!currentTimestamp': this.k.nowNs,
        '!timestampOffset': 0,
      };
    }
    // panthor_query_group_priorities_info: the priorities *this file* may create groups with
    // (group_priority_permit): HIGH and REALTIME only with privilege.
    const allowed = file.privileged
      ? 0b1111
      : (1 << GroupPriority.LOW) | (1 << GroupPriority.MEDIUM);
    return { allowedMask: allowed, pad0: 0 };
  }

  // ---- VMs -------------------------------------------------------------------------------------

  vmCreate(file: PanthorFile, args: VmCreateArgs): Promise<IoctlResult<VmCreateArgs>> {
    return this.call('VM_CREATE', file, async () => {
      if (args.flags !== 0) return err(Errno.EINVAL);
      if (!isU64(args.userVaRange)) return err(Errno.EINVAL);
      const range = args.userVaRange === 0 ? DEFAULT_USER_VA_RANGE : args.userVaRange;
      if (range % PAGE_SIZE !== 0 || range > DEFAULT_USER_VA_RANGE) return err(Errno.EINVAL);
      const dev = this.dev;
      this.k.kmalloc('vm');
      const vm = new Vm(dev, `file${file.id}-vm`, false, range);
      const id = file.vms.alloc(vm);
      if (id === 0) {
        await vm.put();
        return err(Errno.EBUSY);
      }
      dev.mmu.vms.add(vm);
      args.id = id;
      return ok(args);
    });
  }

  vmDestroy(file: PanthorFile, args: VmDestroyArgs): Promise<IoctlResult<VmDestroyArgs>> {
    return this.call('VM_DESTROY', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      const vm = file.vms.remove(args.id);
      if (vm === undefined) return err(Errno.EINVAL);
      await this.evictForVmDestroy(vm);
      // The handle is gone: the destruction must happen now, whatever the design says about
      // ioctls during a reset (a refusal here would leak an unreachable VM).
      await this.dev.teardownSection(() => this.destroyVm(vm));
      return ok(args);
    });
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
   */
  async evictForVmDestroy(vm: Vm): Promise<void> {
    const dev = this.dev;
    vm.destroyed = true;
    const evict = dev.reset.design.factors.vmdestroy === 'evict';
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
    await vm.opLock.lock();
    const user = vm.mappings.filter((m) => !m.kernel);
    for (const m of user) await vm.unmap(m.va, m.size);
    vm.opLock.unlock();
    await vm.put();
  }

  vmBind(file: PanthorFile, args: VmBindArgs): Promise<IoctlResult<VmBindArgs>> {
    return this.call('VM_BIND', file, async () => {
      const vm = file.vms.get(args.vmId);
      if (vm === undefined) return err(Errno.EINVAL);
      if (!isU32(args.flags) || (args.flags & ~VmBindFlags.ASYNC) !== 0) return err(Errno.EINVAL);
      const async = (args.flags & VmBindFlags.ASYNC) !== 0;
      const ops = getArray<VmBindOp>(args.ops);
      if (typeof ops === 'number') return err(ops);
      const plans: Array<{ ops: BindOp[]; sync: SyncPlan }> = [];
      for (const op of ops) {
        const r = this.prepareBindOp(file, vm, op, async);
        if (typeof r === 'number') return err(r);
        plans.push(r);
      }
      if (!async) {
        const gate = await this.dev.gateEnter('ioctl-wait');
        if (typeof gate === 'number') return err(gate);
        try {
          await vm.opLock.lock();
          let ret = 0;
          for (const p of plans) {
            ret = await applyBindOps(vm, p.ops);
            if (ret) break;
          }
          vm.opLock.unlock();
          if (ret) return err(ret);
        } finally {
          this.dev.gateExit(gate);
        }
        return ok(args);
      }
      vm.bindQueue ??= new VmBindQueue(this.dev, vm);
      for (const p of plans) {
        const done = this.bindFenceCtx(vm).create();
        await vm.bindQueue.push({ ops: p.ops, deps: p.sync.waits, done });
        for (const s of p.sync.signals) s.syncobj.attach(done, s.point);
      }
      return ok(args);
    });
  }

  private bindFenceCtx(vm: Vm) {
    vm.bindFenceCtx ??= this.dev.newFenceContext(`vm${vm.uid}-bind`);
    return vm.bindFenceCtx;
  }

  private prepareBindOp(
    file: PanthorFile,
    vm: Vm,
    op: VmBindOp,
    async: boolean,
  ): { ops: BindOp[]; sync: SyncPlan } | number {
    if (!isU32(op.flags)) return -Errno.EINVAL;
    const known =
      (VmBindOpFlags.MAP_READONLY |
        VmBindOpFlags.MAP_NOEXEC |
        VmBindOpFlags.MAP_UNCACHED |
        VmBindOpFlags.TYPE_MASK) >>>
      0;
    if ((op.flags & ~known) >>> 0 !== 0) return -Errno.EINVAL;
    const syncOps = getArray<SyncOp>(op.syncs);
    if (typeof syncOps === 'number') return syncOps;
    if (!async && syncOps.length > 0) return -Errno.EINVAL;
    const sync = this.prepareSyncs(file, syncOps);
    if (typeof sync === 'number') return sync;
    const type = (op.flags & VmBindOpFlags.TYPE_MASK) >>> 0;
    if (type === VmBindOpFlags.TYPE_SYNC_ONLY >>> 0) {
      if (!async) return -Errno.EINVAL;
      if (op.boHandle !== 0 || op.boOffset !== 0 || op.va !== 0 || op.size !== 0)
        return -Errno.EINVAL;
      return { ops: [{ kind: 'sync-only' }], sync };
    }
    if (!isU64(op.va) || !isU64(op.size) || !isU64(op.boOffset)) return -Errno.EINVAL;
    if (op.va % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return -Errno.EINVAL;
    if (op.va + op.size > vm.userVaRange) return -Errno.EINVAL;
    if (type === VmBindOpFlags.TYPE_UNMAP >>> 0) {
      if (op.boHandle !== 0 || op.boOffset !== 0) return -Errno.EINVAL;
      if ((op.flags & ~VmBindOpFlags.TYPE_MASK) >>> 0 !== 0) return -Errno.EINVAL;
      return { ops: [{ kind: 'unmap', va: op.va, size: op.size }], sync };
    }
    if (type !== VmBindOpFlags.TYPE_MAP >>> 0) return -Errno.EINVAL;
    if (vm.unusable) return -Errno.EINVAL;
    // An unknown BO is EINVAL here, not ENOENT: panthor_vm_bind_prepare_op_ctx passes the
    // failed lookup on as a NULL BO and panthor_vm_prepare_map_op_ctx rejects that with -EINVAL.
    const bo = file.bos.get(op.boHandle);
    if (bo === undefined) return -Errno.EINVAL;
    if (op.boOffset % PAGE_SIZE !== 0 || op.boOffset + op.size > bo.size) return -Errno.EINVAL;
    if (bo.exclusiveVmId !== 0 && bo.exclusiveVmUid !== vm.uid) return -Errno.EINVAL;
    const flags = {
      readOnly: (op.flags & VmBindOpFlags.MAP_READONLY) !== 0,
      noExec: (op.flags & VmBindOpFlags.MAP_NOEXEC) !== 0,
    };
    return {
      ops: [{ kind: 'map', va: op.va, size: op.size, bo, boOffset: op.boOffset, flags }],
      sync,
    };
  }

  /** Validates sync operations (panthor_check_sync_op) and resolves their syncobjs. */
  private prepareSyncs(file: PanthorFile, ops: SyncOp[]): SyncPlan | number {
    const plan: SyncPlan = { waits: [], signals: [] };
    for (const op of ops) {
      if (!isU32(op.flags) || !isU32(op.handle) || !isU64(op.timelineValue)) return -Errno.EINVAL;
      const mask = (SyncOpFlags.HANDLE_TYPE_MASK | SyncOpFlags.SIGNAL) >>> 0;
      if ((op.flags & ~mask) >>> 0 !== 0) return -Errno.EINVAL;
      const type = op.flags & SyncOpFlags.HANDLE_TYPE_MASK;
      if (
        type !== SyncOpFlags.HANDLE_TYPE_SYNCOBJ &&
        type !== SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ
      )
        return -Errno.EINVAL;
      if (type === SyncOpFlags.HANDLE_TYPE_SYNCOBJ && op.timelineValue !== 0) return -Errno.EINVAL;
      const signal = (op.flags & SyncOpFlags.SIGNAL) !== 0;
      const so = file.syncobjs.get(op.handle);
      if (!signal) {
        if (so === undefined) return -Errno.ENOENT;
        const f = so.fenceFor(op.timelineValue);
        if (f === null) return -Errno.EINVAL;
        plan.waits.push(f);
      } else {
        if (so === undefined) return -Errno.EINVAL;
        plan.signals.push({ syncobj: so, point: op.timelineValue });
      }
    }
    return plan;
  }

  vmGetState(file: PanthorFile, args: VmGetStateArgs): Promise<IoctlResult<VmGetStateArgs>> {
    return this.call('VM_GET_STATE', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      const vm = file.vms.get(args.vmId);
      if (vm === undefined) return err(Errno.EINVAL);
      args.state = vm.unusable ? VmState.UNUSABLE : VmState.USABLE;
      return ok(args);
    });
  }

  // ---- BOs -------------------------------------------------------------------------------------

  boCreate(file: PanthorFile, args: BoCreateArgs): Promise<IoctlResult<BoCreateArgs>> {
    return this.call('BO_CREATE', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      if (!isU32(args.flags) || (args.flags & ~BoFlags.NO_MMAP) !== 0) return err(Errno.EINVAL);
      if (!isU64(args.size) || args.size === 0) return err(Errno.EINVAL);
      const size = pageAlign(args.size);
      if (size === 0 || size > MAX_BO_SIZE) return err(Errno.EINVAL);
      let exclusiveUid = 0;
      if (args.exclusiveVmId !== 0) {
        const vm = file.vms.get(args.exclusiveVmId);
        if (vm === undefined) return err(Errno.EINVAL);
        exclusiveUid = vm.uid;
      }
      const dev = this.dev;
      if (dev.hw.mem.pageCount - dev.hw.mem.allocatedPages < size / PAGE_SIZE + 256)
        return err(Errno.ENOMEM);
      const bo = new Bo(
        this.k,
        dev.hw.mem,
        `file${file.id}-bo`,
        size,
        (args.flags & BoFlags.NO_MMAP) !== 0,
        args.exclusiveVmId,
      );
      bo.exclusiveVmUid = exclusiveUid;
      const handle = file.bos.alloc(bo);
      if (handle === 0) {
        bo.put();
        return err(Errno.ENOSPC);
      }
      args.size = size;
      args.handle = handle;
      return ok(args);
    });
  }

  boMmapOffset(file: PanthorFile, args: BoMmapOffsetArgs): Promise<IoctlResult<BoMmapOffsetArgs>> {
    return this.call('BO_MMAP_OFFSET', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      const bo = file.bos.get(args.handle);
      if (bo === undefined) return err(Errno.ENOENT);
      if (bo.noMmap) return err(Errno.EPERM);
      if (bo.mmapOffset === 0) {
        bo.mmapOffset = this.dev.allocMmapOffset(bo.size);
        this.mmapOffsets.set(bo.mmapOffset, bo);
        const n = this.mmapOffsets.size;
        if (n >= 64 && (n & (n - 1)) === 0)
          for (const [off, b] of this.mmapOffsets) if (!b.alive) this.mmapOffsets.delete(off);
      }
      file.mmapAllowed.set(bo.mmapOffset, bo);
      args.offset = bo.mmapOffset;
      return ok(args);
    });
  }

  /** Closes a GEM handle (DRM_IOCTL_GEM_CLOSE). */
  gemClose(file: PanthorFile, handle: number): Promise<IoctlResult<number>> {
    return this.call('GEM_CLOSE', file, async () => {
      const bo = file.bos.remove(handle);
      if (bo === undefined) return err(Errno.EINVAL);
      // drm_gem_object_release_handle revokes the file's right to mmap the BO
      // (drm_vma_node_revoke). Without it, an mmap after the close took a reference on a BO
      // that may already be freed (a use-after-free).
      if (bo.mmapOffset !== 0 && file.mmapAllowed.get(bo.mmapOffset) === bo)
        file.mmapAllowed.delete(bo.mmapOffset);
      bo.put();
      return ok(0);
    });
  }

  // ---- mmap ------------------------------------------------------------------------------------

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

  // ---- Groups ----------------------------------------------------------------------------------

  groupCreate(file: PanthorFile, args: GroupCreateArgs): Promise<IoctlResult<GroupCreateArgs>> {
    return this.call('GROUP_CREATE', file, async () => {
      const dev = this.dev;
      if (args.pad !== 0) return err(Errno.EINVAL);
      const queues = getArray<QueueCreate>(args.queues);
      if (typeof queues === 'number') return err(queues);
      if (queues.length === 0 || queues.length > dev.sched.csSlotCount) return err(Errno.EINVAL);
      if (!isU32(args.priority) || args.priority > GroupPriority.REALTIME) return err(Errno.EINVAL);
      if (args.priority > GroupPriority.MEDIUM && !file.privileged) return err(Errno.EACCES);
      const shaders = dev.gpu.info.shaderPresent;
      const tilers = dev.gpu.info.tilerPresent;
      for (const m of [args.computeCoreMask, args.fragmentCoreMask, args.tilerCoreMask])
        if (!isU64(m)) return err(Errno.EINVAL);
      if (
        hasBitsOutside(args.computeCoreMask, shaders) ||
        hasBitsOutside(args.fragmentCoreMask, shaders) ||
        hasBitsOutside(args.tilerCoreMask, tilers)
      )
        return err(Errno.EINVAL);
      if (
        popcount(args.computeCoreMask) < args.maxComputeCores ||
        popcount(args.fragmentCoreMask) < args.maxFragmentCores ||
        popcount(args.tilerCoreMask) < args.maxTilerCores
      ) {
        return err(Errno.EINVAL);
      }
      for (const q of queues) {
        if (!Array.isArray(q.pad) || q.pad.some((p) => p !== 0)) return err(Errno.EINVAL);
        if (
          !isU32(q.ringbufSize) ||
          q.ringbufSize < 4096 ||
          q.ringbufSize > 65536 ||
          (q.ringbufSize & (q.ringbufSize - 1)) !== 0
        ) {
          return err(Errno.EINVAL);
        }
        if (!isU32(q.priority) || q.priority > 15) return err(Errno.EINVAL);
      }
      const vm = file.vms.get(args.vmId);
      if (vm === undefined || vm.destroyed) return err(Errno.EINVAL);
      return this.gated(async () => {
        const handle = file.groups.alloc(null as unknown as Group);
        if (handle === 0) return err(Errno.EBUSY);
        const g = await dev.sched.groupCreate(file.id, handle, vm, args, queues);
        if (typeof g === 'number') {
          file.groups.remove(handle);
          return err(g);
        }
        file.groups.map.set(handle, g);
        args.groupHandle = handle;
        return ok(args);
      });
    });
  }

  groupDestroy(file: PanthorFile, args: GroupDestroyArgs): Promise<IoctlResult<GroupDestroyArgs>> {
    return this.call('GROUP_DESTROY', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      const g = file.groups.remove(args.groupHandle);
      if (g === undefined) return err(Errno.EINVAL);
      await this.dev.sched.groupDestroy(g);
      return ok(args);
    });
  }

  groupGetState(
    file: PanthorFile,
    args: GroupGetStateArgs,
  ): Promise<IoctlResult<GroupGetStateArgs>> {
    return this.call('GROUP_GET_STATE', file, async () => {
      if (args.pad !== 0) return err(Errno.EINVAL);
      const g = file.groups.get(args.groupHandle);
      if (g === undefined) return err(Errno.EINVAL);
      const sched = this.dev.sched;
      await sched.lock.lock();
      let state = 0;
      if (g.timedout) state |= GroupStateFlags.TIMEDOUT;
      if (g.fatalQueues) state |= GroupStateFlags.FATAL_FAULT;
      if (g.innocent) state |= GroupStateFlags.INNOCENT;
      args.state = state;
      args.fatalQueues = g.fatalQueues;
      sched.lock.unlock();
      return ok(args);
    });
  }

  groupSubmit(file: PanthorFile, args: GroupSubmitArgs): Promise<IoctlResult<GroupSubmitArgs>> {
    return this.call('GROUP_SUBMIT', file, async () => {
      const dev = this.dev;
      if (args.pad !== 0) return err(Errno.EINVAL);
      const submits = getArray<QueueSubmit>(args.queueSubmits);
      if (typeof submits === 'number') return err(submits);
      const g = file.groups.get(args.groupHandle);
      if (g === undefined) return err(Errno.EINVAL);
      const planned: Array<{ qs: QueueSubmit; sync: SyncPlan }> = [];
      const ringNeed = new Map<number, number>();
      for (const qs of submits) {
        if ((qs.pad ?? 0) !== 0) return err(Errno.EINVAL);
        if (
          !isU64(qs.streamAddr) ||
          !isU32(qs.streamSize) ||
          !isU32(qs.latestFlush) ||
          !isU32(qs.queueIndex)
        )
          return err(Errno.EINVAL);
        if ((qs.streamSize === 0) !== (qs.streamAddr === 0)) return err(Errno.EINVAL);
        if (qs.streamAddr % 64 !== 0 || qs.streamSize % 8 !== 0) return err(Errno.EINVAL);
        if ((qs.latestFlush & 0x7f000000) !== 0) return err(Errno.EINVAL);
        if (!g.canRun()) return err(Errno.EINVAL);
        const q = g.queues[qs.queueIndex];
        if (q === undefined) return err(Errno.EINVAL);
        const syncOps = getArray<SyncOp>(qs.syncs);
        if (typeof syncOps === 'number') return err(syncOps);
        const sync = this.prepareSyncs(file, syncOps);
        if (typeof sync === 'number') return err(sync);
        if (qs.streamSize !== 0) {
          const need = (ringNeed.get(q.idx) ?? 0) + 64;
          if (q.ringUsed() + need > q.ringSize) return err(Errno.EBUSY);
          ringNeed.set(q.idx, need);
        }
        planned.push({ qs, sync });
      }
      for (const { qs, sync } of planned) {
        const q = g.queues[qs.queueIndex] as Group['queues'][number];
        this.k.kmalloc('job');
        const fence = q.fenceCtx.create();
        const job = new Job(g, q.idx, qs.streamAddr, qs.streamSize, fence, sync.waits);
        await dev.sched.pushJob(g, job);
        for (const s of sync.signals) s.syncobj.attach(fence, s.point);
      }
      return ok(args);
    });
  }

  // ---- Tiler heaps -----------------------------------------------------------------------------

  tilerHeapCreate(
    file: PanthorFile,
    args: TilerHeapCreateArgs,
  ): Promise<IoctlResult<TilerHeapCreateArgs>> {
    return this.call('TILER_HEAP_CREATE', file, async () => {
      for (const v of [
        args.initialChunkCount,
        args.chunkSize,
        args.maxChunks,
        args.targetInFlight,
      ]) {
        if (!isU32(v)) return err(Errno.EINVAL);
      }
      const vm = file.vms.get(args.vmId);
      if (vm === undefined || vm.destroyed) return err(Errno.EINVAL);
      return this.gated(async () => {
        vm.heapPool ??= await HeapPool.create(this.dev, vm);
        const heap = await vm.heapPool.createHeap(args);
        if (typeof heap === 'number') return err(heap);
        args.handle = ((args.vmId << 16) | heap.idx) >>> 0;
        args.tilerHeapCtxGpuVa = heap.ctxVa;
        args.firstHeapChunkGpuVa = heap.chunks[0]?.va ?? 0;
        return ok(args);
      });
    });
  }

  tilerHeapDestroy(
    file: PanthorFile,
    args: TilerHeapDestroyArgs,
  ): Promise<IoctlResult<TilerHeapDestroyArgs>> {
    return this.call('TILER_HEAP_DESTROY', file, async () => {
      if (args.pad !== 0 || !isU32(args.handle)) return err(Errno.EINVAL);
      const vm = file.vms.get(args.handle >>> 16);
      if (vm === undefined || vm.heapPool === null) return err(Errno.EINVAL);
      const pool = vm.heapPool;
      return this.gated(async () => {
        const ret = await pool.destroyHeap(args.handle & 0xffff);
        return ret ? err(ret) : ok(args);
      });
    });
  }

  // ---- Syncobjs --------------------------------------------------------------------------------

  syncobjCreate(
    file: PanthorFile,
    args: SyncobjCreateArgs,
  ): Promise<IoctlResult<SyncobjCreateArgs>> {
    return this.call('SYNCOBJ_CREATE', file, async () => {
      if (!isU32(args.flags) || (args.flags & ~SyncobjCreateFlags.SIGNALED) !== 0)
        return err(Errno.EINVAL);
      const so = new Syncobj(0, true);
      if (args.flags & SyncobjCreateFlags.SIGNALED) so.attach(this.dev.stubs.signalled(), 0);
      const h = file.syncobjs.alloc(so);
      if (h === 0) return err(Errno.ENOSPC);
      args.handle = h;
      return ok(args);
    });
  }

  syncobjDestroy(file: PanthorFile, handle: number): Promise<IoctlResult<number>> {
    return this.call('SYNCOBJ_DESTROY', file, async () => {
      if (file.syncobjs.remove(handle) === undefined) return err(Errno.EINVAL);
      return ok(0);
    });
  }

  syncobjWait(file: PanthorFile, args: SyncobjWaitArgs): Promise<IoctlResult<SyncobjWaitArgs>> {
    return this.call('SYNCOBJ_WAIT', file, async () => {
      const known = SyncobjWaitFlags.WAIT_ALL | SyncobjWaitFlags.WAIT_FOR_SUBMIT;
      if (!isU32(args.flags) || (args.flags & ~known) !== 0) return err(Errno.EINVAL);
      if (
        !Array.isArray(args.handles) ||
        args.handles.length === 0 ||
        args.handles.length > MAX_ARRAY
      )
        return err(Errno.EINVAL);
      if (typeof args.timeoutNs !== 'number' || Number.isNaN(args.timeoutNs))
        return err(Errno.EINVAL);
      const specs = [];
      for (let i = 0; i < args.handles.length; i++) {
        const so = file.syncobjs.get(args.handles[i] as number);
        if (so === undefined) return err(Errno.ENOENT);
        const point = args.points?.[i] ?? 0;
        if (!isU64(point)) return err(Errno.EINVAL);
        specs.push({ syncobj: so, point });
      }
      const ret = await waitSyncobjs(
        this.k,
        specs,
        args.timeoutNs,
        (args.flags & SyncobjWaitFlags.WAIT_ALL) !== 0,
        (args.flags & SyncobjWaitFlags.WAIT_FOR_SUBMIT) !== 0,
      );
      if (ret < 0) return err(ret === -ETIME ? ETIME : -ret);
      args.firstSignaled = ret;
      return ok(args);
    });
  }

  syncobjQuery(file: PanthorFile, args: SyncobjQueryArgs): Promise<IoctlResult<SyncobjQueryArgs>> {
    return this.call('SYNCOBJ_QUERY', file, async () => {
      const so = file.syncobjs.get(args.handle);
      if (so === undefined) return err(Errno.ENOENT);
      args.status = so.status();
      args.point = so.lastPoint();
      return ok(args);
    });
  }

  // ---- Perfcnt ---------------------------------------------------------------------------------

  perfcntEnable(
    file: PanthorFile,
    args: PerfcntEnableArgs,
  ): Promise<IoctlResult<PerfcntEnableArgs>> {
    return this.call('PERFCNT_ENABLE', file, async () => {
      if (!isU32(args.enable) || !isU32(args.counterset)) return err(Errno.EINVAL);
      const ret = await this.dev.perfcnt.ioctlEnable(file, args);
      return ret ? err(ret) : ok(args);
    });
  }

  perfcntDump(file: PanthorFile, args: PerfcntDumpArgs): Promise<IoctlResult<PerfcntDumpArgs>> {
    return this.call('PERFCNT_DUMP', file, async () => {
      const ret = await this.dev.perfcnt.ioctlDump(file, args);
      return ret ? err(ret) : ok(args);
    });
  }

  // ---- Close -----------------------------------------------------------------------------------

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
