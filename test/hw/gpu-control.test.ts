import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GPU_CMD,
  GPU_ID,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_IRQ_POWER_CHANGED_ALL,
  GPU_IRQ_RESET_COMPLETED,
  GPU_SHADER_PRESENT,
  GPU_SOFT_RESET,
  JOB_INT_MASK,
  L2_PWRON,
  L2_PWRTRANS,
  L2_READY,
  MCU_STATUS,
  MCU_STATUS_DISABLED,
  MCU_STATUS_ENABLED,
} from '../../src/hw/regs.js';
import { bootGpu, MS, newGpu, pollUntil, powerL2, runTask, softReset, US } from './helpers.js';

test('identification registers', async () => {
  const { k, gpu } = newGpu(1, { shaderPresent: 0x5 });
  await runTask(k, async () => {
    assert.equal(gpu.read32(GPU_ID) >>> 16, 0xa867);
    assert.equal(gpu.read32(GPU_SHADER_PRESENT), 0x5);
  });
});

test('soft reset sets RESET_COMPLETED after its latency, and only then', async () => {
  const { k, gpu } = newGpu(3);
  await runTask(k, async () => {
    gpu.write32(GPU_INT_MASK, 0xffffffff);
    gpu.write32(GPU_CMD, GPU_SOFT_RESET);
    assert.equal(gpu.resetInProgress, true);
    // Nominal 100 µs, jittered by ±20%.
    await k.sleep(70 * US);
    assert.equal(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    assert.equal(gpu.irq.gpu.level, false);
    await k.sleep(60 * US);
    assert.notEqual(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    assert.equal(gpu.resetInProgress, false);
    // The GPU mask survives a soft reset, so the interrupt is raised.
    assert.equal(gpu.irq.gpu.level, true);
    const r = gpu.resets[0];
    assert.ok(r !== undefined && r.completedAtNs !== null);
    assert.ok(r.completedAtNs - r.requestedAtNs >= 80 * US);
  });
});

test('a soft reset really wipes the GPU state', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_ENABLED);
    gpu.fw.glb.input.req = 0x1234;
    assert.ok(await softReset(k, gpu));
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_DISABLED);
    assert.equal(gpu.read32(L2_READY), 0);
    assert.equal(gpu.read32(JOB_INT_MASK), 0);
    assert.equal(gpu.fw.glb.input.req, 0);
    assert.equal(gpu.fw.glb.control.groupNum, 0);
    // RAWSTAT holds only RESET_COMPLETED after a reset.
    assert.equal(gpu.read32(GPU_INT_RAWSTAT), GPU_IRQ_RESET_COMPLETED);
  });
});

test('a stale RESET_COMPLETED stays set until cleared: a driver that does not clear it is fooled', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    assert.ok(await softReset(k, gpu));
    // The next reset never completes; the bit from the previous one is still in RAWSTAT.
    gpu.faults.arm({ name: 'reset-timeout', atNs: 0, count: 1, rate: 1 });
    gpu.write32(GPU_CMD, GPU_SOFT_RESET);
    assert.notEqual(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED, 0);
    assert.equal(gpu.resetInProgress, true); // the truth the stale-reset-irq oracle uses
    // A driver that clears the bit first waits and times out instead.
    gpu.write32(GPU_INT_CLEAR, GPU_IRQ_RESET_COMPLETED);
    const seen = await pollUntil(
      k,
      () => (gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED) !== 0,
      100 * MS,
      10 * US,
    );
    assert.equal(seen, false);
    assert.equal(gpu.resets.at(-1)?.completedAtNs, null);
    // A new request restarts the reset, which now completes.
    assert.ok(await softReset(k, gpu));
    assert.equal(gpu.resetInProgress, false);
  });
});

test('writes other than interrupt registers are ignored while the GPU is in reset', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.write32(GPU_CMD, GPU_SOFT_RESET);
    gpu.write32(L2_PWRON, 1);
    assert.equal(gpu.read32(L2_PWRTRANS), 0);
    assert.equal(gpu.ignoredWrites.length, 1);
    await k.sleep(200 * US);
    assert.equal(gpu.read32(L2_READY), 0);
  });
});

test('L2 power-up takes its latency and raises POWER_CHANGED_ALL', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.write32(L2_PWRON, 1);
    assert.equal(gpu.read32(L2_PWRTRANS), 1);
    assert.equal(gpu.read32(L2_READY), 0);
    await k.sleep(10 * US);
    assert.equal(gpu.read32(L2_READY), 0);
    assert.ok(await powerL2(k, gpu));
    assert.equal(gpu.read32(L2_PWRTRANS), 0);
    assert.notEqual(gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_POWER_CHANGED_ALL, 0);
  });
});

test('power off loses all state, MMIO while off reads 0 and is recorded', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    const boot = await bootGpu(k, gpu);
    gpu.setPower(false);
    assert.equal(gpu.powered, false);
    assert.equal(gpu.read32(GPU_ID), 0);
    gpu.write32(L2_PWRON, 1);
    assert.equal(gpu.offAccesses.length, 2);
    gpu.setPower(true);
    assert.equal(gpu.read32(MCU_STATUS), MCU_STATUS_DISABLED);
    assert.equal(gpu.read32(L2_READY), 0);
    assert.equal(gpu.read32(GPU_INT_MASK), 0);
    assert.equal(gpu.fw.glb.control.groupNum, 0);
    // Memory survives.
    assert.notEqual(gpu.mem.read32(boot.codePa), 0);
  });
});

test('cold reset returns to power-on state and clears "always" faults', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    gpu.faults.arm({ name: 'fw-boot-fail', atNs: 0, count: 0, rate: 1 });
    gpu.faults.arm({ name: 'job-hang', atNs: 0, count: 0, rate: 1 });
    await assert.rejects(bootGpu(k, gpu), /MCU did not boot: fw-boot-fail/);
    gpu.setPower(false);
    gpu.coldReset();
    assert.equal(gpu.powered, true);
    assert.equal(gpu.resets.at(-1)?.kind, 'cold');
    await bootGpu(k, gpu);
    assert.equal(gpu.faults.live('job-hang'), true);
    assert.equal(gpu.faults.live('fw-boot-fail'), false);
  });
});

test('unknown offsets read 0 and are recorded', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    assert.equal(gpu.read32(0x3ffc), 0);
    gpu.write32(0x3ffc, 5);
    assert.deepEqual(
      gpu.unknownAccesses.map((a) => [a.offset, a.write]),
      [
        [0x3ffc, false],
        [0x3ffc, true],
      ],
    );
  });
});

test('onMmio observes every access', async () => {
  const { k, gpu } = newGpu();
  const seen: string[] = [];
  gpu.onMmio = (a) => seen.push(`${a.write ? 'w' : 'r'}:${a.offset.toString(16)}:${a.value}`);
  await runTask(k, async () => {
    gpu.write32(GPU_INT_MASK, 3);
    gpu.read32(GPU_INT_MASK);
  });
  assert.deepEqual(seen, ['w:28:3', 'r:28:3']);
});
