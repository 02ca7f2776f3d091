/**
 * Audit rows of Panthor's ioctls (drivers/gpu/drm/panthor/panthor_drv.c and the blocks it
 * calls: panthor_mmu.c, panthor_sched.c, panthor_heap.c, panthor_gem.c), in the kernel's check
 * order per ioctl.
 */
import {
  BoFlags,
  DevQueryType,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_VM_BIND,
  GroupPriority,
  GroupStateFlags,
  objArray,
  SIZEOF,
  type SyncOp,
  SyncOpFlags,
  VmBindFlags,
  type VmBindOp,
  VmBindOpFlags,
  VmState,
} from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import { groupArgs, queueArgs } from '../driver/helpers.js';
import { arr, assert, type Env, errnoOf, type Row, S, signalOp, unwrap, waitOp } from './env.js';

const { EINVAL, ENOENT, EFAULT, ENOMEM, EPERM, EACCES, EBUSY, E2BIG } = Errno;
const DRV = 'panthor_drv.c';
const MMU = 'panthor_mmu.c';
const SCHED = 'panthor_sched.c';
const MS = 1_000_000;
const HEAP = 'panthor_heap.c';
const PAGE = 4096;

function bindOp(over: Partial<VmBindOp> = {}): VmBindOp {
  return {
    flags: VmBindOpFlags.TYPE_MAP,
    boHandle: 0,
    boOffset: 0,
    va: 0x40_0000,
    size: PAGE,
    syncs: arr.syncs([]),
    ...over,
  };
}

function bind(e: Env, vmId: number, ops: VmBindOp[], flags = 0) {
  return e.c.vmBind({ vmId, flags, ops: objArray(ops, SIZEOF.vmBindOp) });
}

async function mapped(e: Env) {
  const vm = await e.vm();
  const bo = await e.bo(2 * PAGE);
  return { vm, bo };
}

/** A GROUP_SUBMIT of one queue_submit with `over` fields on the job group. */
async function submitOne(e: Env, over: Record<string, unknown> = {}, pad = 0) {
  const g = await e.jobGroup();
  const words = streams.store(g.data.va, 1, 1000).words();
  unwrap(g.cmd.map.writeWords(0, words), 'stream');
  const qs = {
    queueIndex: 0,
    streamSize: words.length * 4,
    streamAddr: g.cmd.va,
    latestFlush: 0,
    pad: 0,
    syncs: arr.syncs([]),
    ...over,
  };
  return e.c.groupSubmit({
    groupHandle: g.group,
    pad,
    queueSubmits: objArray([qs], SIZEOF.queueSubmit),
  });
}

async function heapArgs(e: Env, over: Record<string, number> = {}) {
  return {
    vmId: await e.vm(),
    initialChunkCount: 1,
    chunkSize: 128 * 1024,
    maxChunks: 4,
    targetInFlight: 1,
    ...over,
  };
}

export const PANTHOR_ROWS: Row[] = [
  // ---- DEV_QUERY ----
  {
    id: 'PT-QUERY-1',
    ioctl: 'DEV_QUERY',
    check: 'pointer NULL: the kernel struct size of the type is written to `size`',
    errno: 'WB size',
    kernel: `${DRV} panthor_ioctl_dev_query`,
    run: async (e) => {
      const want: Record<number, number> = { 0: 104, 1: 24, 2: 24, 3: 4 };
      for (const [type, size] of Object.entries(want)) {
        const r = unwrap(await e.c.devQuery({ type: Number(type), size: 0, pointer: null }), 'q');
        assert.equal(r.size, size, `type ${type}`);
      }
    },
  },
  {
    id: 'PT-QUERY-2',
    ioctl: 'DEV_QUERY',
    check: 'unknown type, with or without a pointer',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_dev_query`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.devQuery({ type: 9, size: 0, pointer: null })), EINVAL);
      assert.equal(errnoOf(await e.c.devQuery({ type: 9, size: 64, pointer: {} })), EINVAL);
    },
  },
  {
    id: 'PT-QUERY-3',
    ioctl: 'DEV_QUERY',
    check: "a user size below the struct's minimum (GPU_INFO 96, TIMESTAMP_INFO 16)",
    errno: 'EINVAL',
    kernel: `${DRV} panthor_set_uobj`,
    run: async (e) => {
      const p: Record<string, number> = {};
      assert.equal(errnoOf(await e.c.devQuery({ type: 0, size: 95, pointer: p })), EINVAL);
      assert.equal(errnoOf(await e.c.devQuery({ type: 2, size: 8, pointer: p })), EINVAL);
      assert.deepEqual(p, {}, 'nothing copied');
    },
  },
  {
    id: 'PT-QUERY-4',
    ioctl: 'DEV_QUERY',
    check:
      'a size between the minimum and the struct: only what fits is copied; `size` is not updated',
    errno: '0',
    kernel: `${DRV} panthor_set_uobj`,
    run: async (e) => {
      const p: Record<string, number> = {};
      const r = unwrap(
        await e.c.devQuery({ type: DevQueryType.GPU_INFO, size: 96, pointer: p }),
        'q',
      );
      assert.equal(r.size, 96);
      assert.equal(p.tilerPresent, e.sys.hw.cfg.tilerPresent);
      assert.equal(p.coreFeatures, undefined, 'core_features is at 96');
      const big = unwrap(await e.c.devQuery({ type: 1, size: 4096, pointer: {} }), 'q');
      assert.equal(big.size, 4096, 'a larger buffer: size untouched');
    },
  },
  {
    id: 'PT-QUERY-5',
    ioctl: 'DEV_QUERY',
    check:
      'GROUP_PRIORITIES_INFO: LOW and MEDIUM always; HIGH and REALTIME with CAP_SYS_NICE or master',
    errno: 'WB allowed_mask',
    kernel: `${DRV} panthor_query_group_priorities_info, group_priority_permit`,
    run: async (e) => {
      const p: Record<string, number> = {};
      unwrap(await e.c.devQuery({ type: 3, size: 4, pointer: p }), 'q');
      assert.equal(p.allowedMask, 0b11);
    },
  },
  // ---- VM_CREATE ----
  {
    id: 'PT-VMC-1',
    ioctl: 'VM_CREATE',
    check: 'flags not zero',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_create_check_args`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.vmCreate(0, 1)), EINVAL);
    },
  },
  {
    id: 'PT-VMC-2',
    ioctl: 'VM_CREATE',
    check: 'user_va_range above the VA space minus the kernel minimum (256M); unaligned is fine',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_create_check_args`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.vmCreate(2 ** 48 - 2 ** 28 + 1)), EINVAL);
      assert.equal(errnoOf(await e.c.vmCreate(2 ** 32 + 1)), 0);
    },
  },
  {
    id: 'PT-VMC-3',
    ioctl: 'VM_CREATE',
    check:
      'id written back, from 1; user_va_range comes back as the start of the power-of-two kernel range',
    errno: 'WB id, user_va_range',
    kernel: `${MMU} panthor_vm_pool_create_vm`,
    run: async (e) => {
      const a = unwrap(await e.c.vmCreate(), 'VM_CREATE');
      assert.deepEqual([a.id, a.userVaRange], [1, 2 ** 47]);
      const b = unwrap(await e.c.vmCreate(2 ** 32), 'VM_CREATE');
      assert.deepEqual([b.id, b.userVaRange], [2, 2 ** 47], 'more than asked');
    },
  },
  {
    id: 'PT-VMC-4',
    ioctl: 'VM_CREATE',
    check: 'more than 32 VMs in a file',
    errno: 'EBUSY',
    kernel: `${MMU} panthor_vm_pool_create_vm (xa_alloc, PANTHOR_MAX_VMS_PER_FILE)`,
    run: async (e) => {
      for (let i = 0; i < 32; i++) unwrap(await e.c.vmCreate(), `VM ${i}`);
      assert.equal(errnoOf(await e.c.vmCreate()), EBUSY);
    },
  },
  // ---- VM_DESTROY ----
  {
    id: 'PT-VMD-1',
    ioctl: 'VM_DESTROY',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_vm_destroy`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await e.c.vmDestroy(vm, 1)), EINVAL);
    },
  },
  {
    id: 'PT-VMD-2',
    ioctl: 'VM_DESTROY',
    check: 'unknown id',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_pool_destroy_vm`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.vmDestroy(0xdeadbeef)), EINVAL);
    },
  },
  // ---- VM_BIND ----
  {
    id: 'PT-BIND-1',
    ioctl: 'VM_BIND',
    check: 'unknown VM',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_vm_bind_sync / _async`,
    run: async (e) => {
      assert.equal(errnoOf(await bind(e, 77, [bindOp()])), EINVAL);
      assert.equal(errnoOf(await bind(e, 77, [bindOp()], VmBindFlags.ASYNC)), EINVAL);
    },
  },
  {
    id: 'PT-BIND-2',
    ioctl: 'VM_BIND',
    check: 'ops stride below sizeof(drm_panthor_vm_bind_op) (48)',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_get_uobj_array`,
    run: async (e) => {
      const vm = await e.vm();
      const r = await e.c.vmBind({ vmId: vm, flags: 0, ops: objArray([bindOp()], 40) });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'PT-BIND-3',
    ioctl: 'VM_BIND',
    check: 'ops stride above 48 with a non-zero field past the struct',
    errno: 'E2BIG',
    kernel: `${DRV} panthor_get_uobj_array (copy_struct_from_user)`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const op = { ...bindOp({ boHandle: bo.handle }), futureField: 1 };
      assert.equal(
        errnoOf(await e.c.vmBind({ vmId: vm, flags: 0, ops: objArray([op], 56) })),
        E2BIG,
      );
      op.futureField = 0;
      assert.equal(errnoOf(await e.c.vmBind({ vmId: vm, flags: 0, ops: objArray([op], 56) })), 0);
    },
  },
  {
    id: 'PT-BIND-4',
    ioctl: 'VM_BIND',
    check: 'ops NULL with a count, or a count too large to allocate',
    errno: 'EFAULT / ENOMEM',
    kernel: `${DRV} panthor_get_uobj_array`,
    run: async (e) => {
      const vm = await e.vm();
      const ops = { stride: 48, count: 1, array: null };
      assert.equal(errnoOf(await e.c.vmBind({ vmId: vm, flags: 0, ops })), EFAULT);
      const huge = { stride: 48, count: 0xffff_ffff, array: [] };
      assert.equal(errnoOf(await e.c.vmBind({ vmId: vm, flags: 0, ops: huge })), ENOMEM);
    },
  },
  {
    id: 'PT-BIND-5',
    ioctl: 'VM_BIND',
    check: 'top-level flags other than ASYNC are ignored',
    errno: '0',
    kernel: `${DRV} panthor_ioctl_vm_bind (PANTHOR_VM_BIND_FLAGS unused)`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle })], 0xdead_bee0)), 0);
    },
  },
  {
    id: 'PT-BIND-6',
    ioctl: 'VM_BIND',
    check: 'a synchronous op with syncs',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_exec_sync_op`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const so = await e.syncobj();
      const op = bindOp({ boHandle: bo.handle, syncs: arr.syncs([signalOp(so)]) });
      assert.equal(errnoOf(await bind(e, vm, [op])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-7',
    ioctl: 'VM_BIND',
    check: 'a synchronous op of size 0 is a no-op, whatever its type, flags or addresses',
    errno: '0',
    kernel: `${MMU} panthor_vm_bind_exec_sync_op`,
    run: async (e) => {
      const vm = await e.vm();
      const op = bindOp({ flags: 0xf000_00ff, boHandle: 99, va: 3, boOffset: 5, size: 0 });
      assert.equal(errnoOf(await bind(e, vm, [op])), 0);
    },
  },
  {
    id: 'PT-BIND-8',
    ioctl: 'VM_BIND',
    check: 'va, size or bo_offset not page-aligned (before the type is looked at)',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_prepare_op_ctx (upstream 5afa9d2a9bb1 adds bo_offset)`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      for (const over of [{ va: 0x40_0008 }, { size: PAGE + 4 }, { boOffset: 8 }])
        assert.equal(
          errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle, ...over })])),
          EINVAL,
        );
      const unknownType = bindOp({ flags: 0x7000_0000, va: 1 });
      assert.equal(errnoOf(await bind(e, vm, [unknownType])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-9',
    ioctl: 'VM_BIND',
    check: 'MAP of an unknown BO: EINVAL, not ENOENT',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_prepare_map_op_ctx (NULL bo)`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ boHandle: 4242 })])), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ boHandle: 4242 })], 1)), EINVAL, 'async');
    },
  },
  {
    id: 'PT-BIND-10',
    ioctl: 'VM_BIND',
    check: 'MAP flags outside READONLY | NOEXEC | UNCACHED',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_prepare_map_op_ctx (PANTHOR_VM_MAP_FLAGS)`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      assert.equal(
        errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle, flags: 1 << 3 })])),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-BIND-11',
    ioctl: 'VM_BIND',
    check: 'MAP range outside the BO (size > bo, or offset > bo - size)',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_prepare_map_op_ctx`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const big = bindOp({ boHandle: bo.handle, size: 3 * PAGE });
      const off = bindOp({ boHandle: bo.handle, size: 2 * PAGE, boOffset: PAGE });
      assert.equal(errnoOf(await bind(e, vm, [big])), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [off])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-12',
    ioctl: 'VM_BIND',
    check: 'MAP of a BO private to another VM',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_prepare_map_op_ctx (exclusive_vm_root_gem)`,
    run: async (e) => {
      const a = await e.vm();
      const b = await e.vm();
      const bo = unwrap(await e.c.boCreate(PAGE, 0, a), 'BO_CREATE');
      assert.equal(errnoOf(await bind(e, b, [bindOp({ boHandle: bo.handle })])), EINVAL);
      assert.equal(errnoOf(await bind(e, a, [bindOp({ boHandle: bo.handle })])), 0);
    },
  },
  {
    id: 'PT-BIND-13',
    ioctl: 'VM_BIND',
    check: 'UNMAP with flag bits, a BO handle or a BO offset',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_prepare_op_ctx`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const U = VmBindOpFlags.TYPE_UNMAP;
      for (const over of [
        { flags: U | 1 },
        { flags: U, boHandle: bo.handle },
        { flags: U, boOffset: PAGE },
      ])
        assert.equal(errnoOf(await bind(e, vm, [bindOp(over)])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-14',
    ioctl: 'VM_BIND',
    check: 'UNMAP of VA that is not (or no longer) mapped, or a superset of a mapping, succeeds',
    errno: '0',
    kernel: `${MMU} panthor_vm_exec_op (drm_gpuvm_sm_unmap)`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      unwrap(
        await bind(e, vm, [bindOp({ boHandle: bo.handle, va: 0x20_0000, size: 2 * PAGE })]),
        'map',
      );
      const U = VmBindOpFlags.TYPE_UNMAP;
      unwrap(await bind(e, vm, [bindOp({ flags: U, va: 0x10_0000, size: 0x30_0000 })]), 'superset');
      unwrap(await bind(e, vm, [bindOp({ flags: U, va: 0x10_0000, size: 0x30_0000 })]), 'again');
    },
  },
  {
    id: 'PT-BIND-15',
    ioctl: 'VM_BIND',
    check: 'an unknown op type (3..15)',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_prepare_op_ctx`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ flags: 3 << 28 })])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-16',
    ioctl: 'VM_BIND',
    check: 'a synchronous failure stops at op i, writes ops.count = i; ops before it stay applied',
    errno: 'WB ops.count',
    kernel: `${DRV} panthor_ioctl_vm_bind_sync`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const args = {
        vmId: vm,
        flags: 0,
        ops: objArray([bindOp({ boHandle: bo.handle }), bindOp({ boHandle: 99 })], SIZEOF.vmBindOp),
      };
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANTHOR_VM_BIND, args), -EINVAL);
      assert.equal(args.ops.count, 1);
      const again = bindOp({ boHandle: bo.handle, va: 0x40_0000 });
      const U = VmBindOpFlags.TYPE_UNMAP;
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ flags: U, va: 0x40_0000 })])), 0);
      assert.equal(errnoOf(await bind(e, vm, [again])), 0, 'op 0 had been mapped (and unmapped)');
    },
  },
  {
    id: 'PT-BIND-17',
    ioctl: 'VM_BIND',
    check: 'SYNC_ONLY (async): flag bits, BO, VA or size, or no sync at all',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_prepare_op_ctx`,
    run: async (e) => {
      const vm = await e.vm();
      const so = await e.syncobj();
      const S0 = VmBindOpFlags.TYPE_SYNC_ONLY;
      const syncs = arr.syncs([signalOp(so)]);
      const ok = bindOp({ flags: S0, va: 0, size: 0, syncs });
      assert.equal(errnoOf(await bind(e, vm, [{ ...ok, syncs: arr.syncs([]) }], 1)), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [{ ...ok, va: PAGE }], 1)), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [{ ...ok, flags: S0 | 1 }], 1)), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [ok], 1)), 0);
    },
  },
  {
    id: 'PT-BIND-18',
    ioctl: 'VM_BIND',
    check: 'async: a destroyed or unusable VM refuses every op, UNMAP too',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_job_create`,
    run: async (e) => {
      const vm = await e.vm();
      const obj = e.c.file.vms.get(vm);
      assert.ok(obj !== undefined);
      obj.unusable = true;
      const unmap = bindOp({ flags: VmBindOpFlags.TYPE_UNMAP });
      assert.equal(errnoOf(await bind(e, vm, [unmap], 1)), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [unmap])), 0, 'a synchronous UNMAP is allowed');
    },
  },
  {
    id: 'PT-BIND-19',
    ioctl: 'VM_BIND',
    check: 'a MAP on an unusable VM (refused when it executes)',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_exec_op`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const obj = e.c.file.vms.get(vm);
      assert.ok(obj !== undefined);
      obj.unusable = true;
      assert.equal(errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle })])), EINVAL);
    },
  },
  {
    id: 'PT-BIND-20',
    ioctl: 'VM_BIND',
    check: 'async: a SIGNAL op naming no syncobj (EINVAL), a WAIT op naming none (ENOENT)',
    errno: 'EINVAL / ENOENT',
    kernel: `${DRV} panthor_submit_ctx_add_sync_signal, panthor_submit_ctx_add_sync_deps_to_job`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const sig = bindOp({ boHandle: bo.handle, syncs: arr.syncs([signalOp(99)]) });
      const wt = bindOp({ boHandle: bo.handle, syncs: arr.syncs([waitOp(99)]) });
      assert.equal(errnoOf(await bind(e, vm, [sig], 1)), EINVAL);
      assert.equal(errnoOf(await bind(e, vm, [wt], 1)), ENOENT);
    },
  },
  {
    id: 'PT-BIND-21',
    ioctl: 'VM_BIND',
    check: 'async is all-or-nothing: a bad op after good ones queues nothing and signals nothing',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_vm_bind_async`,
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      const so = await e.syncobj();
      const good = bindOp({ boHandle: bo.handle, syncs: arr.syncs([signalOp(so)]) });
      assert.equal(errnoOf(await bind(e, vm, [good, bindOp({ boHandle: 99 })], 1)), EINVAL);
      assert.equal(e.c.syncobjFence(so), null, 'the syncobj is untouched');
      assert.equal(e.c.file.vms.get(vm)?.bindQueue?.pending ?? 0, 0);
    },
  },
  {
    id: 'PT-BIND-22',
    ioctl: 'VM_BIND',
    check: "a range outside the VM's user VA",
    errno: 'EINVAL',
    kernel: 'drm_gpuvm.c drm_gpuvm_range_valid (at execution)',
    model:
      'checked when the op is prepared; an async bind is refused at once instead of failing its fence',
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      assert.equal(
        errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle, va: 2 ** 47 })])),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-BIND-23',
    ioctl: 'VM_BIND',
    check: 'async MAP or UNMAP of size 0',
    errno: 'EINVAL',
    kernel: `${MMU} panthor_vm_bind_job_create (no size-0 shortcut: drm_gpuvm decides at execution)`,
    model: "refused at the ioctl; the kernel accepts it and its outcome is drm_gpuvm's",
    run: async (e) => {
      const { vm, bo } = await mapped(e);
      assert.equal(
        errnoOf(await bind(e, vm, [bindOp({ boHandle: bo.handle, size: 0 })], 1)),
        EINVAL,
      );
    },
  },
  // ---- VM_GET_STATE ----
  {
    id: 'PT-VMS-1',
    ioctl: 'VM_GET_STATE',
    check: 'unknown VM',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_vm_get_state`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.vmGetState(99)), EINVAL);
    },
  },
  {
    id: 'PT-VMS-2',
    ioctl: 'VM_GET_STATE',
    check: 'the struct has no pad (8 bytes: vm_id, state); state USABLE or UNUSABLE',
    errno: 'WB state',
    kernel: `${DRV} panthor_ioctl_vm_get_state`,
    run: async (e) => {
      const vm = await e.vm();
      const r = unwrap(
        await e.dev.drv.vmGetState(e.c.file, { vmId: vm, pad: 5 } as { vmId: number }),
        'VM_GET_STATE',
      );
      assert.equal(r.state, VmState.USABLE);
    },
  },
  // ---- BO_CREATE ----
  {
    id: 'PT-BOC-1',
    ioctl: 'BO_CREATE',
    check: 'size 0, a pad, or a flag other than NO_MMAP (one check)',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_bo_create`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.boCreate(0)), EINVAL);
      assert.equal(errnoOf(await e.c.boCreate(PAGE, 2)), EINVAL);
      assert.equal(
        errnoOf(
          await e.dev.drv.boCreate(e.c.file, { size: PAGE, flags: 0, exclusiveVmId: 0, pad: 1 }),
        ),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-BOC-2',
    ioctl: 'BO_CREATE',
    check: 'exclusive_vm_id naming no VM',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_bo_create`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.boCreate(PAGE, 0, 9)), EINVAL);
    },
  },
  {
    id: 'PT-BOC-3',
    ioctl: 'BO_CREATE',
    check: 'size and handle written back: the size rounded up to a page',
    errno: 'WB size, handle',
    kernel: `${DRV} panthor_ioctl_bo_create; panthor_gem.c panthor_gem_create_with_handle`,
    run: async (e) => {
      const r = unwrap(await e.c.boCreate(5000), 'BO_CREATE');
      assert.deepEqual([r.size, r.handle], [8192, 1]);
    },
  },
  {
    id: 'PT-BOC-4',
    ioctl: 'BO_CREATE',
    check: 'a size the memory cannot back (the kernel fails when shmem cannot have the pages)',
    errno: 'ENOMEM',
    kernel: 'drm_gem_shmem_helper.c drm_gem_shmem_create',
    model: 'the model allocates at creation, so it fails here; above MAX_LFS_FILESIZE is EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.boCreate(2 ** 40)), ENOMEM);
      assert.equal(errnoOf(await e.c.boCreate(-1)), EINVAL, 'UINT64_MAX');
    },
  },
  // ---- BO_MMAP_OFFSET ----
  {
    id: 'PT-MMAP-1',
    ioctl: 'BO_MMAP_OFFSET',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_bo_mmap_offset`,
    run: async (e) => {
      const bo = await e.bo();
      assert.equal(
        errnoOf(await e.dev.drv.boMmapOffset(e.c.file, { handle: bo.handle, pad: 1 })),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-MMAP-2',
    ioctl: 'BO_MMAP_OFFSET',
    check: 'unknown BO',
    errno: 'ENOENT',
    kernel: `${DRV} panthor_ioctl_bo_mmap_offset (drm_gem_object_lookup)`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.boMmapOffset(0xdeadbeef)), ENOENT);
    },
  },
  {
    id: 'PT-MMAP-3',
    ioctl: 'BO_MMAP_OFFSET',
    check: 'a NO_MMAP BO',
    errno: 'EPERM',
    kernel: `${DRV} panthor_ioctl_bo_mmap_offset`,
    run: async (e) => {
      const bo = await e.bo(PAGE, BoFlags.NO_MMAP);
      assert.equal(errnoOf(await e.c.boMmapOffset(bo.handle)), EPERM);
    },
  },
  {
    id: 'PT-MMAP-4',
    ioctl: 'BO_MMAP_OFFSET',
    check: 'offset written back (page aligned, non-zero)',
    errno: 'WB offset',
    kernel: `${DRV} panthor_ioctl_bo_mmap_offset (drm_vma_node_offset_addr)`,
    run: async (e) => {
      const bo = await e.bo();
      const r = unwrap(await e.c.boMmapOffset(bo.handle), 'offset');
      assert.ok(r.offset > 0 && r.offset % PAGE === 0);
    },
  },
  // ---- GROUP_CREATE ----
  {
    id: 'PT-GRC-1',
    ioctl: 'GROUP_CREATE',
    check: 'no queue, or more than 32 (MAX_CS_PER_CSG; before the array is read)',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_create (upstream a00f2015acdb)`,
    run: async (e) => {
      const vm = await e.vm();
      const none = { stride: 8, count: 0, array: [] };
      const many = { stride: 8, count: 33, array: null };
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), queues: none })), EINVAL);
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), queues: many })), EINVAL);
    },
  },
  {
    id: 'PT-GRC-2',
    ioctl: 'GROUP_CREATE',
    check: 'queues stride below 8, or NULL: checked before the priority (EACCES comes later)',
    errno: 'EINVAL / EFAULT',
    kernel: `${DRV} panthor_ioctl_group_create (PANTHOR_UOBJ_GET_ARRAY)`,
    run: async (e) => {
      const vm = await e.vm();
      const high = { ...groupArgs(vm), priority: GroupPriority.HIGH };
      assert.equal(
        errnoOf(await e.c.groupCreate({ ...high, queues: objArray([queueArgs()], 4) })),
        EINVAL,
      );
      assert.equal(
        errnoOf(await e.c.groupCreate({ ...high, queues: { stride: 8, count: 1, array: null } })),
        EFAULT,
      );
    },
  },
  {
    id: 'PT-GRC-3',
    ioctl: 'GROUP_CREATE',
    check: 'priority above REALTIME',
    errno: 'EINVAL',
    kernel: `${DRV} group_priority_permit`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), priority: 4 })), EINVAL);
    },
  },
  {
    id: 'PT-GRC-4',
    ioctl: 'GROUP_CREATE',
    check: 'HIGH or REALTIME without CAP_SYS_NICE or DRM master',
    errno: 'EACCES',
    kernel: `${DRV} group_priority_permit`,
    run: async (e) => {
      const vm = await e.vm();
      for (const priority of [GroupPriority.HIGH, GroupPriority.REALTIME])
        assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), priority })), EACCES);
    },
  },
  {
    id: 'PT-GRC-5',
    ioctl: 'GROUP_CREATE',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_create`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), pad: 1 })), EINVAL);
    },
  },
  {
    id: 'PT-GRC-6',
    ioctl: 'GROUP_CREATE',
    check: 'a core mask outside the present cores (the u64 mask, high bits too)',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_create`,
    run: async (e) => {
      const vm = await e.vm();
      for (const over of [
        { computeCoreMask: 1 << 20 },
        { fragmentCoreMask: 2 ** 40 },
        { tilerCoreMask: 2 },
      ])
        assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), ...over })), EINVAL);
    },
  },
  {
    id: 'PT-GRC-7',
    ioctl: 'GROUP_CREATE',
    check: 'fewer cores in a mask than its max_*_cores',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_create (hweight64)`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(
        errnoOf(await e.c.groupCreate({ ...groupArgs(vm), maxComputeCores: 2 })),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-GRC-8',
    ioctl: 'GROUP_CREATE',
    check: 'unknown VM',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_create (panthor_vm_pool_get_vm)`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.groupCreate(groupArgs(77))), EINVAL);
    },
  },
  {
    id: 'PT-GRC-9',
    ioctl: 'GROUP_CREATE',
    check: 'a queue pad, a ring size not a power of two in 4K..64K, a queue priority above 15',
    errno: 'EINVAL',
    kernel: `${SCHED} group_create_queue`,
    run: async (e) => {
      const vm = await e.vm();
      for (const q of [
        { ...queueArgs(), pad: [0, 1, 0] as [number, number, number] },
        queueArgs(12288),
        queueArgs(2048),
        queueArgs(128 * 1024),
        queueArgs(4096, 16),
      ]) {
        const queues = objArray([q], SIZEOF.queueCreate);
        assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), queues })), EINVAL);
      }
    },
  },
  {
    id: 'PT-GRC-10',
    ioctl: 'GROUP_CREATE',
    check:
      'group_handle written back, 1..128; the 129th is EBUSY, even with a bad queue (queues are checked after the id)',
    errno: 'WB group_handle / EBUSY',
    kernel: `${SCHED} panthor_group_create (xa_alloc, MAX_GROUPS_PER_POOL)`,
    run: async (e) => {
      const vm = await e.vm();
      const file = e.c.file;
      // Fill the pool's ids without building 128 groups (the id is all that is checked).
      assert.equal(await e.group(vm), 1);
      for (let h = 2; h <= 128; h++) file.groups.map.set(h, null as never);
      const bad = objArray([queueArgs(3000)], SIZEOF.queueCreate);
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), queues: bad })), EBUSY);
      for (let h = 2; h <= 128; h++) file.groups.map.delete(h);
    },
  },
  {
    id: 'PT-GRC-11',
    ioctl: 'GROUP_CREATE',
    check: 'more queues than the firmware has CS slots per group',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_create (only > MAX_CS_PER_CSG)`,
    model:
      "the model refuses more than its firmware's 4 CS slots per group; the kernel takes up to 32",
    run: async (e) => {
      const vm = await e.vm();
      const queues = objArray(
        [1, 2, 3, 4, 5].map(() => queueArgs()),
        SIZEOF.queueCreate,
      );
      assert.equal(errnoOf(await e.c.groupCreate({ ...groupArgs(vm), queues })), EINVAL);
    },
  },
  // ---- GROUP_DESTROY ----
  {
    id: 'PT-GRD-1',
    ioctl: 'GROUP_DESTROY',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_destroy`,
    run: async (e) => {
      const g = await e.group(await e.vm());
      assert.equal(errnoOf(await e.c.groupDestroy(g, 1)), EINVAL);
    },
  },
  {
    id: 'PT-GRD-2',
    ioctl: 'GROUP_DESTROY',
    check: 'unknown group',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_destroy`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.groupDestroy(0xdeadbeef)), EINVAL);
    },
  },
  {
    id: 'PT-GRD-3',
    ioctl: 'GROUP_DESTROY',
    check:
      'a group whose GROUP_CREATE has not returned yet (not GROUP_REGISTERED); its id stays its own',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_destroy (xa_get_mark GROUP_REGISTERED)`,
    run: async (e) => {
      const vm = await e.vm();
      let created = 0;
      e.sys.spawn('creator', async () => {
        created = unwrap(await e.c.groupCreate(groupArgs(vm)), 'GROUP_CREATE').groupHandle;
      });
      for (let i = 0; i < 10_000 && e.c.file.groups.get(1) === undefined; i++) await e.k.point();
      assert.equal(e.c.file.groups.get(1), null, 'the id is reserved, the group not registered');
      assert.equal(errnoOf(await e.c.groupDestroy(1)), EINVAL);
      assert.equal(e.c.file.groups.get(1), null, 'still reserved: another create cannot take it');
      for (let i = 0; i < 100 && created === 0; i++) await e.k.sleep(1_000_000);
      assert.equal(created, 1);
      assert.equal(errnoOf(await e.c.groupDestroy(1)), 0);
    },
  },
  // ---- GROUP_GET_STATE ----
  {
    id: 'PT-GRS-1',
    ioctl: 'GROUP_GET_STATE',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_get_state`,
    run: async (e) => {
      const g = await e.group(await e.vm());
      const r = await e.dev.drv.groupGetState(e.c.file, { groupHandle: g, pad: 1 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'PT-GRS-2',
    ioctl: 'GROUP_GET_STATE',
    check: 'unknown group',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_group_get_state`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.groupGetState(99)), EINVAL);
    },
  },
  {
    id: 'PT-GRS-3',
    ioctl: 'GROUP_GET_STATE',
    check: 'the whole struct is cleared first: group_handle comes back 0',
    errno: 'WB state, fatal_queues, group_handle 0',
    kernel: `${SCHED} panthor_group_get_state (memset)`,
    run: async (e) => {
      const g = await e.group(await e.vm());
      const args = { groupHandle: g, state: 9, fatalQueues: 9, pad: 0 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANTHOR_GROUP_GET_STATE, args), 0);
      assert.deepEqual(args, { groupHandle: 0, state: 0, fatalQueues: 0, pad: 0 });
    },
  },
  {
    id: 'PT-GRS-4',
    ioctl: 'GROUP_GET_STATE',
    check: 'FATAL_FAULT with the faulty queues after a fault',
    errno: 'WB state FATAL_FAULT',
    kernel: `${SCHED} panthor_group_get_state`,
    dirty: true,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const words = streams.fatal().words();
      unwrap(g.cmd.map.writeWords(0, words), 'stream');
      unwrap(await e.c.submit(g.group, 0, g.cmd.va, words.length * 4, [signalOp(so)]), 'submit');
      unwrap(await e.c.wait(so, 1 * S), 'wait');
      const st = unwrap(await e.c.groupGetState(g.group), 'GET_STATE');
      assert.deepEqual([st.state, st.fatalQueues], [GroupStateFlags.FATAL_FAULT, 1]);
    },
  },
  // ---- GROUP_SUBMIT ----
  {
    id: 'PT-SUB-1',
    ioctl: 'GROUP_SUBMIT',
    check: 'pad not zero (before anything else)',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_submit`,
    run: async (e) => {
      const r = await e.c.groupSubmit({
        groupHandle: 0,
        pad: 1,
        queueSubmits: { stride: 0, count: 1, array: null },
      });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'PT-SUB-2',
    ioctl: 'GROUP_SUBMIT',
    check: 'queue_submits stride below 40, NULL with a count, or not allocatable',
    errno: 'EINVAL / EFAULT / ENOMEM',
    kernel: `${DRV} panthor_get_uobj_array`,
    run: async (e) => {
      const g = await e.group(await e.vm());
      const sub = (queueSubmits: { stride: number; count: number; array: null | [] }) =>
        e.c.groupSubmit({ groupHandle: g, pad: 0, queueSubmits });
      assert.equal(errnoOf(await sub({ stride: 39, count: 1, array: null })), EINVAL);
      assert.equal(errnoOf(await sub({ stride: 40, count: 1, array: null })), EFAULT);
      assert.equal(errnoOf(await sub({ stride: 40, count: 0xffff_ffff, array: [] })), ENOMEM);
    },
  },
  {
    id: 'PT-SUB-3',
    ioctl: 'GROUP_SUBMIT',
    check: 'no queue_submit: 0 without looking at the group',
    errno: '0',
    kernel: `${DRV} panthor_ioctl_group_submit`,
    run: async (e) => {
      const r = await e.c.groupSubmit({
        groupHandle: 0xdead,
        pad: 0,
        queueSubmits: { stride: 0, count: 0, array: null },
      });
      assert.equal(errnoOf(r), 0);
    },
  },
  {
    id: 'PT-SUB-4',
    ioctl: 'GROUP_SUBMIT',
    check: 'a queue_submit pad',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { pad: 1 })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-5',
    ioctl: 'GROUP_SUBMIT',
    check: 'a stream size without an address, or an address without a size',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { streamSize: 0 })), EINVAL);
      assert.equal(errnoOf(await submitOne(e, { streamAddr: 0 })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-6',
    ioctl: 'GROUP_SUBMIT',
    check: 'stream address not 64-byte aligned, or size not a multiple of 8',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create`,
    run: async (e) => {
      const g = await e.jobGroup();
      assert.equal(errnoOf(await submitOne(e, { streamAddr: g.cmd.va + 8 })), EINVAL);
      assert.equal(errnoOf(await submitOne(e, { streamSize: 12 })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-7',
    ioctl: 'GROUP_SUBMIT',
    check: 'latest_flush bits 24..30 set (bit 31 and bits 0..23 are free)',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create (GENMASK(30, 24))`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { latestFlush: 1 << 24 })), EINVAL);
      assert.equal(errnoOf(await submitOne(e, { latestFlush: 0x8000_0000 | 0xff_ffff })), 0);
    },
  },
  {
    id: 'PT-SUB-8',
    ioctl: 'GROUP_SUBMIT',
    check: "unknown group (after the first job's field checks)",
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create (group_from_handle)`,
    run: async (e) => {
      const g = await e.jobGroup();
      const qs = {
        queueIndex: 0,
        streamSize: 8,
        streamAddr: g.cmd.va,
        latestFlush: 0,
        syncs: arr.syncs([]),
      };
      const r = await e.c.groupSubmit({
        groupHandle: 99,
        pad: 0,
        queueSubmits: objArray([qs], SIZEOF.queueSubmit),
      });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'PT-SUB-9',
    ioctl: 'GROUP_SUBMIT',
    check: 'a group that can no longer run (faulted, timed out, destroyed)',
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create (group_can_run)`,
    model:
      "the model's group_can_run also says no for a group whose VM was destroyed or is unusable (group.ts Group.canRun)",
    dirty: true,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const words = streams.fatal().words();
      unwrap(g.cmd.map.writeWords(0x800, words), 'stream');
      unwrap(
        await e.c.submit(g.group, 0, g.cmd.va + 0x800, words.length * 4, [signalOp(so)]),
        'submit',
      );
      unwrap(await e.c.wait(so, 1 * S), 'wait');
      assert.equal(errnoOf(await submitOne(e)), EINVAL);
    },
  },
  {
    id: 'PT-SUB-10',
    ioctl: 'GROUP_SUBMIT',
    check: "queue index past the group's queues",
    errno: 'EINVAL',
    kernel: `${SCHED} panthor_job_create`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { queueIndex: 1 })), EINVAL);
      assert.equal(errnoOf(await submitOne(e, { queueIndex: -1 })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-11',
    ioctl: 'GROUP_SUBMIT',
    check: 'syncs stride below 16, NULL with a count; a newer sync_op with a non-zero extra field',
    errno: 'EINVAL / EFAULT / E2BIG',
    kernel: `${DRV} panthor_submit_ctx_add_job (PANTHOR_UOBJ_GET_ARRAY)`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await submitOne(e, { syncs: objArray([signalOp(so)], 8) })), EINVAL);
      assert.equal(
        errnoOf(await submitOne(e, { syncs: { stride: 16, count: 1, array: null } })),
        EFAULT,
      );
      const newer = { ...signalOp(so), extra: 1 };
      assert.equal(errnoOf(await submitOne(e, { syncs: objArray([newer], 24) })), E2BIG);
    },
  },
  {
    id: 'PT-SUB-12',
    ioctl: 'GROUP_SUBMIT',
    check:
      'sync op flags outside HANDLE_TYPE_MASK | SIGNAL, a handle type 2..255, a binary op with a point',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_check_sync_op`,
    run: async (e) => {
      const so = await e.syncobj();
      const bad: SyncOp[] = [
        { flags: SyncOpFlags.SIGNAL | (1 << 8), handle: so, timelineValue: 0 },
        { flags: SyncOpFlags.SIGNAL | 2, handle: so, timelineValue: 0 },
        { flags: SyncOpFlags.SIGNAL, handle: so, timelineValue: 3 },
        { flags: 2, handle: so, timelineValue: 0 },
      ];
      for (const op of bad)
        assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([op]) })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-13',
    ioctl: 'GROUP_SUBMIT',
    check: 'SIGNAL | HANDLE_TYPE_SYNCOBJ written as in C (a negative JS number) is bit 31 set',
    errno: '0',
    kernel: 'panthor_drm.h DRM_PANTHOR_SYNC_OP_SIGNAL ((int)(1u << 31))',
    run: async (e) => {
      const so = await e.syncobj();
      const op = {
        flags: SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_SYNCOBJ,
        handle: so,
        timelineValue: 0,
      };
      assert.ok(op.flags < 0, 'the JS value is negative');
      assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([op]) })), 0);
      assert.equal(errnoOf(await e.c.wait(so, 1 * S)), 0);
    },
  },
  {
    id: 'PT-SUB-14',
    ioctl: 'GROUP_SUBMIT',
    check: 'a SIGNAL op naming no syncobj: EINVAL, not ENOENT',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_submit_ctx_add_sync_signal (drm_syncobj_find)`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([signalOp(99)]) })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-15',
    ioctl: 'GROUP_SUBMIT',
    check:
      'a WAIT op naming no syncobj (ENOENT), or one with no fence / the point not submitted (EINVAL)',
    errno: 'ENOENT / EINVAL',
    kernel: `${DRV} panthor_submit_ctx_add_sync_deps_to_job, drm_syncobj_find_fence`,
    run: async (e) => {
      assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([waitOp(99)]) })), ENOENT);
      const empty = await e.syncobj();
      assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([waitOp(empty)]) })), EINVAL);
      assert.equal(errnoOf(await submitOne(e, { syncs: arr.syncs([waitOp(empty, 2)]) })), EINVAL);
    },
  },
  {
    id: 'PT-SUB-16',
    ioctl: 'GROUP_SUBMIT',
    check: 'a job may wait on (handle, point) an earlier job of the same submit signals',
    errno: '0',
    kernel: `${DRV} panthor_submit_ctx_add_deps_and_arm_jobs`,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const done = await e.syncobj();
      const words = streams.store(g.data.va, 5, 1000).words();
      unwrap(g.cmd.map.writeWords(0, words), 'stream');
      const qs = (syncs: SyncOp[]) => ({
        queueIndex: 0,
        streamSize: words.length * 4,
        streamAddr: g.cmd.va,
        latestFlush: 0,
        syncs: arr.syncs(syncs),
      });
      const r = await e.c.groupSubmit({
        groupHandle: g.group,
        pad: 0,
        queueSubmits: objArray(
          [qs([signalOp(so, 1)]), qs([waitOp(so, 1), signalOp(done)])],
          SIZEOF.queueSubmit,
        ),
      });
      assert.equal(errnoOf(r), 0, 'point 1 has no fence yet, but the first job provides it');
      assert.equal(errnoOf(await e.c.wait(done, 1 * S)), 0);
    },
  },
  {
    id: 'PT-SUB-17',
    ioctl: 'GROUP_SUBMIT',
    check: 'all-or-nothing: a bad second job pushes nothing and leaves every syncobj as it was',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_group_submit (panthor_submit_ctx_cleanup)`,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const ok = {
        queueIndex: 0,
        streamSize: 8,
        streamAddr: g.cmd.va,
        latestFlush: 0,
        syncs: arr.syncs([signalOp(so)]),
      };
      const bad = { ...ok, syncs: arr.syncs([waitOp(99)]) };
      const r = await e.c.groupSubmit({
        groupHandle: g.group,
        pad: 0,
        queueSubmits: objArray([ok, bad], SIZEOF.queueSubmit),
      });
      assert.equal(errnoOf(r), ENOENT);
      assert.equal(e.c.syncobjFence(so), null);
      assert.equal(e.c.file.groups.get(g.group)?.queues[0]?.entity.queued, 0, 'nothing pushed');
    },
  },
  {
    id: 'PT-SUB-18',
    ioctl: 'GROUP_SUBMIT',
    check: 'a TIMELINE signal op adds a point (a chain node), point 0 replaces the fence',
    errno: '0',
    kernel: `${DRV} panthor_submit_ctx_push_fences (drm_syncobj_add_point / replace_fence)`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1000, 3), 0);
      assert.equal(unwrap(await e.c.queryPoint(so, 1), 'QUERY'), 3);
      assert.equal(errnoOf(await e.c.wait(so, 1 * S, 3)), 0);
    },
  },
  {
    id: 'PT-SUB-19',
    ioctl: 'GROUP_SUBMIT',
    check:
      'a batch larger than the ring buffer is accepted: drm_sched credits (ring size / 8 per queue, 8 per job) hold the jobs that do not fit in the entity until earlier ones are done',
    errno: '0',
    kernel: `${SCHED} group_create_queue (credit_limit), drm_sched_can_queue`,
    run: async (e) => {
      const g = await e.jobGroup();
      const words = streams.store(g.data.va, 1, 10 * MS).words();
      unwrap(g.cmd.map.writeWords(0, words), 'stream');
      const last = await e.syncobj();
      const qs = (syncs: ReturnType<typeof arr.syncs>) => ({
        queueIndex: 0,
        streamSize: words.length * 4,
        streamAddr: g.cmd.va,
        latestFlush: 0,
        syncs,
      });
      const many = objArray(
        [...Array.from({ length: 64 }, () => qs(arr.syncs([]))), qs(arr.syncs([signalOp(last)]))],
        SIZEOF.queueSubmit,
      );
      assert.equal(
        errnoOf(await e.c.groupSubmit({ groupHandle: g.group, pad: 0, queueSubmits: many })),
        0,
      );
      await e.sys.k.sleep(5 * MS);
      const q = e.c.file.groups.get(g.group)?.queues[0];
      assert.ok(q !== undefined);
      assert.equal(q.inFlight.length, 64, 'a 4 KiB ring holds 64 jobs (512 credits)');
      assert.equal(q.entity.queued, 1, 'the 65th waits in the entity');
      assert.equal(errnoOf(await e.c.wait(last, 2 * S)), 0, 'and runs once there is room');
    },
  },
  // ---- TILER_HEAP_CREATE ----
  {
    id: 'PT-THC-1',
    ioctl: 'TILER_HEAP_CREATE',
    check: 'unknown VM',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_tiler_heap_create`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.tilerHeapCreate({ ...(await heapArgs(e)), vmId: 9 })), EINVAL);
    },
  },
  {
    id: 'PT-THC-2',
    ioctl: 'TILER_HEAP_CREATE',
    check: 'initial_chunk_count 0, or above max_chunks',
    errno: 'EINVAL',
    kernel: `${HEAP} panthor_heap_create`,
    run: async (e) => {
      assert.equal(
        errnoOf(await e.c.tilerHeapCreate(await heapArgs(e, { initialChunkCount: 0 }))),
        EINVAL,
      );
      assert.equal(
        errnoOf(await e.c.tilerHeapCreate(await heapArgs(e, { initialChunkCount: 5 }))),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-THC-3',
    ioctl: 'TILER_HEAP_CREATE',
    check: 'chunk_size not page aligned or outside 128K..8M (a power of two is not required)',
    errno: 'EINVAL',
    kernel: `${HEAP} panthor_heap_create`,
    run: async (e) => {
      for (const chunkSize of [128 * 1024 + 1, 64 * 1024, 16 * 1024 * 1024])
        assert.equal(errnoOf(await e.c.tilerHeapCreate(await heapArgs(e, { chunkSize }))), EINVAL);
      assert.equal(
        errnoOf(await e.c.tilerHeapCreate(await heapArgs(e, { chunkSize: 192 * 1024 }))),
        0,
      );
    },
  },
  {
    id: 'PT-THC-4',
    ioctl: 'TILER_HEAP_CREATE',
    check: 'target_in_flight is not checked; max_chunks has no upper bound',
    errno: '0',
    kernel: `${HEAP} panthor_heap_create`,
    run: async (e) => {
      const r = await e.c.tilerHeapCreate(
        await heapArgs(e, { targetInFlight: 0, maxChunks: 0xffff_ffff }),
      );
      assert.equal(errnoOf(r), 0);
    },
  },
  {
    id: 'PT-THC-5',
    ioctl: 'TILER_HEAP_CREATE',
    check:
      'handle = vm_id << 16 | heap id (from 0), the context VA and the first chunk VA written back',
    errno: 'WB handle, tiler_heap_ctx_gpu_va, first_heap_chunk_gpu_va',
    kernel: `${DRV} panthor_ioctl_tiler_heap_create`,
    run: async (e) => {
      const args = await heapArgs(e);
      const r = unwrap(await e.c.tilerHeapCreate(args), 'TILER_HEAP_CREATE');
      assert.equal(r.handle, (args.vmId << 16) | 0);
      assert.ok(r.tilerHeapCtxGpuVa > 0 && r.firstHeapChunkGpuVa > 0);
    },
  },
  {
    id: 'PT-THC-6',
    ioctl: 'TILER_HEAP_CREATE',
    check: 'a 129th heap in a VM: EBUSY, with first_heap_chunk_gpu_va already written',
    errno: 'EBUSY (WB first_heap_chunk_gpu_va)',
    kernel: `${HEAP} panthor_heap_create (xa_alloc after *first_chunk_gpu_va)`,
    run: async (e) => {
      const args = await heapArgs(e);
      for (let i = 0; i < 128; i++) unwrap(await e.c.tilerHeapCreate({ ...args }), `heap ${i}`);
      const last = { ...args, firstHeapChunkGpuVa: 0 };
      assert.equal(errnoOf(await e.c.tilerHeapCreate(last)), EBUSY);
      assert.ok(last.firstHeapChunkGpuVa > 0);
    },
  },
  // ---- TILER_HEAP_DESTROY ----
  {
    id: 'PT-THD-1',
    ioctl: 'TILER_HEAP_DESTROY',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_tiler_heap_destroy`,
    run: async (e) => {
      assert.equal(
        errnoOf(await e.dev.drv.tilerHeapDestroy(e.c.file, { handle: 0, pad: 1 })),
        EINVAL,
      );
    },
  },
  {
    id: 'PT-THD-2',
    ioctl: 'TILER_HEAP_DESTROY',
    check: 'the VM of handle >> 16 is unknown',
    errno: 'EINVAL',
    kernel: `${DRV} panthor_ioctl_tiler_heap_destroy`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.tilerHeapDestroy(9 << 16)), EINVAL);
    },
  },
  {
    id: 'PT-THD-3',
    ioctl: 'TILER_HEAP_DESTROY',
    check: 'a VM without a heap pool',
    errno: 'ENOENT',
    kernel: `${DRV} panthor_ioctl_tiler_heap_destroy (panthor_vm_get_heap_pool(vm, false))`,
    run: async (e) => {
      const vm = await e.vm();
      assert.equal(errnoOf(await e.c.tilerHeapDestroy(vm << 16)), ENOENT);
    },
  },
  {
    id: 'PT-THD-4',
    ioctl: 'TILER_HEAP_DESTROY',
    check: 'an unknown heap id in the pool',
    errno: 'EINVAL',
    kernel: `${HEAP} panthor_heap_destroy`,
    run: async (e) => {
      const args = await heapArgs(e);
      const h = unwrap(await e.c.tilerHeapCreate(args), 'heap').handle;
      assert.equal(errnoOf(await e.c.tilerHeapDestroy(h + 1)), EINVAL);
      assert.equal(errnoOf(await e.c.tilerHeapDestroy(h)), 0);
      assert.equal(errnoOf(await e.c.tilerHeapDestroy(h)), EINVAL, 'twice');
    },
  },
];
