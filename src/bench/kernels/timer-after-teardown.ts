/**
 * A timer firing after teardown (depth 2): unbind deletes the watchdog timer with
 * `timer_delete` instead of `timer_shutdown_sync`, which does not wait for a callback that is
 * already running, tears down the rest of the device (`TEARDOWN_WORK` decision points:
 * interrupts, queues, memory) and frees it, while the callback still uses it.
 *
 * Both fire at the same virtual time (the unbind request and the timer's expiry), so on
 * resetlab one of them runs first and the other one's wake-up is a timed event that a strategy
 * may fire early (random: 2% per decision; PCT: an event pseudo-task with its own priority);
 * fast-check has no clock and sees two runnable tasks.
 *
 * Bug ordering, 2 constraints: the callback's "was I cancelled?" test before the delete, and
 * the free before the callback touches the device. The callback must stay off the CPU for the
 * whole teardown: random scheduling about 2^-TEARDOWN_WORK, PCT one change point.
 */
import { type BenchKernel, work } from './api.js';

/** Decision points of teardown between deleting the timer and freeing the device. */
export const TEARDOWN_WORK = 6;

export const timerAfterTeardown: BenchKernel = {
  name: 'timer-after-teardown',
  description: 'timer_delete without _sync lets a running callback use the freed device',
  depth: 2,
  invariant: 'use-after-free',
  setup(api) {
    let alive = true;
    let cancelled = false;
    api.spawn('watchdog-timer', async () => {
      await api.sleep(1_000);
      if (cancelled) return;
      await api.yieldPoint();
      api.assert(alive, 'use-after-free');
    });
    api.spawn('unbind', async () => {
      await api.sleep(1_000);
      cancelled = true;
      await work(api, TEARDOWN_WORK);
      alive = false;
    });
  },
};
