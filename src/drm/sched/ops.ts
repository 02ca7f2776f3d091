/**
 * DOC: What a driver gives the DRM GPU scheduler (include/drm/gpu_scheduler.h,
 * `struct drm_sched_backend_ops` and `enum drm_gpu_sched_stat`).
 *
 * The model keeps the three callbacks every driver has and Panthor implements
 * (`panthor_queue_sched_ops`: run_job, timedout_job, free_job) and the optional `cancel_job`,
 * because it decides what `drm_sched_fini` does with the jobs still pending. `prepare_job` is
 * left out: Panthor has none, and without it `drm_sched_job_dependency` only walks the job's
 * dependency array (docs/drm-sched.md, "Left out").
 *
 * The callbacks are async because in the kernel they run in workqueue or process context and
 * may sleep (Panthor's run_job takes the scheduler mutex and resumes the device).
 */
import type { Fence } from '../../kernel/fence.js';
import type { SchedJob } from './job.js';

/**
 * `enum drm_gpu_sched_stat`, the value timedout_job returns. The scheduler only tells NO_HANG
 * (the job is put back on the pending list) and ENODEV (the timeout is not re-armed) apart;
 * every other value is handled as RESET (`drm_sched_job_timedout`).
 */
export const SchedStat = {
  /** Reserved; do not use. */
  NONE: 0,
  /** The GPU hung and was reset (`DRM_GPU_SCHED_STAT_RESET`, formerly NOMINAL). */
  RESET: 1,
  /** The device is gone (`DRM_GPU_SCHED_STAT_ENODEV`). */
  ENODEV: 2,
  /** The job was not hung after all (`DRM_GPU_SCHED_STAT_NO_HANG`). */
  NO_HANG: 3,
} as const;
export type SchedStat = (typeof SchedStat)[keyof typeof SchedStat];

/**
 * What run_job returns: the hardware ("parent") fence the driver signals when the job is done,
 * `null` (nothing to wait for: the job completes at once with 0), or a negative errno (the
 * kernel's `ERR_PTR(-errno)`: the job completes at once with that error).
 */
export type RunJobResult = Fence | null | number;

export interface SchedBackendOps {
  /** `run_job`: hand the job to the hardware. Called once per job, from the submit workqueue. */
  runJob(job: SchedJob): Promise<RunJobResult>;
  /** `timedout_job`: the job at the head of the pending list timed out; recover. */
  timedoutJob(job: SchedJob): Promise<SchedStat>;
  /** `free_job`: the job's finished fence signalled; drop the driver's job (call `cleanup`). */
  freeJob(job: SchedJob): Promise<void>;
  /**
   * `cancel_job` (optional): called by `drm_sched_fini` for every job still pending; the driver
   * must signal the job's hardware fence (with an error such as -ECANCELED). Panthor has none.
   */
  cancelJob?(job: SchedJob): Promise<void>;
}
