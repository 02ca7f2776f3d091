import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaitQueue } from '../../src/kernel/waitqueue.js';
import { count, overSeeds } from './helpers.js';

/** The classic lost wake-up: check the condition, get preempted, then sleep unconditionally. */
function lostWakeup(useWaitEvent: boolean) {
  return (k: import('../../src/kernel/kernel.js').Kernel) => {
    const wq = new WaitQueue(k, 'job_done');
    let done = false;
    k.spawn('waiter', async () => {
      if (useWaitEvent) {
        await wq.waitEvent(() => done);
        return;
      }
      if (!done) {
        await k.point(); // preemption between the check and the sleep
        await wq.sleep();
      }
    });
    k.spawn('waker', async () => {
      done = true;
      wq.wakeUp();
    });
  };
}

test('waitqueue: the check-then-sleep pattern loses a wake-up under some schedule (deadlock)', async () => {
  const rs = await overSeeds(40, lostWakeup(false));
  assert.ok(count(rs, 'deadlock') > 0, 'some schedule must lose the wake-up');
  assert.ok(count(rs, 'deadlock') < rs.length, 'and some must not');
});

test('waitqueue: wait_event never loses it', async () => {
  const rs = await overSeeds(40, lostWakeup(true));
  assert.equal(count(rs, 'deadlock'), 0);
});

test('waitqueue: wait_event with timeout returns the condition at the deadline', async () => {
  const results: boolean[] = [];
  await overSeeds(5, (k) => {
    const wq = new WaitQueue(k, 'wq');
    let flag = false;
    k.spawn('w', async () => {
      results.push(await wq.waitEvent(() => flag, 100));
    });
    k.spawn('late-setter', async () => {
      await k.sleep(200);
      flag = true;
      wq.wakeUp();
    });
  });
  assert.deepEqual(results, [false, false, false, false, false]);
});
