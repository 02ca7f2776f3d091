/**
 * The libdrm-like client (src/userspace/client.ts): every ioctl comes back as `{ok: true,
 * value}` with the output fields filled in, or `{ok: false, errno}` with the kernel's errno as
 * a positive number (what `errno` holds after a failed ioctl(2) in C), never an exception.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { DevQueryType, objArray, SIZEOF } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { System } from '../../src/system/system.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  groupArgs,
  onMachine,
  open,
  S,
  submit,
  vmCreate,
} from '../driver/helpers.js';

test('failed ioctls come back as {ok: false, errno} with the positive kernel errno', async () => {
  const m = await onMachine({ seed: 141 }, async (sys) => {
    const c = open(sys);
    const cases: Array<[string, { ok: boolean; errno?: number }, number]> = [
      [
        'DEV_QUERY unknown type',
        await c.devQuery({ type: 9, size: 0, pointer: null }),
        Errno.EINVAL,
      ],
      ['VM_CREATE flags', await c.vmCreate(0, 1), Errno.EINVAL],
      ['VM_DESTROY unknown', await c.vmDestroy(5), Errno.EINVAL],
      ['VM_GET_STATE unknown', await c.vmGetState(5), Errno.EINVAL],
      ['BO_CREATE size 0', await c.boCreate(0), Errno.EINVAL],
      ['BO_MMAP_OFFSET unknown', await c.boMmapOffset(5), Errno.ENOENT],
      ['GEM_CLOSE unknown', await c.gemClose(5), Errno.EINVAL],
      ['mmap unknown offset', c.mmap(0x1234000, 4096), Errno.EINVAL],
      ['GROUP_CREATE unknown VM', await c.groupCreate(groupArgs(5)), Errno.EINVAL],
      ['GROUP_DESTROY unknown', await c.groupDestroy(5), Errno.EINVAL],
      ['GROUP_GET_STATE unknown', await c.groupGetState(5), Errno.EINVAL],
      ['GROUP_SUBMIT unknown', await c.submit(5, 0, 0, 0), Errno.EINVAL],
      ['TILER_HEAP_DESTROY unknown', await c.tilerHeapDestroy(5), Errno.EINVAL],
      ['SYNCOBJ_WAIT unknown', await c.wait(5, 0), Errno.ENOENT],
      ['SYNCOBJ_QUERY unknown', await c.queryPoint(5), Errno.ENOENT],
      ['SYNCOBJ_DESTROY unknown', await c.syncobjDestroy(5), Errno.EINVAL],
      ['PERFCNT_DUMP not owner', await c.perfcntDump({ buf: [0] }), Errno.EINVAL],
      ['PERFCNT_ENABLE bad counterset', await c.perfcntEnable(true, 7), Errno.EINVAL],
    ];
    for (const [what, r, errno] of cases) {
      assert.deepEqual(r, { ok: false, errno }, what);
    }
  });
  assertClean(m);
});

test('successful ioctls return their argument struct with the outputs filled in', async () => {
  const m = await onMachine({ seed: 142 }, async (sys) => {
    const c = open(sys);
    const size = await c.devQuery({ type: DevQueryType.GPU_INFO, size: 0, pointer: null });
    assert.ok(size.ok);
    assert.equal(size.value.size, 104, 'a null pointer asks for the size');
    const info: Record<string, number> = {};
    const q = await c.devQuery({ type: DevQueryType.GPU_INFO, size: 104, pointer: info });
    assert.ok(q.ok);
    assert.equal(info.gpuId, sys.hw.cfg.gpuId);
    assert.equal(info.shaderPresent, sys.hw.cfg.shaderPresent);
    // A user struct smaller than the struct's minimum size is EINVAL (panthor_set_uobj); the
    // minimum itself (GPU_INFO up to tiler_present: 96 bytes) is accepted.
    const small: Record<string, number> = {};
    const qs = await c.devQuery({ type: DevQueryType.GPU_INFO, size: 8, pointer: small });
    assert.deepEqual(qs, { ok: false, errno: Errno.EINVAL });
    assert.deepEqual(small, {}, 'nothing copied');
    const ts = await c.devQuery({ type: DevQueryType.TIMESTAMP_INFO, size: 16, pointer: {} });
    assert.ok(ts.ok && ts.value.pointer !== null);
    assert.equal(ts.value.pointer.currentTimestamp, sys.k.nowNs, 'the virtual clock');
    const vm = await c.vmCreate();
    assert.ok(vm.ok && vm.value.id === 1);
    const bo = await c.boCreate(100);
    assert.ok(bo.ok);
    assert.deepEqual([bo.value.handle, bo.value.size], [1, 4096]);
    const map = await c.vmMap(1, 1, 0x10_0000, 4096);
    assert.ok(map.ok);
    assert.equal(map.value.ops.count, 1);
    const g = await c.groupCreate(groupArgs(1));
    assert.ok(g.ok && g.value.groupHandle === 1);
    const st = await c.groupGetState(1);
    assert.deepEqual(st.ok ? [st.value.state, st.value.fatalQueues] : null, [0, 0]);
  });
  assertClean(m);
});

test('a wait that times out is ETIME; a job killed by a fault still waits with ok', async () => {
  const m = await onMachine({ seed: 143 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const hang = await submit(c, g, cmd, streams.store(cmd.va + 0x800, 1, 100_000_000));
    assert.deepEqual(await c.wait(hang, 1000), { ok: false, errno: Errno.ETIME });
    const g2 = await group(c, vm);
    const bad = await submit(c, g2, cmd, streams.fatal(), 0x100);
    const w = await c.wait(bad, 1 * S);
    assert.equal(w.ok, true);
    const q = await c.fenceStatus(bad);
    assert.ok(q.ok);
    assert.equal(q.value, -Errno.EINVAL, 'the fence status (sync_file) is the negative errno');
    assert.equal(c.syncobjFence(bad)?.error, -Errno.EINVAL);
  });
  assertClean(m);
});

test('after unbind: opening is ENODEV and every ioctl of an open client is ENODEV', async () => {
  const m = await onMachine({ seed: 144 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    assert.equal(await sys.unbind(), 0);
    assert.equal(sys.client(), -Errno.ENODEV, 'System.client returns the negative errno');
    for (const r of [
      await c.vmCreate(),
      await c.vmDestroy(vm),
      await c.boCreate(4096),
      await c.groupCreate(groupArgs(vm)),
      await c.syncobjCreate(),
      await c.perfcntEnable(true),
      await c.vmBind({ vmId: vm, flags: 0, ops: objArray([], SIZEOF.syncOp) }),
      c.mmap(0, 4096),
    ]) {
      assert.deepEqual(r, { ok: false, errno: Errno.ENODEV });
    }
    await c.close();
  });
  assertClean(m);
});

test('System.client before any device is bound is -ENODEV', async () => {
  const sys = new System({ seed: 145 });
  assert.equal(sys.client(), -Errno.ENODEV);
});
