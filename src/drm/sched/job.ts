/**
 * DOC: A scheduler job (`struct drm_sched_job`; drm_sched_job_init, _add_dependency, _arm and
 * _cleanup in drivers/gpu/drm/scheduler/sched_main.c).
 *
 * The life of a job, as the kernel orders it: `init` (credits, entity, the fence structure;
 * errors come back as a negative errno), `addDependency` for every fence the job must wait for,
 * `arm` (the point of no return: the fences get their seqno), `SchedEntity.pushJob`, and, once
 * the scheduler is done with it, the driver's free_job callback calls `cleanup`. A driver job
 * extends this class, as the kernel's embeds `struct drm_sched_job` (Panthor's `panthor_job`
 * reaches its own fields with `container_of`; a subclass needs no cast to do the same).
 */
import { Errno } from '../../kernel/errno.js';
import type { Fence, FenceCallback } from '../../kernel/fence.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Work } from '../../kernel/workqueue.js';
import { killJobsCb, type SchedEntity } from './entity.js';
import { SchedFence } from './fence.js';
import type { GpuScheduler } from './scheduler.js';

/**
 * The most dependencies one job may hold. The kernel's limit is the xarray's (`xa_limit_32b`);
 * the model's is smaller so that a runaway submitter shows up (docs/design.md §5). When it is
 * reached `addDependency` fails with xa_alloc's code for a full range, -EBUSY.
 */
export const MAX_JOB_DEPENDENCIES = 1024;

export class SchedJob {
  /** The entity the job was initialised on; cleared when the scheduler takes the job. */
  entity: SchedEntity | null = null;
  /** The scheduler the job runs on, set by `arm` (`job->sched`). */
  sched: GpuScheduler | null = null;
  /** The job's fences; null before `init` and after `cleanup`. */
  sFence: SchedFence | null = null;
  /** Credits the job takes from the scheduler's credit limit while it runs. */
  credits = 0;
  /** `dependencies`: the xarray of fences to wait for, by index (kept until cleanup). */
  readonly dependencies = new Map<number, Fence>();
  /** `last_dependency`: the next index `drm_sched_job_dependency` hands out. */
  lastDependency = 0;
  /** `submit_ts`: when the job was pushed to its entity (ns). */
  submitTsNs = -1;
  /** Whether `drm_sched_entity_push_job` took the job (a model check against double pushes). */
  pushed = false;
  /** The work `drm_sched_entity_kill_jobs_cb` queues for a killed job (`job->work`). */
  killWork: Work | null = null;
  private kernel: Kernel | null = null;

  /**
   * `cb`: the callback on the hardware fence (drm_sched_job_done_cb, sched_main.c): the job is
   * done with the hardware fence's error.
   */
  readonly doneCb: FenceCallback = (f) => this.schedOrThrow().jobDone(this, f.error);

  /**
   * `finish_cb`: the callback a killed job waits on, on the previous job's finished fence and
   * then on each of its own dependencies (drm_sched_entity_kill_jobs_cb, sched_entity.c).
   */
  readonly finishCb: FenceCallback = () => killJobsCb(this);

  /**
   * drm_sched_job_init (sched_main.c). -ENOENT without an entity (the check kernels v6.7 to
   * v6.16 make, "entity has no rq"; see docs/drm-sched.md), -EINVAL for 0 credits ("credits
   * cannot be 0"); otherwise the job is reset (the kernel's memset), the fence structure
   * allocated (GFP_KERNEL) and 0 returned.
   */
  init(entity: SchedEntity | null, credits: number, owner: unknown = null): number {
    if (entity === null) return -Errno.ENOENT;
    if (!Number.isInteger(credits) || credits < 0 || credits > 0xffffffff)
      throw new Error(`drm_sched_job_init: credits ${credits} is not a u32`);
    if (credits === 0) return -Errno.EINVAL;
    const k = entity.sched.k;
    this.entity = entity;
    this.sched = null;
    this.credits = credits;
    this.dependencies.clear();
    this.lastDependency = 0;
    this.submitTsNs = -1;
    this.pushed = false;
    this.killWork = null;
    this.kernel = k;
    k.kmalloc('drm_sched_fence');
    this.sFence = new SchedFence(owner);
    return 0;
  }

  /**
   * drm_sched_job_add_dependency (sched_main.c). A null fence is ignored. Fences are
   * deduplicated by context: an entry of the same context is replaced when `fence` is later
   * (`dma_fence_is_later`), else `fence` is dropped. Fences that already signalled, with or
   * without an error, are stored like any other: they are skipped when the job is popped.
   * Returns 0, or -EBUSY when the dependency array is full (the fence is dropped either way).
   */
  addDependency(fence: Fence | null): number {
    if (fence === null) return 0;
    const k = this.kernelOrThrow('drm_sched_job_add_dependency');
    for (const [index, entry] of this.dependencies) {
      if (entry.context !== fence.context) continue;
      if (fence.seqno > entry.seqno) this.dependencies.set(index, fence);
      return 0;
    }
    // xa_alloc: the lowest free index (only a kill ever erases one, after the last add).
    let id = 0;
    while (this.dependencies.has(id)) id++;
    if (id >= MAX_JOB_DEPENDENCIES) return -Errno.EBUSY;
    k.kmalloc('drm_sched_job.dependencies');
    this.dependencies.set(id, fence);
    return 0;
  }

  /**
   * drm_sched_job_arm (sched_main.c): the job gets its scheduler and its fences their seqno.
   * After this the job must be pushed. Arming without a successful `init` is the kernel's
   * BUG_ON, here an assertion.
   */
  arm(): void {
    const entity = this.entity;
    const s = this.sFence;
    if (entity === null || s === null) throw new Error('drm_sched_job_arm: job not initialised');
    // drm_sched_entity_select_rq: with one scheduler per entity there is nothing to select.
    this.sched = entity.sched;
    s.init(entity);
  }

  /**
   * drm_sched_job_cleanup (sched_main.c): drops the fence structure (armed or not) and the
   * dependencies. Drivers call it from free_job, or when they abort a job before `arm`.
   * Calling it twice is a NULL dereference in the kernel, an assertion here.
   */
  cleanup(): void {
    if (this.sFence === null)
      throw new Error('drm_sched_job_cleanup: no fence (cleaned up twice?)');
    this.sFence = null;
    this.dependencies.clear();
  }

  /** The fences, which every path after `arm` needs. */
  fence(): SchedFence {
    const s = this.sFence;
    if (s === null) throw new Error('drm_sched_job: no fence (cleaned up, or never initialised)');
    return s;
  }

  /**
   * drm_sched_job_dependency (sched_entity.c): the next dependency to wait for, or null when
   * none is left (without prepare_job, see ops.ts). The fence stays in the array, so that a
   * kill can wait for every dependency.
   */
  nextDependency(): Fence | null {
    const f = this.dependencies.get(this.lastDependency);
    if (f === undefined) return null;
    this.lastDependency++;
    return f;
  }

  private schedOrThrow(): GpuScheduler {
    if (this.sched === null) throw new Error('drm_sched_job: callback on a job never armed');
    return this.sched;
  }

  private kernelOrThrow(what: string): Kernel {
    if (this.kernel === null) throw new Error(`${what}: job not initialised`);
    return this.kernel;
  }
}
