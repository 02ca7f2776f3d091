import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { has, runWith } from './helpers.js';

test('kernel: virtual time advances only through events', async () => {
  const seen: number[] = [];
  const { r } = await runWith((k) => {
    k.spawn('a', async () => {
      seen.push(k.nowNs);
      await k.sleep(1500);
      seen.push(k.nowNs);
      await k.point();
      seen.push(k.nowNs);
    });
  });
  assert.deepEqual(seen, [0, 1500, 1500]);
  assert.equal(r.nowNs, 1500);
  assert.equal(r.outcome, 'idle');
});

test('kernel: the virtual-time limit ends an endless periodic timer', async () => {
  const { r } = await runWith(
    (k) => {
      k.spawn('ticker', async () => {
        for (;;) await k.sleep(1_000_000);
      });
    },
    { maxTimeNs: 50_000_000 },
  );
  assert.equal(r.outcome, 'time-limit');
  assert.ok(has(r, 'limit'));
  assert.equal(r.nowNs, 50_000_000);
});

test('kernel: the step limit ends a livelock', async () => {
  const { r } = await runWith(
    (k) => {
      k.spawn('spinner', async () => {
        for (;;) await k.point();
      });
    },
    { maxSteps: 500 },
  );
  assert.equal(r.outcome, 'step-limit');
  assert.equal(r.steps, 500);
});

test('kernel: an exception in model code is a model-error and ends the run', async () => {
  const { r } = await runWith((k) => {
    k.spawn('buggy', async () => {
      await k.point();
      throw new Error('boom');
    });
    k.spawn('other', async () => {
      await k.sleep(100);
    });
  });
  assert.equal(r.outcome, 'model-error');
  assert.match(r.violations[0]?.message ?? '', /boom/);
});

test('kernel: stopOnViolation ends the run at the first violation', async () => {
  const { r } = await runWith(
    (k) => {
      k.spawn(
        'irq',
        async () => {
          await k.sleep(1);
        },
        { ctx: 'hardirq' },
      );
      k.spawn('later', async () => {
        await k.sleep(1000);
      });
    },
    { stopOnViolation: true },
  );
  assert.equal(r.outcome, 'violation');
  assert.ok(r.nowNs < 1000);
});

test('kernel: a strategy may fire a due timer ahead of runnable tasks (timeout vs completion)', async () => {
  // A task does 50 decision points of work; a 1 ns timeout races with it. FIFO never fires the
  // timeout early; a strategy with time jumps sometimes does.
  async function once(seed: number, jumps: boolean) {
    let timedOut = false;
    await runWith(
      (k) => {
        let done = false;
        k.spawn('worker', async () => {
          for (let i = 0; i < 50; i++) await k.point();
          done = true;
        });
        k.at(1, 'timeout', () => {
          if (!done) timedOut = true;
        });
      },
      jumps ? { seed, strategy: randomStrategy({ eventRate: 0.05 }) } : { seed },
    );
    return timedOut;
  }
  let fifo = 0;
  let random = 0;
  for (let s = 1; s <= 20; s++) {
    if (await once(s, false)) fifo++;
    if (await once(s, true)) random++;
  }
  assert.equal(fifo, 0);
  assert.ok(random > 0);
});

test('kernel: daemons may stay blocked; other blocked tasks are a deadlock', async () => {
  const { r } = await runWith((k) => {
    k.spawn(
      'daemon',
      async () => {
        await k.block('uevent');
      },
      { daemon: true },
    );
  });
  assert.deepEqual(r.violations, []);
});
