import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refcount } from '../../src/kernel/refcount.js';
import { has, runWith } from './helpers.js';

test('refcount: an unbalanced put underflows and is reported once', async () => {
  const { r } = await runWith((k) => {
    const ref = new Refcount(k, 'as.active_cnt', 1);
    k.spawn('t', async () => {
      assert.equal(await ref.decAndTest(), true);
      await ref.dec();
      assert.equal(ref.peek(), 0, 'saturates instead of wrapping');
    });
  });
  assert.ok(has(r, 'refcount-underflow'));
  assert.equal(r.violations.length, 1);
});

test('refcount: taking a reference on zero is use-after-free; inc_not_zero refuses', async () => {
  let incNotZero: boolean | null = null;
  const { r } = await runWith((k) => {
    const ref = new Refcount(k, 'group.refcount', 0);
    k.spawn('t', async () => {
      incNotZero = await ref.incNotZero();
      await ref.inc();
    });
  });
  assert.equal(incNotZero, false);
  assert.ok(has(r, 'use-after-free'));
});

test('refcount: balanced gets and puts are silent', async () => {
  const { r } = await runWith((k) => {
    const ref = new Refcount(k, 'bo.refcount', 1);
    k.spawn('t', async () => {
      await ref.inc();
      await ref.inc();
      await ref.dec();
      await ref.dec();
      assert.equal(await ref.decAndTest(), true);
    });
  });
  assert.deepEqual(r.violations, []);
});
