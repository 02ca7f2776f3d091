import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Completion } from '../../src/kernel/completion.js';
import { has, runWith } from './helpers.js';

test('completion: complete before wait is not lost', async () => {
  let got: boolean | null = null;
  const { r } = await runWith((k) => {
    const c = new Completion(k, 'done');
    k.spawn('completer', async () => {
      c.complete();
    });
    k.spawn('waiter', async () => {
      await k.sleep(10);
      got = await c.wait(1000);
    });
  });
  assert.equal(got, true);
  assert.deepEqual(r.violations, []);
});

test('completion: wait times out at the virtual deadline', async () => {
  let got: boolean | null = null;
  let at = -1;
  await runWith((k) => {
    const c = new Completion(k, 'never');
    k.spawn('waiter', async () => {
      got = await c.wait(5000);
      at = k.nowNs;
    });
  });
  assert.equal(got, false);
  assert.equal(at, 5000);
});

test('completion: completeAll releases every waiter, now and later', async () => {
  let released = 0;
  await runWith((k) => {
    const c = new Completion(k, 'all');
    for (let i = 0; i < 3; i++) {
      k.spawn(`w${i}`, async () => {
        if (await c.wait()) released++;
      });
    }
    k.spawn('completer', async () => {
      await k.sleep(10);
      c.completeAll();
      await k.sleep(10);
      k.spawn('late', async () => {
        if (await c.wait()) released++;
      });
    });
  });
  assert.equal(released, 4);
});

test('completion: waiting forever on a completion nobody completes is a deadlock', async () => {
  const { r } = await runWith((k) => {
    const c = new Completion(k, 'orphan');
    k.spawn('waiter', async () => {
      await c.wait();
    });
  });
  assert.ok(has(r, 'deadlock'));
});

test('completion: waiting in timer context is atomic-sleep', async () => {
  const { r } = await runWith((k) => {
    const c = new Completion(k, 'c');
    c.complete();
    k.spawn(
      'timer',
      async () => {
        await c.wait();
      },
      { ctx: 'timer' },
    );
  });
  assert.ok(has(r, 'atomic-sleep'));
});
