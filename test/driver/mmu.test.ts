/**
 * The MMU block (mmu.ts, vm.ts, vm-bind.ts): AS-slot allocation with LRU eviction of idle VMs,
 * the active count, page faults (VM marked, AS disabled, re-enabled on the next activation),
 * and VM_GET_STATE.
 *
 * Each test holds a runtime-PM reference for its whole body: a runtime suspend forgets every
 * slot binding, which is not what these tests look at.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { PanthorDevice } from '../../src/driver/device.js';
import { objArray, SIZEOF, VmBindFlags, VmState } from '../../src/driver/uapi.js';
import type { Vm } from '../../src/driver/vm.js';
import * as R from '../../src/hw/regs.js';
import { Errno } from '../../src/kernel/errno.js';
import type { DrmClient } from '../../src/userspace/client.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  groupOf,
  MS,
  onMachine,
  open,
  read,
  runJob,
  S,
  signalOp,
  submit,
  syncobj,
  unwrap,
  vmCreate,
  waitStatus,
} from './helpers.js';

async function vmObj(c: DrmClient): Promise<Vm> {
  const id = await vmCreate(c);
  const vm = c.file.vms.get(id);
  assert.ok(vm !== undefined);
  return vm;
}

function transcfg(dev: PanthorDevice, as: number): number {
  return dev.hw.read32(R.AS_TRANSCFG(as)) & R.AS_TRANSCFG_ADRMODE_MASK;
}

test('AS slots: a free slot first, then the least recently used idle VM is evicted; EBUSY when all are busy', async () => {
  // Three AS slots: AS0 is the firmware's, so two for user VMs.
  const m = await onMachine({ seed: 61, gpu: { asSlots: 3 } }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const c = open(sys);
    const [a, b, x] = [await vmObj(c), await vmObj(c), await vmObj(c)];
    const mmu = dev.mmu;
    assert.equal(await mmu.vmActive(a), 0);
    assert.equal(await mmu.vmActive(b), 0);
    assert.deepEqual([a.asId, b.asId], [1, 2], 'the free slots, lowest first');
    assert.equal(transcfg(dev, 1), R.AS_TRANSCFG_ADRMODE_AARCH64_4K, 'AS1 programmed');
    // Both busy: a third VM cannot get a slot.
    assert.equal(await mmu.vmActive(x), -Errno.EBUSY);
    assert.equal(x.asId, -1);
    // Idle them, b first then a: b is the least recently used.
    await mmu.vmIdle(b);
    await mmu.vmIdle(a);
    assert.deepEqual(mmu.lru, [b, a], 'LRU order');
    assert.deepEqual([a.asId, b.asId], [1, 2], 'idle VMs keep their slots');
    assert.equal(await mmu.vmActive(x), 0);
    assert.equal(x.asId, 2, "x took b's slot");
    assert.equal(b.asId, -1, 'b was evicted');
    assert.equal(b.activeCnt.peek(), 0);
    assert.deepEqual(mmu.lru, [a]);
    // a still has its slot: re-activating it needs no new slot and takes it off the LRU.
    assert.equal(await mmu.vmActive(a), 0);
    assert.equal(a.asId, 1);
    assert.deepEqual(mmu.lru, []);
    assert.equal(mmu.allocMask, 0b111, 'AS0..AS2 allocated');
    await dev.pm.putAutosuspend();
  });
  assertClean(m);
});

test('activeCnt: nested activations share the slot; only the last idle makes the VM evictable', async () => {
  const m = await onMachine({ seed: 62 }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const c = open(sys);
    const vm = await vmObj(c);
    const mmu = dev.mmu;
    assert.equal(vm.activeCnt.peek(), 0);
    assert.equal(await mmu.vmActive(vm), 0);
    const as = vm.asId;
    assert.ok(as >= 1, 'a user slot');
    assert.equal(await mmu.vmActive(vm), 0);
    assert.equal(vm.activeCnt.peek(), 2);
    assert.equal(vm.asId, as, 'same slot');
    await mmu.vmIdle(vm);
    assert.equal(vm.activeCnt.peek(), 1);
    assert.ok(!mmu.lru.includes(vm), 'still in use: not evictable');
    await mmu.vmIdle(vm);
    assert.equal(vm.activeCnt.peek(), 0);
    assert.ok(mmu.lru.includes(vm), 'idle: on the LRU');
    // A group on a CSG slot holds its VM active; destroying the group releases it.
    const gid = await vmCreate(c);
    const gvm = c.file.vms.get(gid);
    assert.ok(gvm !== undefined);
    const cmd = await buffer(c, gid, 0x10_0000);
    const g = await group(c, gid);
    await submit(c, g, cmd, streams.store(cmd.va + 0x800, 1, 50 * MS));
    const grp = groupOf(c, g);
    for (let i = 0; i < 100 && grp.csgId < 0; i++) await sys.k.sleep(1 * MS);
    assert.ok(grp.csgId >= 0, 'the group is on a slot');
    assert.equal(gvm.activeCnt.peek(), 1, 'its VM is active once');
    assert.ok(!mmu.lru.includes(gvm));
    assert.equal(errnoOf(await c.groupDestroy(g)), 0);
    for (let i = 0; i < 100 && grp.csgId >= 0; i++) await sys.k.sleep(1 * MS);
    assert.equal(grp.csgId, -1, 'evicted');
    assert.equal(gvm.activeCnt.peek(), 0, 'the VM is idle again');
    assert.ok(mmu.lru.includes(gvm), 'and evictable');
    await dev.pm.putAutosuspend();
  });
  assertClean(m);
});

test('a page fault marks the VM, disables its AS, and the next activation re-enables it', async () => {
  const m = await onMachine({ seed: 63 }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const c = open(sys);
    const id = await vmCreate(c);
    const vm = c.file.vms.get(id);
    assert.ok(vm !== undefined);
    const cmd = await buffer(c, id, 0x10_0000);
    const data = await buffer(c, id, 0x20_0000);
    const bad = await group(c, id);
    assert.equal(await runJob(c, bad, cmd, streams.pageFault(0x7000_0000)), -Errno.EINVAL);
    const as = vm.asId;
    assert.ok(as >= 1, 'the VM keeps its slot');
    assert.equal(vm.unhandledFault, true, 'the VM is marked');
    assert.ok(dev.mmu.faultyMask & R.MMU_PAGE_FAULT(as), 'the AS is marked faulty');
    assert.equal(transcfg(dev, as), R.AS_TRANSCFG_ADRMODE_UNMAPPED, 'the AS was disabled');
    assert.equal(sys.hw.pageFaults[0]?.as, as);
    // The fault is the VM's memory problem, not a reason to make it unusable.
    assert.equal(unwrap(await c.vmGetState(id), 'VM_GET_STATE').state, VmState.USABLE);
    // A new group on the VM activates it again: fault cleared, translation back on.
    const g = await group(c, id);
    assert.equal(await runJob(c, g, cmd, streams.store(data.va, 0x77), 2 * S, 0x100), 1);
    assert.equal(read(data), 0x77);
    assert.equal(vm.unhandledFault, false);
    assert.equal(dev.mmu.faultyMask & R.MMU_PAGE_FAULT(vm.asId), 0);
    assert.equal(transcfg(dev, vm.asId), R.AS_TRANSCFG_ADRMODE_AARCH64_4K);
    await dev.pm.putAutosuspend();
  });
  assertClean(m);
});

test('VM_GET_STATE: USABLE, then UNUSABLE after a failed asynchronous bind', async () => {
  const m = await onMachine({ seed: 64 }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const c = open(sys);
    const id = await vmCreate(c);
    const vm = c.file.vms.get(id);
    assert.ok(vm !== undefined);
    assert.equal(unwrap(await c.vmGetState(id), 'VM_GET_STATE').state, VmState.USABLE);
    assert.equal(errnoOf(await c.vmGetState(99)), Errno.EINVAL, 'unknown VM');
    const g = await group(c, id);
    const bo = unwrap(await c.boCreate(4096), 'BO_CREATE');
    // The VM is bound to an AS, and that AS will never be ready again: the TLB flush that
    // follows the page-table update cannot be issued, so the bind fails after the ioctl
    // returned. User space has moved on: the VM must become unusable.
    assert.equal(await dev.mmu.vmActive(vm), 0);
    sys.hw.faults.arm({ name: 'as-active-stuck', atNs: sys.k.nowNs, count: 1, rate: 1 });
    const done = await syncobj(c);
    const r = await c.vmBind({
      vmId: id,
      flags: VmBindFlags.ASYNC,
      ops: objArray(
        [
          {
            flags: 0,
            boHandle: bo.handle as number,
            boOffset: 0,
            va: 0x30_0000,
            size: 4096,
            syncs: objArray([signalOp(done)], SIZEOF.syncOp),
          },
        ],
        SIZEOF.vmBindOp,
      ),
    });
    assert.equal(errnoOf(r), 0, 'the asynchronous bind is accepted');
    const w = await waitStatus(c, done, 1 * S);
    assert.equal(w.waitErrno, 0);
    assert.equal(w.status, -Errno.ETIMEDOUT, 'its fence carries the error');
    assert.equal(unwrap(await c.vmGetState(id), 'VM_GET_STATE').state, VmState.UNUSABLE);
    // New maps are refused and the VM's groups cannot run.
    assert.equal(errnoOf(await c.vmMap(id, bo.handle as number, 0x40_0000, 4096)), Errno.EINVAL);
    assert.equal(errnoOf(await c.submit(g, 0, 0x10_0000, 8)), Errno.EINVAL);
    await dev.mmu.vmIdle(vm);
    await dev.pm.putAutosuspend();
    // The stuck AS asked for a reset, and the device came back from it.
    for (let i = 0; i < 100 && dev.log.resets.at(-1)?.ok !== true; i++) await sys.k.sleep(10e6);
    assert.equal(dev.log.requests[0]?.reason, 'as-active-stuck');
    assert.equal(dev.log.resets.at(-1)?.ok, true);
  });
  assertClean(m);
});
