import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../../src/kernel/mutex.js';
import { Timer } from '../../src/kernel/timer.js';
import { has, runWith } from './helpers.js';

test('timer: fires at its virtual deadline in timer context', async () => {
  const fired: Array<[number, string]> = [];
  const { r } = await runWith((k) => {
    const t = new Timer(k, 'watchdog', () => {
      fired.push([k.nowNs, k.self().ctx]);
    });
    k.spawn('arm', async () => {
      t.mod(1000);
      await k.sleep(10);
      assert.equal(t.mod(2000), true, 'was pending');
    });
  });
  assert.deepEqual(fired, [[2010, 'timer']]);
  assert.deepEqual(r.violations, []);
});

test('timer: a callback that sleeps is atomic-sleep', async () => {
  const { r } = await runWith((k) => {
    const m = new Mutex(k, 'm');
    const t = new Timer(k, 'bad', async () => {
      await m.lock();
      m.unlock();
    });
    k.spawn('arm', async () => {
      t.mod(10);
    });
  });
  assert.ok(has(r, 'atomic-sleep'));
});

test('timer: delSync waits for a running callback; shutdown refuses re-arming', async () => {
  const order: string[] = [];
  await runWith((k) => {
    const t = new Timer(k, 'slow', async () => {
      order.push('callback start');
      await k.delay(100);
      order.push('callback end');
    });
    k.spawn('teardown', async () => {
      t.mod(10);
      await k.sleep(20);
      await t.shutdown();
      order.push('shutdown returned');
      t.mod(10);
      await k.sleep(100);
    });
  });
  assert.deepEqual(order, ['callback start', 'callback end', 'shutdown returned']);
});
