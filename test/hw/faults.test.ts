import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultPlane, isFaultName, validateFaultSpec } from '../../src/hw/faults.js';
import { VirtualGpu } from '../../src/hw/gpu.js';
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  CSF_DOORBELL,
  CSF_GLB_DOORBELL_ID,
  CSG_STATE_START,
  FW_DATA_CLEAN,
  FW_DATA_DIRTY,
  GLB_PING,
  GPU_CMD,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_IRQ_RESET_COMPLETED,
  GPU_SOFT_RESET,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_RAWSTAT,
  L2_PWRON,
  MCU_STATUS,
  MCU_STATUS_ENABLED,
  MCU_STATUS_FATAL,
} from '../../src/hw/regs.js';
import { Kernel } from '../../src/kernel/kernel.js';
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
  runTask,
  softReset,
  startQueue,
  submit,
  US,
} from './helpers.js';

async function ping(k: Kernel, gpu: VirtualGpu, timeoutNs = 100 * MS): Promise<boolean> {
  const glb = gpu.fw.glb;
  glb.input.req ^= GLB_PING;
  gpu.write32(CSF_DOORBELL(CSF_GLB_DOORBELL_ID), 1);
  return pollUntil(
    k,
    () => (glb.input.req & GLB_PING) === (glb.output.ack & GLB_PING),
    timeoutNs,
    10 * US,
  );
}

test('fault names are validated up front', () => {
  assert.deepEqual([...FaultPlane.NAMES].sort(), [
    'as-active-stuck',
    'fw-boot-fail',
    'fw-hang',
    'job-hang',
    'late-ack',
    'lost-irq',
    'reset-timeout',
    'stale-reset-completed',
  ]);
  assert.equal(isFaultName('job-hang'), true);
  assert.equal(isFaultName('gpu-on-fire'), false);
  assert.match(
    validateFaultSpec({ name: 'gpu-on-fire', atNs: 0, count: 1, rate: 1 }) ?? '',
    /unknown hardware fault 'gpu-on-fire'/,
  );
  assert.match(validateFaultSpec({ name: 'lost-irq', atNs: 0, count: 1, rate: 2 }) ?? '', /rate/);
  assert.match(validateFaultSpec({ name: 'lost-irq', atNs: -1, count: 1, rate: 1 }) ?? '', /atNs/);
  assert.match(
    validateFaultSpec({ name: 'lost-irq', atNs: 0, count: 0.5, rate: 1 }) ?? '',
    /count/,
  );
  const { gpu } = newGpu();
  assert.throws(
    () => gpu.faults.arm({ name: 'nope', atNs: 0, count: 1, rate: 1 }),
    /unknown hardware fault/,
  );
});

test('job-hang: one RUN never ends; it is recorded and traced', async () => {
  const k = new Kernel({ seed: 5, trace: true });
  const gpu = new VirtualGpu(k);
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    gpu.faults.arm({ name: 'job-hang', atNs: k.nowNs, count: 1, rate: 1 });
    submit(gpu, 0, 0, q, new CsBuilder().run(1000).run(1000));
    await k.sleep(10 * MS);
    assert.equal(gpu.streamState(0, 0), 'run');
    assert.equal(gpu.fw.csg[0]?.streams[0]?.output.extract, 8);
  });
  assert.equal(gpu.faults.fired.length, 1);
  assert.equal(gpu.faults.fired[0]?.name, 'job-hang');
  const lane = k.trace.lanes.find((l) => l.name === 'fault injector');
  assert.ok(k.trace.events?.some((e) => e.lane === lane?.id && e.name === 'job-hang'));
});

test('lost-irq: RAWSTAT has the bit but the line does not go up; the next raise delivers', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.write32(GPU_INT_MASK, 0xffffffff);
    gpu.faults.arm({ name: 'lost-irq', atNs: 0, count: 1, rate: 1 });
    assert.ok(await softReset(k, gpu));
    assert.notEqual(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    assert.equal(gpu.irq.gpu.level, false);
    // Another interrupt source re-triggers the line, with both bits visible.
    assert.ok(await powerL2(k, gpu));
    assert.equal(gpu.irq.gpu.level, true);
    assert.equal(gpu.faults.fired.length, 1);
  });
});

test('late-ack: an acknowledgement arrives after ~1 s instead of µs', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    gpu.faults.arm({ name: 'late-ack', atNs: k.nowNs, count: 1, rate: 1 });
    const glb = gpu.fw.glb;
    const t0 = k.nowNs;
    assert.equal(await ping(k, gpu), false, 'not within a 100 ms driver timeout');
    const acked = () => (glb.input.req & GLB_PING) === (glb.output.ack & GLB_PING);
    assert.ok(await pollUntil(k, acked, 2000 * MS, 100 * US));
    const dt = k.nowNs - t0;
    assert.ok(dt > 700 * MS && dt < 1300 * MS, `ack after ${dt} ns`);
    // The next one is on time again.
    assert.ok(await ping(k, gpu, 1 * MS));
  });
});

test('late-ack on a CSG request', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    void q;
    gpu.faults.arm({ name: 'late-ack', atNs: k.nowNs, count: 1, rate: 1 });
    const t0 = k.nowNs;
    assert.equal(await csgRequest(k, gpu, 0, 2, 100 * MS, 100 * US), false);
    assert.ok(await csgRequest(k, gpu, 0, 2, 2000 * MS, 100 * US));
    const dt = k.nowNs - t0;
    assert.ok(dt > 700 * MS && dt < 1300 * MS, `ack after ${dt} ns`);
  });
});

test('reset-timeout: the soft reset never completes until a new request', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.faults.arm({ name: 'reset-timeout', atNs: 0, count: 1, rate: 1 });
    assert.equal(await softReset(k, gpu), false);
    assert.equal(gpu.resetInProgress, true);
    assert.equal(gpu.resets[0]?.completedAtNs, null);
    assert.ok(await softReset(k, gpu));
    assert.equal(gpu.resets.length, 2);
  });
});

test('fw-boot-fail: count 1 fails one boot; count 0 fails every boot until a cold reset', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    const reboot = async (): Promise<boolean> => {
      if (!(await softReset(k, gpu))) return false;
      if (!(await powerL2(k, gpu))) return false;
      gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN);
      if (!(await programAs(k, gpu, 0, boot.mcuPt))) return false;
      return enableMcu(k, gpu);
    };
    gpu.faults.arm({ name: 'fw-boot-fail', atNs: k.nowNs, count: 1, rate: 1 });
    assert.equal(await reboot(), false);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_FATAL);
    assert.equal(await reboot(), true);
    gpu.faults.arm({ name: 'fw-boot-fail', atNs: k.nowNs, count: 0, rate: 1 });
    assert.equal(await reboot(), false);
    assert.equal(await reboot(), false);
    gpu.coldReset();
    assert.equal(await reboot(), true);
  });
});

test('as-active-stuck: AS_ACTIVE never clears until the AS is reset', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.faults.arm({ name: 'as-active-stuck', atNs: 0, count: 1, rate: 1 });
    gpu.write32(AS_COMMAND(2), AS_COMMAND_UPDATE);
    await k.sleep(10 * MS);
    assert.notEqual(gpu.read32(AS_STATUS(2)) & AS_STATUS_AS_ACTIVE, 0);
    gpu.write32(AS_COMMAND(2), AS_COMMAND_UPDATE);
    await k.sleep(10 * MS);
    assert.notEqual(gpu.read32(AS_STATUS(2)) & AS_STATUS_AS_ACTIVE, 0);
    assert.ok(await softReset(k, gpu));
    assert.equal(gpu.read32(AS_STATUS(2)) & AS_STATUS_AS_ACTIVE, 0);
  });
});

test('stale-reset-completed: a silent stale bit fools only a driver that does not clear it', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    assert.ok(await softReset(k, gpu));
    gpu.write32(GPU_INT_CLEAR, 0xffffffff);
    gpu.write32(GPU_INT_MASK, 0xffffffff);
    gpu.faults.arm({ name: 'stale-reset-completed', atNs: k.nowNs + 50 * US, count: 1, rate: 1 });
    await k.sleep(40 * US);
    assert.equal(gpu.read32(GPU_INT_RAWSTAT), 0);
    await k.sleep(20 * US);
    assert.equal(gpu.read32(GPU_INT_RAWSTAT), GPU_IRQ_RESET_COMPLETED);
    assert.equal(gpu.irq.gpu.level, false, 'no interrupt for the stale bit');
    assert.equal(gpu.resets.length, 1);
    // A driver that does not clear first believes its reset completed at once.
    const tFooled = k.nowNs;
    assert.ok(await softReset(k, gpu, false));
    assert.equal(k.nowNs, tFooled, 'the driver saw the bit at once');
    assert.equal(gpu.resetInProgress, true);
    await k.sleep(200 * US);
    // A driver that clears first waits for the real completion.
    gpu.faults.arm({ name: 'stale-reset-completed', atNs: k.nowNs, count: 1, rate: 1 });
    await k.sleep(1 * US);
    const t0 = k.nowNs;
    assert.ok(await softReset(k, gpu, true));
    assert.ok(k.nowNs - t0 >= 80 * US);
    assert.equal(gpu.resetInProgress, false);
  });
});

test('stale-reset-completed fires at its arm time only: a cleared bit stays cleared through a real reset', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.faults.arm({ name: 'stale-reset-completed', atNs: 0, count: 2, rate: 1 });
    await k.sleep(1 * US);
    gpu.write32(GPU_INT_CLEAR, 0xffffffff);
    gpu.write32(GPU_CMD, GPU_SOFT_RESET);
    // The driver cleared the stale bit: until the reset really completes, it stays clear.
    assert.equal(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    assert.equal(gpu.resetInProgress, true);
    gpu.write32(L2_PWRON, 1);
    assert.equal(gpu.ignoredWrites.length, 1);
    await k.sleep(200 * US);
    assert.equal(gpu.resetInProgress, false);
    assert.equal(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, GPU_IRQ_RESET_COMPLETED);
    assert.equal(gpu.faults.fired.length, 1);
  });
});

test('fw-hang: no more acks or progress, data stays dirty, only a slow reboot recovers', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const [dataPa] = pt.mapNew(0x200_0000);
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder()
        .run(2 * MS)
        .mov48(2, 0x200_0000)
        .mov32(4, 1)
        .store32(4, 2),
    );
    assert.ok(await ping(k, gpu));
    gpu.faults.arm({ name: 'fw-hang', atNs: k.nowNs + 100 * US, count: 1, rate: 1 });
    await k.sleep(200 * US);
    assert.equal(gpu.firmwareHung, true);
    assert.equal(await ping(k, gpu), false);
    await k.sleep(5 * MS);
    assert.equal(gpu.mem.read32(dataPa!), 0, 'the job froze');
    gpu.write32(JOB_INT_CLEAR, 0xffffffff);
    assert.equal(gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_GLOBAL_IF, 0);
    assert.equal(gpu.mem.read32(boot.dataPa), FW_DATA_DIRTY);
    // Fast path (no reload) fails; slow path boots.
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    assert.equal(await enableMcu(k, gpu), false);
    gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN);
    gpu.write32(0x700, 0);
    assert.ok(await enableMcu(k, gpu));
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_ENABLED);
    assert.equal(gpu.firmwareHung, false);
    gpu.fw.glb.input.ackIrqMask = ~0;
    assert.ok(await ping(k, gpu));
  });
});

test('fw-hang at a GLB doorbell when armed while the MCU was off', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.faults.arm({ name: 'fw-hang', atNs: 0, count: 1, rate: 1 });
    await bootGpu(k, gpu);
    assert.equal(gpu.firmwareHung, false);
    assert.equal(await ping(k, gpu), false);
    assert.equal(gpu.firmwareHung, true);
  });
});

test('disarmAll stops future firings; rate 0 never fires', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    gpu.faults.arm({ name: 'job-hang', atNs: k.nowNs, count: 0, rate: 0 });
    submit(gpu, 0, 0, q, new CsBuilder().run(1000));
    await k.sleep(100 * US);
    assert.equal(gpu.streamState(0, 0), 'empty');
    gpu.faults.arm({ name: 'job-hang', atNs: k.nowNs, count: 0, rate: 1 });
    gpu.faults.disarmAll();
    submit(gpu, 0, 0, q, new CsBuilder().run(1000));
    await k.sleep(100 * US);
    assert.equal(gpu.streamState(0, 0), 'empty');
    assert.equal(gpu.faults.fired.length, 0);
  });
});

test('fault draws use their own stream: arming a fault does not shift latency jitter', async () => {
  async function timeline(arm: boolean): Promise<number[]> {
    const { k, gpu } = newGpu(11);
    if (arm) gpu.faults.arm({ name: 'as-active-stuck', atNs: 0, count: 1, rate: 1e-9 });
    await runTask(k, async () => {
      await bootGpu(k, gpu);
      await startQueue(k, gpu, 0, 1);
      assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_START));
    });
    return [...gpu.resets.map((r) => r.completedAtNs ?? -1), k.nowNs];
  }
  assert.deepEqual(await timeline(true), await timeline(false));
});

test('a silent stale bit survives masked events and is revealed by an unmasked one', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.write32(GPU_INT_MASK, GPU_IRQ_RESET_COMPLETED);
    gpu.faults.arm({ name: 'stale-reset-completed', atNs: 10 * US, count: 1, rate: 1 });
    await k.sleep(20 * US);
    assert.ok(await powerL2(k, gpu)); // POWER_CHANGED is masked out
    assert.equal(gpu.irq.gpu.level, false);
    assert.notEqual(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    gpu.write32(GPU_INT_MASK, 0xffffffff);
    assert.equal(gpu.irq.gpu.level, true, 'unmasking the pending POWER_CHANGED asserts the line');
  });
});
