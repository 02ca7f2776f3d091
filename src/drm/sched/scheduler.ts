/**
 * DOC: The DRM GPU scheduler (`struct drm_gpu_scheduler`; drivers/gpu/drm/scheduler/
 * sched_main.c).
 *
 * A scheduler feeds one hardware ring. Entities queue jobs on it; its *run work* (on the
 * submit workqueue) picks the first ready entity, takes its head job if the ring has the
 * credits for it, puts the job on the *pending list*, calls the driver's run_job and watches
 * the hardware fence run_job returns. When that fence signals the job is done: its finished
 * fence signals with the hardware fence's error, its credits come back, and the *free work*
 * hands finished jobs back to the driver (free_job), strictly in pending-list order.
 *
 * Timeouts (TDR): a delayed work on the timeout workqueue, re-armed for the full timeout when a
 * job starts and when the head job is freed. When it fires, the head pending job is taken off
 * the list and given to the driver's timedout_job; the driver stops the scheduler
 * (`stop`, which also puts that job back), recovers, and restarts it (`start`). A timeout of
 * MAX_SCHEDULE_TIMEOUT never fires by itself; `fault` fires it at once (Panthor runs its own
 * per-queue timer and calls `fault`).
 *
 * What the model follows: the kernel at commit 0755a4e3 (one run queue per scheduler,
 * DRM_GPU_SCHED_STAT_NO_HANG, `drm_sched_start(sched, errno)`); docs/drm-sched.md lists each
 * function and what is left out. Alternatives rejected: a scheduler written inside Panthor's
 * block (the old src/driver/sched.ts run loop), because Panthor sits on the DRM core's
 * scheduler and the reset semantics (stop, start, kill, fini) belong to it; and a model
 * without the job-list and run-queue spinlocks, because their decision points are where the
 * kernel's timeout handler, free work and run work interleave.
 */
import { Errno } from '../../kernel/errno.js';
import { Fence } from '../../kernel/fence.js';
import type { Kernel } from '../../kernel/kernel.js';
import { Spinlock } from '../../kernel/spinlock.js';
import type { Lane } from '../../kernel/trace.js';
import { WaitQueue } from '../../kernel/waitqueue.js';
import { DelayedWork, Work, Workqueue } from '../../kernel/workqueue.js';
import type { SchedEntity } from './entity.js';
import type { SchedJob } from './job.js';
import { type RunJobResult, type SchedBackendOps, SchedStat } from './ops.js';
import { SchedRunQueue } from './rq.js';

/** MAX_SCHEDULE_TIMEOUT: a scheduler timeout that never expires. */
export const MAX_SCHEDULE_TIMEOUT = Number.POSITIVE_INFINITY;

/** Warnings kept per scheduler (docs/design.md §5: a bound on every log). */
const MAX_WARNINGS = 64;

/** `struct drm_sched_init_args`, what the model needs of it. */
export interface SchedInitArgs {
  ops: SchedBackendOps;
  /**
   * The workqueue for the run and free works. Null: the scheduler allocates an ordered one of
   * its own (drm_sched_alloc_wq) and destroys it in `fini`. Panthor passes its
   * "panthor-csf-sched" queue, which is not ordered.
   */
  submitWq: Workqueue | null;
  /** The workqueue for the timeout work. Null: `systemWq` (the kernel's system_percpu_wq). */
  timeoutWq: Workqueue | null;
  /**
   * The model's system workqueue: the kernel has a global one (system_wq, system_percpu_wq)
   * for the kill work of killed jobs and as the default timeout queue; the model has none, so
   * the caller names it (Panthor's device: `systemWq`).
   */
  systemWq: Workqueue;
  /** Credits the jobs running at once may hold (Panthor: ring size / 8). */
  creditLimit: number;
  /** Job timeout in ns, or MAX_SCHEDULE_TIMEOUT (Panthor's current choice). */
  timeoutNs: number;
  name: string;
}

export class GpuScheduler {
  readonly ops: SchedBackendOps;
  readonly name: string;
  readonly creditLimit: number;
  readonly timeoutNs: number;
  readonly submitWq: Workqueue;
  readonly timeoutWq: Workqueue;
  readonly systemWq: Workqueue;
  /** `own_submit_wq`: the scheduler allocated `submitWq` and destroys it in `fini`. */
  readonly ownSubmitWq: boolean;
  /** `credit_count`: credits held by jobs handed to the hardware and not done. */
  creditCount = 0;
  /**
   * `pending_list`: jobs handed to the hardware (run_job called) and not yet freed, oldest
   * first. Drivers walk it in their recovery (Panthor's queue_start); they must not change it.
   */
  readonly pendingList: SchedJob[] = [];
  /** `job_list_lock`: the pending list and the timeout's arming. */
  readonly jobListLock: Spinlock;
  /** `rq`: the run queue of this scheduler's entities. */
  readonly rq: SchedRunQueue;
  /** `job_scheduled`: woken after each run_job (and in fini) for drm_sched_entity_flush. */
  readonly jobScheduled: WaitQueue;
  /** `work_tdr`: drm_sched_job_timedout on `timeoutWq`. */
  readonly workTdr: DelayedWork;
  /** `work_run_job`: drm_sched_run_job_work on `submitWq`. */
  readonly workRunJob: Work;
  /** `work_free_job`: drm_sched_free_job_work on `submitWq`. */
  readonly workFreeJob: Work;
  /** `pause_submit`: set by wqueueStop; the run and free works are not queued while set. */
  pauseSubmit = false;
  /** `ready`: set by init, cleared by fini (drm_sched_wqueue_ready). */
  ready = false;
  /** `free_guilty`: stop found the bad job already done; the timeout handler frees it. */
  freeGuilty = false;
  /** The kernel's WARNs and error messages, oldest first (at most MAX_WARNINGS). */
  readonly warnings: string[] = [];

  /**
   * drm_sched_init (sched_main.c). The kernel's only failure is allocating the submit
   * workqueue (-ENOMEM), which the model does not fail; arguments outside the kernel's types
   * are assertions.
   */
  constructor(
    readonly k: Kernel,
    args: SchedInitArgs,
  ) {
    if (!Number.isInteger(args.creditLimit) || args.creditLimit < 0)
      throw new Error(`drm_sched_init(${args.name}): credit limit ${args.creditLimit}`);
    if (!(args.timeoutNs >= 0)) throw new Error(`drm_sched_init(${args.name}): timeout`);
    this.ops = args.ops;
    this.name = args.name;
    this.creditLimit = args.creditLimit;
    this.timeoutNs = args.timeoutNs;
    this.systemWq = args.systemWq;
    this.timeoutWq = args.timeoutWq ?? args.systemWq;
    if (args.submitWq !== null) {
      this.submitWq = args.submitWq;
      this.ownSubmitWq = false;
    } else {
      // drm_sched_alloc_wq: an ordered workqueue named after the scheduler.
      this.submitWq = Workqueue.ordered(k, args.name);
      this.ownSubmitWq = true;
    }
    this.rq = new SchedRunQueue(k, this);
    this.jobScheduled = new WaitQueue(k, `drm_sched ${args.name} job_scheduled`);
    this.jobListLock = new Spinlock(k, 'drm_sched.job_list_lock');
    this.workTdr = new DelayedWork(k, 'drm_sched_job_timedout', () => this.jobTimedout());
    this.workRunJob = new Work(k, 'drm_sched_run_job_work', () => this.runJobWork());
    this.workFreeJob = new Work(k, 'drm_sched_free_job_work', () => this.freeJobWork());
    this.pauseSubmit = false;
    this.ready = true;
  }

  /** drm_sched_is_stopped (sched_main.c). */
  isStopped(): boolean {
    return this.pauseSubmit;
  }

  /** A WARN or error message of the kernel: traced, and kept for tests. */
  warn(message: string): void {
    const k = this.k;
    k.trace.instant(lane(k), 'drm_sched', `WARN ${this.name}: ${message}`);
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
  }

  // ---- Credits and the work items -------------------------------------------------------------

  /**
   * drm_sched_available_credits (sched_main.c): credit limit minus credits in use; a count above
   * the limit is the kernel's WARN (it cannot happen unless the accounting is broken).
   */
  availableCredits(): number {
    const left = this.creditLimit - this.creditCount;
    if (left < 0 || this.creditCount < 0) {
      this.warn(`credit accounting broken: ${this.creditCount} of ${this.creditLimit}`);
      return Math.max(0, Math.min(this.creditLimit, left));
    }
    return left;
  }

  /**
   * drm_sched_can_queue (sched_main.c): whether the entity's head job fits in the credits left.
   * A job that asks for more than the whole limit is cut down to the limit ("Jobs may not
   * exceed the credit limit, truncate."), so that it can run once the ring is empty.
   */
  canQueue(entity: SchedEntity): boolean {
    const job = entity.peek();
    if (job === null) return false;
    if (job.credits > this.creditLimit) {
      this.warn('Jobs may not exceed the credit limit, truncate.');
      job.credits = this.creditLimit;
    }
    return this.availableCredits() >= job.credits;
  }

  /** drm_sched_run_job_queue (sched_main.c): queue the run work unless stopped. */
  private runJobQueue(): void {
    if (!this.isStopped()) this.submitWq.enqueue(this.workRunJob);
  }

  /** drm_sched_run_free_queue (sched_main.c): queue the free work unless stopped. */
  private runFreeQueue(): void {
    if (!this.isStopped()) this.submitWq.enqueue(this.workFreeJob);
  }

  /** drm_sched_wakeup (sched_main.c): something may be runnable; queue the run work. */
  wakeup(): void {
    this.runJobQueue();
  }

  // ---- Running jobs -----------------------------------------------------------------------------

  /**
   * drm_sched_run_job_work (sched_main.c). One job per run: pick the first ready entity (none,
   * or no credits for its job: return, the free work or a wake-up re-queues), take its head job
   * (blocked on a dependency: re-queue and return), charge its credits, put it on the pending
   * list and arm the timeout, call run_job, signal the scheduled fence, and watch the hardware
   * fence — or, when run_job returned null or an error, complete the job at once. Then wake
   * flushers and re-queue.
   */
  private async runJobWork(): Promise<void> {
    const entity = await this.rq.selectEntity();
    if (entity === null || typeof entity === 'number') return;
    const job = await entity.popJob();
    if (job === null) {
      entity.entityIdle.completeAll();
      this.runJobQueue();
      return;
    }
    const s = job.fence();
    this.creditCount += job.credits;
    await this.jobBegin(job);
    const k = this.k;
    k.trace.instant(lane(k), 'drm_sched', `run_job ${s.finished.name}`);
    const fence = checkRunJobResult(this.name, await this.ops.runJob(job));
    entity.entityIdle.completeAll();
    s.signalScheduled(fence instanceof Fence ? fence : null);
    if (fence instanceof Fence) {
      // -ENOENT from dma_fence_add_callback: the hardware fence already signalled.
      if (!fence.addCallback(job.doneCb)) this.jobDone(job, fence.error);
    } else {
      this.jobDone(job, fence === null ? 0 : fence);
    }
    this.jobScheduled.wakeUp();
    this.runJobQueue();
  }

  /** drm_sched_job_begin (sched_main.c): onto the pending list; (re)arm the timeout. */
  private async jobBegin(job: SchedJob): Promise<void> {
    await this.jobListLock.lock('jobBegin [drm/sched/scheduler.ts]');
    this.pendingList.push(job);
    this.startTimeout();
    this.jobListLock.unlock();
  }

  /**
   * drm_sched_job_done (sched_main.c), also the hardware fence's callback (drm_sched_job_done_cb,
   * with that fence's error): return the credits, signal the finished fence with `result` (an
   * error when non-zero), queue the free work. Runs in the signaller's context: no sleeping.
   */
  jobDone(job: SchedJob, result: number): void {
    this.creditCount -= job.credits;
    const s = job.fence();
    this.k.trace.instant(lane(this.k), 'drm_sched', `job_done ${s.finished.name}`, { result });
    s.signalFinished(result);
    this.runFreeQueue();
  }

  /**
   * drm_sched_free_job_work (sched_main.c): free every finished job at the head of the pending
   * list, in order (a finished job behind an unfinished one waits), then re-queue the run work:
   * credits may have come back.
   */
  private async freeJobWork(): Promise<void> {
    for (let job = await this.getFinishedJob(); job !== null; job = await this.getFinishedJob())
      await this.ops.freeJob(job);
    this.runJobQueue();
  }

  /**
   * drm_sched_get_finished_job (sched_main.c): the head pending job if its finished fence
   * signalled, taken off the list. Its timeout is cancelled and, if another job is pending,
   * re-armed for the full timeout: each job gets the whole timeout from the moment the one
   * before it is freed.
   */
  private async getFinishedJob(): Promise<SchedJob | null> {
    await this.jobListLock.lock('getFinishedJob [drm/sched/scheduler.ts]');
    const job = this.pendingList[0];
    let out: SchedJob | null = null;
    if (job?.fence().finished.signalled) {
      this.pendingList.shift();
      this.workTdr.cancel();
      if (this.pendingList.length > 0) this.startTimeout();
      out = job;
    }
    this.jobListLock.unlock();
    return out;
  }

  // ---- Timeouts ---------------------------------------------------------------------------------

  /**
   * drm_sched_start_timeout (sched_main.c), with the job list lock held: (re)arm the timeout
   * work for the full timeout if the scheduler has one and a job is pending (mod_delayed_work:
   * an armed timer is pushed back).
   */
  private startTimeout(): void {
    if (this.jobListLock.owner !== this.k.current)
      throw new Error('drm_sched_start_timeout: job_list_lock not held');
    if (this.timeoutNs !== MAX_SCHEDULE_TIMEOUT && this.pendingList.length > 0)
      this.workTdr.mod(this.timeoutWq, this.timeoutNs);
  }

  /** drm_sched_start_timeout_unlocked (sched_main.c). */
  private async startTimeoutUnlocked(): Promise<void> {
    await this.jobListLock.lock('startTimeoutUnlocked [drm/sched/scheduler.ts]');
    this.startTimeout();
    this.jobListLock.unlock();
  }

  /**
   * drm_sched_fault (sched_main.c): run the timeout handler now, whatever the timeout is (it
   * also works with MAX_SCHEDULE_TIMEOUT, which Panthor relies on). Callable from any context.
   */
  fault(): void {
    this.workTdr.mod(this.timeoutWq, 0);
  }

  /**
   * drm_sched_job_timedout (sched_main.c), the timeout work. The head pending job is taken off
   * the list — so that the free work cannot free it under the handler — and handed to
   * timedout_job. Afterwards: if stop found the job already done (`freeGuilty`), free it; on
   * NO_HANG put it back at the head and queue the free work; on RESET leave it to the driver,
   * whose `stop(sched, job)` already put it back. Unless ENODEV, re-arm the timeout.
   */
  private async jobTimedout(): Promise<void> {
    let status: SchedStat = SchedStat.RESET;
    await this.jobListLock.lock('jobTimedout [drm/sched/scheduler.ts]');
    const job = this.pendingList[0];
    if (job !== undefined) {
      this.pendingList.shift();
      this.jobListLock.unlock();
      const k = this.k;
      k.trace.instant(lane(k), 'drm_sched', `timedout ${job.fence().finished.name}`);
      status = await this.ops.timedoutJob(job);
      if (this.freeGuilty) {
        await this.ops.freeJob(job);
        this.freeGuilty = false;
      }
      if (status === SchedStat.NO_HANG) await this.reinsertOnFalseTimeout(job);
    } else {
      this.jobListLock.unlock();
    }
    if (status !== SchedStat.ENODEV) await this.startTimeoutUnlocked();
  }

  /** drm_sched_job_reinsert_on_false_timeout (sched_main.c): back at the head; free work. */
  private async reinsertOnFalseTimeout(job: SchedJob): Promise<void> {
    await this.jobListLock.lock('reinsertOnFalseTimeout [drm/sched/scheduler.ts]');
    this.pendingList.unshift(job);
    this.runFreeQueue();
    this.jobListLock.unlock();
  }

  // ---- Recovery -----------------------------------------------------------------------------

  /**
   * drm_sched_wqueue_stop (sched_main.c): no more run or free works; wait for running ones. The
   * timeout work is not stopped.
   */
  async wqueueStop(): Promise<void> {
    this.pauseSubmit = true;
    await this.workRunJob.cancelSync('wqueueStop [drm/sched/scheduler.ts]');
    await this.workFreeJob.cancelSync('wqueueStop [drm/sched/scheduler.ts]');
  }

  /** drm_sched_wqueue_start (sched_main.c): allow and queue the run and free works again. */
  wqueueStart(): void {
    this.pauseSubmit = false;
    this.submitWq.enqueue(this.workRunJob);
    this.submitWq.enqueue(this.workFreeJob);
  }

  /**
   * drm_sched_stop (sched_main.c), for reset recovery: stop the works; put `bad` (the job the
   * timeout handler took) back at the head; then, from the newest pending job to the oldest,
   * detach the job from its hardware fence — it stays pending, without a parent and without
   * its credits — or, if that fence already signalled (or there is none), wait for its finished
   * fence and free it (the bad job is not freed here: `freeGuilty` tells the timeout handler
   * to). Finally cancel the timeout; `start` re-arms it.
   */
  async stop(bad: SchedJob | null): Promise<void> {
    await this.wqueueStop();
    if (bad !== null && bad.sched === this) this.pendingList.unshift(bad);
    for (const job of [...this.pendingList].reverse()) {
      const s = job.fence();
      if (s.parent?.removeCallback(job.doneCb)) {
        s.parent = null;
        this.creditCount -= job.credits;
        continue;
      }
      await this.jobListLock.lock('stop [drm/sched/scheduler.ts]');
      const i = this.pendingList.indexOf(job);
      if (i >= 0) this.pendingList.splice(i, 1);
      this.jobListLock.unlock();
      await s.finished.wait(-1, 'stop [drm/sched/scheduler.ts]');
      if (job !== bad) await this.ops.freeJob(job);
      else this.freeGuilty = true;
    }
    this.workTdr.cancel();
  }

  /**
   * drm_sched_start (sched_main.c), after a reset: every pending job takes its credits back and
   * is re-attached to its hardware fence. A job without one completes now with `errno`
   * (-ECANCELED when 0); a job whose fence signalled meanwhile completes with that fence's
   * error (else `errno`). Then the timeout is re-armed and the works restarted. The driver may
   * set `sFence.parent` before (Panthor re-attaches every job's done fence).
   */
  async start(errno = 0): Promise<void> {
    if (errno > 0) throw new Error(`drm_sched_start: errno ${errno} is not negative`);
    for (const job of [...this.pendingList]) {
      const fence = job.fence().parent;
      this.creditCount += job.credits;
      if (fence === null) {
        this.jobDone(job, errno !== 0 ? errno : -Errno.ECANCELED);
        continue;
      }
      if (!fence.addCallback(job.doneCb))
        this.jobDone(job, fence.error !== 0 ? fence.error : errno);
    }
    await this.startTimeoutUnlocked();
    this.wqueueStart();
  }

  // ---- Teardown ---------------------------------------------------------------------------------

  /**
   * drm_sched_fini (sched_main.c): stop the works, wake flushers, cancel the timeout and wait
   * for a running handler, cancel the pending jobs through cancel_job (if the driver has one:
   * newest first, each then freed), destroy an own submit workqueue. Entities and the jobs
   * queued in them are not touched. Jobs still pending without cancel_job stay as they are,
   * with "Tearing down scheduler while jobs are pending!" (their memory leaks in the kernel).
   */
  async fini(): Promise<void> {
    await this.wqueueStop();
    this.jobScheduled.wakeUp();
    await this.workTdr.cancelSync('fini [drm/sched/scheduler.ts]');
    const cancel = this.ops.cancelJob;
    if (cancel !== undefined) {
      for (const job of [...this.pendingList].reverse()) {
        await cancel.call(this.ops, job);
        const i = this.pendingList.indexOf(job);
        if (i >= 0) this.pendingList.splice(i, 1);
        await this.ops.freeJob(job);
      }
    }
    if (this.ownSubmitWq) this.submitWq.destroyed = true;
    this.ready = false;
    if (this.pendingList.length > 0) this.warn('Tearing down scheduler while jobs are pending!');
  }
}

/** What run_job may return: a fence, null, or a negative errno (ERR_PTR); else a model bug. */
function checkRunJobResult(name: string, r: RunJobResult): RunJobResult {
  if (typeof r === 'number' && !(Number.isInteger(r) && r < 0))
    throw new Error(`drm_sched ${name}: run_job returned ${r}, not a fence or a negative errno`);
  return r;
}

function lane(k: Kernel): Lane {
  return k.current?.lane ?? k.trace.lane('cpu', 'runtime');
}
