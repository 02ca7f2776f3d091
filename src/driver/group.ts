/**
 * Scheduling groups, their queues and jobs: the data the scheduler (`sched.ts`) works on.
 *
 * A group has 1..N queues and is bound to one VM; it is the unit the firmware schedules on a
 * CSG slot. Each queue has a ring buffer in the group's VM, a 64-bit sync object the ring
 * increments after every job (the kernel's completion signal), a fence context for the jobs'
 * done (hardware) fences, the list of jobs written to the ring and not yet completed
 * (`inFlight`, fence_ctx.in_flight_jobs), a DRM GPU scheduler with its one entity (the jobs
 * submitted and not yet written wait in the entity: src/drm/sched/, docs/drm-sched.md) and a
 * timeout (panthor_sched.c struct panthor_queue).
 *
 * Group state flags follow the uAPI: TIMEDOUT, FATAL_FAULT (with the mask of faulty queues) and
 * INNOCENT (a group that could still run but whose suspend failed during a reset).
 */

import type { SchedEntity } from '../drm/sched/entity.js';
import { SchedJob } from '../drm/sched/job.js';
import type { GpuScheduler } from '../drm/sched/scheduler.js';
import type { Fence, FenceContext } from '../kernel/fence.js';
import { nextId } from '../kernel/ids.js';
import type { Lifetime } from '../kernel/kernel.js';
import type { Refcount } from '../kernel/refcount.js';
import type { DelayedWork, Work } from '../kernel/workqueue.js';
import type { Bo } from './gem.js';
import type { Vm } from './vm.js';

export const GroupState = {
  CREATED: 'created',
  ACTIVE: 'active',
  SUSPENDED: 'suspended',
  TERMINATED: 'terminated',
  UNKNOWN: 'unknown',
} as const;
export type GroupStateName = (typeof GroupState)[keyof typeof GroupState];

/** Size of one queue's sync object (panthor_syncobj_64b: u64 seqno, u32 status, u32 pad). */
export const SYNCOBJ_SIZE = 16;
/** Instructions the kernel writes per job, padded to a 64-byte cache line. */
export const JOB_INSTRS = 8;
export const JOB_RING_BYTES = JOB_INSTRS * 8;

/**
 * struct panthor_job: a drm_sched job plus what Panthor adds. Its user-visible fence is the
 * scheduler's *finished* fence (`finished`, from arm on); the *done* fence, signalled by the
 * driver when the ring's sync object passes the job, is initialised only when run_job writes
 * the job to the ring (an empty job takes the queue's last done fence instead), so a job that
 * never runs has none.
 *
 * References (kref): one the scheduler owns until free_job, one while the job is on the
 * queue's in-flight list; the last put releases it (job_release: drm_sched_job_cleanup, the
 * group reference dropped).
 */
export class Job extends SchedJob {
  /** The done fence: set by run_job; null before, and for a job that never ran. */
  doneFence: Fence | null = null;
  ringStart = -1;
  ringEnd = -1;
  /** Set when the job was written to the ring buffer. */
  ran = false;
  /** Between its `job`/`submit` and `job`/`done` trace events. */
  submitted = false;
  /** True for an empty submit: no ring work, completes with the queue's last fence. */
  readonly empty: boolean;
  /** panthor_job::refcount. */
  refs = 1;

  constructor(
    readonly group: Group,
    readonly queueIdx: number,
    readonly streamAddr: number,
    readonly streamSize: number,
  ) {
    super();
    this.empty = streamSize === 0;
  }

  /** The fence user space and other jobs see (the scheduler's finished fence). */
  get finished(): Fence {
    return this.fence().finished;
  }

  /** The finished fence's seqno: the job's number on its queue, in submission order. */
  get seqno(): number {
    return this.fence().finished.seqno;
  }
}

export class Queue {
  readonly inFlight: Job[] = [];
  /** Ring offsets (bytes, monotonic): what the kernel wrote, and the firmware's last extract. */
  insert = 0;
  extract = 0;
  doorbellId = -1;
  /** fence_ctx.last_fence: the done fence of the last job written to the ring. */
  lastFence: Fence | null = null;
  /** The queue's drm_gpu_scheduler and its one entity (set by group_create_queue). */
  sched!: GpuScheduler;
  entity!: SchedEntity;
  /** Remaining timeout when suspended, or -1 while the timer runs. */
  timeoutRemainingNs: number;
  /** When the running timer expires (valid while `timeoutRemainingNs` is -1). */
  timeoutDeadlineNs = 0;
  /**
   * Tiler OOMs of this queue served so far, and the count when the timer was last armed
   * (`blame=ping` only reads them): a queue whose OOM interrupt was lost waits on the heap, not
   * on a hang, and another path (a ping's interrupt, the firmware-event work) may serve the OOM
   * just before its own timeout fires.
   */
  oomsServed = 0;
  oomsAtArm = 0;
  /**
   * The sync object the queue's stream was blocked on when the driver last read its state
   * (panthor_queue::syncwait, filled by cs_slot_sync_queue_state_locked): its GPU VA, the
   * reference value, the condition (greater-than, else less-or-equal) and its width.
   */
  readonly syncwait = { gpuVa: 0, ref: 0, gt: false, sync64: false };
  /**
   * The BO behind `syncwait.gpuVa` and the offset in it, looked up once and held with a
   * reference until the wait is over (panthor_queue_get_syncwait_obj / _put_syncwait_obj).
   */
  syncwaitObj: { bo: Bo; offset: number } | null = null;

  constructor(
    readonly idx: number,
    readonly priority: number,
    readonly ringBo: Bo,
    readonly ringVa: number,
    readonly ringSize: number,
    readonly fenceCtx: FenceContext,
    readonly timeout: DelayedWork,
    timeoutNs: number,
  ) {
    this.timeoutRemainingNs = timeoutNs;
  }

  /**
   * The seqno of the last done fence initialised on this queue (`fence_ctx.seqno`: what a
   * killed queue's sync object is set to, group_term_post_processing).
   */
  lastSeqno(): number {
    return this.fenceCtx.lastSeqno;
  }
}

export class Group implements Lifetime {
  readonly uid: number;
  alive = true;
  state: GroupStateName = GroupState.CREATED;
  csgId = -1;
  destroyed = false;
  timedout = false;
  innocent = false;
  fatalQueues = 0;
  /** Set by the tiler-OOM path; processed by `tilerOomWork`. */
  tilerOom = 0;
  /**
   * Firmware events of this group's slot handled so far (`blame=ping` only reads it): a job
   * timeout that finds the count moved while it pinged the firmware knows a lost event was
   * handled meanwhile (by the firmware-event work the ping's own interrupt woke).
   */
  eventsHandled = 0;
  readonly queues: Queue[] = [];
  /** Kernel BO with one sync object per queue, mapped in the group's VM. */
  syncobjs!: Bo;
  syncobjsVa = 0;
  /** Firmware-VM buffer the firmware saves the group's state to on suspend. */
  suspendBufVa = 0;
  suspendBufSize = 0;
  /** Which list the group is on in the scheduler ('runnable', 'idle', 'stopped' or null). */
  list: 'runnable' | 'idle' | 'stopped' | null = null;
  /**
   * The firmware's view of the queues, as Panthor keeps it (panthor_group::idle_queues,
   * ::blocked_queues): a queue is idle when its stream was unblocked with its ring consumed, and
   * blocked when it waited on a sync object, at the last STATUS_UPDATE or suspend the driver
   * read (csg_slot_sync_queues_state_locked); submitting a job clears its idle bit, the
   * scheduler's sync-update work its blocked bit. A new group has every queue idle.
   */
  idleQueues = 0;
  blockedQueues = 0;
  /** On the scheduler's waiting list (panthor_group::wait_node not empty). */
  waiting = false;

  constructor(
    readonly handle: number,
    readonly fileId: number,
    readonly vm: Vm,
    readonly priority: number,
    readonly computeCoreMask: number,
    readonly fragmentCoreMask: number,
    readonly tilerCoreMask: number,
    readonly maxComputeCores: number,
    readonly maxFragmentCores: number,
    readonly maxTilerCores: number,
    readonly refs: Refcount,
    readonly termWork: Work,
    readonly syncUpdWork: Work,
    readonly tilerOomWork: Work,
    readonly releaseWork: Work,
  ) {
    this.uid = nextId(vm.dev.k, 'group');
  }

  /**
   * The process that created the group (its DRM file's opener, `drm_file->client_name` or the
   * task's comm in the kernel's debugfs): reports name a job's client with it.
   */
  client = '';

  get name(): string {
    return `group${this.uid}`;
  }

  /**
   * The one name of a job of this group, in messages, traces and its fence:
   * `group3/q0#5` (queue 0, fence seqno 5).
   */
  jobName(queueIdx: number, seqno: number): string {
    return `${this.name}/q${queueIdx}#${seqno}`;
  }

  /**
   * group_can_run (state not TERMINATED or UNKNOWN, not destroyed, no fatal queue, not timed
   * out). Two terms are the model's: a VM made unusable by a failed asynchronous bind stops its
   * groups (model delta `vm-unusable-stops-groups`), and with `vmdestroy=evict` a group whose VM
   * was destroyed cannot run either (it is terminated, not suspended).
   */
  canRun(): boolean {
    return (
      this.state !== GroupState.TERMINATED &&
      this.state !== GroupState.UNKNOWN &&
      !this.destroyed &&
      this.fatalQueues === 0 &&
      !this.timedout &&
      !this.vm.unusable &&
      !(this.vm.destroyed && this.vm.dev.reset.design.factors.vmdestroy === 'evict')
    );
  }

  /**
   * group_is_idle: every queue idle or blocked, in the firmware's view (`idleQueues`,
   * `blockedQueues`) — not the driver's job lists: a queue blocked on a sync object with jobs in
   * its ring is idle for scheduling.
   */
  isIdle(): boolean {
    const inactive = (this.idleQueues | this.blockedQueues) >>> 0;
    let n = 0;
    for (let m = inactive; m !== 0; m &= m - 1) n++;
    return n === this.queues.length;
  }

  /**
   * Some queue has a job written to its ring or waiting to be run (the driver's job lists). A
   * model hint for power and rotation decisions (`Scheduler.hasRunnableWork`), not Panthor's
   * idle state (`isIdle`).
   */
  hasWork(): boolean {
    return this.queues.some((q) => q.inFlight.length > 0 || q.entity.queued > 0);
  }
}
