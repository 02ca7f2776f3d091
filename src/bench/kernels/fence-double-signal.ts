/**
 * A fence signalled twice (depth 2): a job times out, so the reset path stops the scheduler,
 * suspends the group and kills the job, signalling its fence with an error, while the job's
 * completion interrupt signals the same fence. Both test "already signalled?" and then signal,
 * with a preemption point in between and no lock (the real code must test-and-set under the
 * fence lock, `dma_fence_signal` returning -EINVAL).
 *
 * Bug ordering, 2 constraints: each path's test before the other's signal. The interrupt
 * handler tests at once; the reset path first does `RESET_WORK` decision points of work, so
 * the interrupt handler must be kept off the CPU from its test until the reset path has
 * tested too: random scheduling about 2^-RESET_WORK, PCT one change point after either test.
 * Without the timeout fault there is no reset and no bug.
 */
import { type BenchKernel, work } from './api.js';

/** Decision points of the reset path before it reaches the fence. */
export const RESET_WORK = 10;

export const fenceDoubleSignal: BenchKernel = {
  name: 'fence-double-signal',
  description: 'reset and completion both test-then-signal the same fence',
  depth: 2,
  invariant: 'fence-signalled',
  setup(api) {
    let signalled = false;
    let signals = 0;
    const signal = async (): Promise<void> => {
      if (signalled) return;
      await api.yieldPoint();
      signalled = true;
      signals++;
      api.assert(signals === 1, 'fence-signalled');
    };
    api.spawn('job-irq', async () => {
      await signal();
    });
    api.spawn('reset', async () => {
      if (!api.fault('job-timeout')) return;
      await work(api, RESET_WORK);
      await signal();
    });
  },
};
