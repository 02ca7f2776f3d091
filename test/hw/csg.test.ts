import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AS_FAULTADDRESS,
  CS_FATAL,
  CS_STATE_START,
  CS_TILER_OOM,
  CSG_IDLE,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_SYNC_UPDATE,
  Exception,
  FW_DATA_CLEAN,
  HEAP_CTX_CHUNK_SIZE,
  HEAP_CTX_CHUNK_VA,
  HEAP_CTX_CHUNKS,
  HEAP_CTX_USED,
  HEAP_CTX_WRITEBACKS,
  JOB_INT_CLEAR,
  JOB_INT_CSG_IF,
  JOB_INT_RAWSTAT,
  MMU_INT_RAWSTAT,
  MMU_PAGE_FAULT,
  SUSPEND_MAGIC,
} from '../../src/hw/regs.js';
import {
  bootGpu,
  CsBuilder,
  csgRequest,
  enableMcu,
  MS,
  newGpu,
  pollUntil,
  powerL2,
  programAs,
  programGroup,
  programQueue,
  ringCsg,
  runTask,
  setupVm,
  softReset,
  startQueue,
  submit,
  US,
} from './helpers.js';

const DATA_VA = 0x200_0000;
const SYNC_VA = 0x300_0000;
const HEAP_CTX_VA = 0x400_0000;

test('a CSG start runs a stream that stores a value; SYNC_ADD64 raises CSG_SYNC_UPDATE', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [dataPa] = pt.mapNew(DATA_VA);
    const [syncPa] = pt.mapNew(SYNC_VA);
    gpu.write32(JOB_INT_CLEAR, 0xffffffff);
    const csg = gpu.fw.csg[0]!;
    assert.equal(csg.output.ack & CSG_SYNC_UPDATE, csg.input.req & CSG_SYNC_UPDATE);
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder()
        .mov48(2, DATA_VA)
        .mov32(4, 0xdeadbeef)
        .store32(4, 2)
        .run(1000)
        .mov48(6, SYNC_VA)
        .mov48(8, 1)
        .syncAdd64(6, 8),
    );
    assert.ok(await pollUntil(k, () => gpu.mem.read64(syncPa!) === 1, MS));
    assert.equal(gpu.mem.read32(dataPa!), 0xdeadbeef);
    assert.notEqual((csg.output.ack ^ csg.input.req) & CSG_SYNC_UPDATE, 0, 'event pending');
    assert.notEqual(gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_CSG_IF(0), 0);
    assert.equal(gpu.irq.job.level, true);
    assert.equal(csg.streams[0]?.output.extract, 7 * 8);
    assert.equal(gpu.stats.syncAdds, 1);
    assert.equal(gpu.stats.runNs, 1000);
    // The host acknowledges the event.
    csg.input.req ^= (csg.output.ack ^ csg.input.req) & CSG_SYNC_UPDATE;
    // Once everything is idle, CSG_IDLE is raised.
    assert.ok(await pollUntil(k, () => ((csg.output.ack ^ csg.input.req) & CSG_IDLE) !== 0, MS));
  });
});

test('SYNC_WAIT64 blocks until another stream (or the CPU plus a doorbell) signals', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const vm = await setupVm(k, gpu, 1, 2);
    const [syncPa] = vm.pt.mapNew(SYNC_VA);
    const [dataPa] = vm.pt.mapNew(DATA_VA);
    programGroup(gpu, 0, 1);
    programQueue(gpu, 0, 0, vm.queues[0]!);
    programQueue(gpu, 0, 1, vm.queues[1]!);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_START));
    // Queue 0 waits for sync > 1, then stores.
    submit(
      gpu,
      0,
      0,
      vm.queues[0]!,
      new CsBuilder()
        .mov48(2, SYNC_VA)
        .mov48(4, 1)
        .syncWait64(2, 4, true)
        .mov48(6, DATA_VA)
        .mov32(8, 77)
        .store32(8, 6),
    );
    await k.sleep(50 * US);
    assert.equal(gpu.streamState(0, 0), 'wait');
    assert.equal(gpu.fw.csg[0]?.streams[0]?.output.statusBlockedReason, 3);
    // Queue 1 adds 1: not enough.
    const add1 = new CsBuilder().mov48(2, SYNC_VA).mov48(4, 1).syncAdd64(2, 4);
    submit(gpu, 0, 1, vm.queues[1]!, add1);
    await k.sleep(50 * US);
    assert.equal(gpu.mem.read64(syncPa!), 1);
    assert.equal(gpu.streamState(0, 0), 'wait');
    // The CPU sets it to 5 and rings a doorbell: the wait is re-evaluated.
    gpu.mem.write64(syncPa!, 5);
    ringCsg(gpu, 0);
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 77, MS));
  });
});

test('INVALID raises CS_FATAL with INSTR_INVALID_ENC through csIrqReq', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 2, 1);
    gpu.write32(JOB_INT_CLEAR, 0xffffffff);
    submit(gpu, 2, 0, q, new CsBuilder().nop().invalid().nop());
    assert.ok(await pollUntil(k, () => gpu.streamState(2, 0) === 'fatal', MS));
    const csg = gpu.fw.csg[2]!;
    const cs = csg.streams[0]!;
    assert.equal(cs.output.fatal & 0xff, Exception.INSTR_INVALID_ENC);
    assert.equal(cs.output.fatalInfo, q.ringVa + 8);
    assert.notEqual((cs.output.ack ^ cs.input.req) & CS_FATAL, 0);
    assert.equal((csg.output.csIrqReq ^ csg.input.csIrqAck) & 1, 1);
    assert.notEqual(gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_CSG_IF(2), 0);
    // An unknown opcode is just as fatal.
    const { q: q2 } = await startQueue(k, gpu, 3, 2);
    submit(gpu, 3, 0, q2, new CsBuilder().raw(0x77));
    assert.ok(await pollUntil(k, () => gpu.streamState(3, 0) === 'fatal', MS));
    assert.equal(gpu.fw.csg[3]?.streams[0]?.output.fatal, Exception.INSTR_INVALID_ENC);
  });
});

test('a hung queue never completes while time advances (RUN forever, job-hang, JUMP -1)', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const vm = await setupVm(k, gpu, 1, 3);
    const [dataPa] = vm.pt.mapNew(DATA_VA);
    programGroup(gpu, 0, 1);
    for (let i = 0; i < 3; i++) programQueue(gpu, 0, i, vm.queues[i]!);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_START));
    const storeAfter = (head: CsBuilder, off: number) =>
      head.mov48(2, DATA_VA).mov32(4, 1).store32(4, 2, off);
    submit(gpu, 0, 0, vm.queues[0]!, storeAfter(new CsBuilder().runForever(), 0));
    gpu.faults.arm({ name: 'job-hang', atNs: k.nowNs, count: 1, rate: 1 });
    submit(gpu, 0, 1, vm.queues[1]!, storeAfter(new CsBuilder().run(1000), 4));
    submit(gpu, 0, 2, vm.queues[2]!, storeAfter(new CsBuilder().jump(-1), 8));
    const t0 = k.nowNs;
    await k.sleep(5000 * MS);
    assert.ok(k.nowNs - t0 >= 5000 * MS);
    assert.equal(gpu.mem.read32(dataPa!), 0);
    assert.equal(gpu.mem.read32(dataPa! + 4), 0);
    assert.equal(gpu.mem.read32(dataPa! + 8), 0);
    assert.equal(gpu.streamState(0, 0), 'run');
    assert.equal(gpu.streamState(0, 1), 'run');
    assert.equal(gpu.streamState(0, 2), 'spin');
    assert.deepEqual(
      gpu.faults.fired.map((f) => f.name),
      ['job-hang'],
    );
    gpu.settle();
    // Two RUNs busy for ~5 s each; the spin loop executed ~5 s / 20 ns instructions.
    assert.ok(gpu.stats.runNs >= 2 * 4990 * MS);
    assert.ok(gpu.stats.instructions > 200_000_000);
    // The hardware did not need an event per instruction to get there.
    assert.ok(k.pendingEvents < 10);
  });
});

test('a tight loop with a register effect still lets time advance and other work run', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    submit(gpu, 0, 0, q, new CsBuilder().add32(3, 1).jump(-2));
    await k.sleep(2 * MS);
    assert.equal(gpu.streamState(0, 0), 'ready');
    assert.ok(gpu.stats.instructions > 90_000);
    // Terminate it.
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_TERMINATE));
    assert.equal(gpu.streamState(0, 0), 'off');
    assert.equal(gpu.csgRunning(0), false);
  });
});

test('CALL, BRANCH_NZ loops and extract', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [dataPa] = pt.mapNew(DATA_VA);
    const [bufPa] = pt.mapNew(0x500_0000);
    // The called buffer: r10 = 3; loop { r11 += 1 } while r10--; store r11.
    const body = new CsBuilder()
      .mov32(10, 3)
      .add32(11, 1)
      .branchNz(10, -2)
      .mov48(12, DATA_VA)
      .store32(11, 12)
      .mov32(13, 5)
      .branchNz(13, -1)
      .store32(13, 12, 4);
    body.words().forEach((w, i) => {
      gpu.mem.write32(bufPa! + i * 4, w);
    });
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder().mov48(20, 0x500_0000).mov32(22, body.bytes).call(20, 22).nop(),
    );
    assert.ok(await pollUntil(k, () => gpu.fw.csg[0]?.streams[0]?.output.extract === 32, MS));
    assert.equal(gpu.mem.read32(dataPa!), 4);
    assert.equal(gpu.mem.read32(dataPa! + 4), 0);
  });
});

test('CSG suspend writes the heap context and the suspend header; resume continues', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 1, 1);
    const [dataPa] = pt.mapNew(DATA_VA);
    const [ctxPa] = pt.mapNew(HEAP_CTX_VA);
    const [chunkPa] = pt.mapNew(0x600_0000, 1);
    void chunkPa;
    gpu.mem.write64(ctxPa! + HEAP_CTX_CHUNK_VA, 0x600_0000);
    gpu.mem.write32(ctxPa! + HEAP_CTX_CHUNK_SIZE, 4096);
    submit(
      gpu,
      1,
      0,
      q,
      new CsBuilder()
        .mov48(2, HEAP_CTX_VA)
        .heapSet(2)
        .heapAlloc(100)
        .mov48(4, DATA_VA)
        .mov32(6, 1)
        .store32(6, 4)
        .run(1_000_000)
        .mov32(6, 2)
        .store32(6, 4, 4)
        .run(1_000_000)
        .mov32(6, 3)
        .store32(6, 4, 8),
    );
    await k.sleep(500 * US);
    assert.equal(gpu.mem.read32(dataPa!), 1);
    assert.equal(gpu.mem.read32(ctxPa! + HEAP_CTX_USED), 0, 'the tiler caches its context');
    assert.ok(await csgRequest(k, gpu, 1, CSG_STATE_SUSPEND));
    assert.equal(gpu.csgRunning(1), false);
    assert.equal(gpu.mem.read32(ctxPa! + HEAP_CTX_USED), 100);
    assert.equal(gpu.mem.read32(ctxPa! + HEAP_CTX_WRITEBACKS), 1);
    assert.equal(gpu.mem.read32(boot.suspendPa[1]!), SUSPEND_MAGIC);
    const tSuspended = k.nowNs;
    // Nothing runs while suspended, however long.
    await k.sleep(10 * MS);
    assert.equal(gpu.mem.read32(dataPa! + 4), 0);
    // Resume: the first RUN continues with the time it had left (about 500 µs).
    assert.ok(await csgRequest(k, gpu, 1, CSG_STATE_RESUME));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa! + 4) === 2, 5 * MS, 10 * US));
    assert.ok(k.nowNs - tSuspended < 10 * MS + 800 * US);
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa! + 8) === 3, 5 * MS, 10 * US));
    assert.equal(gpu.fw.csg[1]?.streams[0]?.output.extract, 12 * 8);
    assert.equal(gpu.queueRunNs(1, 0), 2_000_000);
  });
});

test('suspended state survives a GPU reset (it is in memory); resume after reboot continues', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [dataPa] = pt.mapNew(DATA_VA);
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder().mov48(4, DATA_VA).run(1_000_000).mov32(6, 9).store32(6, 4),
    );
    await k.sleep(200 * US);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_SUSPEND));
    // Full reset and slow reboot.
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN);
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    assert.ok(await enableMcu(k, gpu));
    assert.ok(await programAs(k, gpu, 1, pt));
    programGroup(gpu, 0, 1);
    programQueue(gpu, 0, 0, q);
    gpu.fw.csg[0]!.streams[0]!.input.insert = 4 * 8;
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_RESUME));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 9, 2 * MS, 10 * US));
  });
});

test('resume from a buffer that was never written fails the streams with CS_FATAL', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const vm = await setupVm(k, gpu, 1);
    programGroup(gpu, 0, 1);
    programQueue(gpu, 0, 0, vm.queues[0]!);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_RESUME));
    assert.equal(gpu.streamState(0, 0), 'fatal');
    assert.equal(gpu.fw.csg[0]?.streams[0]?.output.fatal, Exception.DATA_INVALID_FAULT);
  });
});

test('suspend of a group whose heap context is unmapped faults with source fw-heap', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 3);
    pt.mapNew(HEAP_CTX_VA);
    submit(gpu, 0, 0, q, new CsBuilder().mov48(2, HEAP_CTX_VA).heapSet(2).runForever());
    await k.sleep(100 * US);
    // The VM is torn down under the running group (no eviction first): unmap and flush.
    pt.unmap(HEAP_CTX_VA);
    assert.ok(await programAs(k, gpu, 3, pt));
    assert.equal(gpu.pageFaults.length, 0);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_SUSPEND));
    const pf = gpu.pageFaults.at(-1);
    assert.equal(pf?.source, 'fw-heap');
    assert.equal(pf?.as, 3);
    assert.equal(pf?.va, HEAP_CTX_VA);
    assert.equal(pf?.write, true);
    assert.equal(pf?.csg, 0);
    assert.notEqual(gpu.read32(MMU_INT_RAWSTAT) & MMU_PAGE_FAULT(3), 0);
    assert.equal(gpu.read32(AS_FAULTADDRESS(3)), HEAP_CTX_VA);
    // The suspend itself completed.
    assert.equal(gpu.fw.csg[0]!.output.ack & CSG_STATE_MASK, CSG_STATE_SUSPEND);
  });
});

test('an unmapped suspend buffer faults with source fw-suspend', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    await startQueue(k, gpu, 0, 1);
    gpu.fw.csg[0]!.input.suspendBuf = 0x7f0_0000;
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_SUSPEND));
    assert.equal(gpu.pageFaults.at(-1)?.source, 'fw-suspend');
    assert.equal(gpu.pageFaults.at(-1)?.as, 0);
  });
});

test('tiler OOM round trip: event, host grows the heap, the stream continues; no memory is fatal', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [ctxPa] = pt.mapNew(HEAP_CTX_VA);
    const [dataPa] = pt.mapNew(DATA_VA);
    pt.mapNew(0x600_0000, 2);
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder()
        .mov48(2, HEAP_CTX_VA)
        .heapSet(2)
        .heapAlloc(3000)
        .heapAlloc(3000)
        .mov48(4, DATA_VA)
        .mov32(6, 1)
        .store32(6, 4),
    );
    const csg = gpu.fw.csg[0]!;
    const cs = csg.streams[0]!;
    const oomPending = () => ((cs.output.ack ^ cs.input.req) & CS_TILER_OOM) !== 0;
    for (const chunk of [0x600_0000, 0x600_1000]) {
      assert.ok(await pollUntil(k, oomPending, MS));
      assert.equal(gpu.streamState(0, 0), 'oom');
      assert.equal(cs.output.heapAddress, HEAP_CTX_VA);
      assert.equal((csg.output.csIrqReq ^ csg.input.csIrqAck) & 1, 1);
      // The host gives a 4 KiB chunk and acknowledges.
      cs.input.heapStart = chunk;
      cs.input.heapEnd = chunk + 4096;
      cs.input.req ^= CS_TILER_OOM;
      csg.input.csIrqAck = csg.output.csIrqReq;
      ringCsg(gpu, 0);
      await k.sleep(20 * US);
    }
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 1, MS));
    assert.equal(gpu.mem.read32(ctxPa! + HEAP_CTX_CHUNKS), 2);
    assert.equal(gpu.mem.read32(ctxPa! + HEAP_CTX_CHUNK_VA), 0x600_1000);
    assert.equal(gpu.stats.tilerOoms, 2);
    // Now the host has no memory.
    submit(gpu, 0, 0, q, new CsBuilder().heapAlloc(3000));
    assert.ok(await pollUntil(k, oomPending, MS));
    cs.input.heapStart = 0;
    cs.input.heapEnd = 0;
    cs.input.req ^= CS_TILER_OOM;
    ringCsg(gpu, 0);
    assert.ok(await pollUntil(k, () => gpu.streamState(0, 0) === 'fatal', MS));
    assert.equal(cs.output.fatal, Exception.OOM);
  });
});

test('CS STOP and START keep the stream state', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [dataPa] = pt.mapNew(DATA_VA);
    submit(gpu, 0, 0, q, new CsBuilder().mov48(4, DATA_VA).mov32(6, 1).store32(6, 4));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 1, MS));
    const cs = gpu.fw.csg[0]!.streams[0]!;
    cs.input.req &= ~CS_STATE_START; // STOP
    ringCsg(gpu, 0);
    await k.sleep(10 * US);
    assert.equal(gpu.streamState(0, 0), 'stopped');
    submit(gpu, 0, 0, q, new CsBuilder().mov32(6, 2).store32(6, 4));
    await k.sleep(50 * US);
    assert.equal(gpu.mem.read32(dataPa!), 1);
    cs.input.req |= CS_STATE_START;
    ringCsg(gpu, 0);
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 2, MS));
  });
});
