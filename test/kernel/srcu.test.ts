import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../../src/kernel/mutex.js';
import { Srcu } from '../../src/kernel/srcu.js';
import { has, runWith } from './helpers.js';

test('srcu: synchronize waits for earlier readers only', async () => {
  const order: string[] = [];
  const { r } = await runWith((k) => {
    const s = new Srcu(k, 'drm_unplug_srcu');
    k.spawn('early-reader', async () => {
      const c = await s.readLock();
      await k.sleep(100);
      order.push('early reader leaves');
      s.readUnlock(c);
    });
    k.spawn('sync', async () => {
      await k.sleep(10);
      await s.synchronize();
      order.push('synchronize returns');
    });
    k.spawn('late-reader', async () => {
      await k.sleep(20);
      const c = await s.readLock();
      await k.sleep(1000);
      order.push('late reader leaves');
      s.readUnlock(c);
    });
  });
  assert.deepEqual(order, ['early reader leaves', 'synchronize returns', 'late reader leaves']);
  assert.deepEqual(r.violations, []);
});

test('srcu: synchronize inside its own read section is reported (self-deadlock)', async () => {
  const { r } = await runWith((k) => {
    const s = new Srcu(k, 'srcu');
    k.spawn('t', async () => {
      const c = await s.readLock();
      await s.synchronize();
      s.readUnlock(c);
    });
  });
  assert.ok(has(r, 'deadlock'));
});

test('srcu: lockdep sees "hold M, synchronize S" against "read S, take M"', async () => {
  const { r } = await runWith((k) => {
    const s = new Srcu(k, 'reset.srcu');
    const m = new Mutex(k, 'reset.lock');
    k.spawn('reader', async () => {
      const c = await s.readLock();
      await m.lock();
      m.unlock();
      s.readUnlock(c);
    });
    k.spawn('reset', async () => {
      await k.sleep(100);
      await m.lock();
      await s.synchronize();
      m.unlock();
    });
  });
  assert.ok(has(r, 'deadlock'));
  assert.match(
    r.violations.find((v) => v.invariant === 'deadlock')?.message ?? '',
    /lock-order cycle/,
  );
});
