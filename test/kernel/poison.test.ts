/**
 * The model must never touch the wall clock, real timers or Math.random. With those globals
 * replaced by throwing stubs, a run must still complete, with the same hash as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { Completion } from '../../src/kernel/completion.js';
import { FenceContext } from '../../src/kernel/fence.js';
import { IrqLine } from '../../src/kernel/irq.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { Timer } from '../../src/kernel/timer.js';
import { DelayedWork, Workqueue } from '../../src/kernel/workqueue.js';
import { runWith } from './helpers.js';

function workload(k: Kernel): void {
  const m = new Mutex(k, 'm');
  const wq = Workqueue.ordered(k, 'wq');
  const done = new Completion(k, 'done');
  const fence = new FenceContext(k, 'q').create();
  const line = new IrqLine(k, 'job');
  line.request({
    hard: async () => {
      line.set(false);
      return 'wake-thread';
    },
    thread: async () => {
      fence.signal();
    },
  });
  const dw = new DelayedWork(k, 'timeout', async () => {
    await m.lock();
    m.unlock();
    done.complete();
  });
  const t = new Timer(k, 'tick', () => line.set(true));
  k.spawn('main', async () => {
    dw.queue(wq, 1000);
    t.mod(500);
    await fence.wait();
    await done.wait();
  });
}

test('poison: a run completes with Date.now, Math.random, timers and performance.now stubbed', async () => {
  const clean = (await runWith(workload, { seed: 5, strategy: randomStrategy() })).r;
  const saved = {
    now: Date.now,
    random: Math.random,
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    perfNow: performance.now,
  };
  const poison = (name: string) => () => {
    throw new Error(`model used ${name}`);
  };
  Date.now = poison('Date.now');
  Math.random = poison('Math.random');
  globalThis.setTimeout = poison('setTimeout') as unknown as typeof setTimeout;
  globalThis.setInterval = poison('setInterval') as unknown as typeof setInterval;
  globalThis.setImmediate = poison('setImmediate') as unknown as typeof setImmediate;
  performance.now = poison('performance.now');
  let poisoned: Awaited<ReturnType<typeof runWith>>['r'];
  try {
    poisoned = (await runWith(workload, { seed: 5, strategy: randomStrategy() })).r;
  } finally {
    Date.now = saved.now;
    Math.random = saved.random;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.setInterval = saved.setInterval;
    globalThis.setImmediate = saved.setImmediate;
    performance.now = saved.perfNow;
  }
  assert.equal(poisoned.outcome, 'idle');
  assert.deepEqual(poisoned.violations, []);
  assert.equal(poisoned.traceHash, clean.traceHash);
});
