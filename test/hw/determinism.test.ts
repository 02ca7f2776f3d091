import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualGpu } from '../../src/hw/gpu.js';
import { CSG_STATE_SUSPEND, GLB_PING } from '../../src/hw/regs.js';
import { Kernel } from '../../src/kernel/kernel.js';
import {
  bootGpu,
  CsBuilder,
  csgRequest,
  MS,
  ringCsg,
  runTask,
  startQueue,
  submit,
  US,
} from './helpers.js';

/** A workload touching every block, with faults armed, on a recording kernel. */
async function scenario(seed: number): Promise<{ hash: string; nowNs: number; fired: number }> {
  const k = new Kernel({ seed, trace: true });
  const gpu = new VirtualGpu(k);
  gpu.faults.arm({ name: 'lost-irq', atNs: 0, count: 0, rate: 0.3 });
  gpu.faults.arm({ name: 'late-ack', atNs: 2 * MS, count: 1, rate: 0.5 });
  gpu.faults.arm({ name: 'job-hang', atNs: 0, count: 1, rate: 0.2 });
  const r = await runTask(k, async () => {
    await bootGpu(k, gpu);
    const { pt, q } = await startQueue(k, gpu, 0, 1);
    pt.mapNew(0x200_0000);
    for (let i = 0; i < 5; i++) {
      submit(
        gpu,
        0,
        0,
        q,
        new CsBuilder()
          .run(10_000 + i)
          .mov48(2, 0x200_0000)
          .mov48(4, 1)
          .syncAdd64(2, 4),
      );
      gpu.fw.glb.input.req ^= GLB_PING;
      ringCsg(gpu, 0);
      await k.sleep(50 * US);
    }
    await csgRequest(k, gpu, 0, CSG_STATE_SUSPEND, 2000 * MS);
  });
  return { hash: r.traceHash, nowNs: r.nowNs, fired: gpu.faults.fired.length };
}

test('determinism: the same seed gives the same trace hash; another seed differs', async () => {
  const a = await scenario(7);
  const b = await scenario(7);
  const c = await scenario(8);
  assert.deepEqual(a, b);
  assert.notEqual(a.hash, c.hash);
});

test('the hardware uses no wall clock, no Math.random and no host timers', async () => {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = {
    dateNow: Date.now,
    random: Math.random,
    perfNow: performance.now,
    setTimeout: g.setTimeout,
    setInterval: g.setInterval,
    setImmediate: g.setImmediate,
  };
  const used: string[] = [];
  const poison = (name: string) => () => {
    used.push(name);
    throw new Error(`${name} used by the model`);
  };
  Date.now = poison('Date.now');
  Math.random = poison('Math.random');
  performance.now = poison('performance.now');
  g.setTimeout = poison('setTimeout');
  g.setInterval = poison('setInterval');
  g.setImmediate = poison('setImmediate');
  let result: Awaited<ReturnType<typeof scenario>> | null = null;
  try {
    result = await scenario(3);
  } finally {
    Date.now = saved.dateNow;
    Math.random = saved.random;
    performance.now = saved.perfNow;
    g.setTimeout = saved.setTimeout;
    g.setInterval = saved.setInterval;
    g.setImmediate = saved.setImmediate;
  }
  assert.deepEqual(used, []);
  assert.ok(result !== null && result.nowNs > 0);
});

test('trace: hardware lanes use instants and well-formed async slices only', async () => {
  const k = new Kernel({ seed: 4, trace: true });
  const gpu = new VirtualGpu(k);
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    await startQueue(k, gpu, 1, 2);
    await csgRequest(k, gpu, 1, CSG_STATE_SUSPEND);
  });
  const hwLanes = new Set(
    k.trace.lanes.filter((l) => ['gpu', 'csg', 'as', 'fw'].includes(l.kind)).map((l) => l.id),
  );
  const open = new Map<string, number>();
  let asyncSlices = 0;
  for (const e of k.trace.events ?? []) {
    if (!hwLanes.has(e.lane)) continue;
    assert.ok(e.ph !== 'B' && e.ph !== 'E', `duration event ${e.name} on a hardware lane`);
    if (e.ph === 'b') {
      const key = `${e.lane}/${e.id}`;
      assert.equal(open.has(key), false);
      open.set(key, e.ts);
      asyncSlices++;
    } else if (e.ph === 'e') {
      const key = `${e.lane}/${e.id}`;
      assert.ok(open.has(key), `async end without begin: ${e.name}`);
      open.delete(key);
    }
  }
  assert.equal(open.size, 0);
  assert.ok(asyncSlices >= 2, 'reset and CSG slices recorded');
});
