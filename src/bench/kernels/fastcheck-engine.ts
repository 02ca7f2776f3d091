/**
 * Runs a benchmark kernel under fast-check 4's scheduler (`fc.scheduler()`), the reference
 * point for resetlab's explorer: a well-kept property-based testing library that also
 * explores interleavings of promises.
 *
 * Mapping of the neutral API: every task start, `yieldPoint` and `sleep` is a promise wrapped
 * by `s.schedule`, which fast-check releases in an order it draws from its seed; the run lasts
 * until `s.waitIdle()` finds nothing scheduled (tasks spawned by tasks included). fast-check
 * has no clock, so `sleep` is a plain scheduling point. Faults come from the property's input,
 * a short array of booleans consumed in call order (false once used up), so that fast-check
 * explores them as it explores schedules.
 *
 * One property execution is one kernel execution. `untilBug` uses `endOnFailure` so that
 * fast-check stops at the first failure instead of shrinking it: the benchmark counts
 * executions to the first bug, not the cost of minimising it.
 */
import fc from 'fast-check';
import type { BenchKernel, KernelApi } from './api.js';
import type { Batch, Engine, UntilBug } from './engine.js';

/** Fault decisions drawn per execution; the kernels ask for one or two. */
const FAULT_SLOTS = 4;

/** One execution under scheduler `s`; true when the kernel's invariant was violated. */
async function execute(
  s: fc.Scheduler,
  kernel: BenchKernel,
  faults: readonly boolean[],
): Promise<boolean> {
  let violated = false;
  let nextFault = 0;
  const tasks: Promise<void>[] = [];
  const api: KernelApi = {
    spawn: (name, fn) => {
      tasks.push(s.schedule(Promise.resolve(), `spawn ${name}`).then(fn));
    },
    yieldPoint: () => s.schedule(Promise.resolve(), 'yield'),
    sleep: (ns) => s.schedule(Promise.resolve(), `sleep ${ns}`),
    fault: () => faults[nextFault++] ?? false,
    assert: (cond, invariant) => {
      if (!cond && invariant === kernel.invariant) violated = true;
    },
  };
  kernel.setup(api);
  await s.waitIdle();
  // Tasks may have spawned tasks while we waited; all of them have settled by now.
  for (const r of await Promise.allSettled(tasks)) {
    if (r.status === 'rejected') throw new Error(`${kernel.name}: ${String(r.reason)}`);
  }
  return violated;
}

const faultsArb = fc.array(fc.boolean(), { minLength: FAULT_SLOTS, maxLength: FAULT_SLOTS });

export function fastCheckEngine(): Engine {
  return {
    name: 'fast-check',
    async untilBug(kernel, seed, budget): Promise<UntilBug> {
      let executions = 0;
      // An exception is a bug in the kernel, not the bug being looked for: it stops the run
      // like a failure and is rethrown here rather than counted as found.
      let error: unknown = null;
      const details = await fc.check(
        fc.asyncProperty(fc.scheduler(), faultsArb, async (s, faults) => {
          executions++;
          try {
            return !(await execute(s, kernel, faults));
          } catch (err) {
            error = err;
            return false;
          }
        }),
        { seed, numRuns: budget, endOnFailure: true },
      );
      if (error !== null) throw error;
      return { executions, found: details.failed };
    },
    async runMany(kernel, seed, count): Promise<Batch> {
      let executions = 0;
      let violations = 0;
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), faultsArb, async (s, faults) => {
          executions++;
          if (await execute(s, kernel, faults)) violations++;
        }),
        { seed, numRuns: count },
      );
      return { executions, violations };
    },
  };
}
