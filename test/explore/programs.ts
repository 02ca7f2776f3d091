/**
 * Small programs for the explorer's tests, each built for one property: bugs of a known depth
 * (for PCT against random), a lost update with a known number of interleavings (for DFS),
 * noise and irrelevant faults around a real race (for shrinking), a timeout race (for time
 * jumps), a model that is not deterministic (for the self-check), and a frequent, cheap
 * failure (for campaign plumbing and signals).
 */
import type { Program, RunInput, RunReport } from '../../src/explore/program.js';
import { Atomic } from '../../src/kernel/atomic.js';
import { Completion } from '../../src/kernel/completion.js';
import { Errno } from '../../src/kernel/errno.js';
import { type Fence, FenceContext } from '../../src/kernel/fence.js';
import { FenceArray } from '../../src/kernel/fence-array.js';
import type { FootprintMode } from '../../src/kernel/hb.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { Prng } from '../../src/kernel/prng.js';
import { Refcount } from '../../src/kernel/refcount.js';
import { RwSemaphore } from '../../src/kernel/rwsem.js';
import { Spinlock } from '../../src/kernel/spinlock.js';
import { Srcu } from '../../src/kernel/srcu.js';
import { Timer } from '../../src/kernel/timer.js';
import { WaitQueue } from '../../src/kernel/waitqueue.js';
import { Work, Workqueue } from '../../src/kernel/workqueue.js';

/**
 * `footprints`: what the program promises a reducing search (src/kernel/hb.ts): `complete`
 * only where every access to shared state goes through the kernel's primitives or
 * `k.access` (a plain variable two tasks share makes a program conservative).
 */
export function kernelProgram(
  id: string,
  faults: readonly string[],
  // May return the program's metrics, read when the run ends (part of a schedule's state).
  setup: (k: Kernel, input: RunInput) => undefined | (() => Record<string, number>),
  footprints: FootprintMode = 'conservative',
): Program {
  return {
    id,
    faults,
    async run(input: RunInput): Promise<RunReport> {
      const k = new Kernel({
        seed: input.seed,
        strategy: input.strategy,
        record: input.record ?? true,
        stopOnViolation: input.stopOnViolation ?? false,
        maxSteps: input.maxSteps ?? 100_000,
        maxTimeNs: 10e9,
        trace: input.trace ?? false,
        footprints,
      });
      const metrics = setup(k, input);
      const r = await k.run();
      const stored = k.trace.events === null ? {} : { trace: k.trace.events, lanes: k.trace.lanes };
      return {
        ...stored,
        outcome: r.outcome,
        steps: r.steps,
        decisions: r.decisions,
        schedule: r.schedule,
        traceHash: r.traceHash,
        virtualTimeNs: r.nowNs,
        violations: r.violations,
        metrics: metrics === undefined ? {} : metrics(),
      };
    },
  };
}

async function pad(k: Kernel, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await k.point();
}

/**
 * Depth 2: the "reset" task opens a window and closes it on its next step; the "ioctl" task
 * sees the window open, does `padding` steps of work and touches the hardware, all inside the
 * window. Two ordering constraints (open before the ioctl starts, the ioctl ends before close):
 * random scheduling must hold the reset task for padding + 2 consecutive decisions (about
 * 2^-(padding+2)); PCT needs the reset task on top and one change point right after it opens
 * the window (about 1/(2k)).
 */
export function depth2Program(padding = 12): Program {
  return kernelProgram(
    'depth2@test',
    [],
    (k) => {
      const resetting = new Atomic(k, 'resetting');
      k.spawn('reset', async () => {
        await resetting.set(1);
        await resetting.set(0);
      });
      k.spawn('ioctl', async () => {
        if ((await resetting.read()) === 0) return;
        await pad(k, padding);
        if ((await resetting.read()) === 1) {
          k.violation('hw-access-during-reset', 'ioctl touched the GPU while a reset ran');
        }
      });
    },
    'complete',
  );
}

/**
 * Depth 3: as depth 2, and the submitter then publishes a flag for one step that the reset task
 * must observe before it is cleared: three ordering constraints, so PCT needs two change points
 * (about 1/(2k^2)), while random must hold the reset task for padding + 2 decisions and then
 * pick it (about 2^-(padding+4)).
 */
export function depth3Program(padding = 14): Program {
  return kernelProgram(
    'depth3@test',
    [],
    (k) => {
      const resetting = new Atomic(k, 'resetting');
      const submitted = new Atomic(k, 'submitted');
      k.spawn('reset', async () => {
        await resetting.set(1);
        if ((await submitted.read()) === 1) {
          k.violation('submit-after-fault', 'a job was submitted during the reset');
        }
        await resetting.set(0);
      });
      k.spawn('submit', async () => {
        if ((await resetting.read()) === 0) return;
        await pad(k, padding);
        await submitted.set(1);
        await submitted.set(0);
      });
    },
    'complete',
  );
}

/**
 * A lost update for DFS: `tasks` tasks each read a counter and write it back incremented; the
 * last to finish checks the total. One preemption between a read and a write loses an update.
 */
export function lostUpdateProgram(tasks = 2): Program {
  return kernelProgram(
    'lost-update@test',
    [],
    (k) => {
      const x = new Atomic(k, 'x');
      // Shared by every task: reported to the kernel, so that the footprints are complete.
      const finished = { n: 0 };
      k.register(finished);
      for (let t = 0; t < tasks; t++) {
        k.spawn(`t${t}`, async () => {
          const r = await x.read();
          await x.set(r + 1);
          k.access(finished, true);
          if (++finished.n === tasks && x.peek() !== tasks) {
            k.violation('refcount-underflow', `lost update: x = ${x.peek()}, expected ${tasks}`);
          }
        });
      }
    },
    'complete',
  );
}

/**
 * `tasks` tasks (two by default) with `points` decision points each that log which task ran each slice, for
 * checking DFS against a brute-force count of interleavings and preemptions.
 */
export function sliceLogProgram(
  points: number,
  log: number[][],
  tasks = 2,
  id = 'slices@test',
): Program {
  return kernelProgram(id, [], (k) => {
    const order: number[] = [];
    log.push(order);
    for (let t = 0; t < tasks; t++) {
      k.spawn(`t${t}`, async () => {
        for (let i = 0; i < points; i++) {
          order.push(t);
          await k.point();
        }
        order.push(t);
      });
    }
  });
}

/**
 * A race buried in noise: four noise tasks (two more with `noise-a`), a fault that changes
 * nothing the race depends on (`noise-b`), and a window race that exists only with the
 * `trigger` fault and needs the ioctl to get ahead of the reset task by several slices. The
 * shrinker should drop `noise-b` and nearly every noise decision.
 */
export function noisyProgram(): Program {
  return kernelProgram(
    'noisy@test',
    ['noise-a', 'trigger', 'noise-b'],
    (k, input) => {
      const names = new Set(input.faults.map((f) => f.name));
      const counter = new Atomic(k, 'counter');
      // noise-a changes the schedule (two more tasks); noise-b changes only a value.
      const noise = 4 + (names.has('noise-a') ? 2 : 0);
      const step = names.has('noise-b') ? 2 : 1;
      for (let n = 0; n < noise; n++) {
        k.spawn(`noise${n}`, async () => {
          for (let i = 0; i < 6; i++) await counter.add(step);
        });
      }
      const open = new Atomic(k, 'open');
      k.spawn('reset', async () => {
        await pad(k, 2);
        await open.set(1);
        await open.set(0);
      });
      k.spawn('ioctl', async () => {
        await pad(k, 8);
        if (names.has('trigger') && (await open.read()) === 1) {
          k.violation('hw-access-during-reset', 'ioctl inside the reset window');
        }
      });
    },
    'complete',
  );
}

/**
 * Timeout versus completion: a waiter gives the job 1 ms of virtual time; the job needs a few
 * steps of CPU time and no virtual time. Only a strategy that fires the timer ahead of
 * runnable work (a time jump) sees the timeout.
 */
export function timeoutRaceProgram(): Program {
  return kernelProgram(
    'timeout@test',
    [],
    (k) => {
      const done = new Completion(k, 'job');
      k.spawn('waiter', async () => {
        if (!(await done.wait(1_000_000))) {
          k.violation('fence-signalled', 'job timed out although it was about to complete');
        }
      });
      k.spawn('job', async () => {
        await pad(k, 3);
        done.complete();
      });
    },
    'complete',
  );
}

/** Not deterministic: every other call spawns one more task (state kept between runs). */
export function nondeterministicProgram(): Program {
  let calls = 0;
  return kernelProgram('nondet@test', [], (k) => {
    calls++;
    const tasks = 2 + (calls % 2);
    for (let t = 0; t < tasks; t++) k.spawn(`t${t}`, () => pad(k, 3));
  });
}

/** Fails often (a depth-1 race) and is cheap: for campaign plumbing, files and signals. */
export function flakyProgram(): Program {
  return kernelProgram('flaky@test', ['slow-path', 'extra'], (k, input) => {
    const flag = new Atomic(k, 'flag');
    const extra = input.faults.some((f) => f.name === 'extra');
    k.spawn('a', async () => {
      await pad(k, 2);
      await flag.set(1);
    });
    k.spawn('b', async () => {
      await pad(k, extra ? 3 : 2);
      if ((await flag.read()) === 0) k.violation('reset-dedup', 'b ran before a published');
    });
    k.spawn('c', async () => {
      await pad(k, 6);
      if ((await flag.read()) === 1 && k.stepCount % 7 === 0) {
        k.violation('deadlock', 'c saw the flag at a step divisible by 7');
      }
    });
  });
}

/**
 * Independent work around one race, for partial-order reduction: `tasks` tasks each add to an
 * atomic of their own `points` times (steps that commute with every other task's), then all
 * take part in a lost update on one shared counter. Complete footprints.
 */
export function independentProgram(tasks = 3, points = 3): Program {
  return kernelProgram(
    'independent@test',
    [],
    (k) => {
      const x = new Atomic(k, 'x');
      const finished = { n: 0 };
      k.register(finished);
      for (let t = 0; t < tasks; t++) {
        const own = new Atomic(k, `own${t}`);
        k.spawn(`t${t}`, async () => {
          for (let i = 0; i < points; i++) await own.add(1);
          const r = await x.read();
          await x.set(r + 1);
          k.access(finished, true);
          if (++finished.n === tasks && x.peek() !== tasks) {
            k.violation('refcount-underflow', `lost update: x = ${x.peek()}, expected ${tasks}`);
          }
        });
      }
    },
    'complete',
  );
}

/**
 * A program that claims complete footprints and breaks the promise: the tasks share a plain
 * variable they never report. The reduction takes their steps for independent and may merge
 * the schedule that sees the write with one that does not: the soundness test must notice.
 */
export function lyingProgram(): Program {
  return kernelProgram(
    'lying@test',
    [],
    (k) => {
      let v = 0;
      const a = new Atomic(k, 'a');
      const b = new Atomic(k, 'b');
      const finished = { n: 0 };
      k.register(finished);
      const done = () => {
        k.access(finished, true);
        if (++finished.n === 3 && b.peek() > 10) {
          k.violation('hw-access-during-reset', 'the reader saw the write');
        }
      };
      k.spawn('writer', async () => {
        await a.add(1);
        v = 1;
        await a.add(1);
        done();
      });
      k.spawn('reader', async () => {
        await b.add(1);
        await b.add(v === 1 ? 0 : 10);
        await b.add(1);
        done();
      });
      // Keeps a decision at every step, where the reduction can merge.
      const c = new Atomic(k, 'c');
      k.spawn('noise', async () => {
        for (let i = 0; i < 4; i++) await c.add(1);
        done();
      });
    },
    'complete',
  );
}

/**
 * A hand-off through a spinlock and a wait queue, for partial-order reduction: two producers
 * publish an item each under a spinlock and wake the queue; a consumer waits for both, and a
 * bystander works on its own atomic. Complete footprints (the shared count is reported).
 */
export function handoffProgram(): Program {
  return kernelProgram(
    'handoff@test',
    [],
    (k) => {
      const lock = new Spinlock(k, 'items.lock');
      const wq = new WaitQueue(k, 'items');
      const items = { n: 0 };
      k.register(items);
      for (let p = 0; p < 2; p++) {
        k.spawn(`producer${p}`, async () => {
          await lock.lock();
          k.access(items, true);
          items.n++;
          lock.unlock();
          wq.wakeUp();
        });
      }
      k.spawn('consumer', async () => {
        const ok = await wq.waitEvent(() => {
          k.access(items, false);
          return items.n === 2;
        }, 1_000_000);
        if (!ok) k.violation('fence-signalled', 'the consumer timed out');
      });
      const own = new Atomic(k, 'own');
      k.spawn('bystander', async () => {
        for (let i = 0; i < 3; i++) await own.add(1);
      });
      return () => ({ items: items.n, own: own.peek() });
    },
    'complete',
  );
}

type RandomOp = readonly [kind: string, object: number, amount: number];

/** The ops of `randomCompleteProgram(seed)`: 2-3 tasks of 1-4 ops each. */
export function randomOps(seed: number): RandomOp[][] {
  const r = new Prng(seed, 7);
  const kinds = ['add', 'read', 'cas', 'lock', 'spin', 'complete', 'wait', 'sleep', 'delay'];
  kinds.push('point', 'wqwake', 'wqwait', 'rdown', 'wdown', 'srcu', 'sync', 'ref', 'timer');
  kinds.push('deltimer', 'queue', 'flush', 'cancel', 'fsignal', 'fwait', 'fpoll', 'fcb', 'fnew');
  return Array.from({ length: 2 + r.below(2) }, () =>
    Array.from(
      { length: 1 + r.below(4) },
      () => [kinds[r.below(kinds.length)] as string, r.below(3), 1 + r.below(3)] as const,
    ),
  );
}

/**
 * A random small program over every primitive that reports its accesses (three atomics, two
 * mutexes, a spinlock, two completions with timed waits, a wait queue, sleeps and delays,
 * two dma-fences with an array fence over them and a fence context), for
 * the reduction's soundness check: its metrics are the atomics' final values, the instant
 * each task ended and each fence's status and signal instant, so two schedules that end
 * differently are two states.
 */
export function randomCompleteProgram(seed: number): Program {
  const spec = randomOps(seed);
  return kernelProgram(
    `random${seed}@test`,
    [],
    (k) => {
      const at = [0, 1, 2].map((i) => new Atomic(k, `a${i}`));
      const mu = [new Mutex(k, 'm0'), new Mutex(k, 'm1')];
      const sp = new Spinlock(k, 's');
      const co = [new Completion(k, 'c0'), new Completion(k, 'c1')];
      const wq = new WaitQueue(k, 'wq');
      const rw = new RwSemaphore(k, 'rw');
      const srcu = new Srcu(k, 'srcu');
      const ref = new Refcount(k, 'ref', 2);
      const timer = new Timer(k, 'timer', () => {
        (at[2] as Atomic).peek();
        ref.incNow('timer');
      });
      const wqueue = new Workqueue(k, 'wqueue', 2);
      const work = new Work(k, 'work', async () => {
        await (at[1] as Atomic).add(5);
      });
      const ctx = new FenceContext(k, 'ctx');
      const fence = [ctx.create(), ctx.create()];
      const both = new FenceArray(k, fence);
      const ended = spec.map(() => -1);
      spec.forEach((ops, ti) => {
        k.spawn(`t${ti}`, async () => {
          for (const [op, x, y] of ops) {
            const a = at[x] as Atomic;
            if (op === 'add') await a.add(y);
            else if (op === 'read') {
              if ((await a.read()) > 2) await (at[(x + 1) % 3] as Atomic).add(1);
            } else if (op === 'cas') await a.cmpxchg(0, y);
            else if (op === 'lock') {
              const m = mu[x % 2] as Mutex;
              await m.lock();
              await a.add(10);
              m.unlock();
            } else if (op === 'spin') {
              await sp.lock();
              a.peek();
              sp.unlock();
            } else if (op === 'complete') (co[x % 2] as Completion).complete();
            else if (op === 'wait') {
              if (!(await (co[x % 2] as Completion).wait(y * 3000))) await a.add(100);
            } else if (op === 'sleep') await k.sleep(y * 1000);
            else if (op === 'delay') await k.delay(y * 1000);
            else if (op === 'point') await k.point();
            else if (op === 'wqwake') wq.wakeUp();
            else if (op === 'wqwait') {
              if (!(await wq.waitEvent(() => a.peek() > 0, y * 2000))) await a.add(1000);
            } else if (op === 'rdown') {
              await rw.downRead();
              await a.add(y);
              rw.upRead();
            } else if (op === 'wdown') {
              await rw.downWrite();
              await a.add(y * 7);
              rw.upWrite();
            } else if (op === 'srcu') {
              const cookie = await srcu.readLock();
              await a.add(y);
              srcu.readUnlock(cookie);
            } else if (op === 'sync') await srcu.synchronize();
            else if (op === 'ref') {
              // Which task dropped the last reference is part of the state.
              if (await ref.decAndTest()) await a.add(10_000 * (ti + 1));
            } else if (op === 'timer') timer.mod(y * 1500);
            else if (op === 'deltimer') await timer.delSync();
            else if (op === 'queue') await wqueue.queueWork(work);
            else if (op === 'flush') {
              if (await work.flush()) await a.add(1);
            } else if (op === 'cancel') {
              if (await work.cancelSync()) await a.add(3);
            } else if (op === 'fsignal') {
              const f = fence[x % 2] as Fence;
              if (!f.signalled) {
                if (y === 3) f.setError(-Errno.ETIME);
                f.signal();
              }
            } else if (op === 'fwait') {
              if (!(await (fence[x % 2] as Fence).wait(y * 2500))) await a.add(100);
            } else if (op === 'fpoll') {
              if (both.signalled && both.error !== 0) await a.add(7);
            } else if (op === 'fcb') {
              // The callback runs in whichever step signals.
              (fence[x % 2] as Fence).addCallback(() => ref.incNow('fence'));
            } else {
              const f = ctx.create();
              f.signal();
              if (ctx.lastSeqno > 3) await a.add(1);
            }
          }
          ended[ti] = k.nowNs;
        });
      });
      return () => ({
        ...Object.fromEntries(at.map((a, i) => [`a${i}`, a.peek()])),
        ...Object.fromEntries(ended.map((t, i) => [`end${i}`, t])),
        ref: ref.peek(),
        ...Object.fromEntries(fence.map((f, i) => [`fence${i}`, f.status])),
        ...Object.fromEntries(fence.map((f, i) => [`fence${i}At`, f.signalledAtNs])),
        both: both.status,
      });
    },
    'complete',
  );
}
