import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../../src/kernel/mutex.js';
import { DelayedWork, Work, Workqueue } from '../../src/kernel/workqueue.js';
import { has, overSeeds, runWith } from './helpers.js';

test('workqueue: queueing a pending item coalesces and returns false', async () => {
  const queued: boolean[] = [];
  let runs = 0;
  const { r } = await runWith((k) => {
    // An ordered queue busy with another item keeps `reset` pending while we queue it again.
    const wq = Workqueue.ordered(k, 'reset-wq');
    const busy = new Work(k, 'watchdog', async () => {
      await k.sleep(100);
    });
    const w = new Work(k, 'reset', async () => {
      runs++;
    });
    k.spawn('a', async () => {
      await wq.queueWork(busy);
      queued.push(await wq.queueWork(w));
      queued.push(await wq.queueWork(w));
      queued.push(await wq.queueWork(w));
    });
  });
  assert.deepEqual(queued, [true, false, false]);
  assert.equal(runs, 1);
  assert.deepEqual(r.violations, []);
});

test('workqueue: a request that arrives while the item runs is not lost', async () => {
  let runs = 0;
  await overSeeds(20, (k) => {
    const wq = Workqueue.ordered(k, 'reset-wq');
    const w = new Work(k, 'reset', async () => {
      runs++;
      await k.sleep(100);
    });
    k.spawn('a', async () => {
      await wq.queueWork(w);
      await k.sleep(50); // the item is running now
      assert.equal(await wq.queueWork(w), true);
    });
  });
  assert.equal(runs, 40);
});

test('workqueue: an item never runs concurrently with itself', async () => {
  let overlap = false;
  await overSeeds(20, (k) => {
    const wq = new Workqueue(k, 'events', 4);
    let inside = 0;
    const w = new Work(k, 'tick', async () => {
      if (++inside > 1) overlap = true;
      await k.sleep(10);
      inside--;
    });
    for (let i = 0; i < 3; i++) {
      k.spawn(`q${i}`, async () => {
        for (let j = 0; j < 3; j++) {
          await wq.queueWork(w);
          await k.sleep(3);
        }
      });
    }
  });
  assert.equal(overlap, false);
});

test('workqueue: an ordered workqueue runs one item at a time, in queueing order', async () => {
  const order: string[] = [];
  let maxActive = 0;
  await runWith((k) => {
    const wq = Workqueue.ordered(k, 'panthor-reset-wq');
    let active = 0;
    const mk = (name: string) =>
      new Work(k, name, async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        order.push(name);
        await k.sleep(10);
        active--;
      });
    const items = [mk('reset'), mk('watchdog'), mk('timeout0'), mk('timeout1')];
    k.spawn('q', async () => {
      for (const w of items) await wq.queueWork(w);
    });
  });
  assert.deepEqual(order, ['reset', 'watchdog', 'timeout0', 'timeout1']);
  assert.equal(maxActive, 1);
});

test('workqueue: flush_work waits for the queued instance', async () => {
  const order: string[] = [];
  await runWith((k) => {
    const wq = new Workqueue(k, 'events');
    const w = new Work(k, 'w', async () => {
      await k.sleep(100);
      order.push('work done');
    });
    k.spawn('t', async () => {
      await wq.queueWork(w);
      assert.equal(await w.flush(), true);
      order.push('flush returned');
      assert.equal(await w.flush(), false);
    });
  });
  assert.deepEqual(order, ['work done', 'flush returned']);
});

test('workqueue: cancel_work_sync removes a pending item and waits for a running one', async () => {
  const order: string[] = [];
  let runs = 0;
  await runWith((k) => {
    const wq = new Workqueue(k, 'events');
    const w = new Work(k, 'w', async () => {
      runs++;
      await k.sleep(100);
      order.push('work done');
    });
    k.spawn('t', async () => {
      await wq.queueWork(w);
      await k.sleep(10); // running
      await wq.queueWork(w); // pending again
      assert.equal(await w.cancelSync(), true);
      order.push('cancel returned');
    });
  });
  assert.deepEqual(order, ['work done', 'cancel returned']);
  assert.equal(runs, 1);
});

test('workqueue: disable_work_sync waits for the running item and refuses new queueing', async () => {
  const order: string[] = [];
  let runs = 0;
  const { r } = await runWith((k) => {
    const wq = Workqueue.ordered(k, 'reset-wq');
    const w = new Work(k, 'reset', async () => {
      runs++;
      await k.sleep(100);
      order.push('reset done');
    });
    k.spawn('unbind', async () => {
      await wq.queueWork(w);
      await k.sleep(10);
      await w.disableSync();
      order.push('disabled');
      order.push(`queue after disable: ${await wq.queueWork(w)}`);
      assert.equal(w.enable(), true);
      order.push(`queue after enable: ${await wq.queueWork(w)}`);
    });
  });
  assert.deepEqual(order, [
    'reset done',
    'disabled',
    'queue after disable: false',
    'queue after enable: true',
    'reset done',
  ]);
  assert.equal(runs, 2);
  assert.deepEqual(r.violations, []);
});

test('workqueue: queueing a freed work item is use-after-free', async () => {
  const { r } = await runWith((k) => {
    const wq = new Workqueue(k, 'events');
    const w = new Work(k, 'w', async () => {});
    k.spawn('t', async () => {
      w.free();
      await wq.queueWork(w);
    });
  });
  assert.ok(has(r, 'use-after-free'));
});

test('workqueue: flushing a work while holding a lock the work takes is a lock-order cycle', async () => {
  const { r } = await runWith((k) => {
    const wq = new Workqueue(k, 'events');
    const m = new Mutex(k, 'sched.lock');
    const w = new Work(k, 'tick', async () => {
      await m.lock();
      m.unlock();
    });
    k.spawn('t', async () => {
      await wq.queueWork(w);
      await k.sleep(10);
      await m.lock();
      await w.flush();
      m.unlock();
    });
  });
  assert.ok(has(r, 'deadlock'));
});

test('delayed work: fires after its delay; mod re-arms; cancel_sync stops it', async () => {
  const at: number[] = [];
  await runWith((k) => {
    const wq = Workqueue.ordered(k, 'timeouts');
    const dw = new DelayedWork(k, 'job-timeout', async () => {
      at.push(k.nowNs);
    });
    k.spawn('t', async () => {
      assert.equal(dw.queue(wq, 1000), true);
      assert.equal(dw.queue(wq, 5), false, 'already pending');
      await k.sleep(500);
      assert.equal(dw.mod(wq, 1000), true); // now due at 1500
      await k.sleep(2000);
      dw.queue(wq, 100);
      await dw.cancelSync();
      await k.sleep(1000);
    });
  });
  assert.deepEqual(at, [1500]);
});

test('workqueue: flush of a pending item returns when the item is cancelled or disabled', async () => {
  for (const how of ['cancel', 'disable'] as const) {
    let flushed = false;
    const { r } = await runWith((k) => {
      // An ordered queue busy with another item keeps `tick` pending while it is flushed.
      const wq = Workqueue.ordered(k, 'wq');
      const busy = new Work(k, 'busy', async () => {
        await k.sleep(100);
      });
      const tick = new Work(k, 'tick', async () => {});
      k.spawn('queue', async () => {
        await wq.queueWork(busy);
        await wq.queueWork(tick);
      });
      k.spawn('flusher', async () => {
        await k.sleep(10);
        await tick.flush();
        flushed = true;
      });
      k.spawn('canceller', async () => {
        await k.sleep(20);
        if (how === 'cancel') await tick.cancelSync();
        else await tick.disableSync();
      });
    });
    assert.equal(flushed, true, how);
    assert.deepEqual(r.violations, [], how);
  }
});
