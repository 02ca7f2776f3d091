import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Atomic } from '../../src/kernel/atomic.js';
import { overSeeds } from './helpers.js';

test('atomic: cmpxchg lets exactly one of many requesters win (the reset.pending pattern)', async () => {
  const winners: number[] = [];
  await overSeeds(30, (k) => {
    const pending = new Atomic(k, 'reset.pending');
    let won = 0;
    for (let i = 0; i < 4; i++) {
      k.spawn(`src${i}`, async () => {
        if ((await pending.cmpxchg(0, 1)) === 0) won++;
      });
    }
    k.spawn('check', async () => {
      await k.sleep(1);
      winners.push(won);
    });
  });
  assert.ok(winners.every((w) => w === 1));
});

test('atomic: read-then-set is racy (two requesters both win under some schedule)', async () => {
  const winners: number[] = [];
  await overSeeds(40, (k) => {
    const pending = new Atomic(k, 'reset.pending');
    let won = 0;
    for (let i = 0; i < 2; i++) {
      k.spawn(`src${i}`, async () => {
        if ((await pending.read()) === 0) {
          await pending.set(1);
          won++;
        }
      });
    }
    k.spawn('check', async () => {
      await k.sleep(1);
      winners.push(won);
    });
  });
  assert.ok(
    winners.some((w) => w === 2),
    'a racy check-then-set must double-win sometimes',
  );
});

test('atomic: xchg, add, inc, dec', async () => {
  const got: number[] = [];
  await overSeeds(1, (k) => {
    const a = new Atomic(k, 'a', 5);
    k.spawn('t', async () => {
      got.push(await a.xchg(7));
      got.push(await a.add(3));
      got.push(await a.inc());
      got.push(await a.dec());
      got.push(a.peek());
    });
  });
  assert.deepEqual(got, [5, 10, 11, 10, 10]);
});
