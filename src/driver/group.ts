/**
 * Scheduling groups, their queues and jobs: the data the scheduler (`sched.ts`) works on.
 *
 * A group has 1..N queues and is bound to one VM; it is the unit the firmware schedules on a
 * CSG slot. Each queue has a ring buffer in the group's VM, a 64-bit sync object the ring
 * increments after every job (the kernel's completion signal), a fence context, the list of
 * jobs written to the ring and not yet completed (`inFlight`), the jobs submitted but not yet
 * written (`pending`, the drm_sched entity queue) and a timeout.
 *
 * Group state flags follow the uAPI: TIMEDOUT, FATAL_FAULT (with the mask of faulty queues) and
 * INNOCENT (a group that could still run but whose suspend failed during a reset).
 */

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

export class Job {
  /** The done fence; created at submit so that jobs that never run can be failed too. */
  readonly fence: Fence;
  ringStart = -1;
  ringEnd = -1;
  /** Set when the job was written to the ring buffer. */
  ran = false;
  /** Between its `job`/`submit` and `job`/`done` trace events. */
  submitted = false;
  /** Dependencies (in-syncs) that must signal before the job runs. */
  readonly deps: Fence[];
  /** True for an empty submit: no ring work, completes with the queue's last fence. */
  readonly empty: boolean;

  constructor(
    readonly group: Group,
    readonly queueIdx: number,
    readonly streamAddr: number,
    readonly streamSize: number,
    fence: Fence,
    deps: Fence[],
  ) {
    this.fence = fence;
    this.deps = deps;
    this.empty = streamSize === 0;
  }

  get seqno(): number {
    return this.fence.seqno;
  }
}

export class Queue {
  readonly inFlight: Job[] = [];
  readonly pending: Job[] = [];
  /** Ring offsets (bytes, monotonic): what the kernel wrote, and the firmware's last extract. */
  insert = 0;
  extract = 0;
  doorbellId = -1;
  /** drm_sched stopped (pre-reset): pending jobs are not run. */
  stopped = false;
  lastFence: Fence | null = null;
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
    readonly runWork: Work,
    timeoutNs: number,
  ) {
    this.timeoutRemainingNs = timeoutNs;
  }

  /** The highest seqno handed out on this queue (what a killed queue's sync object is set to). */
  lastSeqno(): number {
    let max = this.lastFence?.seqno ?? 0;
    for (const j of this.inFlight) max = Math.max(max, j.seqno);
    return max;
  }

  /** Ring bytes used by in-flight and pending (non-empty) jobs. */
  ringUsed(): number {
    let n = this.insert - this.extract;
    for (const j of this.pending) if (!j.empty) n += JOB_RING_BYTES;
    return n;
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
    return this.queues.some((q) => q.inFlight.length > 0 || q.pending.some((j) => !j.empty));
  }
}
