/**
 * The reset window (depth 3), as in the r/w-semaphore proposal: the fault handler marks the
 * hardware broken, and only later closes the submission gate and queues the reset worker.
 * A submit that passed the gate before it closed rings the doorbell on broken hardware.
 *
 * Bug ordering: the fault before the doorbell (1), the submit's gate check before the gate
 * closes (2), and the doorbell before the reset worker repairs the hardware (3).
 */
import type { BenchKernel } from './api.js';

export const resetWindow: BenchKernel = {
  name: 'reset-window',
  description: 'a submit between the fault and the reset worker reaches broken hardware',
  depth: 3,
  invariant: 'submit-after-fault',
  setup(api) {
    let broken = false;
    let gateClosed = false;
    api.spawn('fault-irq', async () => {
      if (!api.fault('job-fault')) return;
      broken = true;
      await api.yieldPoint();
      gateClosed = true;
      api.spawn('reset-worker', async () => {
        await api.yieldPoint();
        broken = false;
        gateClosed = false;
      });
    });
    api.spawn('submit', async () => {
      await api.yieldPoint();
      if (gateClosed) return;
      await api.yieldPoint();
      api.assert(!broken, 'submit-after-fault');
    });
  },
};
