/**
 * The GEM block (gem.ts and the BO ioctls of drv.ts): page rounding, zeroed pages, mmap,
 * NO_MMAP, exclusive BOs, and BO lifetime across handles, mappings and VM bindings.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { BoFlags, objArray, SIZEOF } from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { PAGE_SIZE } from '../../src/hw/regs.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  onMachine,
  open,
  runJob,
  unwrap,
  vmCreate,
} from './helpers.js';

test('BO_CREATE rounds sizes up to whole pages and rejects bad arguments', async () => {
  const m = await onMachine({ seed: 101 }, async (sys) => {
    const c = open(sys);
    for (const [asked, got] of [
      [1, PAGE_SIZE],
      [PAGE_SIZE, PAGE_SIZE],
      [PAGE_SIZE + 1, 2 * PAGE_SIZE],
      [5000, 8192],
      [3 * PAGE_SIZE - 1, 3 * PAGE_SIZE],
    ]) {
      const bo = unwrap(await c.boCreate(asked as number), `BO_CREATE ${asked}`);
      assert.equal(bo.size, got, `size ${asked}`);
      const obj = c.file.bos.get(bo.handle as number);
      assert.equal(obj?.pages.length, (got as number) / PAGE_SIZE, 'that many pages');
    }
    assert.equal(errnoOf(await c.boCreate(0)), Errno.EINVAL, 'size 0');
    assert.equal(errnoOf(await c.boCreate(4096, 0b10)), Errno.EINVAL, 'unknown flag');
    assert.equal(errnoOf(await c.boCreate(4096, 0, 9)), Errno.EINVAL, 'unknown exclusive VM');
    assert.equal(
      errnoOf(await c.dev.drv.boCreate(c.file, { size: 4096, flags: 0, exclusiveVmId: 0, pad: 1 })),
      Errno.EINVAL,
      'non-zero pad',
    );
    // Handles are per file, from 1.
    const other = open(sys);
    assert.equal(unwrap(await other.boCreate(1), 'BO_CREATE').handle, 1);
  });
  assertClean(m);
});

test('a new BO reads as zeros even when its pages were used before', async () => {
  const m = await onMachine({ seed: 102 }, async (sys) => {
    const c = open(sys);
    const first = unwrap(await c.boCreate(4 * PAGE_SIZE), 'BO_CREATE');
    const obj = c.file.bos.get(first.handle as number);
    assert.ok(obj !== undefined);
    const pages = [...obj.pages];
    for (let off = 0; off < first.size; off += 4) obj.write32(off, 0xa5a5a5a5);
    unwrap(await c.gemClose(first.handle as number), 'GEM_CLOSE');
    assert.equal(obj.alive, false, 'closing the only handle frees the BO');
    const second = unwrap(await c.boCreate(4 * PAGE_SIZE), 'BO_CREATE');
    const obj2 = c.file.bos.get(second.handle as number);
    assert.ok(obj2 !== undefined);
    assert.ok(
      obj2.pages.some((p) => pages.includes(p)),
      'the allocator reused at least one page (so the zeros are not an accident)',
    );
    for (let off = 0; off < second.size; off += 4) assert.equal(obj2.read32(off), 0, `at ${off}`);
  });
  assertClean(m);
});

test('mmap: the CPU sees what the GPU wrote and the GPU sees what the CPU wrote', async () => {
  const m = await onMachine({ seed: 103 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000, 2 * PAGE_SIZE);
    const g = await group(c, vm);
    // The CPU writes a value; the GPU loads it, adds 1 and stores it in the second page.
    unwrap(data.map.write32(0, 41), 'write32');
    const s = new CsBuilder()
      .mov48(0, data.va)
      .load32(2, 0, 0)
      .add32(2, 1)
      .mov48(0, data.va + PAGE_SIZE)
      .store32(2, 0, 0);
    assert.equal(await runJob(c, g, cmd, s), 1);
    assert.equal(unwrap(data.map.read32(PAGE_SIZE), 'read32'), 42);
    // Two mmaps of the same offset are views of the same pages.
    const off = unwrap(await c.boMmapOffset(data.handle), 'BO_MMAP_OFFSET').offset as number;
    assert.equal(
      unwrap(await c.boMmapOffset(data.handle), 'BO_MMAP_OFFSET').offset,
      off,
      'the offset is stable',
    );
    const second = unwrap(c.mmap(off, data.size), 'mmap');
    assert.equal(unwrap(second.read32(PAGE_SIZE), 'read32'), 42);
    // Unaligned or out-of-range accesses fault; a munmapped mapping faults.
    assert.equal(errnoOf(second.read32(2)), Errno.EFAULT);
    assert.equal(errnoOf(second.read32(data.size)), Errno.EFAULT);
    unwrap(second.unmap(), 'munmap');
    assert.equal(errnoOf(second.read32(0)), Errno.EFAULT);
    // An offset that names no BO is EINVAL (drm_gem_mmap finds no object); another file's
    // BO is there but not this file's to map: EACCES.
    assert.equal(errnoOf(c.mmap(off + 0x100000, PAGE_SIZE)), Errno.EINVAL);
    const other = open(sys);
    assert.equal(errnoOf(other.mmap(off, PAGE_SIZE)), Errno.EACCES);
  });
  assertClean(m);
});

test('NO_MMAP BOs have no mmap offset but can be mapped on the GPU', async () => {
  const m = await onMachine({ seed: 104 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const bo = unwrap(await c.boCreate(PAGE_SIZE, BoFlags.NO_MMAP), 'BO_CREATE');
    assert.equal(errnoOf(await c.boMmapOffset(bo.handle as number)), Errno.EPERM);
    assert.equal(errnoOf(await c.vmMap(vm, bo.handle as number, 0x30_0000, PAGE_SIZE)), 0);
    assert.equal(errnoOf(await c.boMmapOffset(4242)), Errno.ENOENT, 'unknown handle');
    assert.equal(
      errnoOf(await c.dev.drv.boMmapOffset(c.file, { handle: bo.handle as number, pad: 1 })),
      Errno.EINVAL,
      'non-zero pad',
    );
  });
  assertClean(m);
});

test('an exclusive BO maps only into its own VM', async () => {
  const m = await onMachine({ seed: 105 }, async (sys) => {
    const c = open(sys);
    const vmA = await vmCreate(c);
    const vmB = await vmCreate(c);
    const bo = unwrap(await c.boCreate(PAGE_SIZE, 0, vmA), 'BO_CREATE');
    assert.equal(errnoOf(await c.vmMap(vmA, bo.handle as number, 0x30_0000, PAGE_SIZE)), 0);
    assert.equal(
      errnoOf(await c.vmMap(vmB, bo.handle as number, 0x30_0000, PAGE_SIZE)),
      Errno.EINVAL,
    );
  });
  assertClean(m);
});

test('VM_BIND MAP of a BO handle that does not exist is EINVAL', async () => {
  // panthor_vm_bind_prepare_op_ctx looks the handle up and passes NULL on failure;
  // panthor_vm_prepare_map_op_ctx returns -EINVAL for a NULL BO. Unlike BO_MMAP_OFFSET (ENOENT).
  const m = await onMachine({ seed: 106 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    assert.equal(errnoOf(await c.vmMap(vm, 4242, 0x30_0000, PAGE_SIZE)), Errno.EINVAL);
    const async = await c.vmBind({
      vmId: vm,
      flags: 1,
      ops: objArray(
        [
          {
            flags: 0,
            boHandle: 4242,
            boOffset: 0,
            va: 0x30_0000,
            size: PAGE_SIZE,
            syncs: objArray([], SIZEOF.syncOp),
          },
        ],
        SIZEOF.vmBindOp,
      ),
    });
    assert.equal(errnoOf(async), Errno.EINVAL, 'asynchronous too');
  });
  assertClean(m);
});

test('a BO lives as long as a handle, a CPU mapping or a GPU mapping holds it', async () => {
  const m = await onMachine({ seed: 107 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const b = await buffer(c, vm, 0x30_0000);
    const obj = c.file.bos.get(b.handle);
    assert.ok(obj !== undefined);
    assert.equal(obj.refs.peek(), 3, 'handle + GPU mapping + CPU mapping');
    unwrap(await c.gemClose(b.handle), 'GEM_CLOSE');
    assert.equal(errnoOf(await c.gemClose(b.handle)), Errno.EINVAL, 'handle gone');
    assert.equal(obj.alive, true, 'still mapped');
    unwrap(b.map.write32(0, 5), 'the CPU mapping still works');
    unwrap(b.map.unmap(), 'munmap');
    assert.equal(obj.alive, true, 'still bound in the VM');
    const unmap = await c.vmBind({
      vmId: vm,
      flags: 0,
      ops: objArray(
        [
          {
            flags: 1 << 28,
            boHandle: 0,
            boOffset: 0,
            va: 0x30_0000,
            size: PAGE_SIZE,
            syncs: objArray([], SIZEOF.syncOp),
          },
        ],
        SIZEOF.vmBindOp,
      ),
    });
    assert.equal(errnoOf(unmap), 0);
    assert.equal(obj.alive, false, 'freed with its last reference');
    // The GPU mapping went first: a job touching the VA now page-faults rather than writing
    // into freed memory.
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    assert.equal(await runJob(c, g, cmd, streams.pageFault(0x30_0000)), -Errno.EINVAL);
    assert.deepEqual(sys.hw.freedAccesses, [], 'no GPU access to freed pages');
  });
  assertClean(m);
});

test('GEM_CLOSE revokes the mmap right: the offset of a closed BO cannot be mapped again', async () => {
  const m = await onMachine({ seed: 108 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    // A BO that dies with its handle, and one that lives on in a VM mapping.
    const gone = unwrap(await c.boCreate(PAGE_SIZE), 'BO_CREATE');
    const kept = unwrap(await c.boCreate(PAGE_SIZE), 'BO_CREATE');
    const goneOff = unwrap(await c.boMmapOffset(gone.handle as number), 'offset').offset as number;
    const keptOff = unwrap(await c.boMmapOffset(kept.handle as number), 'offset').offset as number;
    unwrap(await c.vmMap(vm, kept.handle as number, 0x30_0000, PAGE_SIZE), 'VM_BIND');
    unwrap(await c.gemClose(gone.handle as number), 'GEM_CLOSE');
    unwrap(await c.gemClose(kept.handle as number), 'GEM_CLOSE');
    // The freed BO's offset names nothing any more; the live one is no longer this file's.
    assert.equal(errnoOf(c.mmap(goneOff, PAGE_SIZE)), Errno.EINVAL, 'no mapping of a freed BO');
    assert.equal(
      errnoOf(c.mmap(keptOff, PAGE_SIZE)),
      Errno.EACCES,
      'the right went with the handle',
    );
  });
  // Without the revoke, the first mmap resurrected the freed BO: a use-after-free.
  assertClean(m);
});
