/**
 * Lost wake-up (depth 2): the waiter checks the condition and only then puts itself on the
 * wait queue, with a preemption point in between, instead of `prepare_to_wait` before the
 * check. The waker sets the condition, finishes its bookkeeping (statistics, dropping its
 * lock: `WAKER_WORK` decision points) and then wakes the tasks already on the queue.
 *
 * Bug ordering, 2 constraints: the waiter's check before the waker sets the condition (1),
 * and the waker's look at the queue before the waiter joins it (2). Between the two, the
 * waiter must not run for the whole of the waker's bookkeeping: a uniform random scheduler
 * does that with probability about 2^-(WAKER_WORK + 1), PCT with one change point at the step
 * after the check, about 1/(2k). The waiter then sleeps for ever, which it reports once the
 * waker has finished without waking it.
 */
import { type BenchKernel, work } from './api.js';

/** Decision points between setting the condition and looking at the wait queue. */
export const WAKER_WORK = 8;

export const lostWakeup: BenchKernel = {
  name: 'lost-wakeup',
  description: 'condition checked before joining the wait queue; the wake-up finds nobody',
  depth: 2,
  invariant: 'deadlock',
  setup(api) {
    let condition = false;
    let queued = false;
    let woken = false;
    let wakerDone = false;
    api.spawn('waiter', async () => {
      if (condition) return;
      await api.yieldPoint();
      queued = true;
      // Sleeps until woken, which only the waker does: once the waker has finished without
      // waking it, the waiter would sleep for ever, which is the bug. One long sleep (1 s,
      // beyond the 1 ms horizon within which a strategy may fire timers early, so it ends
      // when nothing else can run), then, for an engine without a clock, until the waker is
      // done. A loop of short sleeps would not do: a strategy that fires timers early can keep
      // the waiter looping and the waker off the CPU until the loop gives up.
      await api.sleep(1_000_000_000);
      while (!wakerDone) await api.yieldPoint();
      api.assert(woken, 'deadlock');
    });
    api.spawn('waker', async () => {
      await api.yieldPoint();
      condition = true;
      await work(api, WAKER_WORK);
      if (queued) woken = true;
      wakerDone = true;
    });
  },
};
