import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CSF_DOORBELL,
  CSF_GLB_DOORBELL_ID,
  FW_DATA_CLEAN,
  FW_DATA_DIRTY,
  GLB_HALT,
  GLB_PING,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  MCU_CONTROL,
  MCU_CONTROL_DISABLE,
  MCU_STATUS,
  MCU_STATUS_DISABLED,
  MCU_STATUS_ENABLED,
  MCU_STATUS_FATAL,
  MCU_STATUS_HALT,
  RESETLAB_FW_IFACE_VERSION,
} from '../../src/hw/regs.js';
import {
  bootGpu,
  enableMcu,
  MS,
  newGpu,
  pollUntil,
  powerL2,
  programAs,
  runTask,
  softReset,
  US,
} from './helpers.js';

test('boot with a clean image: data section marked dirty, interfaces initialised, boot IRQ', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_ENABLED);
    assert.equal(gpu.mem.read32(boot.dataPa), FW_DATA_DIRTY);
    assert.equal(gpu.fw.glb.control.groupNum, 4);
    assert.equal(gpu.fw.glb.control.version, RESETLAB_FW_IFACE_VERSION);
    assert.equal(gpu.fw.csg[0]?.control.streamNum, 4);
    assert.ok((gpu.fw.csg[0]?.control.suspendSize ?? 0) > 0);
    assert.equal(gpu.stats.boots, 1);
  });
});

test('the boot interrupt arrives after mcuBootNs on the job line', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN); // reload (slow path)
    gpu.write32(JOB_INT_MASK, JOB_INT_GLOBAL_IF);
    gpu.write32(MCU_CONTROL, 2);
    // Nominal 500 µs, ±20%.
    await k.sleep(350 * US);
    assert.equal(gpu.irq.job.level, false);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_DISABLED);
    await k.sleep(300 * US);
    assert.equal(gpu.irq.job.level, true);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_ENABLED);
  });
});

test('boot fails with a dirty data word, a missing L2 or an unmapped AS0', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    // Reset without halt: the data word stays DIRTY, so the fast path fails.
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    assert.equal(await enableMcu(k, gpu), false);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_FATAL);
    // The slow path reloads the sections and boots.
    gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN);
    gpu.write32(MCU_CONTROL, MCU_CONTROL_DISABLE);
    assert.ok(await enableMcu(k, gpu));
    // Without L2.
    assert.ok(await softReset(k, gpu));
    gpu.mem.write32(boot.dataPa, FW_DATA_CLEAN);
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    assert.equal(await enableMcu(k, gpu), false);
    assert.match(gpu.lastBootError ?? '', /L2/);
    // Without AS0 (a reset cleared it): a page fault with source 'fw'.
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    assert.equal(await enableMcu(k, gpu), false);
    assert.match(gpu.lastBootError ?? '', /not mapped/);
    assert.equal(gpu.pageFaults.at(-1)?.source, 'fw');
    assert.equal(gpu.pageFaults.at(-1)?.as, 0);
  });
});

test('halt, then a fast re-enable without reloading the image, boots', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    const glb = gpu.fw.glb;
    glb.input.req |= GLB_HALT;
    gpu.write32(CSF_DOORBELL(CSF_GLB_DOORBELL_ID), 1);
    assert.ok(await pollUntil(k, () => gpu.read32(MCU_STATUS) === MCU_STATUS_HALT, MS));
    assert.equal(glb.output.ack & GLB_HALT, GLB_HALT);
    assert.equal(gpu.mem.read32(boot.dataPa), FW_DATA_CLEAN);
    assert.notEqual(gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_GLOBAL_IF, 0);
    gpu.write32(JOB_INT_CLEAR, JOB_INT_GLOBAL_IF);
    // Suspend/resume fast path: MCU off, soft reset, L2 on, AS0, MCU on. No reload.
    gpu.write32(MCU_CONTROL, MCU_CONTROL_DISABLE);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_DISABLED);
    assert.ok(await softReset(k, gpu));
    assert.ok(await powerL2(k, gpu));
    assert.ok(await programAs(k, gpu, 0, boot.mcuPt));
    assert.ok(await enableMcu(k, gpu));
    // Halt then re-enable without any reset also works.
    glb.input.ackIrqMask = ~0;
    glb.input.req |= GLB_HALT;
    gpu.write32(CSF_DOORBELL(CSF_GLB_DOORBELL_ID), 1);
    assert.ok(await pollUntil(k, () => gpu.read32(MCU_STATUS) === MCU_STATUS_HALT, MS));
    assert.ok(await enableMcu(k, gpu));
  });
});

test('GLB_PING is acknowledged by toggling, with the global interrupt', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const glb = gpu.fw.glb;
    for (let i = 0; i < 3; i++) {
      glb.input.req ^= GLB_PING;
      gpu.write32(CSF_DOORBELL(CSF_GLB_DOORBELL_ID), 1);
      assert.notEqual(glb.input.req & GLB_PING, glb.output.ack & GLB_PING);
      const t0 = k.nowNs;
      assert.ok(
        await pollUntil(
          k,
          () => (glb.input.req & GLB_PING) === (glb.output.ack & GLB_PING),
          MS,
          US,
        ),
      );
      assert.ok(k.nowNs - t0 >= 8 * US, 'acked after glbReqNs');
      assert.notEqual(gpu.read32(JOB_INT_RAWSTAT) & JOB_INT_GLOBAL_IF, 0);
      gpu.write32(JOB_INT_CLEAR, JOB_INT_GLOBAL_IF);
    }
    assert.equal(gpu.stats.glbAcks, 3);
  });
});
