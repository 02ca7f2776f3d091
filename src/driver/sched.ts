/**
 * DOC: Scheduler (panthor_sched.c).
 *
 * The firmware schedules *groups* on a small number of CSG slots; the kernel decides which
 * groups get a slot, in a *tick* work: groups with work are preferred over idle ones, higher
 * priority first, and when there are more candidates than slots the tick rotates them every
 * tick period (suspending some, resuming others). Starting, suspending and terminating a group
 * are CSG requests the firmware must acknowledge within 100 ms; a request that is not
 * acknowledged is a reset reason.
 *
 * Jobs go through the DRM GPU scheduler (src/drm/sched/, docs/drm-sched.md), one scheduler and
 * one entity per queue (group_create_queue). GROUP_SUBMIT pushes jobs to the entity; once a
 * job's dependencies have signalled and its credits fit the ring, the scheduler calls
 * queue_run_job (`runJob`), which writes it into the ring buffer (a call to the user's stream,
 * then a SYNC_ADD64 of the queue's sync object) and returns its done fence. If the group is on
 * a slot the doorbell is rung — the *hand-off to the hardware* that the `submit-after-fault`
 * invariant watches; otherwise the group is made runnable and the tick will start it. Job
 * completion is seen through CSG_SYNC_UPDATE events: the group's sync-update work signals the
 * done fences of jobs whose seqno the sync object has reached, and the scheduler signals their
 * finished fences, which are what user space sees.
 *
 * The firmware's view: on every STATUS_UPDATE and suspend the driver reads each stream's
 * CS_STATUS_BLOCKED_REASON (idle and blocked queues, the wait object of a blocked one); a
 * group is idle when all its queues are idle or blocked; blocked groups are on a waiting list
 * that the scheduler's sync-update work re-evaluates on every sync update.
 *
 * Faults and timeouts: a CS fatal marks the queue faulty (fences end with -EINVAL); a queue
 * that makes no progress for the job timeout (Panthor's per-queue timer) calls drm_sched_fault,
 * and the scheduler's timeout handler (queue_timedout_job) marks its group timed out
 * (-ETIMEDOUT); jobs of a group that can no longer run end with -ECANCELED (in run_job) or the
 * queue's error (in-flight ones, in the term work); after an unplug or a wedge, -ENODEV.
 *
 * Reset: pre-reset marks the reset in progress, cancels the scheduler works, suspends every
 * CSG (a group whose suspend is not acknowledged becomes TIMEDOUT, and INNOCENT if it could
 * still run), and stops every group (drm_sched_stop on its queues: their jobs wait).
 * Post-reset starts them again (done fences re-attached, drm_sched_start), or terminates them
 * if the reset failed. While a reset is pending or in progress, scheduler works are not queued
 * (Panthor's `sched_queue_work`).
 */

import {
  MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS,
  SchedEntity,
  SchedPriority,
} from '../drm/sched/entity.js';
import { type SchedBackendOps, SchedStat } from '../drm/sched/ops.js';
import { GpuScheduler, MAX_SCHEDULE_TIMEOUT } from '../drm/sched/scheduler.js';
import { CsBuilder } from '../hw/cs-isa.js';
import * as R from '../hw/regs.js';
import { Atomic } from '../kernel/atomic.js';
import { Errno } from '../kernel/errno.js';
import { beginSignalling, endSignalling, type Fence } from '../kernel/fence.js';
import { Mutex } from '../kernel/mutex.js';
import { Refcount } from '../kernel/refcount.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { DelayedWork, Work, Workqueue } from '../kernel/workqueue.js';
import type { Resettable } from './block.js';
import type { PanthorDevice } from './device.js';
import { Bo } from './gem.js';
import {
  Group,
  GroupState,
  JOB_INSTRS,
  JOB_RING_BYTES,
  Job,
  Queue,
  SYNCOBJ_SIZE,
} from './group.js';
import type { GateToken } from './reset/gates/gate.js';
import type { QueueCreate } from './uapi.js';

/** The group-level GROUP_CREATE arguments, as the ioctl validated them (kernel copies). */
export interface GroupCreateParams {
  priority: number;
  computeCoreMask: number;
  fragmentCoreMask: number;
  tilerCoreMask: number;
  maxComputeCores: number;
  maxFragmentCores: number;
  maxTilerCores: number;
}

import type { Vm } from './vm.js';

const PRIO_COUNT = 4;
const MAX_CSG_PRIO = 0xf;
/** Registers the kernel's ring-buffer sequence uses (the unpreserved ones at the top). */
const KREG_ADDR = 88;
const KREG_VAL = 90;

interface SlotRequest {
  value: number;
  mask: number;
}

class CsgUpdate {
  readonly requests = new Map<number, SlotRequest>();
  timedoutMask = 0;

  queue(slot: number, value: number, mask: number): void {
    const r = this.requests.get(slot) ?? { value: 0, mask: 0 };
    r.value = (r.value & ~mask) | (value & mask);
    r.mask |= mask;
    this.requests.set(slot, r);
  }

  get updateMask(): number {
    let m = 0;
    for (const slot of this.requests.keys()) m |= 1 << slot;
    return m;
  }
}

export class Scheduler implements Resettable {
  readonly name = 'sched';
  readonly lock: Mutex;
  readonly resetLock: Mutex;
  readonly resetInProgress: Atomic;
  csgSlots: Array<Group | null> = [];
  private csgPrio: number[] = [];
  csgSlotCount = 0;
  csSlotCount = 0;
  private readonly runnable: Group[][] = [[], [], [], []];
  private readonly idle: Group[][] = [[], [], [], []];
  private readonly stopped: Group[] = [];
  /**
   * Groups with a queue blocked on a sync object (sched->groups.waiting), in the order they
   * were added; evaluated by the sync-update work.
   */
  private readonly waiting: Group[] = [];
  /** Every live group, for wedging and metrics. */
  readonly groups = new Set<Group>();
  readonly wq: Workqueue;
  readonly heapAllocWq: Workqueue;
  readonly tickWork: DelayedWork;
  readonly fwEventsWork: Work;
  /** sched->sync_upd_work: re-evaluates the sync objects blocked queues wait on. */
  readonly syncUpdWork: Work;
  /** Woken when a group leaves its CSG slot (VM teardown waits for its groups to leave). */
  private readonly slotsChanged: WaitQueue;
  private readonly fwEvents: Atomic;
  private lastTickNs = 0;
  /** When the next tick is due, or -1 when the tick is stopped (fewer groups than slots). */
  private reschedTargetNs = -1;
  private usedCsgSlots = 0;
  private mightHaveIdle = false;
  private pmHasRef = false;
  /** Counters for metrics. */
  jobsCompleted = 0;
  jobsFailed = 0;
  ticks = 0;

  constructor(private readonly dev: PanthorDevice) {
    const k = dev.k;
    this.lock = new Mutex(k, 'sched.lock');
    this.resetLock = new Mutex(k, 'sched.reset.lock');
    this.resetInProgress = new Atomic(k, 'sched.reset.in_progress');
    this.fwEvents = new Atomic(k, 'sched.fw_events');
    this.wq = new Workqueue(k, 'panthor-csf-sched', 4);
    this.heapAllocWq = new Workqueue(k, 'panthor-heap-alloc', 2);
    this.tickWork = new DelayedWork(k, 'sched.tick_work', () => this.tick());
    this.fwEventsWork = new Work(k, 'sched.fw_events_work', () => this.processFwEvents());
    this.syncUpdWork = new Work(k, 'sched.sync_upd_work', () => this.syncUpd());
    this.slotsChanged = new WaitQueue(k, 'sched.slots_changed');
  }

  async init(): Promise<number> {
    const fw = this.dev.fw;
    this.csgSlotCount = Math.min(fw.glb.control.groupNum, MAX_CSG_PRIO + 1, 31);
    this.csSlotCount = fw.csg(0).control.streamNum;
    if (this.csgSlotCount === 0 || this.csSlotCount === 0) return -Errno.EINVAL;
    this.csgSlots = new Array<Group | null>(this.csgSlotCount).fill(null);
    this.csgPrio = new Array<number>(this.csgSlotCount).fill(0);
    return 0;
  }

  private get k() {
    return this.dev.k;
  }

  // ---- Work queueing gated by reset state (sched_queue_work) ------------------------------------

  private resetBlocksWork(): boolean {
    return this.resetInProgress.peek() !== 0 || this.dev.reset.isPending();
  }

  async queueTick(delayNs: number): Promise<void> {
    await this.k.point();
    if (this.resetBlocksWork()) return;
    this.tickWork.mod(this.wq, delayNs);
  }

  private async queueFwEvents(): Promise<void> {
    await this.k.point();
    if (this.resetBlocksWork()) return;
    this.wq.enqueue(this.fwEventsWork);
  }

  /** sched_queue_work(sched, sync_upd). */
  private async queueSyncUpd(): Promise<void> {
    await this.k.point();
    if (this.resetBlocksWork()) return;
    this.wq.enqueue(this.syncUpdWork);
  }

  // ---- Group lists -----------------------------------------------------------------------------

  private removeFromLists(g: Group): void {
    for (const l of [...this.runnable, ...this.idle, this.stopped]) {
      const i = l.indexOf(g);
      if (i >= 0) l.splice(i, 1);
    }
    g.list = null;
  }

  /** list_del_init(&group->wait_node). */
  private removeFromWaiting(g: Group): void {
    if (!g.waiting) return;
    const i = this.waiting.indexOf(g);
    if (i >= 0) this.waiting.splice(i, 1);
    g.waiting = false;
  }

  /** list_move_tail, or list_move (to the head) with `head`. */
  private moveTo(g: Group, list: 'runnable' | 'idle' | 'stopped', head = false): void {
    this.removeFromLists(g);
    const l =
      list === 'stopped'
        ? this.stopped
        : ((list === 'runnable' ? this.runnable : this.idle)[g.priority] as Group[]);
    if (head) l.unshift(g);
    else l.push(g);
    g.list = list;
  }

  // ---- Group creation and destruction ----------------------------------------------------------

  async groupCreate(
    fileId: number,
    client: string,
    handle: number,
    vm: Vm,
    args: GroupCreateParams,
    queues: QueueCreate[],
  ): Promise<Group | number> {
    const dev = this.dev;
    const k = this.k;
    const termWork = new Work(k, 'group.term_work', async () => this.termWork(group));
    const syncUpdWork = new Work(k, 'group.sync_upd_work', async () => this.groupSyncUpd(group));
    const tilerOomWork = new Work(k, 'group.tiler_oom_work', async () => this.tilerOomWork(group));
    const releaseWork = new Work(k, 'group.release_work', async () => this.groupRelease(group));
    const group: Group = new Group(
      handle,
      fileId,
      vm.get(),
      args.priority,
      args.computeCoreMask,
      args.fragmentCoreMask,
      args.tilerCoreMask,
      args.maxComputeCores,
      args.maxFragmentCores,
      args.maxTilerCores,
      new Refcount(k, 'group.refcount', 1),
      termWork,
      syncUpdWork,
      tilerOomWork,
      releaseWork,
    );
    group.client = client;
    k.kmalloc('group');
    const suspendSize = dev.fw.csg(0).control.suspendSize || R.PAGE_SIZE;
    const sb = await dev.fw.allocFwMem(`${group.name}-suspend`, suspendSize);
    group.suspendBufVa = sb.va;
    group.suspendBufSize = sb.bo.size;
    const syncBytes = Math.max(R.PAGE_SIZE, queues.length * SYNCOBJ_SIZE);
    group.syncobjs = new Bo(k, dev.hw.mem, `${group.name}-syncobjs`, syncBytes, true, 0);
    group.syncobjsVa = vm.allocKernelVa(syncBytes);
    await vm.opLock.lock('groupCreate [driver/sched.ts]');
    await vm.map(
      group.syncobjsVa,
      syncBytes,
      group.syncobjs,
      0,
      { readOnly: false, noExec: true },
      true,
    );
    vm.opLock.unlock();
    for (let i = 0; i < queues.length; i++) {
      const qa = queues[i] as QueueCreate;
      const ring = new Bo(k, dev.hw.mem, `${group.name}-q${i}-ring`, qa.ringbufSize, true, 0);
      const ringVa = vm.allocKernelVa(qa.ringbufSize);
      await vm.opLock.lock('groupCreate [driver/sched.ts]');
      await vm.map(ringVa, qa.ringbufSize, ring, 0, { readOnly: false, noExec: true }, true);
      vm.opLock.unlock();
      const q: Queue = new Queue(
        i,
        qa.priority,
        ring,
        ringVa,
        qa.ringbufSize,
        // Done fences are named after their jobs: `group3/q0#5.hw` (runJob).
        dev.newFenceContext(`${group.name}/q${i}.hw`),
        new DelayedWork(k, 'queue.timeout.work', async () => this.queueTimeout(group, q)),
        dev.cfg.jobTimeoutNs,
      );
      // group_create_queue: one scheduler per queue, on the scheduler's workqueue, its
      // timeout handled on the reset workqueue, with MAX_SCHEDULE_TIMEOUT (Panthor's own
      // per-queue timer calls drm_sched_fault); credits are ring instruction slots. The
      // scheduler is named as the queue's jobs (`group3/q0`, whose finished fences are
      // `group3/q0#5`); the kernel names it `panthor-queue-<client>-<gid>-<qid>`.
      q.sched = new GpuScheduler(k, {
        ops: this.queueOps(group, q),
        submitWq: this.wq,
        timeoutWq: dev.timeoutWq(),
        systemWq: dev.systemWq,
        creditLimit: qa.ringbufSize / 8,
        timeoutNs: MAX_SCHEDULE_TIMEOUT,
        name: `${group.name}/q${i}`,
      });
      const entity = SchedEntity.init(SchedPriority.KERNEL, [q.sched]);
      if (typeof entity === 'number') throw new Error('drm_sched_entity_init failed');
      q.entity = entity;
      // The scheduled and finished fences are this device's fences too (a wedge accounts for
      // them, docs/design.md's wedge protocol).
      dev.adoptFenceContext(entity.fenceContext);
      dev.adoptFenceContext(entity.fenceContext + 1);
      group.queues.push(q);
    }
    // panthor_group_create: idle_queues = GENMASK(queue_count - 1, 0).
    group.idleQueues = queues.length >= 32 ? 0xffffffff : (1 << queues.length) - 1;
    this.groups.add(group);
    await this.resetLock.lock('groupCreate [driver/sched.ts]');
    if (this.resetInProgress.peek()) {
      // Groups created during a reset start stopped (and the stopped list holds a reference,
      // which post-reset drops).
      await this.stopGroup(group);
    } else {
      await this.lock.lock('groupCreate [driver/sched.ts]');
      this.moveTo(group, 'idle');
      this.lock.unlock();
    }
    this.resetLock.unlock();
    return group;
  }

  async groupDestroy(group: Group): Promise<void> {
    await this.resetLock.lock('groupDestroy [driver/sched.ts]');
    await this.lock.lock('groupDestroy [driver/sched.ts]');
    group.destroyed = true;
    if (group.csgId >= 0) {
      await this.queueTick(0);
    } else if (!this.resetInProgress.peek()) {
      this.removeFromLists(group);
      this.removeFromWaiting(group);
      await this.queueGroupWork(group, group.termWork);
    }
    this.lock.unlock();
    this.resetLock.unlock();
    await this.groupPut(group);
  }

  private async queueGroupWork(group: Group, work: Work, wq: Workqueue = this.wq): Promise<void> {
    group.refs.incNow('queueGroupWork [driver/sched.ts]');
    if (!(await wq.queueWork(work))) await this.groupPut(group);
  }

  /**
   * Drops a group reference. The release runs in a work item, as Panthor's does, so that the
   * last put may happen anywhere (even under the scheduler lock, in the tick).
   */
  async groupPut(group: Group): Promise<void> {
    if (!group.refs.decAndTestNow('groupPut [driver/sched.ts]')) return;
    await this.dev.cleanupWq.queueWork(group.releaseWork);
  }

  private async groupRelease(group: Group): Promise<void> {
    // Stop the group's works first, outside the gate: they take the runtime-PM lock, whose
    // holder (suspend) waits for the reset work, which waits for the gate's readers.
    this.groups.delete(group);
    // group_free_queue: disable the timeout, drm_sched_entity_destroy, drm_sched_fini (every
    // job held a group reference, so the entities are empty and nothing is pending).
    for (const q of group.queues) {
      await q.timeout.disableSync('groupRelease [driver/sched.ts]');
      await q.entity.destroy();
      await q.sched.fini();
    }
    // Unmapping the group's kernel objects flushes TLBs: a hardware section like any other.
    await this.dev.teardownSection(() => this.groupReleaseLocked(group));
  }

  private async groupReleaseLocked(group: Group): Promise<void> {
    const vm = group.vm;
    await vm.opLock.lock('groupReleaseLocked [driver/sched.ts]');
    for (const q of group.queues) {
      // group_free_queue: panthor_queue_put_syncwait_obj.
      this.putSyncwaitObj(q);
      await vm.unmap(q.ringVa, q.ringSize);
      q.ringBo.put();
    }
    await vm.unmap(group.syncobjsVa, group.syncobjs.size);
    vm.opLock.unlock();
    group.syncobjs.put();
    await this.dev.fw.freeFwMem(group.suspendBufVa, group.suspendBufSize);
    await vm.put();
    this.k.markFreed(group, 'groupReleaseLocked [driver/sched.ts]');
  }

  // ---- Job submission and the drm_sched backend (queue_run_job, queue_free_job) ----------------

  /**
   * panthor_job_create's part after its checks: a job on `q`'s entity, with its credits
   * (`calc_job_credits`: the ring instructions of one job; drm_sched_job_init) and a group
   * reference (the job's `group`). Returns the job or -errno.
   */
  createJob(group: Group, q: Queue, streamAddr: number, streamSize: number): Job | number {
    this.k.kmalloc('job');
    const job = new Job(group, q.idx, streamAddr, streamSize);
    const ret = job.init(q.entity, JOB_INSTRS, group);
    if (ret !== 0) return ret;
    group.refs.incNow('createJob [driver/sched.ts]');
    return job;
  }

  /** panthor_job_get. */
  private jobGet(job: Job): void {
    job.refs++;
  }

  /**
   * panthor_job_put: the last reference releases the job (job_release: drm_sched_job_cleanup if
   * it was initialised, then the group reference).
   */
  async jobPut(job: Job): Promise<void> {
    if (--job.refs > 0) return;
    if (job.refs < 0)
      throw new Error(`panthor_job_put: ${job.group.name}/q${job.queueIdx} put twice`);
    if (job.sFence !== null) job.cleanup();
    await this.groupPut(job.group);
  }

  /** drm_sched_entity_push_job on the job's queue (panthor_submit_ctx_push_jobs). */
  async pushJob(group: Group, job: Job): Promise<void> {
    const q = group.queues[job.queueIdx] as Queue;
    await q.entity.pushJob(job);
  }

  /** struct drm_sched_backend_ops panthor_queue_sched_ops, for one queue. */
  private queueOps(group: Group, q: Queue): SchedBackendOps {
    return {
      runJob: (job) => this.runJob(group, q, job as Job),
      timedoutJob: (job) => this.timedoutJob(group, q, job as Job),
      // queue_free_job: panthor_job_put.
      freeJob: (job) => this.jobPut(job as Job),
    };
  }

  /**
   * queue_run_job, called by the queue's drm_sched run work once the job's dependencies are
   * met and its credits fit. Returns the done fence (the scheduler's parent), null, or -errno
   * (the finished fence gets it).
   *
   * - An empty stream takes the queue's last done fence (null if none: done at once), so its
   *   finished fence signals after every earlier job.
   * - panthor_device_resume_and_get; its error is the job's (after a failed resume the PM core
   *   answers -EINVAL). A device that wedges on a failed resume (`resumefail=wedge`), or is
   *   unplugged or wedged, ends the job with -ENODEV, as the wedge does every other job. With
   *   `runpm=if-active` (a design's choice) run_job only takes a reference on an active
   *   device; otherwise it asks for an asynchronous resume and writes the job without handing
   *   it over (below).
   * - Under the scheduler lock: a group that cannot run: -ECANCELED. Otherwise the done fence
   *   is initialised (the queue's next seqno), the job written to the ring and put on the
   *   in-flight list; off a slot the group is scheduled, on a slot the doorbell hands it over.
   *
   * The design's gate (src/driver/reset/gates/) is the model's addition: run_job takes it
   * (trylock) before the scheduler lock, and when it is refused (a reset is requested or in
   * progress) or a gate that closes at request time closed meanwhile, the job is written to the
   * ring but not handed over: the firmware's insert pointer is not moved and no doorbell rung.
   * The reset that closed the gate (or the suspend, for a device that is not active) suspends
   * the group, and the group's next start or resume publishes the ring and logs the hand-off.
   * run_job cannot wait for the gate: the reset's drm_sched_stop waits for the run work.
   */
  private async runJob(group: Group, q: Queue, job: Job): Promise<Fence | null | number> {
    const dev = this.dev;
    if (job.empty) {
      job.doneFence = q.lastFence;
      return job.doneFence;
    }
    if (dev.unplugged || dev.wedge.wedged) return this.failedRun(job, -Errno.ENODEV);
    let pmHeld = false;
    if (dev.reset.design.factors.runpm === 'resume') {
      const pm = await dev.pm.resumeAndGet();
      if (pm !== 0) return this.failedRun(job, dev.wedgePending ? -Errno.ENODEV : pm);
      pmHeld = true;
    } else if (dev.pm.takeIfActive()) {
      pmHeld = true;
    } else {
      // `runpm=if-active`: the job goes to the ring below without a hand-off; the resume's tick
      // starts (or resumes) the group, which hands it over.
      await dev.pm.requestResume();
    }
    await this.lock.lock('runJob [driver/sched.ts]');
    // The gate is taken under the scheduler lock, where the hand-off is decided: a `submit`
    // section never waits for it (a trylock, or an SRCU read section that backs off), so the
    // order does not matter for deadlocks, and the answer is the one of the moment the job is
    // written, not of the moment run_job started (it may have waited a whole suspend for the
    // lock).
    let gate: GateToken | number = -Errno.EAGAIN;
    try {
      if (!group.canRun())
        return this.failedRun(job, this.errorFor(group, q.idx, job, -Errno.ECANCELED));
      // The device may have become active while we waited for the lock (its resume ran the
      // tick, which may have put the group on a slot): a group on a slot of a device that is
      // still not active is being suspended, and the suspend evicts it.
      if (!pmHeld && dev.pm.takeIfActive()) pmHeld = true;
      gate = await dev.gateEnter('submit');
      const done = q.fenceCtx.create(`${group.jobName(q.idx, job.seqno)}.hw`);
      job.doneFence = done;
      this.writeRing(group, q, job);
      this.jobGet(job);
      q.inFlight.push(job);
      job.ran = true;
      q.lastFence = done;
      const queueMask = 1 << q.idx;
      if (group.csgId < 0) {
        await this.groupSchedule(group, queueMask);
        return done;
      }
      // A job for an idle queue of an idle group restarts a stopped tick; the queue is no
      // longer idle.
      const resumeTick =
        group.isIdle() &&
        (group.idleQueues & queueMask) !== 0 &&
        (group.blockedQueues & queueMask) === 0 &&
        this.reschedTargetNs < 0;
      group.idleQueues &= ~queueMask;
      if (resumeTick) await this.resumeTick();
      // The hand-off: the insert pointer published and the doorbell rung, with no decision
      // point between the last look at the gate and the doorbell.
      if (!pmHeld || typeof gate === 'number' || !dev.reset.design.allowsHandoff()) return done;
      dev.fw.cs(group.csgId, q.idx).input.insert = q.insert;
      dev.fw.ringDoorbell(q.doorbellId);
      this.logHandoff(group, q, job);
      // The scheduler takes a PM reference unless the queue is blocked.
      if (!this.pmHasRef && (group.blockedQueues & queueMask) === 0) {
        await dev.pm.get();
        this.pmHasRef = true;
      }
      this.resumeTimeout(q);
      return done;
    } finally {
      this.lock.unlock();
      if (typeof gate !== 'number') dev.gateExit(gate);
      if (pmHeld) {
        dev.pm.markLastBusy();
        await dev.pm.putAutosuspend();
      }
    }
  }

  /** A run_job that hands nothing over: the finished fence gets `err`. */
  private failedRun(job: Job, err: number): number {
    this.k.trace.instant(this.dev.lane, 'job', `run_job ${job.finished.name}: ${err}`);
    this.jobsFailed++;
    return err;
  }

  /**
   * Records that `job` was handed to the GPU now (what `submit-after-fault` checks), and
   * emits the `job`/`submit` event of the trace conventions (src/report/conventions.ts).
   */
  private logHandoff(group: Group, q: Queue, job: Job): void {
    const name = group.jobName(q.idx, job.seqno);
    this.dev.log.handoffs.push({
      atNs: this.k.nowNs,
      task: this.k.self().name,
      group: group.uid,
      queue: q.idx,
      seqno: job.seqno,
      job: name,
      client: group.client,
    });
    this.k.trace.instant(this.jobLane(group), 'job', 'submit', {
      job: job.finished.traceId,
      name,
      group: group.uid,
      queue: q.idx,
      client: group.client,
    });
    job.submitted = true;
  }

  /** The lane of a job's events: its group's CSG slot, or the driver's when off slot. */
  private jobLane(group: Group) {
    return group.csgId >= 0 ? this.dev.csgLane(group.csgId) : this.dev.lane;
  }

  /** The `job`/`done` event of a job that was handed to the hardware (0 or a -errno). */
  private logJobDone(job: Job, error: number): void {
    if (!job.submitted) return;
    job.submitted = false;
    this.k.trace.instant(this.jobLane(job.group), 'job', 'done', {
      job: job.finished.traceId,
      name: job.finished.name,
      error,
    });
  }

  /**
   * prepare_job_instrs + copy_instrs_to_ringbuf: the job's ring sequence (a call to the user's
   * stream, then a SYNC_ADD64 of the queue's sync object). The firmware's insert pointer
   * (queue_run_job's `iface.input->insert`) is the caller's: it is published with the hand-off.
   */
  private writeRing(group: Group, q: Queue, job: Job): void {
    const syncVa = group.syncobjsVa + q.idx * SYNCOBJ_SIZE;
    const b = new CsBuilder()
      .mov48(KREG_ADDR, job.streamAddr)
      .mov32(KREG_VAL, job.streamSize)
      .call(KREG_ADDR, KREG_VAL)
      .mov48(KREG_ADDR, syncVa)
      .mov48(KREG_VAL, 1)
      .syncAdd64(KREG_ADDR, KREG_VAL);
    while (b.length < JOB_INSTRS) b.nop();
    const words = b.words();
    job.ringStart = q.insert;
    for (let i = 0; i < JOB_INSTRS; i++) {
      const off = (q.insert + i * 8) % q.ringSize;
      q.ringBo.write32(off, words[i * 2] as number);
      q.ringBo.write32(off + 4, words[i * 2 + 1] as number);
    }
    q.insert += JOB_RING_BYTES;
    job.ringEnd = q.insert;
  }

  /** Ends an in-flight job's done fence with `err` (its finished fence follows). */
  private failJob(job: Job, err: number): void {
    const f = job.doneFence;
    if (f === null || f.signalled) return;
    this.logJobDone(job, err);
    f.setError(err);
    f.signal();
    this.jobsFailed++;
  }

  /**
   * The error a killed job carries (`fence-error-code`): a job that ran on a faulty queue
   * -EINVAL, on a timed-out group -ETIMEDOUT; after an unplug or a wedge -ENODEV; otherwise
   * (destroyed group, job that never ran) -ECANCELED.
   */
  errorFor(group: Group, queueIdx: number, job: Job | null, fallback: number): number {
    const ran = job === null || job.ran;
    if (ran && group.fatalQueues & (1 << queueIdx)) return -Errno.EINVAL;
    if (ran && group.timedout) return -Errno.ETIMEDOUT;
    if (this.dev.unplugged || this.dev.wedge.wedged) return -Errno.ENODEV;
    return fallback;
  }

  /**
   * group_schedule_locked: a job arrived on the queues of `queueMask` of a group that is not on
   * a slot. Queues blocked on a sync object do not wake the scheduler; the queues are no longer
   * idle; a group that became non-idle moves to the runnable list (not during a reset); then an
   * immediate tick for an RT group, when a slotted group may be idle, or when the tick runs and
   * a slot is free; otherwise the stopped tick is restarted (sched_resume_tick).
   */
  private async groupSchedule(group: Group, queueMask: number): Promise<void> {
    if (!group.canRun()) return;
    if ((queueMask & group.blockedQueues) === queueMask) return;
    const wasIdle = group.isIdle();
    group.idleQueues &= ~queueMask;
    if (this.resetInProgress.peek()) return;
    if (wasIdle && !group.isIdle()) this.moveTo(group, 'runnable');
    if (group.priority === PRIO_COUNT - 1 || this.mightHaveIdle) {
      await this.queueTick(0);
      return;
    }
    if (this.reschedTargetNs >= 0) {
      if (this.usedCsgSlots < this.csgSlotCount) await this.queueTick(0);
      return;
    }
    await this.resumeTick();
  }

  private async resumeTick(): Promise<void> {
    const now = this.k.nowNs;
    this.reschedTargetNs = this.lastTickNs + this.dev.cfg.tickPeriodNs;
    const delay =
      this.usedCsgSlots === this.csgSlotCount && now < this.reschedTargetNs
        ? this.reschedTargetNs - now
        : 0;
    if (!this.tickWork.pending) await this.queueTick(delay);
  }

  // ---- Timeouts --------------------------------------------------------------------------------

  private resumeTimeout(q: Queue): void {
    if (q.timeoutRemainingNs < 0) return;
    const wq = this.dev.timeoutWq();
    q.timeout.mod(wq, q.timeoutRemainingNs);
    q.timeoutDeadlineNs = this.k.nowNs + q.timeoutRemainingNs;
    q.timeoutRemainingNs = -1;
    q.oomsAtArm = q.oomsServed;
  }

  /**
   * queue_suspend_timeout_locked: stops the timer and remembers what was left of it, so that a
   * job that keeps being suspended and resumed (by rotation, or by resets) still times out.
   */
  private suspendTimeout(q: Queue): void {
    if (q.timeoutRemainingNs >= 0) return;
    // "If the queue is blocked and the group is idle, we want the timer to keep running
    // because the group can't be unblocked by other queues, so it has to come from an external
    // source, and we want to timebox this external signalling."
    const g = q.inFlight[0]?.group;
    if (g?.canRun() && (g.blockedQueues & (1 << q.idx)) !== 0 && g.isIdle()) return;
    const wasActive = q.timeout.cancel();
    q.timeoutRemainingNs =
      !wasActive || q.inFlight.length === 0
        ? this.dev.cfg.jobTimeoutNs
        : Math.max(0, q.timeoutDeadlineNs - this.k.nowNs);
  }

  private resetTimeout(q: Queue): void {
    if (q.timeoutRemainingNs >= 0) return;
    q.timeout.mod(this.dev.timeoutWq(), this.dev.cfg.jobTimeoutNs);
    q.timeoutDeadlineNs = this.k.nowNs + this.dev.cfg.jobTimeoutNs;
    q.oomsAtArm = q.oomsServed;
  }

  /**
   * queue_timeout_work: no progress for the job timeout hands over to drm_sched's timeout
   * handling (drm_sched_fault: the TDR work now, on the same ordered reset workqueue), which
   * calls `timedoutJob` with the oldest job of the pending list.
   *
   * The work holds a group reference while it runs: the group's last job reference may be put
   * meanwhile (the file closed, the term work failed the jobs). It touches no register: it may
   * run after the device was removed, as long as its group lives (the group's release disables
   * it), and it is not a use of the I/O mapping.
   */
  private async queueTimeout(group: Group, q: Queue): Promise<void> {
    if (!(await group.refs.incNotZero('queueTimeout [driver/sched.ts]'))) return;
    try {
      const progress = await this.checkJobCompletion(group, q);
      if (!progress) q.sched.fault();
    } finally {
      await this.groupPut(group);
    }
  }

  /**
   * queue_timedout_job (drm_sched's timedout_job for the job at the head of the pending list):
   * queue_stop (the queue's timeout work disabled, drm_sched_stop with the job), the group
   * marked timed out and evicted by the tick or terminated, queue_start, and
   * DRM_GPU_SCHED_STAT_RESET. It never resets the device itself.
   *
   * Designs may put the timeout off (`timeouts=defer` while a reset is pending, `blame=ping`
   * when the firmware is silent or events were lost): the handler then answers NO_HANG, and
   * drm_sched puts the job back at the head of its pending list
   * (drm_sched_job_reinsert_on_false_timeout); Panthor itself never does.
   */
  private async timedoutJob(group: Group, q: Queue, job: Job): Promise<SchedStat> {
    const dev = this.dev;
    const name = `${group.name}/q${q.idx}`;
    if (dev.reset.design.defersTimeouts()) {
      this.k.trace.instant(dev.lane, 'job', `job timeout ${name} put off (reset pending)`);
      return SchedStat.NO_HANG;
    }
    if (dev.reset.design.checksBeforeBlame) {
      const why = await this.timeoutExplained(group, q);
      if (why !== null) {
        this.k.trace.instant(dev.lane, 'job', `job timeout ${name} put off (${why})`);
        // The timer ran out and is not re-armed by anyone else unless the queue restarts:
        // a lost event that we just handled gives the job a fresh timeout.
        if (why === 'lost events') this.resetTimeout(q);
        return SchedStat.NO_HANG;
      }
      // The ping took time (up to the GLB timeout): a reset requested meanwhile, by a problem
      // the ping did not see (an AS stuck under the tick), still puts the timeout off.
      if (dev.reset.design.defersTimeouts()) {
        this.k.trace.instant(
          dev.lane,
          'job',
          `job timeout ${name} put off (reset requested during the check)`,
        );
        return SchedStat.NO_HANG;
      }
    }
    this.k.trace.instant(dev.lane, 'job', `job timeout ${name}`, { job: job.finished.name });
    if (dev.bug('reset-in-timeout-handler')) {
      // The old drm_sched pattern: reset the GPU from the timeout handler itself.
      group.timedout = true;
      await dev.reset.resetFromHandler('job-timeout');
      return SchedStat.RESET;
    }
    if (dev.bug('timeout-job-leak')) {
      // drm_sched took the timed-out job off its pending list; this handler neither puts it
      // back (no drm_sched_stop) nor keeps it in flight: its done fence is never signalled.
      const i = q.inFlight.indexOf(job);
      if (i >= 0) q.inFlight.splice(i, 1);
      await this.markTimedOut(group);
      return SchedStat.RESET;
    }
    await this.queueStop(q, job);
    await this.markTimedOut(group);
    await this.queueStart(q);
    return SchedStat.RESET;
  }

  /** queue_timedout_job's middle: timed out, then evicted by the tick or terminated. */
  private async markTimedOut(group: Group): Promise<void> {
    await this.lock.lock('timedoutJob [driver/sched.ts]');
    group.timedout = true;
    if (group.csgId >= 0) {
      await this.queueTick(0);
    } else {
      this.removeFromLists(group);
      this.removeFromWaiting(group);
      await this.queueGroupWork(group, group.termWork);
    }
    this.lock.unlock();
  }

  /** queue_stop: disable_delayed_work_sync of the queue timeout, drm_sched_stop. */
  private async queueStop(q: Queue, bad: Job | null): Promise<void> {
    await q.timeout.disableSync('queueStop [driver/sched.ts]');
    await q.sched.stop(bad);
  }

  /**
   * queue_start: every job of the pending list gets its done fence back as the parent, the
   * timeout work is enabled again (not re-armed), drm_sched_start.
   */
  private async queueStart(q: Queue): Promise<void> {
    for (const j of q.sched.pendingList) j.fence().parent = (j as Job).doneFence;
    q.timeout.enable();
    await q.sched.start(0);
  }

  /**
   * For designs that check before blaming (see `ResetDesign.checksBeforeBlame`): why the
   * timeout is not the group's fault, or null if it is. 'reset pending' when the gate refuses
   * (the reset will restart the timers); 'firmware silent' when the firmware does not answer a
   * ping (a reset is requested); 'lost events' when the group's slot had firmware events that
   * no interrupt reported (a tiler OOM, a sync update): they are handled now, were handled
   * while the ping was in flight, or (a tiler OOM of this queue) since its timer was armed.
   */
  private async timeoutExplained(group: Group, q: Queue): Promise<string | null> {
    const dev = this.dev;
    // A tiler OOM of this queue served, or queued to be served, since its timer was armed: the
    // queue waited on the heap (its OOM interrupt lost, then handled by another path's
    // firmware-event work), not on a hang.
    if (q.oomsServed !== q.oomsAtArm || (group.tilerOom & (1 << q.idx)) !== 0) return 'lost events';
    if (!dev.pm.takeIfActive()) return null;
    const handled = group.eventsHandled;
    try {
      const gate = await dev.gateEnter('worker');
      if (typeof gate === 'number') return 'reset pending';
      let answered: boolean;
      try {
        answered = await dev.fw.answersPing();
        if (answered) {
          await this.lock.lock('timeoutExplained [driver/sched.ts]');
          try {
            const slot = group.csgId;
            if (slot >= 0 && this.csgHasEvents(slot)) {
              await this.processCsgIrq(slot);
              return 'lost events';
            }
            // The ping's interrupt may have run the firmware-event work first, which handled
            // the events this check was looking for.
            if (group.eventsHandled !== handled) return 'lost events';
          } finally {
            this.lock.unlock();
          }
        }
      } finally {
        dev.gateExit(gate);
      }
      if (answered) return null;
      dev.k.trace.instant(dev.lane, 'fw', 'FW ping timeout on a job timeout, scheduling a reset');
      await dev.reset.schedule('fw-ping-timeout');
      return 'firmware silent';
    } finally {
      await dev.pm.putAutosuspend();
    }
  }

  /** Events of a CSG slot that the driver has not acknowledged (what its interrupt would say). */
  private csgHasEvents(slot: number): boolean {
    const csg = this.dev.fw.csg(slot);
    const csgEvents = (csg.input.req ^ csg.output.ack) & R.CSG_EVT_MASK;
    return csgEvents !== 0 || csg.output.csIrqReq !== csg.input.csIrqAck;
  }

  // ---- Completion ------------------------------------------------------------------------------

  private syncobjSeqno(group: Group, qIdx: number): number {
    return group.syncobjs.read64(qIdx * SYNCOBJ_SIZE);
  }

  /** queue_check_job_completion: signals the fences of completed jobs. */
  async checkJobCompletion(group: Group, q: Queue): Promise<boolean> {
    const cookie = beginSignalling(this.k);
    let progress = false;
    const seqno = group.alive ? this.syncobjSeqno(group, q.idx) : 0;
    let doneJobs: Job[] | null = null;
    while (q.inFlight.length > 0) {
      const job = q.inFlight[0] as Job;
      const f = job.doneFence as Fence;
      if (seqno < f.seqno) break;
      q.inFlight.shift();
      q.extract = job.ringEnd;
      if (!f.signalled) {
        this.logJobDone(job, 0);
        // The scheduler's done callback signals the finished fence, in this context.
        f.signal();
        this.jobsCompleted++;
      }
      if (doneJobs === null) doneJobs = [job];
      else doneJobs.push(job);
    }
    const done = doneJobs?.length ?? 0;
    if (q.inFlight.length === 0) {
      // queue_check_job_completion: "If we have no job left, we cancel the timer, and reset
      // remaining time to its default" — but queue_suspend_timeout_locked returns at once when
      // the timer is already suspended, so a queue suspended with its timer expired (remaining
      // 0: a reset's pre-reset, its completion interrupt lost) whose jobs are then found done
      // keeps 0, and its next job times out the moment its group is resumed (hang@default soak
      // run 3177). Mainline keeps that; blame=ping gives the next job the full timeout.
      if (q.timeoutRemainingNs >= 0 && this.dev.reset.design.checksBeforeBlame)
        q.timeoutRemainingNs = this.dev.cfg.jobTimeoutNs;
      this.suspendTimeout(q);
      progress = true;
    } else if (done > 0) {
      this.resetTimeout(q);
      progress = true;
    }
    endSignalling(this.k, cookie);
    // The in-flight list's references.
    if (doneJobs !== null) for (const job of doneJobs) await this.jobPut(job);
    return progress;
  }

  private async groupSyncUpd(group: Group): Promise<void> {
    for (const q of group.queues) await this.checkJobCompletion(group, q);
    await this.groupPut(group);
  }

  /** group_term_work. */
  private async termWork(group: Group): Promise<void> {
    await this.failGroupJobs(group, -Errno.ECANCELED);
    await this.groupPut(group);
  }

  /**
   * group_term_post_processing: the done fence of every in-flight job of a group that can no
   * longer run ends with the queue's error (-EINVAL for a faulty queue, -ETIMEDOUT for a
   * timed-out group, else `fallback`), and the finished fences follow. Jobs still in the
   * entities are not touched: drm_sched runs them, and queue_run_job fails them (-ECANCELED).
   */
  async failGroupJobs(group: Group, fallback: number): Promise<void> {
    const cookie = beginSignalling(this.k);
    const failed: Job[] = [];
    for (const q of group.queues) {
      for (const job of q.inFlight.splice(0)) {
        this.failJob(job, this.errorFor(group, q.idx, job, fallback));
        failed.push(job);
      }
      // Unblock GPU waiters on this queue's sync object, and let the sync-update work
      // re-evaluate the queues blocked on it (group_term_post_processing).
      if (group.syncobjs.alive) {
        group.syncobjs.write64(q.idx * SYNCOBJ_SIZE, q.lastSeqno());
        group.syncobjs.write32(q.idx * SYNCOBJ_SIZE + 8, 0xffffffff);
      }
      await this.queueSyncUpd();
    }
    endSignalling(this.k, cookie);
    for (const job of failed) await this.jobPut(job);
  }

  // ---- Firmware events -------------------------------------------------------------------------

  async reportFwEvents(events: number): Promise<void> {
    await this.fwEvents.or(events);
    await this.queueFwEvents();
  }

  private async processFwEvents(): Promise<void> {
    const dev = this.dev;
    if (!dev.checkIoAlive('fw events work')) return;
    const gate = await dev.gateEnter('worker');
    if (typeof gate === 'number') return;
    try {
      let events = await this.fwEvents.xchg(0);
      await this.lock.lock('processFwEvents [driver/sched.ts]');
      try {
        if (events & R.JOB_INT_GLOBAL_IF) {
          await this.processGlobalIrq();
          events &= ~R.JOB_INT_GLOBAL_IF;
        }
        for (let slot = 0; slot < this.csgSlotCount; slot++) {
          if (events & (1 << slot)) await this.processCsgIrq(slot);
        }
      } finally {
        this.lock.unlock();
      }
    } finally {
      dev.gateExit(gate);
    }
  }

  private async processGlobalIrq(): Promise<void> {
    const fw = this.dev.fw;
    const glb = fw.glb;
    const evts = (glb.input.req ^ glb.output.ack) & R.GLB_EVT_MASK;
    if (evts & R.GLB_IDLE) {
      await fw.updateReqs(glb, glb.output.ack, R.GLB_IDLE);
      await this.queueTick(0);
    }
  }

  /** sched_process_csg_irq_locked. */
  private async processCsgIrq(slot: number): Promise<void> {
    const fw = this.dev.fw;
    const csg = fw.csg(slot);
    const req = csg.input.req;
    const ack = csg.output.ack;
    const csIrqReq = csg.output.csIrqReq;
    const csIrqAck = csg.input.csIrqAck;
    const csgEvents = (req ^ ack) & R.CSG_EVT_MASK;
    if (req === ack && csIrqReq === csIrqAck) return;
    csg.input.csIrqAck = csIrqReq;
    await fw.updateReqs(csg, ack, R.CSG_SYNC_UPDATE | R.CSG_IDLE | R.CSG_PROGRESS_TIMER_EVENT);
    const group = this.csgSlots[slot] ?? null;
    if (group !== null) group.eventsHandled++;
    if (csgEvents & R.CSG_IDLE) {
      this.mightHaveIdle = true;
      await this.queueTick(0);
    }
    // csg_slot_process_progress_timer_event_locked: the firmware saw no progress for the
    // progress timeout; the group is marked timed out and the tick evicts it (it can no longer
    // run, group_can_run), and its term work fails its jobs.
    if (csgEvents & R.CSG_PROGRESS_TIMER_EVENT && group !== null) {
      this.k.trace.instant(this.dev.lane, 'sched', `CSG slot ${slot} progress timeout`, {
        group: group.handle,
      });
      group.timedout = true;
      await this.queueTick(0);
    }
    let ringMask = 0;
    let csIrqs = (csIrqReq ^ csIrqAck) >>> 0;
    while (csIrqs !== 0) {
      const cs = 31 - Math.clz32(csIrqs & -csIrqs);
      if (await this.processCsIrq(slot, cs)) ringMask |= 1 << cs;
      csIrqs &= ~(1 << cs);
    }
    if (csgEvents & R.CSG_SYNC_UPDATE) await this.csgSlotSyncUpdate(slot);
    if (ringMask)
      fw.toggleField(
        csg.input as unknown as Record<string, number>,
        'doorbellReq',
        csg.output.doorbellAck,
        ringMask,
      );
    fw.ringCsgDoorbells(1 << slot);
  }

  /**
   * csg_slot_sync_update_locked: the slot's group checks its jobs, and the scheduler
   * re-evaluates every blocked queue (a sync object of this group may be what they wait on).
   */
  private async csgSlotSyncUpdate(slot: number): Promise<void> {
    const group = this.csgSlots[slot] ?? null;
    if (group !== null) await this.queueGroupWork(group, group.syncUpdWork);
    await this.queueSyncUpd();
  }

  private async processCsIrq(slot: number, csIdx: number): Promise<boolean> {
    const fw = this.dev.fw;
    const cs = fw.cs(slot, csIdx);
    const group = this.csgSlots[slot] ?? null;
    const events = (cs.input.req ^ cs.output.ack) & R.CS_EVT_MASK;
    if (events & R.CS_FATAL) {
      const type = cs.output.fatal & 0xff;
      if (group !== null) group.fatalQueues |= 1 << csIdx;
      this.k.trace.instant(this.dev.csgLane(slot), 'job', `CS_FATAL slot ${slot} cs ${csIdx}`, {
        exception: type,
      });
      if (type === R.Exception.CS_UNRECOVERABLE) {
        await this.dev.reset.schedule('cs-unrecoverable');
        this.tickWork.cancel();
      } else {
        await this.queueTick(0);
      }
    }
    if (events & R.CS_FAULT && group !== null) {
      const q = group.queues[csIdx];
      if (q !== undefined) {
        const extract = cs.output.extract;
        for (const job of q.inFlight) {
          if (extract >= job.ringEnd) continue;
          if (extract < job.ringStart) break;
          const f = job.doneFence;
          if (f !== null && !f.signalled && f.error === 0) f.setError(-Errno.EINVAL);
        }
      }
    }
    if (events & R.CS_TILER_OOM && group !== null) {
      group.tilerOom |= 1 << csIdx;
      await this.queueGroupWork(group, group.tilerOomWork, this.heapAllocWq);
    }
    // TILER_OOM is acknowledged by the OOM work once the heap grew.
    await fw.updateReqs(cs, cs.output.ack, R.CS_FATAL | R.CS_FAULT);
    return (events & (R.CS_FAULT | R.CS_TILER_OOM)) !== 0;
  }

  private async tilerOomWork(group: Group): Promise<void> {
    const dev = this.dev;
    let pending = group.tilerOom;
    group.tilerOom = 0;
    while (pending !== 0) {
      const cs = 31 - Math.clz32(pending & -pending);
      pending &= ~(1 << cs);
      await dev.heap.processTilerOom(group, cs);
      const q = group.queues[cs];
      if (q !== undefined) q.oomsServed++;
    }
    await this.groupPut(group);
  }

  async reportMmuFault(): Promise<void> {
    await this.queueTick(0);
  }

  // ---- CSG slot programming --------------------------------------------------------------------

  private csSlotProg(slot: number, q: Queue): void {
    const fw = this.dev.fw;
    const cs = fw.cs(slot, q.idx);
    cs.input.ringbufBase = q.ringVa;
    cs.input.ringbufSize = q.ringSize;
    cs.input.insert = q.insert;
    cs.input.config = (q.priority & 0xf) | ((q.doorbellId & 0xff) << 8);
    cs.input.ackIrqMask = 0xffffffff;
    cs.input.req =
      ((cs.input.req & ~(R.CS_IDLE_SYNC_WAIT | R.CS_IDLE_EMPTY | R.CS_STATE_MASK)) |
        (R.CS_IDLE_SYNC_WAIT | R.CS_IDLE_EMPTY | R.CS_STATE_START)) >>>
      0;
    if (q.insert !== q.extract) this.resumeTimeout(q);
  }

  private csSlotReset(slot: number, q: Queue): void {
    const cs = this.dev.fw.cs(slot, q.idx);
    cs.input.req = ((cs.input.req & ~R.CS_STATE_MASK) | R.CS_STATE_STOP) >>> 0;
    this.suspendTimeout(q);
  }

  private csgSlotProg(slot: number, prio: number): void {
    const fw = this.dev.fw;
    const group = this.csgSlots[slot];
    if (group === null || group === undefined || group.state === GroupState.ACTIVE) return;
    const csg = fw.csg(slot);
    let queueMask = 0;
    for (const q of group.queues) {
      this.csSlotProg(slot, q);
      queueMask |= 1 << q.idx;
    }
    csg.input.allowCompute = group.computeCoreMask;
    csg.input.allowFragment = group.fragmentCoreMask;
    csg.input.allowOther = group.tilerCoreMask;
    csg.input.endpointReq =
      (group.maxComputeCores & 0xff) |
      ((group.maxFragmentCores & 0xff) << 8) |
      ((group.maxTilerCores & 0xf) << 16) |
      ((prio & 0xf) << 28);
    csg.input.config = group.vm.asId;
    csg.input.suspendBuf = group.suspendBufVa;
    csg.input.ackIrqMask = 0xffffffff;
    fw.toggleField(
      csg.input as unknown as Record<string, number>,
      'doorbellReq',
      csg.output.doorbellAck,
      queueMask,
    );
  }

  private async csgSyncState(slot: number): Promise<void> {
    const fw = this.dev.fw;
    const group = this.csgSlots[slot];
    if (group === null || group === undefined) return;
    const old = group.state;
    const st = fw.csg(slot).output.ack & R.CSG_STATE_MASK;
    let next: Group['state'];
    if (st === R.CSG_STATE_START || st === R.CSG_STATE_RESUME) next = GroupState.ACTIVE;
    else if (st === R.CSG_STATE_TERMINATE) next = GroupState.TERMINATED;
    else if (st === R.CSG_STATE_SUSPEND) next = GroupState.SUSPENDED;
    else next = GroupState.UNKNOWN;
    // A group that never ran has no state to save: a SUSPEND acknowledged before it was ever
    // started leaves it as created, so that it is started, not resumed, next time.
    if (old === GroupState.CREATED && next === GroupState.SUSPENDED) next = GroupState.CREATED;
    if (old === next) return;
    if (next === GroupState.UNKNOWN) await this.dev.reset.schedule('unknown-csg-state');
    // What the firmware says of each queue at the suspend: idle, or blocked on a sync object
    // (read before the queue slots are reset, whose timers now see the blocked state).
    if (next === GroupState.SUSPENDED) this.csgSyncQueuesState(slot);
    if (old === GroupState.ACTIVE) for (const q of group.queues) this.csSlotReset(slot, q);
    if (next === GroupState.SUSPENDED || next === GroupState.TERMINATED) {
      // The firmware's extract pointer is where the queue stopped.
      for (const q of group.queues)
        q.extract = Math.max(q.extract, fw.cs(slot, q.idx).output.extract);
    }
    group.state = next;
    this.k.trace.instant(this.dev.csgLane(slot), 'csg', `${group.name} ${next}`);
  }

  /**
   * csg_slot_sync_queues_state_locked / cs_slot_sync_queue_state_locked: reads each queue's
   * CS_STATUS_BLOCKED_REASON. Unblocked with its ring consumed (and no deferred operation on a
   * scoreboard): idle. Blocked in a SYNC_WAIT: the group joins the waiting list, the queue is
   * blocked unless a deferred operation is pending, and the wait (object, value, condition,
   * width) is kept for the sync-update work. Any other reason is not blocking.
   */
  private csgSyncQueuesState(slot: number): void {
    const group = this.csgSlots[slot];
    if (group === null || group === undefined) return;
    const fw = this.dev.fw;
    group.idleQueues = 0;
    group.blockedQueues = 0;
    for (const q of group.queues) {
      const out = fw.cs(slot, q.idx).output;
      const bit = 1 << q.idx;
      if (out.statusBlockedReason === R.CS_STATUS_BLOCKED_REASON_UNBLOCKED) {
        if (q.insert === out.extract && out.statusScoreboards === 0) group.idleQueues |= bit;
      } else if (out.statusBlockedReason === R.CS_STATUS_BLOCKED_REASON_SYNC_WAIT) {
        if (!group.waiting) {
          this.waiting.push(group);
          group.waiting = true;
        }
        if (out.statusScoreboards === 0) group.blockedQueues |= bit;
        const sw = q.syncwait;
        sw.gpuVa = out.statusWaitSyncPtr;
        sw.gt =
          (out.statusWait & R.CS_STATUS_WAIT_SYNC_COND_MASK) === R.CS_STATUS_WAIT_SYNC_COND_GT;
        sw.sync64 = (out.statusWait & R.CS_STATUS_WAIT_SYNC_64B) !== 0;
        sw.ref = sw.sync64
          ? out.statusWaitSyncValue + out.statusWaitSyncValueHi * 0x1_0000_0000
          : out.statusWaitSyncValue;
      }
    }
  }

  /**
   * panthor_queue_eval_syncwait: 1 when the sync object a blocked queue waits on satisfies its
   * condition (the BO reference is dropped then), 0 when not, -EINVAL when no BO backs the VA.
   */
  private evalSyncwait(group: Group, q: Queue): number {
    if (q.syncwaitObj === null) {
      const found = group.vm.boForVa(q.syncwait.gpuVa);
      if (found === null || !found.bo.alive) {
        this.k.trace.instant(
          this.dev.lane,
          'sched',
          `WARN: no BO at sync-wait VA of ${group.name}/q${q.idx}`,
        );
        return -Errno.EINVAL;
      }
      q.syncwaitObj = { bo: found.bo.get(), offset: found.offset };
    }
    const { bo, offset } = q.syncwaitObj;
    const value = q.syncwait.sync64 ? bo.read64(offset) : bo.read32(offset);
    const result = q.syncwait.gt ? value > q.syncwait.ref : value <= q.syncwait.ref;
    if (result) this.putSyncwaitObj(q);
    return result ? 1 : 0;
  }

  /** panthor_queue_put_syncwait_obj. */
  private putSyncwaitObj(q: Queue): void {
    if (q.syncwaitObj === null) return;
    q.syncwaitObj.bo.put();
    q.syncwaitObj = null;
  }

  /**
   * sync_upd_work: for every group on the waiting list, the blocked queues whose sync object
   * now satisfies the wait are unblocked; an off-slot group with an unblocked queue becomes
   * runnable (an RT one asks for an immediate tick); a group with no blocked queue left leaves
   * the list. A sync object that cannot be read counts as satisfied (the kernel tests the
   * return value for non-zero, after a WARN).
   */
  private async syncUpd(): Promise<void> {
    let immediateTick = false;
    await this.lock.lock('syncUpd [driver/sched.ts]');
    try {
      for (const g of [...this.waiting]) {
        let tested = g.blockedQueues;
        let unblocked = 0;
        while (tested !== 0) {
          const cs = 31 - Math.clz32(tested & -tested);
          tested &= ~(1 << cs);
          const q = g.queues[cs];
          if (q !== undefined && this.evalSyncwait(g, q) !== 0) unblocked |= 1 << cs;
        }
        if (unblocked !== 0) {
          g.blockedQueues &= ~unblocked;
          if (g.csgId < 0) {
            this.moveTo(g, 'runnable', true);
            if (g.priority === PRIO_COUNT - 1) immediateTick = true;
          }
        }
        if (g.blockedQueues === 0) this.removeFromWaiting(g);
      }
    } finally {
      this.lock.unlock();
    }
    if (immediateTick) await this.queueTick(0);
  }

  /**
   * csgs_upd_ctx_apply_locked: sends the requests, waits for their acknowledgement. When the
   * update starts groups (`starting`), ringing the doorbell hands their queued jobs to the
   * hardware: the design's gate is re-checked right before, with no decision point in between,
   * and the hand-off is logged there. Returns -EAGAIN (nothing sent) when the gate closed.
   */
  private async applyCsgUpdate(upd: CsgUpdate, starting: readonly Group[] = []): Promise<number> {
    const dev = this.dev;
    const fw = dev.fw;
    if (upd.requests.size === 0) return 0;
    for (const [slot, r] of upd.requests) await fw.updateReqs(fw.csg(slot), r.value, r.mask);
    if (starting.length > 0) {
      if (!dev.reset.design.allowsHandoff()) return -Errno.EAGAIN;
      for (const g of starting) {
        for (const q of g.queues) {
          for (const job of q.inFlight) {
            if (job.doneFence?.signalled) continue;
            this.logHandoff(g, q, job);
          }
        }
      }
    }
    fw.ringCsgDoorbells(upd.updateMask);
    for (const [slot, r] of upd.requests) {
      const csg = fw.csg(slot);
      const res = await fw.waitAcks(csg, r.mask, this.dev.cfg.csgAckTimeoutNs);
      if (res.acked & R.CSG_STATE_MASK) await this.csgSyncState(slot);
      if (res.acked & R.CSG_STATUS_UPDATE) this.csgSyncQueuesState(slot);
      if (!res.ok && ((csg.input.req ^ csg.output.ack) & r.mask) !== 0) {
        this.k.trace.instant(this.dev.csgLane(slot), 'csg', `CSG ${slot} update request timedout`);
        upd.timedoutMask |= 1 << slot;
      }
    }
    return upd.timedoutMask ? -Errno.ETIMEDOUT : 0;
  }

  private async groupBind(group: Group, slot: number): Promise<number> {
    const ret = await this.dev.mmu.vmActive(group.vm);
    if (ret) return ret;
    group.refs.incNow('groupBind [driver/sched.ts]');
    group.csgId = slot;
    for (const q of group.queues) q.doorbellId = slot + 1;
    this.csgSlots[slot] = group;
    return 0;
  }

  private async groupUnbind(group: Group): Promise<void> {
    if (group.csgId < 0) return;
    const slot = group.csgId;
    await this.dev.mmu.vmIdle(group.vm);
    group.csgId = -1;
    group.tilerOom = 0;
    if (group.tilerOomWork.unqueue()) await this.groupPut(group);
    for (const q of group.queues) q.doorbellId = -1;
    this.csgSlots[slot] = null;
    this.slotsChanged.wakeUp();
    await this.groupPut(group);
  }

  // ---- The tick --------------------------------------------------------------------------------

  /**
   * tick_work: drm_dev_enter, power, then the tick under the scheduler lock unless a reset is
   * pending. Mainline powers the device with panthor_device_resume_and_get, a synchronous
   * resume; with `tickpm=if-active` the tick only runs on an active device and asks for an
   * asynchronous resume otherwise (see the `tick-get-if-active` delta).
   */
  private async tick(): Promise<void> {
    const dev = this.dev;
    if (!dev.checkIoAlive('tick work')) return;
    const cookie = await dev.drm.enter();
    if (cookie === null) return;
    if (dev.reset.design.factors.tickpm === 'resume') {
      const ret = await dev.pm.resumeAndGet();
      if (ret !== 0) {
        this.k.trace.instant(dev.lane, 'sched', `WARN: tick: resume failed (${ret})`);
        dev.drm.exit(cookie);
        return;
      }
    } else if (!dev.pm.takeIfActive()) {
      if (this.countRunnableCandidates() > 0) await dev.pm.requestResume();
      dev.drm.exit(cookie);
      return;
    }
    const gate = await dev.gateEnter('worker');
    if (typeof gate === 'number') {
      await dev.pm.putAutosuspend();
      dev.drm.exit(cookie);
      return;
    }
    await this.lock.lock('tick [driver/sched.ts]');
    try {
      if (dev.reset.isPending()) return;
      await this.tickLocked();
    } finally {
      this.lock.unlock();
      dev.pm.markLastBusy();
      await dev.pm.putAutosuspend();
      dev.gateExit(gate);
      dev.drm.exit(cookie);
    }
  }

  private async tickLocked(): Promise<void> {
    const dev = this.dev;
    const now = this.k.nowNs;
    this.ticks++;
    const fullTick = this.reschedTargetNs < 0 || now >= this.reschedTargetNs;
    // Old groups and a status update of every slot.
    const old: Group[] = [];
    const status = new CsgUpdate();
    for (let slot = 0; slot < this.csgSlotCount; slot++) {
      const g = this.csgSlots[slot];
      if (g === null || g === undefined) continue;
      if (dev.mmu.hasUnhandledFault(g.vm)) {
        await this.processCsgIrq(slot);
        if (g.fatalQueues === 0) g.fatalQueues = (1 << g.queues.length) - 1;
      }
      // The tick context holds a reference on every group it looks at (tick_ctx_init).
      g.refs.incNow('tickLocked [driver/sched.ts]');
      old.push(g);
      const csg = dev.fw.csg(slot);
      status.queue(slot, csg.output.ack ^ R.CSG_STATUS_UPDATE, R.CSG_STATUS_UPDATE);
    }
    if ((await this.applyCsgUpdate(status)) !== 0) {
      await dev.reset.schedule('csg-ack-timeout');
      await this.tickCleanup(old, []);
      return;
    }
    // Pick the groups to run: non-idle first, by priority, old groups rotated behind new ones.
    const picked: Group[] = [];
    const vms = new Set<Vm>();
    const asCount = Math.max(1, dev.mmu.slots.length - 1);
    const consider = (g: Group, skipIdle: boolean): void => {
      if (picked.length >= this.csgSlotCount || picked.includes(g)) return;
      if (!g.canRun()) return;
      if (skipIdle && g.isIdle()) return;
      if (!vms.has(g.vm) && vms.size >= asCount) return;
      if (!old.includes(g)) g.refs.incNow('consider [driver/sched.ts]');
      picked.push(g);
      vms.add(g.vm);
    };
    for (let prio = PRIO_COUNT - 1; prio >= 0; prio--) {
      const oldHere = old.filter((g) => g.priority === prio);
      const rotated =
        fullTick && oldHere.length > 0 ? oldHere.slice(1).concat(oldHere.slice(0, 1)) : oldHere;
      if (!fullTick) for (const g of rotated) consider(g, true);
      for (const g of [...(this.runnable[prio] as Group[])]) consider(g, true);
      for (const g of rotated) consider(g, true);
    }
    for (let prio = PRIO_COUNT - 1; prio >= 0; prio--) {
      for (const g of old.filter((x) => x.priority === prio)) consider(g, false);
      for (const g of [...(this.idle[prio] as Group[])]) consider(g, false);
    }
    // Evict old groups that were not picked: suspend if they can run, terminate otherwise.
    const evict = old.filter((g) => !picked.includes(g));
    const upd = new CsgUpdate();
    for (const g of evict)
      upd.queue(
        g.csgId,
        g.canRun() ? R.CSG_STATE_SUSPEND : R.CSG_STATE_TERMINATE,
        R.CSG_STATE_MASK,
      );
    let prio = MAX_CSG_PRIO;
    for (const g of picked) {
      if (g.csgId >= 0 && this.csgPrio[g.csgId] !== prio) {
        const csg = dev.fw.csg(g.csgId);
        csg.input.endpointReq = ((csg.input.endpointReq & 0x0fffffff) | (prio << 28)) >>> 0;
        upd.queue(g.csgId, csg.output.ack ^ R.CSG_ENDPOINT_CONFIG, R.CSG_ENDPOINT_CONFIG);
        this.csgPrio[g.csgId] = prio;
      }
      prio--;
    }
    if ((await this.applyCsgUpdate(upd)) !== 0) {
      await dev.reset.schedule('csg-ack-timeout');
      await this.tickCleanup(old, picked);
      return;
    }
    for (const g of evict) {
      await this.processCsgIrq(g.csgId);
      await this.groupUnbind(g);
    }
    // Starting a group with jobs in its ring hands them to the hardware: not once a reset was
    // requested (for the designs that close the gate at request time).
    if (!dev.reset.design.allowsHandoff()) {
      await this.tickCleanup(old, picked);
      return;
    }
    // Start the new groups in free slots.
    const start = new CsgUpdate();
    const started: Group[] = [];
    let bindFailed = false;
    prio = MAX_CSG_PRIO;
    for (const g of picked) {
      if (g.csgId >= 0) {
        prio--;
        continue;
      }
      const slot = this.csgSlots.indexOf(null);
      if (slot < 0) break;
      const ret = await this.groupBind(g, slot);
      if (ret) {
        // The VM could not be bound to an address space (the MMU is stuck, and a reset was
        // scheduled). Start the groups already programmed in this tick anyway: leaving them
        // bound but never started would have the reset "suspend" groups that never ran.
        bindFailed = true;
        break;
      }
      this.csgSlotProg(slot, prio);
      this.csgPrio[slot] = prio--;
      const csg = dev.fw.csg(slot);
      start.queue(
        slot,
        g.state === GroupState.SUSPENDED ? R.CSG_STATE_RESUME : R.CSG_STATE_START,
        R.CSG_STATE_MASK,
      );
      start.queue(slot, csg.output.ack ^ R.CSG_ENDPOINT_CONFIG, R.CSG_ENDPOINT_CONFIG);
      started.push(g);
      this.k.trace.instant(
        dev.csgLane(slot),
        'csg',
        `${g.state === GroupState.SUSPENDED ? 'resume' : 'start'} ${g.name}`,
      );
    }
    const startRet = await this.applyCsgUpdate(start, started);
    if (startRet === -Errno.EAGAIN) {
      // A reset was requested meanwhile: the groups stay bound but not started; the reset's
      // suspend finds them never started and leaves them to be started afterwards.
      await this.tickCleanup(old, picked);
      return;
    }
    if (startRet !== 0) {
      await dev.reset.schedule('csg-ack-timeout');
      await this.tickCleanup(old, picked);
      return;
    }
    if (bindFailed) {
      // The reset was already requested by the MMU; finish this tick cleanly.
      await this.tickCleanup(old, picked);
      return;
    }
    // Jobs written while the group was off-slot: ring the doorbells now.
    for (const g of started) {
      if (g.csgId < 0) continue;
      for (const q of g.queues) {
        if (q.inFlight.length > 0) {
          dev.fw.ringDoorbell(q.doorbellId);
          this.resumeTimeout(q);
        }
      }
    }
    await this.tickCleanup(old, picked);
    this.usedCsgSlots = picked.filter((g) => g.csgId >= 0).length;
    const idleCount = picked.filter((g) => g.isIdle()).length;
    this.mightHaveIdle = idleCount > 0;
    // Runtime PM: hold a reference while groups have work.
    if (idleCount === picked.length) {
      if (this.pmHasRef) {
        this.pmHasRef = false;
        await dev.pm.putAutosuspend();
      }
    } else if (!this.pmHasRef) {
      await dev.pm.get();
      this.pmHasRef = true;
    }
    this.lastTickNs = now;
    // Keep ticking while groups compete for slots.
    const competing = this.countRunnableCandidates() > this.csgSlotCount;
    if (competing) {
      this.reschedTargetNs = now + dev.cfg.tickPeriodNs;
      await this.queueTick(dev.cfg.tickPeriodNs);
    } else {
      this.reschedTargetNs = -1;
    }
  }

  /** Some group could run and has work (read without the lock: a hint for power decisions). */
  hasRunnableWork(): boolean {
    return this.countRunnableCandidates() > 0;
  }

  private countRunnableCandidates(): number {
    let n = 0;
    for (const g of this.groups) if (g.canRun() && g.hasWork()) n++;
    return n;
  }

  /** tick_ctx_cleanup: put groups back on lists; terminate those that cannot run. */
  private async tickCleanup(old: Group[], picked: Group[]): Promise<void> {
    const seen = [...new Set([...old, ...picked])];
    for (const g of seen) {
      if (!g.canRun()) {
        // Off-slot and unable to run: fail its jobs. It is on no list afterwards, so it is
        // never picked up again.
        if (g.csgId < 0 && (g.list !== null || old.includes(g))) {
          this.removeFromLists(g);
          this.removeFromWaiting(g);
          await this.queueGroupWork(g, g.termWork);
        }
      } else if (g.csgId >= 0) {
        this.removeFromLists(g);
      } else {
        this.moveTo(g, g.isIdle() ? 'idle' : 'runnable');
      }
    }
    // Drop the tick context's references.
    for (const g of seen) await this.groupPut(g);
  }

  /** Flushes the tick so that groups using `vm` are evicted before it is torn down. */
  async prepareForVmDestruction(): Promise<void> {
    await this.tickWork.flush('prepareForVmDestruction [driver/sched.ts]');
  }

  /** Makes the groups of a destroyed VM unable to run and evicts them (our VM teardown). */
  async evictVmGroups(vm: Vm): Promise<void> {
    let onSlot = false;
    await this.lock.lock('evictVmGroups [driver/sched.ts]');
    for (const g of this.groups) {
      if (g.vm !== vm) continue;
      if (g.csgId >= 0) onSlot = true;
    }
    this.lock.unlock();
    if (!onSlot) return;
    // The tick evicts them (they can no longer run). A tick that cannot run now (a reset is
    // pending) leaves them to the reset's pre-reset, which suspends every slot: wait until no
    // group of the VM is on a slot, whoever takes it off, so that the firmware's write-back of
    // the heap context is over before the caller destroys the heap pool.
    await this.queueTick(0);
    // Before 565ed40b5fc1 VM teardown waited for nothing (`vm-destroy-no-evict`).
    if (this.dev.bug('vm-destroy-no-evict')) return;
    const onSlotNow = () => {
      for (const g of this.groups) if (g.vm === vm && g.csgId >= 0) return true;
      return false;
    };
    // An unplug in progress may still run a reset that suspends them: only a finished unplug
    // (the GPU powered off) ends the wait with groups still on their slots.
    const dev = this.dev;
    await this.slotsChanged.waitEvent(
      () => !onSlotNow() || dev.unplugDone.completed,
      60_000_000_000,
    );
  }

  // ---- Suspend, reset ----------------------------------------------------------------------------

  /** panthor_sched_suspend: suspends (or terminates) every group on a slot. */
  async suspend(): Promise<void> {
    const dev = this.dev;
    await this.lock.lock('suspend [driver/sched.ts]');
    try {
      const upd = new CsgUpdate();
      for (let slot = 0; slot < this.csgSlotCount; slot++) {
        const g = this.csgSlots[slot];
        if (g === null || g === undefined) continue;
        upd.queue(slot, g.canRun() ? R.CSG_STATE_SUSPEND : R.CSG_STATE_TERMINATE, R.CSG_STATE_MASK);
      }
      let suspended = upd.updateMask;
      await this.applyCsgUpdate(upd);
      suspended &= ~upd.timedoutMask;
      if (upd.timedoutMask) {
        const term = new CsgUpdate();
        for (let slot = 0; slot < this.csgSlotCount; slot++) {
          if (!(upd.timedoutMask & (1 << slot))) continue;
          const g = this.csgSlots[slot] as Group;
          // A group that could still run before its suspend failed is innocent.
          if (g.canRun()) g.innocent = true;
          g.timedout = true;
          term.queue(slot, R.CSG_STATE_TERMINATE, R.CSG_STATE_MASK);
          this.k.trace.instant(
            dev.csgLane(slot),
            'csg',
            `${g.name} suspend timed out${g.innocent ? ' (innocent)' : ''}`,
          );
        }
        await this.applyCsgUpdate(term);
        for (let slot = 0; slot < this.csgSlotCount; slot++) {
          if (!(term.timedoutMask & (1 << slot))) continue;
          const g = this.csgSlots[slot] as Group;
          if (g.state !== GroupState.TERMINATED) {
            g.state = GroupState.TERMINATED;
            for (const q of g.queues) this.csSlotReset(slot, q);
          }
        }
      }
      if (suspended) {
        const failed = (await dev.gpu.flushCaches(R.CACHE_CLEAN, R.CACHE_CLEAN, 0)) !== 0;
        for (let slot = 0; slot < this.csgSlotCount; slot++) {
          if (!(suspended & (1 << slot))) continue;
          const g = this.csgSlots[slot] as Group;
          if (failed) g.state = GroupState.TERMINATED;
          else await this.csgSlotSyncUpdate(slot);
        }
      }
      for (let slot = 0; slot < this.csgSlotCount; slot++) {
        const g = this.csgSlots[slot];
        if (g === null || g === undefined) continue;
        g.refs.incNow('suspend [driver/sched.ts]');
        // Events the slot raised before it was suspended are handled before it is unbound.
        if (g.csgId >= 0) await this.processCsgIrq(g.csgId);
        await this.groupUnbind(g);
        if (g.canRun()) {
          this.moveTo(g, 'idle');
        } else {
          // "We don't bother stopping the scheduler if the group is faulty, the group
          // termination work will finish the job."
          this.removeFromLists(g);
          this.removeFromWaiting(g);
          await this.queueGroupWork(g, g.termWork);
        }
        await this.groupPut(g);
      }
      // The scheduler's runtime-PM reference (`pm.has_ref`) is kept: only the tick that finds
      // every group idle, and unplug, drop it.
      this.usedCsgSlots = 0;
    } finally {
      this.lock.unlock();
    }
  }

  /**
   * panthor_sched_pre_reset: mark the reset in progress, cancel the sync-update work and the
   * tick (the firmware-events work is not cancelled: it may still run, and the pending flag keeps
   * it from being queued again), suspend every CSG, stop every group that can still run.
   */
  async preReset(): Promise<void> {
    await this.resetLock.lock('preReset [driver/sched.ts]');
    await this.resetInProgress.set(1);
    await this.syncUpdWork.cancelSync('preReset [driver/sched.ts]');
    await this.tickWork.cancelSync('preReset [driver/sched.ts]');
    await this.suspend();
    for (const l of [...this.runnable, ...this.idle]) {
      for (const g of [...l]) await this.stopGroup(g);
    }
    this.resetLock.unlock();
  }

  /**
   * panthor_group_stop: queue_stop on every queue (the timeout work disabled, drm_sched_stop:
   * no job is run until the group is started again, and the in-flight jobs are detached from
   * their done fences), then onto the stopped list with a reference.
   */
  private async stopGroup(g: Group): Promise<void> {
    for (const q of g.queues) await this.queueStop(q, null);
    g.refs.incNow('stopGroup [driver/sched.ts]');
    this.moveTo(g, 'stopped');
  }

  async postReset(failed: boolean): Promise<number> {
    await this.resetLock.lock('postReset [driver/sched.ts]');
    for (const g of this.stopped.splice(0)) {
      if (failed) g.state = GroupState.TERMINATED;
      g.list = null;
      // panthor_group_start: queue_start on every queue (done fences re-attached, timeout
      // work enabled, drm_sched_start: jobs whose done fence signalled meanwhile complete).
      for (const q of g.queues) await this.queueStart(q);
      if (g.canRun()) {
        this.moveTo(g, g.isIdle() ? 'idle' : 'runnable');
      } else {
        this.removeFromWaiting(g);
        await this.queueGroupWork(g, g.termWork);
      }
      await this.groupPut(g);
    }
    await this.resetInProgress.set(0);
    this.resetLock.unlock();
    // "No need to queue a tick and update syncs if the reset failed."
    if (!failed) {
      await this.queueTick(0);
      await this.queueSyncUpd();
    }
    return 0;
  }

  async resume(): Promise<void> {
    await this.queueTick(0);
  }

  /**
   * panthor_sched_unplug: disable the tick and the firmware-events work (cancel, before
   * 65c22519cf68: the `reset-work-after-unbind` switch), then drop the scheduler's runtime-PM
   * reference (pm_runtime_put). Nothing else: groups stay on their slots, jobs and fences are
   * left as they are. With `unplug=signal` the slots' group references are released (the tick
   * that would evict them never runs again) so that the groups can be freed once their jobs
   * are failed.
   */
  async unplug(): Promise<void> {
    if (this.dev.bug('reset-work-after-unbind')) {
      await this.tickWork.cancelSync('unplug [driver/sched.ts]');
      await this.fwEventsWork.cancelSync('unplug [driver/sched.ts]');
      await this.syncUpdWork.cancelSync('unplug [driver/sched.ts]');
    } else {
      await this.tickWork.disableSync('unplug [driver/sched.ts]');
      await this.fwEventsWork.disableSync('unplug [driver/sched.ts]');
      await this.syncUpdWork.disableSync('unplug [driver/sched.ts]');
    }
    await this.lock.lock('unplug [driver/sched.ts]');
    if (this.dev.reset.design.factors.unplug === 'signal') {
      for (let slot = 0; slot < this.csgSlotCount; slot++) {
        const g = this.csgSlots[slot];
        if (g === null || g === undefined) continue;
        g.refs.incNow('unplug [driver/sched.ts]');
        await this.groupUnbind(g);
        await this.groupPut(g);
      }
      this.usedCsgSlots = 0;
    }
    const hadRef = this.pmHasRef;
    this.pmHasRef = false;
    this.lock.unlock();
    if (hadRef) await this.dev.pm.put();
  }

  /** The unplug is over: wake VM teardowns waiting for groups to leave their slots. */
  unplugDone(): void {
    this.slotsChanged.wakeUp();
  }

  /** Fails every job of every group (wedge, unplug). */
  async killAll(fallback: number): Promise<void> {
    for (const g of [...this.groups]) {
      g.state = GroupState.TERMINATED;
      await this.failGroupJobs(g, fallback);
    }
  }

  /**
   * After `killAll` (and the wedge's signalling of the remaining fences): waits, for at most
   * MAX_WAIT_SCHED_ENTITY_Q_EMPTY per queue (drm_sched_entity_flush's bound for an exiting
   * caller), until each entity's queued jobs were taken by its scheduler; queue_run_job fails
   * them (-ENODEV), so their finished fences are signalled before the caller goes on. A job
   * whose scheduler is stopped, or whose dependency never signals, stays queued.
   */
  async drainEntities(): Promise<void> {
    for (const g of [...this.groups]) {
      for (const q of g.queues) {
        if (q.entity.queued > 0)
          await q.entity.flush(MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS, {
            exiting: true,
            exitSignal: null,
          });
        // A job the scheduler took is in run_job until `entity_idle` completes.
        await q.entity.entityIdle.wait(MAX_WAIT_SCHED_ENTITY_Q_EMPTY_NS);
      }
    }
  }
}
