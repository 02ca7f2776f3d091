import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../../src/kernel/mutex.js';
import { count, has, overSeeds, runWith } from './helpers.js';

test('mutex: mutual exclusion holds under random schedules', async () => {
  let maxInside = 0;
  const rs = await overSeeds(30, (k) => {
    const m = new Mutex(k, 'm');
    let inside = 0;
    for (let i = 0; i < 4; i++) {
      k.spawn(`t${i}`, async () => {
        for (let j = 0; j < 5; j++) {
          await m.lock();
          inside++;
          maxInside = Math.max(maxInside, inside);
          await k.point();
          inside--;
          m.unlock();
        }
      });
    }
  });
  assert.equal(maxInside, 1);
  for (const r of rs) assert.deepEqual(r.violations, []);
});

test('mutex: without the lock, the same workload loses updates (the test can fail)', async () => {
  let lost = 0;
  await overSeeds(30, (k) => {
    let counter = 0;
    for (let i = 0; i < 3; i++) {
      k.spawn(`t${i}`, async () => {
        for (let j = 0; j < 5; j++) {
          const c = counter;
          await k.point();
          counter = c + 1;
        }
      });
    }
    k.spawn('check', async () => {
      await k.sleep(1);
      if (counter !== 15) lost++;
    });
  });
  assert.ok(lost > 0, 'an unprotected read-modify-write must lose updates under some schedule');
});

test('mutex: lockdep reports an ABBA lock order even when the run does not hang', async () => {
  const { r } = await runWith((k) => {
    const a = new Mutex(k, 'A');
    const b = new Mutex(k, 'B');
    k.spawn('ab', async () => {
      await a.lock();
      await b.lock();
      b.unlock();
      a.unlock();
      await k.sleep(100);
      // The reverse order, later, in a run that never deadlocks.
      await b.lock();
      await a.lock();
      a.unlock();
      b.unlock();
    });
  });
  assert.ok(has(r, 'deadlock'));
  assert.match(r.violations[0]?.message ?? '', /lock-order cycle: (A -> B -> A|B -> A -> B)/);
});

test('mutex: a real ABBA deadlock leaves every task blocked and is reported', async () => {
  const rs = await overSeeds(40, (k) => {
    const a = new Mutex(k, 'A');
    const b = new Mutex(k, 'B');
    k.spawn('t1', async () => {
      await a.lock();
      await b.lock();
      b.unlock();
      a.unlock();
    });
    k.spawn('t2', async () => {
      await b.lock();
      await a.lock();
      a.unlock();
      b.unlock();
    });
  });
  const hung = rs.filter((r) => r.violations.some((v) => /every task is blocked/.test(v.message)));
  assert.ok(hung.length > 0, 'some schedule must actually deadlock');
  assert.equal(count(rs, 'deadlock'), rs.length, 'lockdep flags the order in every run');
});

test('mutex: sleeping lock in hard-IRQ context is atomic-sleep', async () => {
  const { r } = await runWith((k) => {
    const m = new Mutex(k, 'm');
    k.spawn(
      'irq',
      async () => {
        await m.lock();
        m.unlock();
      },
      { ctx: 'hardirq' },
    );
  });
  assert.ok(has(r, 'atomic-sleep'));
});

test('mutex: trylock never sleeps and fails when held', async () => {
  const results: boolean[] = [];
  const { r } = await runWith((k) => {
    const m = new Mutex(k, 'm');
    k.spawn('holder', async () => {
      await m.lock();
      await k.sleep(1000);
      m.unlock();
    });
    k.spawn(
      'irq',
      async () => {
        await k.delay(10);
        results.push(await m.trylock());
      },
      { ctx: 'hardirq' },
    );
  });
  assert.deepEqual(results, [false]);
  assert.deepEqual(r.violations, []);
});
