/**
 * DOC: A scheduler entity (`struct drm_sched_entity`; drivers/gpu/drm/scheduler/
 * sched_entity.c).
 *
 * An entity is a software queue of jobs feeding one scheduler: jobs leave it strictly in the
 * order they were pushed, each once its dependencies have signalled. It owns two fence
 * contexts (the jobs' scheduled and finished fences), remembers the finished fence of the
 * last job it handed to the scheduler (`last_scheduled`), and has the teardown helpers: flush
 * (wait until the queue drained), kill (fail what is left, in order, with -ESRCH), fini and
 * destroy. Panthor has one entity per queue on that queue's own scheduler.
 *
 * Load balancing over several schedulers (`sched_list` with more than one entry,
 * drm_sched_entity_select_rq, drm_sched_entity_modify_sched) is not modelled: `init` accepts a
 * list of one. Neither is the `guilty` flag (Panthor passes NULL) nor the entity statistics.
 */
import { Completion } from '../../kernel/completion.js';
import { Errno } from '../../kernel/errno.js';
import { type Fence, type FenceCallback, fenceRegistry } from '../../kernel/fence.js';
import type { Kernel } from '../../kernel/kernel.js';
import { Spinlock } from '../../kernel/spinlock.js';
import type { Task } from '../../kernel/task.js';
import { Work } from '../../kernel/workqueue.js';
import { toSchedFence } from './fence.js';
import type { SchedJob } from './job.js';
import type { GpuScheduler } from './scheduler.js';

/** `enum drm_sched_priority`. Panthor's entities are DRM_SCHED_PRIORITY_KERNEL (0). */
export const SchedPriority = { KERNEL: 0, HIGH: 1, NORMAL: 2, LOW: 3 } as const;
export type SchedPriority = (typeof SchedPriority)[keyof typeof SchedPriority];

/** MAX_WAIT_SCHED_ENTITY_Q_EMPTY (gpu_scheduler.h): `msecs_to_jiffies(1000)`, in ns. */
export const MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS = 1_000_000_000;

/**
 * The most jobs an entity may hold queued. The kernel's spsc queue has no limit; the model's
 * bound (docs/design.md §5) ends the run with a `limit` report rather than grow for ever.
 */
export const MAX_ENTITY_QUEUED_JOBS = 65_536;

/**
 * The calling process as `drm_sched_entity_flush` sees it: exiting (`PF_EXITING`) and, if so,
 * with which signal. The model has no process exit, so the caller says.
 */
export interface FlushCaller {
  exiting: boolean;
  exitSignal: 'SIGKILL' | null;
}

const NOT_EXITING: FlushCaller = { exiting: false, exitSignal: null };

export class SchedEntity {
  /** `entity->lock`: the run queue membership and `stopped`. */
  readonly lock: Spinlock;
  /** `fence_context`: `scheduled` fences use it, `finished` fences `fence_context + 1`. */
  readonly fenceContext: number;
  /** `entity_idle`: completed while the scheduler does not use the entity. */
  readonly entityIdle: Completion;
  /** `dependency`: the fence the head job waits for, or null. */
  dependency: Fence | null = null;
  /** `last_scheduled`: the finished fence of the last job handed to the scheduler. */
  lastScheduled: Fence | null = null;
  /** `stopped`: killed; pushes are refused and the scheduler no longer picks the entity. */
  stopped = false;
  /** `last_user`: the task that last pushed a job (the kernel's `current->group_leader`). */
  lastUser: Task | null;
  /** `job_queue`: jobs pushed and not yet taken by the scheduler, oldest first. */
  private readonly jobQueue: SchedJob[] = [];
  private fenceSeq = 0;

  /** `cb`: the callback on `dependency` (drm_sched_entity_wakeup). */
  private readonly wakeupCb: FenceCallback = () => {
    this.dependency = null;
    this.sched.wakeup();
  };

  private constructor(
    readonly sched: GpuScheduler,
    readonly priority: SchedPriority,
  ) {
    const k = sched.k;
    this.lock = new Spinlock(k, 'drm_sched_entity.lock');
    // dma_fence_context_alloc(2): two consecutive contexts.
    const reg = fenceRegistry(k);
    this.fenceContext = reg.allocContext();
    if (reg.allocContext() !== this.fenceContext + 1)
      throw new Error('drm_sched_entity_init: fence contexts not consecutive');
    // "We start in an idle state."
    this.entityIdle = new Completion(k, 'drm_sched_entity.entity_idle');
    this.entityIdle.completeAll();
    this.lastUser = k.current;
  }

  /**
   * drm_sched_entity_init (sched_entity.c): -EINVAL without a scheduler. The model takes one
   * scheduler (more is load balancing, not modelled: an assertion).
   */
  static init(priority: SchedPriority, schedList: readonly GpuScheduler[]): SchedEntity | number {
    const first = schedList[0];
    if (first === undefined) return -Errno.EINVAL;
    if (schedList.length > 1)
      throw new Error('drm_sched_entity_init: more than one scheduler is not modelled');
    return new SchedEntity(first, priority);
  }

  private get k(): Kernel {
    return this.sched.k;
  }

  /** Jobs queued in the entity, not yet taken by the scheduler. */
  get queued(): number {
    return this.jobQueue.length;
  }

  /** The queued jobs, oldest first (for tests and oracles: a copy). */
  queuedJobs(): SchedJob[] {
    return [...this.jobQueue];
  }

  /** `atomic_inc_return(&entity->fence_seq)`, for drm_sched_fence_init. */
  nextFenceSeq(): number {
    this.fenceSeq++;
    return this.fenceSeq;
  }

  /** The submit time of the head job, the run queue's key (rq.ts); now when empty. */
  headSubmitTsNs(): number {
    return this.jobQueue[0]?.submitTsNs ?? this.k.nowNs;
  }

  /** drm_sched_entity_queue_peek (sched_internal.h). */
  peek(): SchedJob | null {
    return this.jobQueue[0] ?? null;
  }

  /** drm_sched_entity_is_ready (sched_internal.h): a queued job and no pending dependency. */
  isReady(): boolean {
    return this.jobQueue.length > 0 && this.dependency === null;
  }

  /**
   * drm_sched_entity_is_idle (sched_entity.c): never on the run queue, nothing queued, or
   * stopped.
   */
  isIdle(): boolean {
    return !this.sched.rq.entities.has(this) || this.jobQueue.length === 0 || this.stopped;
  }

  /**
   * drm_sched_entity_push_job (sched_entity.c): queue an armed job. The push that makes the
   * queue non-empty adds the entity to the run queue and wakes the scheduler; a stopped entity
   * refuses (rq.ts), and the job then stays queued, never run and never signalled, as in the
   * kernel.
   */
  async pushJob(job: SchedJob): Promise<void> {
    const k = this.k;
    if (job.entity !== this || job.sFence?.initialised !== true)
      throw new Error('drm_sched_entity_push_job: job not armed on this entity');
    if (job.pushed) throw new Error('drm_sched_entity_push_job: job pushed twice');
    if (this.jobQueue.length >= MAX_ENTITY_QUEUED_JOBS) {
      k.violation('limit', `drm_sched entity of ${this.sched.name}: ${this.jobQueue.length} jobs`);
      k.stop();
      return;
    }
    this.lastUser = k.current;
    job.pushed = true;
    job.submitTsNs = k.nowNs;
    this.jobQueue.push(job);
    const first = this.jobQueue.length === 1;
    k.trace.instant(lane(k), 'drm_sched', `push ${job.fence().finished.name}`);
    if (first) {
      const sched = await this.sched.rq.addEntity(this);
      sched?.wakeup();
    }
  }

  /**
   * drm_sched_entity_pop_job (sched_entity.c): the head job if all its dependencies have
   * signalled, else null with a callback on the first one that has not (it wakes the
   * scheduler). Taking the job makes its finished fence `last_scheduled`.
   *
   * A dependency that signalled with an error is skipped like any other: the error is NOT
   * propagated to the job (the kernel followed only sets -ECANCELED for a guilty entity, and
   * Panthor has none).
   */
  async popJob(): Promise<SchedJob | null> {
    const job = this.peek();
    if (job === null) return null;
    for (;;) {
      this.dependency = job.nextDependency();
      if (this.dependency === null) break;
      if (this.addDependencyCb()) return null;
    }
    this.lastScheduled = job.fence().finished;
    this.jobQueue.shift();
    await this.sched.rq.popEntity(this);
    job.entity = null;
    return job;
  }

  /**
   * drm_sched_entity_add_dependency_cb (sched_entity.c). Fences of this entity (either of its
   * two contexts) are ignored: its jobs run in order anyway. A finished fence of another job on
   * the same scheduler that carries no error is replaced by that job's scheduled fence
   * (pipelining: it is enough that the other job was handed to the hardware first). Then a
   * callback on the fence; true if the job must wait, false if the fence already signalled.
   */
  private addDependencyCb(): boolean {
    let fence = this.dependency as Fence;
    if (fence.context === this.fenceContext || fence.context === this.fenceContext + 1) {
      this.dependency = null;
      return false;
    }
    const s = toSchedFence(fence);
    if (fence.error === 0 && s !== null && s.sched === this.sched) {
      fence = s.scheduled;
      this.dependency = fence;
    }
    if (fence.addCallback(this.wakeupCb)) return true;
    this.dependency = null;
    return false;
  }

  /**
   * drm_sched_entity_flush (sched_entity.c): wait until the scheduler took every queued job
   * (or the entity was stopped). An exiting caller waits at most `timeoutNs` (0: not at all);
   * any other caller waits without a limit (the kernel's wait is only interrupted by a fatal
   * signal, which the model has not). If the caller was the entity's last user and is being
   * killed with SIGKILL, the entity is killed. Returns the time left: `timeoutNs`, or for an
   * exiting caller what was left of it (0 when the wait timed out).
   */
  async flush(timeoutNs: number, caller: FlushCaller = NOT_EXITING): Promise<number> {
    const k = this.k;
    let ret = timeoutNs;
    const jobScheduled = this.sched.jobScheduled;
    if (caller.exiting) {
      if (timeoutNs !== 0) {
        const deadline = k.nowNs + timeoutNs;
        const idle = await jobScheduled.waitEvent(() => this.isIdle(), timeoutNs);
        ret = idle ? Math.max(1, deadline - k.nowNs) : 0;
      }
    } else {
      await jobScheduled.waitEvent(() => this.isIdle());
    }
    const me = k.current;
    const last = this.lastUser;
    if (last === me) this.lastUser = null;
    if (last === me && caller.exiting && caller.exitSignal === 'SIGKILL') await this.kill();
    return ret;
  }

  /**
   * drm_sched_entity_kill (sched_entity.c): stop the entity, take it off the run queue, wait
   * until the scheduler no longer uses it, then fail every queued job in order. Each job's
   * callback is chained on the previous job's finished fence (the first on `last_scheduled`,
   * the last job handed to the hardware), so killed jobs signal strictly in order and only
   * after everything before them; drm_sched_entity_kill_jobs_work then also waits for each
   * job's own dependencies.
   */
  async kill(): Promise<void> {
    const k = this.k;
    await this.lock.lock('kill [drm/sched/entity.ts]');
    this.stopped = true;
    await this.sched.rq.removeEntity(this);
    this.lock.unlock();
    await this.entityIdle.wait();
    k.trace.instant(lane(k), 'drm_sched', `kill entity of ${this.sched.name}`, {
      queued: this.jobQueue.length,
    });
    let prev: Fence | null = this.lastScheduled;
    for (let job = this.jobQueue.shift(); job !== undefined; job = this.jobQueue.shift()) {
      if (prev === null || !prev.addCallback(job.finishCb)) killJobsCb(job);
      prev = job.fence().finished;
    }
  }

  /**
   * drm_sched_entity_fini (sched_entity.c): kill (whatever flush left), drop the callback on a
   * pending dependency, forget `last_scheduled`.
   */
  async fini(): Promise<void> {
    await this.kill();
    if (this.dependency !== null) {
      this.dependency.removeCallback(this.wakeupCb);
      this.dependency = null;
    }
    this.lastScheduled = null;
  }

  /**
   * drm_sched_entity_destroy (sched_entity.c): flush for at most
   * MAX_WAIT_SCHED_ENTITY_Q_EMPTY, then fini.
   */
  async destroy(caller: FlushCaller = NOT_EXITING): Promise<void> {
    await this.flush(MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS, caller);
    await this.fini();
  }
}

/**
 * drm_sched_entity_kill_jobs_cb (sched_entity.c): the fence a killed job waited for signalled
 * (or there was none); run the kill work for it on the system workqueue. A fence callback
 * cannot sleep, so it only queues.
 */
export function killJobsCb(job: SchedJob): void {
  const sched = job.sched as GpuScheduler;
  job.killWork ??= new Work(sched.k, 'drm_sched_entity_kill_jobs_work', () => killJobsWork(job));
  sched.systemWq.enqueue(job.killWork);
}

/**
 * drm_sched_entity_kill_jobs_work (sched_entity.c), run for a killed job once the job before it
 * finished: wait for each remaining dependency — for a scheduler fence, for its *finished*
 * fence — one at a time (each one signalling re-queues this work), then signal the job's
 * scheduled fence and its finished fence with -ESRCH and free it. prepare_job and run_job are
 * never called for a killed job.
 */
export async function killJobsWork(job: SchedJob): Promise<void> {
  const sched = job.sched as GpuScheduler;
  for (const [index, dep] of job.dependencies) {
    const s = toSchedFence(dep);
    const f = s !== null && dep === s.scheduled ? s.finished : dep;
    job.dependencies.delete(index);
    if (f.addCallback(job.finishCb)) return;
  }
  const fence = job.fence();
  fence.signalScheduled(null);
  fence.signalFinished(-Errno.ESRCH);
  if (fence.parent !== null) sched.warn('drm_sched_entity_kill_jobs_work: killed job has a parent');
  await sched.ops.freeJob(job);
}

function lane(k: Kernel) {
  return k.current?.lane ?? k.trace.lane('cpu', 'runtime');
}
