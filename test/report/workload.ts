/**
 * A small but real kernel workload for the report tests: ioctl tasks submit jobs under a
 * mutex, the "hardware" faults, an IRQ handler requests a reset, and the reset work runs its
 * phases on an ordered workqueue and signals the pending fences with an error. It follows the
 * trace conventions of src/report/conventions.ts (job submit/done, reset request, a reset
 * slice with nested phases, async fence slices), and one ioctl submits inside the window
 * between the fault and the reset, which the workload itself reports as `submit-after-fault`,
 * so the trace carries a violation at a point where several lanes are busy.
 */
import { randomStrategy } from '../../src/explore/random.js';
import { type Fence, FenceContext } from '../../src/kernel/fence.js';
import { IrqLine } from '../../src/kernel/irq.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import type { Lane, TraceEvent } from '../../src/kernel/trace.js';
import { Work, Workqueue } from '../../src/kernel/workqueue.js';

export interface Workload {
  events: TraceEvent[];
  lanes: Lane[];
  endNs: number;
  violations: { invariant: string; message: string; atNs: number }[];
}

export async function runWorkload(seed = 1, opts: { jobs?: number } = {}): Promise<Workload> {
  const jobs = opts.jobs ?? 6;
  const k = new Kernel({ seed, strategy: randomStrategy({ eventRate: 0 }), trace: true });
  const t = k.trace;
  const resetLane = t.lane('reset', 'reset');
  const gpuLane = t.lane('gpu', 'job-slot 0');
  const lock = new Mutex(k, 'sched.lock');
  const wq = Workqueue.ordered(k, 'reset-wq');
  const irq = new IrqLine(k, 'job-irq');
  const ctx = new FenceContext(k, 'queue0');
  const inFlight = new Map<number, Fence>();
  let faulted = false;
  let resetting = false;
  let nextJob = 1;
  let nextReq = 1;

  const reset = new Work(k, 'reset', async () => {
    // The worker starts a little after the request: the window the designs argue about.
    await k.sleep(500);
    resetting = true;
    t.begin(resetLane, 'reset', 'reset');
    t.begin(resetLane, 'reset', 'pre-reset');
    await lock.lock();
    t.end(resetLane, 'reset', 'pre-reset');
    t.begin(resetLane, 'reset', 'soft-reset');
    await k.sleep(2_000);
    t.end(resetLane, 'reset', 'soft-reset');
    t.begin(resetLane, 'reset', 'post-reset');
    for (const [job, fence] of inFlight) {
      fence.setError(-125);
      fence.signal();
      t.asyncEnd(resetLane, 'fence', `job ${job}`, fence.traceId);
      t.instant(resetLane, 'job', 'done', { job, error: -125 });
    }
    inFlight.clear();
    faulted = false;
    lock.unlock();
    t.end(resetLane, 'reset', 'post-reset');
    t.end(resetLane, 'reset', 'reset');
    resetting = false;
  });

  irq.request({
    hard: async () => {
      irq.set(false);
      return 'wake-thread';
    },
    thread: async () => {
      t.instant(k.self().lane, 'reset', 'request', { req: nextReq++, reason: 'job fault' });
      await wq.queueWork(reset);
    },
  });

  const submit = async (): Promise<void> => {
    await lock.lock();
    const job = nextJob++;
    if (faulted && !resetting) {
      k.violation(
        'submit-after-fault',
        `job ${job} handed to the GPU after a <fault> & before the reset`,
      );
    }
    const fence = ctx.create(`job ${job}`);
    inFlight.set(job, fence);
    t.instant(k.self().lane, 'job', 'submit', { job });
    t.asyncBegin(k.self().lane, 'fence', `job ${job}`, fence.traceId);
    t.instant(gpuLane, 'gpu', `run job ${job}`);
    lock.unlock();
    if (job === 2) {
      // The hardware faults on the second job a little later.
      k.at(1_000, 'hw fault', () => {
        faulted = true;
        t.instant(gpuLane, 'gpu', 'fault');
        irq.set(true);
      });
    } else {
      k.at(300, 'hw done', () => {
        if (!inFlight.delete(job)) return;
        fence.signal();
        t.asyncEnd(gpuLane, 'fence', `job ${job}`, fence.traceId);
        t.instant(gpuLane, 'job', 'done', { job });
      });
    }
    await fence.wait(50_000);
  };

  for (let i = 0; i < jobs; i++) {
    // A user process issuing its ioctl: drawn with user space.
    k.spawn(
      `ioctl${i}`,
      async () => {
        await k.sleep(i * 400);
        await submit();
      },
      { user: true },
    );
  }
  const r = await k.run();
  return {
    events: t.events ?? [],
    lanes: [...t.lanes],
    endNs: r.nowNs,
    violations: r.violations.map((v) => ({
      invariant: v.invariant,
      message: v.message,
      atNs: v.atNs,
    })),
  };
}
