/**
 * IGT panthor_gem, panthor_query, panthor_vm and panthor_group (tests/panthor/), and
 * panfrost_submit's subtests as they apply to Panthor's job submission, ported (env.ts).
 */
import {
  DevQueryType,
  GroupPriority,
  INT64_MAX,
  objArray,
  SIZEOF,
  SyncOpFlags,
  type VmBindOp,
  VmBindOpFlags,
} from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import { queueArgs } from '../driver/helpers.js';
import { arr, assert, type Env, errnoOf, MS, S, signalOp, unwrap } from '../uapi/env.js';
import type { IgtCase } from './env.js';

const { EINVAL, ENOENT, EFAULT, ETIME, ETIMEDOUT } = Errno;
const SZ_1M = 1024 * 1024;
const SZ_2M = 2 * SZ_1M;
const SZ_4M = 4 * SZ_1M;
const SZ_8K = 8 * 1024;

/** igt_panthor_vm_bind: one synchronous op. */
function vmBind(
  e: Env,
  vm: number,
  bo: number,
  va: number,
  size: number,
  type: number,
  offset = 0,
) {
  const op: VmBindOp = {
    flags: type,
    boHandle: bo,
    boOffset: offset,
    va,
    size,
    syncs: arr.syncs([]),
  };
  return e.c.vmBind({ vmId: vm, flags: 0, ops: objArray([op], SIZEOF.vmBindOp) });
}

const MAP = VmBindOpFlags.TYPE_MAP;
const UNMAP = VmBindOpFlags.TYPE_UNMAP;

/** A panthor_vm subtest: a BO of `size` mapped at 0x200000 (from `offset`), then `unmaps`. */
function hugepage(
  subtest: string,
  what: string,
  size: number,
  unmaps: Array<[number, number]>,
  map: { size?: number; offset?: number } = {},
): IgtCase {
  return {
    test: 'panthor_vm',
    subtest,
    what,
    run: async (e) => {
      const vm = await e.vm();
      const bo = await e.bo(size);
      const r = await vmBind(e, vm, bo.handle, 0x200000, map.size ?? size, MAP, map.offset ?? 0);
      assert.equal(errnoOf(r), 0, 'map');
      for (const [va, sz] of unmaps)
        assert.equal(errnoOf(await vmBind(e, vm, 0, va, sz, UNMAP)), 0, `unmap ${va.toString(16)}`);
      assert.equal(errnoOf(await e.c.vmDestroy(vm)), 0);
    },
  };
}

export const PANTHOR: IgtCase[] = [
  // ---- panthor_gem ----
  {
    test: 'panthor_gem',
    subtest: 'bo_create',
    what: 'a 4096-byte BO: a non-zero handle',
    run: async (e) => {
      assert.notEqual((await e.bo(4096)).handle, 0);
    },
  },
  {
    test: 'panthor_gem',
    subtest: 'bo_mmap_offset',
    what: 'BO_MMAP_OFFSET of a BO: a non-zero offset',
    run: async (e) => {
      const bo = await e.bo(4096);
      assert.notEqual(unwrap(await e.c.boMmapOffset(bo.handle), 'offset').offset, 0);
    },
  },
  {
    test: 'panthor_gem',
    subtest: 'bo_mmap_offset_invalid_handle',
    what: 'BO_MMAP_OFFSET of handle 0xdeadbeef: ENOENT',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.boMmapOffset(0xdeadbeef)), ENOENT);
    },
  },
  {
    test: 'panthor_gem',
    subtest: 'bo_create_round_size',
    what: 'a 5000-byte BO comes back as two pages',
    run: async (e) => {
      assert.equal((await e.bo(5000)).size, 8192);
    },
  },
  {
    test: 'panthor_gem',
    subtest: 'bo_zeroed',
    what: 'a new BO, mmapped, reads zero',
    run: async (e) => {
      const bo = await e.bo(8192);
      const off = unwrap(await e.c.boMmapOffset(bo.handle), 'offset').offset;
      const m = unwrap(e.c.mmap(off, bo.size), 'mmap');
      for (let o = 0; o < bo.size; o += 4) assert.equal(unwrap(m.read32(o), 'read'), 0);
    },
  },
  // ---- panthor_query ----
  {
    test: 'panthor_query',
    subtest: 'query',
    what: 'DEV_QUERY GPU_INFO: gpu_id is not 0',
    run: async (e) => {
      const info: Record<string, number> = {};
      unwrap(
        await e.c.devQuery({ type: DevQueryType.GPU_INFO, size: 104, pointer: info }),
        'query',
      );
      assert.notEqual(info.gpuId, 0);
    },
  },
  // ---- panthor_vm ----
  {
    test: 'panthor_vm',
    subtest: 'vm_create_destroy',
    what: 'VM_CREATE gives a non-zero id; VM_DESTROY of it succeeds',
    run: async (e) => {
      const vm = await e.vm();
      assert.notEqual(vm, 0);
      assert.equal(errnoOf(await e.c.vmDestroy(vm)), 0);
    },
  },
  {
    test: 'panthor_vm',
    subtest: 'vm_destroy_invalid',
    what: 'VM_DESTROY of id 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.vmDestroy(0xdeadbeef)), EINVAL);
    },
  },
  {
    test: 'panthor_vm',
    subtest: 'vm_bind',
    what: 'MAP of a 4 KiB BO at 0x1000',
    run: async (e) => {
      const vm = await e.vm();
      const bo = await e.bo(0x1000);
      assert.equal(errnoOf(await vmBind(e, vm, bo.handle, 0x1000, 0x1000, MAP)), 0);
      assert.equal(errnoOf(await e.c.vmDestroy(vm)), 0);
    },
  },
  {
    test: 'panthor_vm',
    subtest: 'vm_unbind',
    what: 'MAP, then UNMAP (BO handle 0) of the same range',
    run: async (e) => {
      const vm = await e.vm();
      const bo = await e.bo(0x1000);
      assert.equal(errnoOf(await vmBind(e, vm, bo.handle, 0x1000, 0x1000, MAP)), 0);
      assert.equal(errnoOf(await vmBind(e, vm, 0, 0x1000, 0x1000, UNMAP)), 0);
    },
  },
  {
    test: 'panthor_vm',
    subtest: 'vm_unbind_invalid_address',
    what: 'UNMAP naming a BO handle: EINVAL (UNMAP takes no BO; the range was never mapped)',
    run: async (e) => {
      const vm = await e.vm();
      const bo = await e.bo(0x1000);
      assert.equal(errnoOf(await vmBind(e, vm, bo.handle, 0x1000, 0x1000, UNMAP)), EINVAL);
    },
  },
  hugepage('vm_unbind_identical_hugepage_single', '2 MiB mapped, the same 2 MiB unmapped', SZ_2M, [
    [0x200000, SZ_2M],
  ]),
  hugepage(
    'vm_unbind_identical_hugepage_single_partial',
    '4 MiB mapped, the same 4 MiB unmapped',
    SZ_4M,
    [[0x200000, SZ_4M]],
  ),
  hugepage(
    'vm_unbind_identical_hugepage_multiple',
    '6 MiB mapped, the same 6 MiB unmapped',
    6 * SZ_1M,
    [[0x200000, 6 * SZ_1M]],
  ),
  hugepage(
    'vm_unbind_identical_hugepage_offset',
    '4 MiB of a 6 MiB BO mapped from offset 2 MiB; 6 MiB unmapped',
    6 * SZ_1M,
    [[0x200000, 6 * SZ_1M]],
    { size: SZ_4M, offset: SZ_2M },
  ),
  hugepage(
    'vm_unbind_hugepage_leftaligned',
    '8 KiB unmapped at the start of a 4 MiB mapping',
    SZ_4M,
    [[0x200000, SZ_8K]],
  ),
  hugepage(
    'vm_unbind_hugepage_rightaligned',
    '8 KiB unmapped at the end of a 4 MiB mapping',
    SZ_4M,
    [[0x200000 + SZ_4M - SZ_8K, SZ_8K]],
  ),
  hugepage(
    'vm_unbind_hugepage_superset',
    '5 MiB from 0x100000 unmapped over a 2 MiB mapping at 0x200000',
    SZ_2M,
    [[0x100000, 5 * SZ_1M]],
  ),
  hugepage('vm_unbind_hugepage_subset', 'two 8 KiB holes in a 4 MiB mapping', SZ_4M, [
    [0x200000 + SZ_1M, SZ_8K],
    [0x200000 + SZ_2M + 4096, SZ_8K],
  ]),
  hugepage(
    'vm_unbind_hugepage_successive',
    'eight overlapping unmaps over a 6 MiB mapping, one range twice',
    6 * SZ_1M,
    [
      [0x3fc000, 0x208000],
      [0x3fc000, 0x208000],
      [0x200000, 0x4000],
      [0x401000, 0x4000],
      [0x4fb000, 0xa000],
      [0x3fb000, 0xa000],
      [0x3fc000, 0x4000],
      [0x200000, 0x1000],
    ],
  ),
  // ---- panthor_group ----
  {
    test: 'panthor_group',
    subtest: 'group_create',
    what: 'a group of one queue (4 KiB ring, MEDIUM, one core of each kind): a handle; destroy',
    run: async (e) => {
      const vm = await e.vm();
      const g = await e.group(vm, {
        queues: objArray([queueArgs(4096)], SIZEOF.queueCreate),
        priority: GroupPriority.MEDIUM,
      });
      assert.notEqual(g, 0);
      assert.equal(errnoOf(await e.c.groupDestroy(g)), 0);
    },
  },
  {
    test: 'panthor_group',
    subtest: 'group_submit',
    what: 'a stream stores 0xdeadbeef in a bound BO; SIGNAL on a fresh syncobj; a wait until INT64_MAX succeeds and the BO holds it',
    run: async (e) => {
      const vm = await e.vm();
      const cmd = await e.buffer(vm, 0x10_0000);
      const data = await e.buffer(vm, 0x20_0000);
      const g = await e.group(vm);
      const words = new CsBuilder().mov48(0, data.va).mov32(2, 0xdeadbeef).store32(2, 0, 0).words();
      unwrap(cmd.map.writeWords(0, words), 'stream');
      const so = await e.syncobj();
      const sig = {
        flags: SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_SYNCOBJ,
        handle: so,
        timelineValue: 0,
      };
      unwrap(await e.c.submit(g, 0, cmd.va, words.length * 4, [sig]), 'GROUP_SUBMIT');
      const w = await e.c.syncobjWait({
        handles: [so],
        countHandles: 1,
        timeoutNsec: INT64_MAX,
        flags: 0,
      });
      assert.equal(errnoOf(w), 0);
      assert.equal(unwrap(data.map.read32(0), 'read') >>> 0, 0xdeadbeef);
    },
  },
];

// ---- panfrost_submit, on Panthor ---------------------------------------------------------------

/** A submit of one queue_submit on the job group, with `over` applied. */
async function submit(e: Env, over: Record<string, unknown> = {}) {
  const g = await e.jobGroup();
  const words = streams.store(g.data.va, 1, 1000).words();
  unwrap(g.cmd.map.writeWords(0, words), 'stream');
  const qs = {
    queueIndex: 0,
    streamSize: words.length * 4,
    streamAddr: g.cmd.va,
    latestFlush: 0,
    syncs: arr.syncs([]),
    ...over,
  };
  return e.c.groupSubmit({
    groupHandle: g.group,
    pad: 0,
    queueSubmits: objArray([qs], SIZEOF.queueSubmit),
  });
}

export const PANFROST_SUBMIT: IgtCase[] = [
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit',
    what: 'a job signalling its out syncobj: the wait (100 ms) succeeds, status 1, the store landed',
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * MS), 0);
      assert.equal(errnoOf(await e.c.wait(so, 100 * MS)), 0);
      assert.equal(unwrap(await e.c.fenceStatus(so), 'status'), 1);
      const g = await e.jobGroup();
      assert.equal(unwrap(g.data.map.read32(0), 'read'), 1);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-error-no-jc',
    what: 'no job chain (Panthor: a stream size without a stream address): EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await submit(e, { streamAddr: 0 })), EINVAL);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-error-bad-in-syncs',
    what: 'in-syncs NULL with a count of 1: EFAULT',
    run: async (e) => {
      assert.equal(
        errnoOf(await submit(e, { syncs: { stride: 16, count: 1, array: null } })),
        EFAULT,
      );
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-error-bad-bo-handles',
    what: 'a NULL array with a count (Panthor has no BO list: its queue_submits array): EFAULT',
    run: async (e) => {
      const g = await e.jobGroup();
      const r = await e.c.groupSubmit({
        groupHandle: g.group,
        pad: 0,
        queueSubmits: { stride: 40, count: 1, array: null },
      });
      assert.equal(errnoOf(r), EFAULT);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-error-bad-requirements',
    what: 'bits a kernel reserves (Panthor: latest_flush bits 24..30): EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await submit(e, { latestFlush: 1 << 25 })), EINVAL);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-error-bad-out-sync',
    what: 'an out sync of (u32)-1: Panfrost says ENODEV; Panthor rejects a SIGNAL op naming no syncobj with EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await submit(e, { syncs: arr.syncs([signalOp(-1)]) })), EINVAL);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-reset',
    what: "an endless job on file A and a job on file B: A's wait times out at 100 ms, then succeeds once the job timeout killed it (status ETIMEDOUT); B's job completes",
    dirty: true,
    run: async (e) => {
      const a = await e.syncobj();
      assert.equal(await e.job(a, 3600 * S), 0);
      const b = e.other();
      const sb = await e.syncobj(0, b);
      assert.equal(await e.job(sb, 1 * MS, 0, [], b), 0);
      assert.equal(errnoOf(await e.c.wait(a, 100 * MS)), ETIME);
      assert.equal(
        errnoOf(await e.c.wait(a, 6 * S)),
        0,
        'the wait succeeds though the job was killed',
      );
      assert.equal(unwrap(await e.c.fenceStatus(a), 'status'), -ETIMEDOUT);
      assert.equal(errnoOf(await b.wait(sb, 100 * MS)), 0);
      assert.equal(unwrap(await b.fenceStatus(sb), 'status'), 1);
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-submit-and-close',
    what: 'an endless job, then the file closed at once: no hang, no crash, nothing left behind',
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 3600 * S), 0);
      await e.c.close();
      await e.k.sleep(10 * MS);
      assert.equal(e.dev.files.size, 0, 'the file was released');
    },
  },
  {
    test: 'panfrost_submit',
    subtest: 'pan-unhandled-pagefault',
    what: 'a job writing to an unmapped address: the wait succeeds, the status is an error; a valid job on the same file (a new group: Panthor kills the faulty one) completes',
    dirty: true,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const words = streams.pageFault(0x7000_0000).words();
      unwrap(g.cmd.map.writeWords(0x800, words), 'stream');
      unwrap(
        await e.c.submit(g.group, 0, g.cmd.va + 0x800, words.length * 4, [signalOp(so)]),
        'submit',
      );
      assert.equal(errnoOf(await e.c.wait(so, 1 * S)), 0);
      assert.ok(unwrap(await e.c.fenceStatus(so), 'status') < 0);
      const next = await e.syncobj();
      assert.equal(await e.job(next, 1 * MS, 0, [], e.c, 1), 0);
      assert.equal(errnoOf(await e.c.wait(next, 1 * S)), 0);
      assert.equal(unwrap(await e.c.fenceStatus(next), 'status'), 1);
    },
  },
];
