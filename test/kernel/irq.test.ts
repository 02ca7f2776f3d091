import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrqLine } from '../../src/kernel/irq.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { has, runWith } from './helpers.js';

test('irq: a raised line runs the hard handler, which wakes the thread', async () => {
  const log: string[] = [];
  const { r } = await runWith((k) => {
    const line = new IrqLine(k, 'job');
    let status = 0;
    line.request({
      hard: async () => {
        log.push(`hard in ${k.self().ctx}`);
        line.set(false); // "mask" the source, as Panthor's raw handler does
        return 'wake-thread';
      },
      thread: async () => {
        log.push(`thread in ${k.self().ctx}, status ${status}`);
      },
    });
    k.spawn('device', async () => {
      await k.sleep(100);
      status = 7;
      line.set(true);
    });
  });
  assert.deepEqual(log, ['hard in hardirq', 'thread in irq-thread, status 7']);
  assert.deepEqual(r.violations, []);
});

test('irq: sleeping in the hard handler is atomic-sleep; in the thread it is fine', async () => {
  const { r } = await runWith((k) => {
    const line = new IrqLine(k, 'gpu');
    const m = new Mutex(k, 'gpu.lock');
    line.request({
      hard: async () => {
        await m.lock();
        m.unlock();
        line.set(false);
        return 'handled';
      },
    });
    k.spawn('device', async () => {
      line.set(true);
    });
  });
  assert.ok(has(r, 'atomic-sleep'));
});

test('irq: a level-triggered line that is never cleared storms until the step limit', async () => {
  const { r } = await runWith(
    (k) => {
      const line = new IrqLine(k, 'mmu');
      line.request({ hard: async () => 'handled' });
      k.spawn('device', async () => {
        line.set(true);
      });
    },
    { maxSteps: 1000 },
  );
  assert.equal(r.outcome, 'step-limit');
  assert.ok(has(r, 'limit'));
});

test('irq: disable waits for the running handler and blocks new ones until enable', async () => {
  const log: string[] = [];
  await runWith((k) => {
    const line = new IrqLine(k, 'job');
    line.request({
      hard: async () => {
        line.set(false); // the device source is masked by the hard handler
        return 'wake-thread';
      },
      thread: async () => {
        log.push('thread start');
        await k.sleep(100);
        log.push('thread end');
      },
    });
    k.spawn('driver', async () => {
      line.set(true);
      await k.sleep(10);
      await line.disable();
      log.push('disabled');
      line.set(true);
      await k.sleep(100);
      log.push('still disabled');
      line.enable();
      await k.sleep(1000);
    });
  });
  assert.deepEqual(log.slice(0, 4), ['thread start', 'thread end', 'disabled', 'still disabled']);
  assert.equal(log[4], 'thread start');
});
