import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DmaAccess } from '../../src/hw/context.js';
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS,
  AS_FAULTSTATUS,
  AS_FAULTSTATUS_ACCESS_TYPE_MASK,
  AS_FAULTSTATUS_ACCESS_TYPE_READ,
  AS_FAULTSTATUS_ACCESS_TYPE_WRITE,
  AS_LOCKADDR,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSTAB,
  CSG_STATE_START,
  Exception,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_PAGE_FAULT,
} from '../../src/hw/regs.js';
import {
  bootGpu,
  CsBuilder,
  csgRequest,
  MS,
  newGpu,
  PageTables,
  pollUntil,
  programAs,
  programGroup,
  programQueue,
  runTask,
  setupVm,
  startQueue,
  submit,
  US,
  waitAsIdle,
} from './helpers.js';

const DATA_VA = 0x200_0000;

test('an AS with a page table translates; an unmapped access faults with the right address', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 2);
    const [dataPa] = pt.mapNew(DATA_VA);
    const dma: DmaAccess[] = [];
    gpu.onDma = (a) => {
      if (a.write) dma.push(a);
    };
    const hole = DATA_VA + 0x10_0000 + 0x40;
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder().mov48(2, DATA_VA).mov32(4, 42).store32(4, 2, 8).mov48(6, hole).store32(4, 6),
    );
    assert.ok(await pollUntil(k, () => gpu.streamState(0, 0) === 'fatal'));
    assert.equal(gpu.mem.read32((dataPa as number) + 8), 42);
    assert.deepEqual(dma[0], {
      as: 2,
      va: DATA_VA + 8,
      pa: (dataPa as number) + 8,
      write: true,
      source: 'cs',
    });
    assert.notEqual(gpu.read32(MMU_INT_RAWSTAT) & MMU_PAGE_FAULT(2), 0);
    const status = gpu.read32(AS_FAULTSTATUS(2));
    assert.equal(status & 0xff, Exception.TRANSLATION_FAULT_0);
    assert.equal(status & AS_FAULTSTATUS_ACCESS_TYPE_MASK, AS_FAULTSTATUS_ACCESS_TYPE_WRITE);
    assert.equal(gpu.read32(AS_FAULTADDRESS(2)), hole);
    assert.equal(gpu.read32(AS_FAULTADDRESS(2) + 4), 0);
    const pf = gpu.pageFaults.at(-1);
    assert.deepEqual(
      pf && { as: pf.as, va: pf.va, write: pf.write, source: pf.source, csg: pf.csg, cs: pf.cs },
      { as: 2, va: hole, write: true, source: 'cs', csg: 0, cs: 0 },
    );
    // The stream got CS_FATAL with the MMU's exception and the VA.
    const cs = gpu.fw.csg[0]?.streams[0];
    assert.equal(cs?.output.fatal, Exception.TRANSLATION_FAULT_0);
    assert.equal(cs?.output.fatalInfo, hole);
  });
});

test('the first fault wins until MMU_INT_CLEAR; read-only pages give a permission fault', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const vm = await setupVm(k, gpu, 1, 2);
    vm.pt.mapNew(DATA_VA, 1, { readOnly: true });
    programGroup(gpu, 0, 1);
    programQueue(gpu, 0, 0, vm.queues[0]!);
    programQueue(gpu, 0, 1, vm.queues[1]!);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_START));
    // Queue 0 reads from a hole, queue 1 writes to a read-only page.
    submit(gpu, 0, 0, vm.queues[0]!, new CsBuilder().mov48(2, 0x900_0000).load32(4, 2));
    assert.ok(await pollUntil(k, () => gpu.streamState(0, 0) === 'fatal'));
    submit(gpu, 0, 1, vm.queues[1]!, new CsBuilder().mov48(2, DATA_VA).store32(4, 2));
    assert.ok(await pollUntil(k, () => gpu.streamState(0, 1) === 'fatal'));
    let status = gpu.read32(AS_FAULTSTATUS(1));
    assert.equal(status & AS_FAULTSTATUS_ACCESS_TYPE_MASK, AS_FAULTSTATUS_ACCESS_TYPE_READ);
    assert.equal(gpu.read32(AS_FAULTADDRESS(1)), 0x900_0000);
    assert.equal(gpu.fw.csg[0]?.streams[1]?.output.fatal, Exception.PERM_FAULT_0);
    assert.equal(gpu.pageFaults.length, 2);
    // Clear, then a new fault is recorded.
    gpu.write32(MMU_INT_CLEAR, MMU_PAGE_FAULT(1));
    assert.equal(gpu.irq.mmu.level, false);
    gpu.write32(MMU_INT_MASK, 0xffffffff);
    // A fresh group on slot 1 in the same AS faults again: this fault is recorded.
    programGroup(gpu, 1, 1);
    const vm2 = await setupVm(k, gpu, 1, 1);
    vm2.pt.mapNew(DATA_VA, 1, { readOnly: true });
    programQueue(gpu, 1, 0, vm2.queues[0]!);
    assert.ok(await csgRequest(k, gpu, 1, CSG_STATE_START));
    submit(gpu, 1, 0, vm2.queues[0]!, new CsBuilder().mov48(2, DATA_VA + 4).store32(4, 2));
    assert.ok(await pollUntil(k, () => gpu.streamState(1, 0) === 'fatal'));
    status = gpu.read32(AS_FAULTSTATUS(1));
    assert.equal(status & 0xff, Exception.PERM_FAULT_0);
    assert.equal(gpu.read32(AS_FAULTADDRESS(1)), DATA_VA + 4);
  });
});

test('a missing TLB flush leaves a stale translation; UPDATE (or FLUSH) fixes it', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [oldPa] = pt.mapNew(DATA_VA);
    const store = (v: number) => new CsBuilder().mov48(2, DATA_VA).mov32(4, v).store32(4, 2);
    submit(gpu, 0, 0, q, store(1));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(oldPa!) === 1));
    // The driver remaps the VA to a new page but does not flush the TLB.
    const newPa = gpu.mem.allocPage();
    pt.map(DATA_VA, newPa);
    submit(gpu, 0, 0, q, store(2));
    assert.ok(
      await pollUntil(k, () => gpu.streamState(0, 0) === 'empty' && gpu.mem.read32(oldPa!) === 2),
    );
    assert.equal(gpu.mem.read32(newPa), 0, 'stale translation still used the old page');
    // LOCK/UNLOCK of a region that does not cover the VA does not help...
    gpu.write32(AS_LOCKADDR(1), 0x4000_0000 | 14);
    gpu.write32(AS_COMMAND(1), AS_COMMAND_LOCK);
    await waitAsIdle(k, gpu, 1);
    gpu.write32(AS_COMMAND(1), AS_COMMAND_UNLOCK);
    await waitAsIdle(k, gpu, 1);
    submit(gpu, 0, 0, q, store(3));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(oldPa!) === 3));
    // ...UPDATE does.
    gpu.write32(AS_COMMAND(1), AS_COMMAND_UPDATE);
    await waitAsIdle(k, gpu, 1);
    submit(gpu, 0, 0, q, store(4));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(newPa) === 4));
    assert.equal(gpu.mem.read32(oldPa!), 3);
    // Unmap without flush: stale; FLUSH_MEM: faults.
    pt.unmap(DATA_VA);
    submit(gpu, 0, 0, q, store(5));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(newPa) === 5));
    gpu.write32(AS_COMMAND(1), AS_COMMAND_FLUSH_MEM);
    await waitAsIdle(k, gpu, 1);
    submit(gpu, 0, 0, q, store(6));
    assert.ok(await pollUntil(k, () => gpu.streamState(0, 0) === 'fatal'));
    assert.equal(gpu.pageFaults.at(-1)?.va, DATA_VA);
  });
});

test('UNLOCK invalidates the locked region (Panthor flush sequence)', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [oldPa] = pt.mapNew(DATA_VA);
    const store = (v: number) => new CsBuilder().mov48(2, DATA_VA).mov32(4, v).store32(4, 2);
    submit(gpu, 0, 0, q, store(1));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(oldPa!) === 1));
    const newPa = gpu.mem.allocPage();
    // Lock a 64 KiB region around the VA (width field = log2(size) - 1), update, unlock.
    gpu.write32(AS_LOCKADDR(1), DATA_VA | 15);
    gpu.write32(AS_COMMAND(1), AS_COMMAND_LOCK);
    await waitAsIdle(k, gpu, 1);
    pt.map(DATA_VA, newPa);
    gpu.write32(AS_COMMAND(1), AS_COMMAND_UNLOCK);
    await waitAsIdle(k, gpu, 1);
    submit(gpu, 0, 0, q, store(2));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(newPa) === 2));
  });
});

test('AS_ACTIVE is set while a command runs, then clears; UNMAPPED faults everything', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const pt = new PageTables(gpu.mem);
    gpu.write32(AS_TRANSTAB(3), pt.root);
    gpu.write32(AS_TRANSCFG(3), AS_TRANSCFG_ADRMODE_UNMAPPED);
    gpu.write32(AS_COMMAND(3), AS_COMMAND_UPDATE);
    assert.notEqual(gpu.read32(AS_STATUS(3)) & AS_STATUS_AS_ACTIVE, 0);
    await k.sleep(5 * US);
    assert.equal(gpu.read32(AS_STATUS(3)) & AS_STATUS_AS_ACTIVE, 0);
    assert.ok(await programAs(k, gpu, 3, pt));
  });
});

test('GPU accesses to freed pages are logged in freedAccesses', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [pa] = pt.mapNew(DATA_VA);
    gpu.mem.freePage(pa!); // freed while still mapped
    submit(gpu, 0, 0, q, new CsBuilder().mov48(2, DATA_VA).mov32(4, 9).store32(4, 2));
    assert.ok(await pollUntil(k, () => gpu.fw.csg[0]?.streams[0]?.output.extract === 24, MS));
    assert.equal(gpu.freedAccesses.length, 1);
    assert.deepEqual(
      {
        as: gpu.freedAccesses[0]?.as,
        va: gpu.freedAccesses[0]?.va,
        write: gpu.freedAccesses[0]?.write,
      },
      { as: 1, va: DATA_VA, write: true },
    );
  });
});
