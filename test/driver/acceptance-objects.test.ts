/**
 * Acceptance tests (the round-one acceptance list, kept as tests here), object ioctls topic: `vm-bind-validation`,
 * `bo-basics`, `group-create-validation`. Each expected errno was checked against Panthor's
 * source (panthor_drv.c, panthor_mmu.c panthor_vm_bind_prepare_op_ctx, panthor_sched.c
 * panthor_group_create / group_create_queue).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { objArray, SIZEOF, type VmBindOp, VmBindOpFlags } from '../../src/driver/uapi.js';
import { PAGE_SIZE } from '../../src/hw/regs.js';
import { Errno } from '../../src/kernel/errno.js';
import {
  assertClean,
  errnoOf,
  groupArgs,
  onMachine,
  open,
  queueArgs,
  unwrap,
  vmCreate,
} from './helpers.js';

const EINVAL = Errno.EINVAL;

function op(over: Partial<VmBindOp>): VmBindOp {
  return {
    flags: 0,
    boHandle: 0,
    boOffset: 0,
    va: 0,
    size: 0,
    syncs: objArray([], SIZEOF.syncOp),
    ...over,
  };
}

test('vm-bind-validation: VM_BIND and VM_DESTROY reject bad arguments as Panthor does', async () => {
  const m = await onMachine({ seed: 21 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const bo = unwrap(await c.boCreate(4 * PAGE_SIZE), 'BO_CREATE');
    const handle = bo.handle as number;
    const bind = (o: Partial<VmBindOp>) =>
      c.vmBind({ vmId: vm, flags: 0, ops: objArray([op(o)], SIZEOF.vmBindOp) });
    const UNMAP = VmBindOpFlags.TYPE_UNMAP;
    const va = 0x40_0000;
    // UNMAP with a non-zero BO handle (or offset).
    assert.equal(
      errnoOf(await bind({ flags: UNMAP, boHandle: handle, va, size: PAGE_SIZE })),
      EINVAL,
    );
    assert.equal(
      errnoOf(await bind({ flags: UNMAP, boOffset: PAGE_SIZE, va, size: PAGE_SIZE })),
      EINVAL,
    );
    // Unaligned VA or size, for MAP and for UNMAP.
    assert.equal(errnoOf(await bind({ boHandle: handle, va: va + 0x10, size: PAGE_SIZE })), EINVAL);
    assert.equal(errnoOf(await bind({ boHandle: handle, va, size: PAGE_SIZE + 4 })), EINVAL);
    assert.equal(errnoOf(await bind({ flags: UNMAP, va: va + 0x800, size: PAGE_SIZE })), EINVAL);
    assert.equal(errnoOf(await bind({ flags: UNMAP, va, size: 100 })), EINVAL);
    // A MAP that runs past the end of the BO.
    assert.equal(errnoOf(await bind({ boHandle: handle, va, size: 8 * PAGE_SIZE })), EINVAL);
    // UNMAP of a range in which nothing is bound, or a superset of what is bound: 0.
    assert.equal(errnoOf(await bind({ flags: UNMAP, va: 0x80_0000, size: 16 * PAGE_SIZE })), 0);
    assert.equal(errnoOf(await bind({ boHandle: handle, va, size: 2 * PAGE_SIZE })), 0);
    const vmObj = c.file.vms.get(vm);
    assert.ok(vmObj !== undefined);
    assert.equal(vmObj.mappings.filter((mp) => !mp.kernel).length, 1, 'one user mapping');
    assert.equal(
      errnoOf(await bind({ flags: UNMAP, va: va - 4 * PAGE_SIZE, size: 16 * PAGE_SIZE })),
      0,
      'UNMAP of a superset of the bound range',
    );
    assert.equal(vmObj.mappings.filter((mp) => !mp.kernel).length, 0, 'and it is gone');
    // Sync operations need ASYNC.
    assert.equal(
      errnoOf(
        await bind({
          boHandle: handle,
          va,
          size: PAGE_SIZE,
          syncs: objArray([{ flags: 0x8000_0000, handle: 1, timelineValue: 0 }], SIZEOF.syncOp),
        }),
      ),
      EINVAL,
      'syncs without ASYNC',
    );
    // VM_BIND on an unknown VM.
    assert.equal(errnoOf(await c.vmMap(99, handle, va, PAGE_SIZE)), EINVAL);
    // Destroy of an unknown VM, and a second destroy of a destroyed one.
    assert.equal(errnoOf(await c.vmDestroy(99)), EINVAL, 'unknown VM');
    assert.equal(errnoOf(await c.vmDestroy(vm, 1)), EINVAL, 'non-zero pad');
    assert.equal(errnoOf(await c.vmDestroy(vm)), 0);
    assert.equal(errnoOf(await c.vmDestroy(vm)), EINVAL, 'already destroyed');
  });
  assertClean(m);
});

test('bo-basics: a 5000-byte BO is 8192 bytes of zeros; an unknown handle has no offset', async () => {
  const m = await onMachine({ seed: 22 }, async (sys) => {
    const c = open(sys);
    // Dirty some memory first, so that "zeros" means the allocator cleared it.
    const dirty = unwrap(await c.boCreate(2 * PAGE_SIZE), 'BO_CREATE');
    const dOff = unwrap(await c.boMmapOffset(dirty.handle as number), 'mmap offset').offset;
    const dMap = unwrap(c.mmap(dOff as number, dirty.size), 'mmap');
    for (let off = 0; off < dirty.size; off += 4) unwrap(dMap.write32(off, 0xffffffff), 'dirty');
    const dirtyPages = [...(c.file.bos.get(dirty.handle as number)?.pages ?? [])];
    assert.equal(dirtyPages.length, 2);
    unwrap(dMap.unmap(), 'munmap');
    unwrap(await c.gemClose(dirty.handle as number), 'GEM_CLOSE');

    const bo = unwrap(await c.boCreate(5000), 'BO_CREATE');
    assert.ok(
      c.file.bos.get(bo.handle as number)?.pages.some((p) => dirtyPages.includes(p)),
      'the new BO reuses a dirtied page (so the zeros below are not an accident)',
    );
    assert.equal(bo.size, 8192, 'the size is rounded up to whole pages and written back');
    assert.ok((bo.handle as number) > 0, 'a non-zero handle');
    const off = unwrap(await c.boMmapOffset(bo.handle as number), 'BO_MMAP_OFFSET').offset;
    assert.ok(typeof off === 'number' && off > 0 && off % PAGE_SIZE === 0, `offset ${off}`);
    const map = unwrap(c.mmap(off as number, bo.size), 'mmap');
    for (let o = 0; o < bo.size; o += 4) {
      assert.equal(unwrap(map.read32(o), 'read32'), 0, `word at ${o} is zero`);
    }
    // Past the end of the mapping: a fault, not a read of somebody else's memory.
    assert.equal(errnoOf(map.read32(bo.size)), Errno.EFAULT);
    assert.equal(errnoOf(await c.boMmapOffset(4242)), Errno.ENOENT, 'unknown handle');
    assert.equal(errnoOf(await c.boCreate(0)), EINVAL, 'size 0');
  });
  assertClean(m);
});

test('group-create-validation: bad GROUP_CREATE arguments are EINVAL', async () => {
  const m = await onMachine({ seed: 23 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const create = async (over: Parameters<typeof groupArgs>[1]) =>
      errnoOf(await c.groupCreate(groupArgs(vm, over)));
    const cores = sys.hw.cfg.shaderPresent;
    const cases: Array<[string, number]> = [
      [
        'ring size not a power of two',
        await create({ queues: objArray([queueArgs(12288)], SIZEOF.queueCreate) }),
      ],
      [
        'ring size below 4K',
        await create({ queues: objArray([queueArgs(2048)], SIZEOF.queueCreate) }),
      ],
      [
        'ring size above 64K',
        await create({ queues: objArray([queueArgs(128 * 1024)], SIZEOF.queueCreate) }),
      ],
      ['compute mask outside the present cores', await create({ computeCoreMask: cores + 1 })],
      ['fragment mask outside the present cores', await create({ fragmentCoreMask: 1 << 8 })],
      ['tiler mask outside the present tilers', await create({ tilerCoreMask: 0b10 })],
      ['core mask with only high bits set', await create({ computeCoreMask: 2 ** 40 })],
      ['more cores than the mask has', await create({ maxComputeCores: 2 })],
      ['unknown VM', await create({ vmId: 42 })],
      ['non-zero pad', await create({ pad: 1 })],
      [
        'non-zero queue pad',
        await create({
          queues: objArray([{ ...queueArgs(), pad: [0, 1, 0] }], SIZEOF.queueCreate),
        }),
      ],
      [
        'queue priority above 15',
        await create({ queues: objArray([queueArgs(4096, 16)], SIZEOF.queueCreate) }),
      ],
      ['no queues', await create({ queues: objArray([], SIZEOF.syncOp) })],
      ['group priority above REALTIME', await create({ priority: 4 })],
    ];
    for (const [what, errno] of cases) assert.equal(errno, EINVAL, what);
    // HIGH and REALTIME need privilege: EACCES, not EINVAL (group_priority_permit).
    assert.equal(await create({ priority: 2 }), Errno.EACCES);
    const priv = open(sys, true);
    const pvm = await vmCreate(priv);
    assert.equal(errnoOf(await priv.groupCreate(groupArgs(pvm, { priority: 3 }))), 0);
    // The control: the same arguments with the defaults succeed, and handles start at 1.
    const g = unwrap(await c.groupCreate(groupArgs(vm)), 'GROUP_CREATE');
    assert.equal(g.groupHandle, 1, 'no rejected create consumed a handle');
  });
  assertClean(m);
});
