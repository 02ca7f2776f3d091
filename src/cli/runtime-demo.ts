/**
 * Placeholder main job while the GPU model and driver are being built: it runs a small
 * workload on the simulated kernel alone (an ABBA lock-order bug, a reset-style worker on an
 * ordered workqueue) under several seeds and reports what the runtime's checkers found.
 */
import { randomStrategy } from '../explore/random.js';
import { Kernel } from '../kernel/kernel.js';
import { Mutex } from '../kernel/mutex.js';
import { Work, Workqueue } from '../kernel/workqueue.js';

export async function runtimeDemo(): Promise<void> {
  console.log('resetlab: runtime-only demo (the GPU model and driver are not built yet).');
  const seeds = 200;
  let deadlocks = 0;
  let firstHash = '';
  for (let seed = 1; seed <= seeds; seed++) {
    const k = new Kernel({ seed, strategy: randomStrategy() });
    const a = new Mutex(k, 'sched.lock');
    const b = new Mutex(k, 'reset.lock');
    const wq = Workqueue.ordered(k, 'reset-wq');
    const reset = new Work(k, 'reset', async () => {
      await b.lock();
      await a.lock();
      a.unlock();
      b.unlock();
    });
    k.spawn('ioctl', async () => {
      await a.lock();
      await wq.queueWork(reset);
      await b.lock();
      b.unlock();
      a.unlock();
    });
    const r = await k.run();
    if (seed === 1) firstHash = r.traceHash;
    if (r.violations.some((v) => v.invariant === 'deadlock')) deadlocks++;
  }
  console.log(
    `  ${seeds} seeds: lock-order deadlock reported in ${deadlocks} runs (trace hash of seed 1: ${firstHash})`,
  );
}
