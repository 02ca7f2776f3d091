import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { replayStrategy } from '../../src/explore/replay.js';
import { Atomic } from '../../src/kernel/atomic.js';
import type { Kernel, KernelOptions } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { Work, Workqueue } from '../../src/kernel/workqueue.js';
import { runWith } from './helpers.js';

/** At least 8 tasks and well over 1,000 decisions, mixing locks, atomics, work and time. */
function workload(k: Kernel): void {
  const m = new Mutex(k, 'm');
  const a = new Atomic(k, 'a');
  const wq = new Workqueue(k, 'wq', 2);
  const w = new Work(k, 'w', async () => {
    await a.inc();
    await k.sleep(k.hwRng.range(1, 50));
  });
  for (let i = 0; i < 10; i++) {
    k.spawn(`t${i}`, async () => {
      for (let j = 0; j < 60; j++) {
        await m.lock();
        await a.add(i);
        m.unlock();
        if (j % 7 === i % 7) await wq.queueWork(w);
        if (j % 5 === 0) await k.sleep(k.hwRng.range(1, 100));
      }
    });
  }
}

async function once(opts: KernelOptions) {
  return (await runWith(workload, opts)).r;
}

test('determinism: the same seed gives the same trace hash (8+ tasks, 1,000+ decisions)', async () => {
  const a = await once({ seed: 42, strategy: randomStrategy() });
  const b = await once({ seed: 42, strategy: randomStrategy() });
  assert.ok(a.decisions >= 1000, `only ${a.decisions} decisions`);
  assert.equal(a.traceHash, b.traceHash);
  assert.equal(a.schedule, b.schedule);
  assert.equal(a.nowNs, b.nowNs);
});

test('determinism: a replayed schedule gives the same hash, with or without trace storage', async () => {
  const a = await once({ seed: 7, strategy: randomStrategy() });
  const b = await once({ seed: 7, strategy: replayStrategy(a.schedule), trace: true });
  assert.equal(b.traceHash, a.traceHash);
  assert.deepEqual(b.violations, []);
});

test('determinism: a different seed gives a different interleaving', async () => {
  const a = await once({ seed: 1, strategy: randomStrategy() });
  const b = await once({ seed: 2, strategy: randomStrategy() });
  assert.notEqual(a.schedule, b.schedule);
  assert.notEqual(a.traceHash, b.traceHash);
});

test('determinism: a schedule that does not fit the run is reported as a divergence', async () => {
  const r = await once({ seed: 7, strategy: replayStrategy('z') });
  assert.equal(r.outcome, 'model-error');
  assert.match(r.violations[0]?.message ?? '', /replay diverged/);
});
