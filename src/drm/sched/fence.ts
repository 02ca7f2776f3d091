/**
 * DOC: The scheduler's fences (drivers/gpu/drm/scheduler/sched_fence.c, `struct
 * drm_sched_fence` in include/drm/gpu_scheduler.h).
 *
 * Every job has two dma-fences, created when the job is armed, on the two fence contexts its
 * entity owns: `scheduled` (context `fence_context`) signals when run_job has been called,
 * `finished` (context `fence_context + 1`) when the job is done — after its hardware fence
 * (`parent`, what run_job returned) signalled, with that fence's error. Both carry the same
 * seqno, one more than the entity's previous job, so fences of one entity are ordered. User
 * space and other jobs only ever see `finished`: it exists from arm on, before the hardware
 * fence does.
 *
 * The kernel allocates the structure in `drm_sched_job_init` and initialises the two fences in
 * `drm_sched_job_arm`; the model does the same: an allocated `SchedFence` has no fences until
 * `init`, and using them before is an assertion (a model bug, as it is a kernel bug).
 * Reference counting of the fences is not modelled (the model's fences are never freed).
 */
import { Fence } from '../../kernel/fence.js';
import type { SchedEntity } from './entity.js';
import type { GpuScheduler } from './scheduler.js';

/** `to_drm_sched_fence`'s answer, kept outside the fence as the kernel keys it on the ops. */
const owners = new WeakMap<Fence, SchedFence>();

export class SchedFence {
  /** The hardware fence run_job returned; null before, after an error, or while stopped. */
  parent: Fence | null = null;
  /** The scheduler the job runs on (`fence->sched`), set by `init`. */
  sched: GpuScheduler | null = null;
  private scheduledFence: Fence | null = null;
  private finishedFence: Fence | null = null;

  /** drm_sched_fence_alloc (sched_fence.c): the structure, without its fences. */
  constructor(
    /** `owner`: the job's owner, for debugging (Panthor passes the group). */
    readonly owner: unknown,
  ) {}

  /** Whether `init` ran (the job was armed). */
  get initialised(): boolean {
    return this.finishedFence !== null;
  }

  get scheduled(): Fence {
    if (this.scheduledFence === null) throw new Error('drm_sched_fence: used before arm');
    return this.scheduledFence;
  }

  get finished(): Fence {
    if (this.finishedFence === null) throw new Error('drm_sched_fence: used before arm');
    return this.finishedFence;
  }

  /**
   * drm_sched_fence_init (sched_fence.c): `seq = ++entity->fence_seq`; `scheduled` on the
   * entity's `fence_context`, `finished` on `fence_context + 1`, both with `seq`.
   */
  init(entity: SchedEntity): void {
    if (this.finishedFence !== null) throw new Error('drm_sched_fence_init: already armed');
    const sched = entity.sched;
    this.sched = sched;
    const seq = entity.nextFenceSeq();
    // Both fences' timeline is the scheduler's name (drm_sched_fence_get_timeline_name); the
    // finished fence, the one user space sees, is named `<timeline>#<seqno>`.
    const label = `${sched.name}#${seq}`;
    this.scheduledFence = new Fence(sched.k, entity.fenceContext, seq, `${label}.scheduled`);
    this.finishedFence = new Fence(sched.k, entity.fenceContext + 1, seq, label);
    owners.set(this.scheduledFence, this);
    owners.set(this.finishedFence, this);
  }

  /**
   * drm_sched_fence_scheduled (sched_fence.c): remember the hardware fence as `parent` (when
   * run_job returned one), then signal `scheduled` — always without an error, even when run_job
   * failed.
   */
  signalScheduled(parent: Fence | null): void {
    if (parent !== null) this.parent = parent;
    this.scheduled.signal();
  }

  /** drm_sched_fence_finished (sched_fence.c): set `result` if it is an error, then signal. */
  signalFinished(result: number): void {
    const f = this.finished;
    if (result !== 0) f.setError(result);
    f.signal();
  }
}

/** to_drm_sched_fence (sched_fence.c): the scheduler fence `f` belongs to, or null. */
export function toSchedFence(f: Fence): SchedFence | null {
  return owners.get(f) ?? null;
}
