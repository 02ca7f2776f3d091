/**
 * A test bench for the DRM GPU scheduler (src/drm/sched/): a kernel, one scheduler with its
 * entity (as Panthor has one per queue), a fake ring whose hardware fences the test signals,
 * and a driver whose callbacks record what the scheduler asked of them.
 */

import { SchedEntity, SchedPriority } from '../../src/drm/sched/entity.js';
import type { SchedFence } from '../../src/drm/sched/fence.js';
import { SchedJob } from '../../src/drm/sched/job.js';
import { type RunJobResult, SchedStat } from '../../src/drm/sched/ops.js';
import {
  GpuScheduler,
  MAX_SCHEDULE_TIMEOUT,
  type SchedInitArgs,
} from '../../src/drm/sched/scheduler.js';
import { Errno } from '../../src/kernel/errno.js';
import { type Fence, FenceContext } from '../../src/kernel/fence.js';
import { Kernel, type KernelOptions, type RunResult } from '../../src/kernel/kernel.js';
import { Workqueue } from '../../src/kernel/workqueue.js';

export const MS = 1_000_000;
export const S = 1_000_000_000;

/** A driver job: what the fake ring does with it. */
export class TestJob extends SchedJob {
  /** How long the ring takes (ns) once run_job is called; < 0: the test signals `hw` itself. */
  durationNs = 1 * MS;
  /** An error the ring puts on the hardware fence before signalling it. */
  hwError = 0;
  /** How long run_job itself takes (it may sleep: Panthor's takes locks and resumes the GPU). */
  runDelayNs = 0;
  /** What run_job returns instead of a hardware fence (null, or a negative errno). */
  runResult: RunJobResult | undefined = undefined;
  /** The hardware fence run_job returned. */
  hw: Fence | null = null;
  ranAtNs = -1;
  freedAtNs = -1;
  /** The job's fences, kept by the test after free_job's cleanup dropped them from the job. */
  private kept: SchedFence | null = null;

  get fences(): SchedFence {
    if (this.kept === null) throw new Error(`${this.label}: not armed by the bench`);
    return this.kept;
  }

  keepFences(): void {
    this.kept = this.fence();
  }

  constructor(readonly label: string) {
    super();
  }
}

export interface BenchOptions {
  creditLimit?: number;
  timeoutNs?: number;
  /** Null: the scheduler allocates its own ordered submit workqueue. */
  submitWq?: 'own' | 'shared';
  timeoutWq?: 'system' | 'ordered';
  cancelJob?: boolean;
}

export class Bench {
  readonly sched: GpuScheduler;
  readonly entity: SchedEntity;
  readonly hwCtx: FenceContext;
  readonly systemWq: Workqueue;
  readonly resetWq: Workqueue;
  /** What the callbacks saw, in order: "run a", "timedout a", "free a", "cancel a". */
  readonly log: string[] = [];
  /** free_job calls per job. */
  readonly frees = new Map<SchedJob, number>();
  /** What timedout_job does; by default RESET (the caller's own recovery runs in it). */
  onTimeout: (job: TestJob) => Promise<SchedStat> = async () => SchedStat.RESET;
  /** Called inside run_job, before it returns (to look at the state there). */
  onRun: (job: TestJob) => void = () => {};

  constructor(
    readonly k: Kernel,
    opts: BenchOptions = {},
  ) {
    this.hwCtx = new FenceContext(k, 'ring');
    this.systemWq = new Workqueue(k, 'events', 4);
    this.resetWq = Workqueue.ordered(k, 'reset-wq');
    const args: SchedInitArgs = {
      ops: {
        runJob: async (job) => this.runJob(job as TestJob),
        timedoutJob: async (job) => {
          this.log.push(`timedout ${(job as TestJob).label}`);
          return this.onTimeout(job as TestJob);
        },
        freeJob: async (job) => {
          const j = job as TestJob;
          this.log.push(`free ${j.label}`);
          this.frees.set(j, (this.frees.get(j) ?? 0) + 1);
          j.freedAtNs = k.nowNs;
          j.cleanup();
        },
      },
      submitWq: opts.submitWq === 'own' ? null : new Workqueue(k, 'submit', 4),
      timeoutWq: opts.timeoutWq === 'system' ? null : this.resetWq,
      systemWq: this.systemWq,
      creditLimit: opts.creditLimit ?? 512,
      timeoutNs: opts.timeoutNs ?? MAX_SCHEDULE_TIMEOUT,
      name: 'q0',
    };
    if (opts.cancelJob === true) {
      args.ops.cancelJob = async (job) => {
        const j = job as TestJob;
        this.log.push(`cancel ${j.label}`);
        if (j.hw !== null && !j.hw.signalled) {
          j.hw.setError(-Errno.ECANCELED);
          j.hw.signal();
        }
      };
    }
    this.sched = new GpuScheduler(k, args);
    this.entity = SchedEntity.init(SchedPriority.KERNEL, [this.sched]) as SchedEntity;
  }

  private async runJob(job: TestJob): Promise<RunJobResult> {
    const k = this.k;
    this.log.push(`run ${job.label}`);
    job.ranAtNs = k.nowNs;
    this.onRun(job);
    if (job.runDelayNs > 0) await k.sleep(job.runDelayNs);
    if (job.runResult !== undefined) return job.runResult;
    const f = this.hwCtx.create(`hw ${job.label}`);
    job.hw = f;
    if (job.durationNs >= 0) {
      k.at(job.durationNs, `ring ${job.label}`, () => {
        if (f.signalled) return;
        if (job.hwError !== 0) f.setError(job.hwError);
        f.signal();
      });
    }
    return f;
  }

  /** init + dependencies + arm + push, as a driver's submit does. Returns the job. */
  async submit(
    label: string,
    opts: { credits?: number; deps?: Fence[]; durationNs?: number; entity?: SchedEntity } = {},
  ): Promise<TestJob> {
    const job = new TestJob(label);
    if (opts.durationNs !== undefined) job.durationNs = opts.durationNs;
    const ret = job.init(opts.entity ?? this.entity, opts.credits ?? 16, null);
    if (ret !== 0) throw new Error(`drm_sched_job_init(${label}): ${ret}`);
    for (const d of opts.deps ?? []) {
      const r = job.addDependency(d);
      if (r !== 0) throw new Error(`add_dependency(${label}): ${r}`);
    }
    job.arm();
    job.keepFences();
    await (opts.entity ?? this.entity).pushJob(job);
    return job;
  }

  /** The log without the free lines (the order of run/timeout events). */
  runs(): string[] {
    return this.log.filter((l) => l.startsWith('run '));
  }
}

/** Runs `body` as a process-context task on a fresh kernel with a bench; returns both. */
export async function onBench(
  body: (b: Bench) => Promise<void>,
  opts: BenchOptions & { kernel?: KernelOptions } = {},
): Promise<{ b: Bench; r: RunResult }> {
  const k = new Kernel(opts.kernel ?? {});
  const b = new Bench(k, opts);
  let failure: unknown = null;
  let completed = false;
  k.spawn('test', async () => {
    try {
      await body(b);
      completed = true;
    } catch (err) {
      failure = err;
    }
  });
  const r = await k.run();
  if (failure !== null) throw failure;
  // Any report of the runtime (a deadlock, a double signal, sleeping while atomic, ...) fails
  // the test, and so does a body that never got to its end (blocked for ever).
  if (r.violations.length > 0)
    throw new Error(r.violations.map((v) => `${v.invariant}: ${v.message}`).join('\n'));
  if (!completed) throw new Error(`the test task did not complete (run ${r.outcome})`);
  return { b, r };
}

/** Sleeps until `cond` holds, polling every `stepNs` (at most `maxNs`). */
export async function until(k: Kernel, cond: () => boolean, stepNs = MS, maxNs = 60 * S) {
  const deadline = k.nowNs + maxNs;
  while (!cond()) {
    if (k.nowNs >= deadline) throw new Error('until: condition not met in time');
    await k.sleep(stepNs);
  }
}
