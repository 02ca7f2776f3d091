/**
 * A timer firing after teardown (depth 2): unbind deletes the watchdog timer with
 * `timer_delete` instead of `timer_shutdown_sync`, which does not wait for a callback that is
 * already running, and then frees the device the callback uses.
 *
 * Bug ordering: the callback's "was I cancelled?" test before the delete (1), and the free
 * before the callback touches the device (2).
 */
import type { BenchKernel } from './api.js';

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
      await api.yieldPoint();
      alive = false;
    });
  },
};
