/**
 * The reset window (depth 3), after the r/w-semaphore proposal. A submit passes the gate
 * (`tryAccess`), then writes its job into the ring (`RING_WORK` decision points) and rings the
 * doorbell. Meanwhile a job faults: the fault handler reads the fault registers
 * (`IRQ_WORK` points) and requests a reset, which closes the gate and queues the reset worker.
 * The worker drains the jobs on the hardware (cancels them, signalling their fences with an
 * error), soft-resets the GPU (`RESET_WORK` points) and reopens the gate. A job rung after the
 * drain and before the hardware reset is neither cancelled nor ever run: its fence is never
 * signalled.
 *
 * Bug ordering, 3 constraints, none implied by the others: the submit's gate check before the
 * gate closes (1), the doorbell after the worker's drain (2), and the doorbell before the
 * hardware reset (3). The submit must be kept off the CPU from its gate check through the rest
 * of the fault handler and the drain, and must then run before the worker finishes: PCT needs
 * two change points (the submit demoted after its check, the worker demoted after its drain,
 * below the submit), a uniform random scheduler a long starvation followed by the right pick.
 * (The first version of this kernel asked only that the doorbell fall between the fault and the
 * gate closing: two constraints, a depth-2 bug, which is why PCT at depth 3 did no better than
 * random on it.)
 */
import { type BenchKernel, work } from './api.js';

/** Decision points between the submit's gate check and its doorbell. */
export const RING_WORK = 1;
/** Decision points of the fault handler between the fault and the reset request. */
export const IRQ_WORK = 16;
/** Decision points of the reset worker between the drain and the hardware reset. */
export const RESET_WORK = 3;

export const resetWindow: BenchKernel = {
  name: 'reset-window',
  description: 'a submit that passed the gate rings the doorbell between the drain and the reset',
  depth: 3,
  invariant: 'fence-signalled',
  setup(api) {
    let gateOpen = true;
    /** Jobs on the hardware: a drain cancels them (their fences get an error). */
    let onHardware = 0;
    api.spawn('submit', async () => {
      await api.yieldPoint();
      if (!gateOpen) return;
      await work(api, RING_WORK);
      onHardware++; // the doorbell
    });
    api.spawn('fault-irq', async () => {
      if (!api.fault('job-fault')) return;
      await work(api, IRQ_WORK);
      gateOpen = false;
      api.spawn('reset-worker', async () => {
        await api.yieldPoint();
        onHardware = 0; // drain: cancel what is on the hardware
        await work(api, RESET_WORK);
        // The hardware reset wipes whatever is still on it: a job rung after the drain is
        // neither cancelled nor ever run.
        api.assert(onHardware === 0, 'fence-signalled');
        onHardware = 0;
        gateOpen = true;
      });
    });
  },
};
