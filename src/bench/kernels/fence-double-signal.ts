/**
 * A fence signalled twice (depth 2): a job times out, so the reset path kills it and signals
 * its fence with an error, while the job's completion IRQ signals the same fence. Both test
 * "already signalled?" and then signal, with a preemption point in between and no lock (the
 * real code must test-and-set under the fence lock, `dma_fence_signal` returning -EINVAL).
 *
 * Bug ordering: each path's test before the other's signal (2 constraints). Without the
 * timeout fault there is no reset and no bug.
 */
import type { BenchKernel } from './api.js';

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
      await api.sleep(1_000);
      await signal();
    });
    api.spawn('reset', async () => {
      if (!api.fault('job-timeout')) return;
      await api.sleep(1_000);
      await api.yieldPoint();
      await signal();
    });
  },
};
