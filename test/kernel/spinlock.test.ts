import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spinlock } from '../../src/kernel/spinlock.js';
import { has, overSeeds, runWith } from './helpers.js';

test('spinlock: mutual exclusion between process and hard-IRQ context', async () => {
  let bad = 0;
  const rs = await overSeeds(30, (k) => {
    const s = new Spinlock(k, 'irq_lock');
    let inside = 0;
    const body = async () => {
      for (let i = 0; i < 3; i++) {
        await s.lock();
        if (++inside > 1) bad++;
        await k.point();
        inside--;
        s.unlock();
      }
    };
    k.spawn('proc', body);
    k.spawn('irq', body, { ctx: 'hardirq' });
  });
  assert.equal(bad, 0);
  for (const r of rs) assert.deepEqual(r.violations, []);
});

test('spinlock: sleeping while holding a spinlock is atomic-sleep', async () => {
  const { r } = await runWith((k) => {
    const s = new Spinlock(k, 'lock');
    k.spawn('proc', async () => {
      await s.lock();
      await k.sleep(10);
      s.unlock();
    });
  });
  assert.ok(has(r, 'atomic-sleep'));
  assert.match(r.violations[0]?.message ?? '', /spinlock held/);
});

test('spinlock: busy-waiting (udelay) while holding it is allowed', async () => {
  const { r } = await runWith((k) => {
    const s = new Spinlock(k, 'lock');
    k.spawn('proc', async () => {
      await s.lock();
      await k.delay(10);
      s.unlock();
    });
  });
  assert.deepEqual(r.violations, []);
  assert.equal(r.nowNs, 10);
});
