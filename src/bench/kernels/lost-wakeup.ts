/**
 * Lost wake-up (depth 2): the waiter checks the condition and only then puts itself on the
 * wait queue, with a preemption point in between, instead of `prepare_to_wait` before the
 * check. The waker sets the condition and wakes only tasks already on the queue.
 *
 * Bug ordering: the waiter's check before the waker sets the condition (1), and the waker's
 * look at the queue before the waiter joins it (2). The waiter then sleeps forever; a bounded
 * sleep stands in for "forever" and the waiter reports that it was never woken.
 */
import type { BenchKernel } from './api.js';

export const lostWakeup: BenchKernel = {
  name: 'lost-wakeup',
  description: 'condition checked before joining the wait queue; the wake-up finds nobody',
  depth: 2,
  invariant: 'deadlock',
  setup(api) {
    let condition = false;
    let queued = false;
    let woken = false;
    api.spawn('waiter', async () => {
      if (condition) return;
      await api.yieldPoint();
      queued = true;
      for (let i = 0; i < 3 && !woken; i++) await api.sleep(1_000_000);
      api.assert(woken, 'deadlock');
    });
    api.spawn('waker', async () => {
      await api.yieldPoint();
      condition = true;
      await api.yieldPoint();
      if (queued) woken = true;
    });
  },
};
