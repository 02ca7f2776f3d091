import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Errno } from '../../src/kernel/errno.js';
import {
  beginSignalling,
  endSignalling,
  FenceContext,
  fenceRegistry,
} from '../../src/kernel/fence.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { has, overSeeds, runWith } from './helpers.js';

test('fence: signalled twice (reset path and completion both signal) is reported', async () => {
  const rs = await overSeeds(20, (k) => {
    const ctx = new FenceContext(k, 'queue0');
    const f = ctx.create();
    // A buggy driver: both the completion IRQ and the reset path signal without checking.
    k.spawn(
      'irq',
      async () => {
        await k.point();
        f.signal();
      },
      { ctx: 'hardirq' },
    );
    k.spawn('reset', async () => {
      await k.point();
      f.setError(-Errno.ECANCELED);
      f.signal();
    });
  });
  for (const r of rs) assert.ok(has(r, 'fence-signalled'));
  // Depending on the order, the error is also set after the signal, which is reported too.
  assert.ok(rs.some((r) => has(r, 'fence-error-code')));
});

test('fence: status, error before signal, callbacks in order, exactly once', async () => {
  const seen: string[] = [];
  const { r } = await runWith((k) => {
    const ctx = new FenceContext(k, 'q');
    const ok = ctx.create();
    const bad = ctx.create();
    ok.addCallback(() => seen.push('ok cb1'));
    ok.addCallback(() => seen.push('ok cb2'));
    k.spawn('t', async () => {
      assert.equal(ok.status, 0);
      ok.signal();
      assert.equal(ok.status, 1);
      assert.equal(
        ok.addCallback(() => seen.push('late')),
        false,
      );
      bad.setError(-Errno.ETIMEDOUT);
      bad.signal();
      assert.equal(bad.status, -Errno.ETIMEDOUT);
    });
  });
  assert.deepEqual(seen, ['ok cb1', 'ok cb2']);
  assert.deepEqual(r.violations, []);
});

test('fence: wait with timeout, and the registry lists unsignalled fences', async () => {
  let waited: boolean | null = null;
  const { k } = await runWith((k) => {
    const f = new FenceContext(k, 'q').create();
    k.spawn('t', async () => {
      waited = await f.wait(1000);
    });
  });
  assert.equal(waited, false);
  assert.equal(fenceRegistry(k).unsignalled().length, 1);
});

test('fence: GFP_KERNEL allocation inside a signalling section is alloc-in-signalling', async () => {
  const { r } = await runWith((k) => {
    k.spawn('job-done', async () => {
      const c = beginSignalling(k);
      k.kmalloc('perfcnt sample buffer');
      endSignalling(k, c);
      k.kmalloc('fine outside', 'kernel');
      const c2 = beginSignalling(k);
      k.kmalloc('atomic is fine', 'atomic');
      endSignalling(k, c2);
    });
  });
  assert.equal(r.violations.filter((v) => v.invariant === 'alloc-in-signalling').length, 1);
});

test('fence: waiting on a fence while holding a lock taken in a signalling path is a cycle', async () => {
  const { r } = await runWith((k) => {
    const m = new Mutex(k, 'queue.lock');
    const f = new FenceContext(k, 'q').create();
    k.spawn('signaller', async () => {
      const c = beginSignalling(k);
      await m.lock();
      m.unlock();
      f.signal();
      endSignalling(k, c);
    });
    k.spawn('waiter', async () => {
      await k.sleep(10);
      await m.lock();
      await f.wait(100);
      m.unlock();
    });
  });
  assert.ok(has(r, 'deadlock'));
});
