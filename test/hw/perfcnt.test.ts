import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VirtualGpu } from '../../src/hw/gpu.js';
import {
  GPU_CMD,
  GPU_INT_CLEAR,
  GPU_INT_RAWSTAT,
  GPU_IRQ_PRFCNT_SAMPLE_COMPLETED,
  GPU_PRFCNT_CLEAR,
  GPU_PRFCNT_SAMPLE,
  PAGE_SIZE,
  PRFCNT_BASE_HI,
  PRFCNT_BASE_LO,
  PRFCNT_BLOCK_BYTES,
  PRFCNT_BLOCK_SHADER0,
  PRFCNT_CONFIG,
  PRFCNT_CONFIG_AS_SHIFT,
  PRFCNT_CONFIG_MODE_MANUAL,
  PRFCNT_CSF_CYCLES,
  PRFCNT_CSF_INSTRUCTIONS,
  PRFCNT_CSF_SYNC_OPS,
  PRFCNT_HDR_KIND,
  PRFCNT_HDR_SEQ,
  PRFCNT_JM_EN,
  PRFCNT_L2_WRITES,
  PRFCNT_MMU_L2_EN,
  PRFCNT_SHADER_CYCLES,
  PRFCNT_SHADER_EN,
  PRFCNT_TILER_EN,
} from '../../src/hw/regs.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import {
  bootGpu,
  CsBuilder,
  MS,
  newGpu,
  type PageTables,
  pollUntil,
  runTask,
  softReset,
  startQueue,
  submit,
  US,
} from './helpers.js';

const SAMPLE_VA = 0x800_0000;

function configure(gpu: VirtualGpu, as: number, jmEn = 0xffff): void {
  gpu.write32(PRFCNT_BASE_LO, SAMPLE_VA);
  gpu.write32(PRFCNT_BASE_HI, 0);
  gpu.write32(PRFCNT_JM_EN, jmEn);
  gpu.write32(PRFCNT_TILER_EN, 0xffff);
  gpu.write32(PRFCNT_MMU_L2_EN, 0xffff);
  gpu.write32(PRFCNT_SHADER_EN, 0xffff);
  gpu.write32(PRFCNT_CONFIG, PRFCNT_CONFIG_MODE_MANUAL | (as << PRFCNT_CONFIG_AS_SHIFT));
}

async function sample(k: Kernel, gpu: VirtualGpu): Promise<boolean> {
  gpu.write32(GPU_INT_CLEAR, GPU_IRQ_PRFCNT_SAMPLE_COMPLETED);
  gpu.write32(GPU_CMD, GPU_PRFCNT_SAMPLE);
  return pollUntil(
    k,
    () => (gpu.read32(GPU_INT_RAWSTAT) & GPU_IRQ_PRFCNT_SAMPLE_COMPLETED) !== 0,
    MS,
    US,
  );
}

function counter(gpu: VirtualGpu, pages: number[], block: number, index: number): number {
  const off = block * PRFCNT_BLOCK_BYTES + index * 4;
  const pa = (pages[Math.floor(off / PAGE_SIZE)] as number) + (off % PAGE_SIZE);
  return gpu.mem.read32(pa);
}

function mapSample(gpu: VirtualGpu, pt: PageTables): number[] {
  return pt.mapNew(SAMPLE_VA, Math.ceil(gpu.prfcntSampleBytes / PAGE_SIZE));
}

test('the perf-counter sample lands in memory and counters advance with work', async () => {
  const { k, gpu } = newGpu(1, { shaderPresent: 0b1011 });
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    const pages = mapSample(gpu, pt);
    pt.mapNew(0x300_0000);
    configure(gpu, 1);
    assert.equal(gpu.prfcntSampleBytes, (PRFCNT_BLOCK_SHADER0 + 3) * PRFCNT_BLOCK_BYTES);
    submit(
      gpu,
      0,
      0,
      q,
      new CsBuilder().run(10_001).mov48(2, 0x300_0000).mov48(4, 1).syncAdd64(2, 4),
    );
    await k.sleep(100 * US);
    assert.ok(await sample(k, gpu));
    assert.equal(counter(gpu, pages, 0, PRFCNT_HDR_SEQ), 1);
    assert.equal(counter(gpu, pages, 0, PRFCNT_CSF_CYCLES), 10_001);
    assert.equal(counter(gpu, pages, 0, PRFCNT_CSF_INSTRUCTIONS), 4);
    assert.equal(counter(gpu, pages, 0, PRFCNT_CSF_SYNC_OPS), 1);
    assert.ok(counter(gpu, pages, 2, PRFCNT_L2_WRITES) >= 2);
    // Shader cores 0, 1 and 3 share the cycles.
    const shares = [0, 1, 2].map((j) =>
      counter(gpu, pages, PRFCNT_BLOCK_SHADER0 + j, PRFCNT_SHADER_CYCLES),
    );
    assert.deepEqual(shares, [3334, 3334, 3333]);
    assert.equal(counter(gpu, pages, PRFCNT_BLOCK_SHADER0 + 2, 3), 3, 'core index in the header');
    assert.equal(counter(gpu, pages, PRFCNT_BLOCK_SHADER0, PRFCNT_HDR_KIND), 3);
    // More work, larger counters; an endless RUN counts while it runs.
    submit(gpu, 0, 0, q, new CsBuilder().runForever());
    await k.sleep(1 * MS);
    assert.ok(await sample(k, gpu));
    assert.equal(counter(gpu, pages, 0, PRFCNT_HDR_SEQ), 2);
    assert.ok(counter(gpu, pages, 0, PRFCNT_CSF_CYCLES) > 1_000_000);
    // CLEAR zeroes; a disabled counter group reads 0.
    gpu.write32(GPU_CMD, GPU_PRFCNT_CLEAR);
    gpu.write32(PRFCNT_JM_EN, 0b1110);
    await k.sleep(100 * US);
    assert.ok(await sample(k, gpu));
    const cycles = counter(gpu, pages, 0, PRFCNT_CSF_CYCLES);
    assert.ok(cycles >= 100 * US && cycles < 300 * US, `cycles since clear: ${cycles}`);
    assert.equal(counter(gpu, pages, 0, PRFCNT_HDR_SEQ), 3);
    gpu.write32(PRFCNT_JM_EN, 0b1100); // group 1 (counters 4..7) off
    assert.ok(await sample(k, gpu));
    assert.equal(counter(gpu, pages, 0, PRFCNT_CSF_CYCLES), 0);
  });
});

test('counters do not advance while the mode is off', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    submit(gpu, 0, 0, q, new CsBuilder().run(5000));
    await k.sleep(50 * US);
    assert.equal(gpu.perfCounters().runNs, 0);
    configure(gpu, 1);
    submit(gpu, 0, 0, q, new CsBuilder().run(7000));
    await k.sleep(50 * US);
    assert.equal(gpu.perfCounters().runNs, 7000);
    gpu.write32(PRFCNT_CONFIG, 0);
    submit(gpu, 0, 0, q, new CsBuilder().run(9000));
    await k.sleep(50 * US);
    assert.equal(gpu.perfCounters().runNs, 7000);
  });
});

test('a sample through an unmapped buffer is a prfcnt page fault', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    await startQueue(k, gpu, 0, 1);
    configure(gpu, 1);
    assert.ok(await sample(k, gpu));
    assert.equal(gpu.pageFaults.length, 1);
    assert.equal(gpu.pageFaults[0]?.source, 'prfcnt');
    assert.equal(gpu.pageFaults[0]?.va, SAMPLE_VA);
  });
});

test('a reset clears the perf-counter configuration and counters', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { q } = await startQueue(k, gpu, 0, 1);
    configure(gpu, 1);
    submit(gpu, 0, 0, q, new CsBuilder().run(5000));
    await k.sleep(50 * US);
    assert.equal(gpu.perfCounters().runNs, 5000);
    assert.ok(await softReset(k, gpu));
    assert.equal(gpu.read32(PRFCNT_CONFIG), 0);
    assert.equal(gpu.read32(PRFCNT_BASE_LO), 0);
    assert.equal(gpu.perfCounters().runNs, 0);
  });
});
