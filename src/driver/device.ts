/**
 * DOC: The device (panthor_device.c): probe, unplug, runtime suspend/resume, and the
 * composition of the blocks.
 *
 * Probe powers the GPU, soft-resets it, then brings up the blocks in order: GPU (interrupt),
 * MMU, firmware (L2, MCU VM, sections, boot), scheduler, perfcnt. Unbind (`remove`) unplugs,
 * disables and waits for the reset work, and releases the I/O mapping; anything that touches
 * the registers after that is a use-after-free.
 *
 * Unplug is idempotent: the first caller marks the device unplugged under `unplug.lock`, makes
 * `drm_dev_enter` fail from then on (an SRCU read section, synchronised), stops the blocks and
 * fails every pending job with -ENODEV; a concurrent caller waits for it to finish.
 *
 * Runtime suspend prepares the blocks as for a reset and powers the GPU down; resume powers up
 * and restarts them, fast when the firmware halted cleanly and always slow when a reset was
 * requested meanwhile (the request is served by the slow resume, not lost).
 */

import { DrmDevice } from '../drm/device.js';
import type { VirtualGpu } from '../hw/gpu.js';
import { Completion } from '../kernel/completion.js';
import { Errno, errnoName } from '../kernel/errno.js';
import { FenceContext } from '../kernel/fence.js';
import { nextId } from '../kernel/ids.js';
import type { Kernel, Lifetime } from '../kernel/kernel.js';
import { Mutex } from '../kernel/mutex.js';
import type { BusDevice } from '../kernel/sysfs.js';
import type { Lane } from '../kernel/trace.js';
import type { UeventBus } from '../kernel/uevent.js';
import { Work, Workqueue } from '../kernel/workqueue.js';
import type { BugId } from './bugs.js';
import type { DriverConfig } from './config.js';
import { Drv } from './drv.js';
import type { PanthorFile } from './file.js';
import { FwBlock } from './fw.js';
import { GpuBlock } from './gpu.js';
import { HeapBlock } from './heap.js';
import { DeviceIo } from './io.js';
import { DriverLog } from './log.js';
import { MmuBlock } from './mmu.js';
import { PerfcntBlock } from './perfcnt.js';
import { PmBlock, PmState } from './pm.js';
import { type GateKind, type GateToken, ResetDesign } from './reset/design.js';
import { ResetController } from './reset.js';
import { Scheduler } from './sched.js';
import { WedgeBlock } from './wedge.js';

/** A platform-level recovery work (the `rebind` design); it outlives the device. */
export interface RebindWork {
  queue(): boolean;
}

export class PanthorDevice implements Lifetime {
  readonly uid: number;
  alive = true;
  readonly name: string;
  readonly io: DeviceIo;
  private readonly iomem: Lifetime;
  readonly unplugLock: Mutex;
  readonly unplugDone: Completion;
  private unplugStarted = false;
  /** The DRM core's part of the device (`ptdev->base`): its lifetime and unplug. */
  readonly drm: DrmDevice;
  readonly resetWq: Workqueue;
  readonly systemWq: Workqueue;
  readonly cleanupWq: Workqueue;
  readonly log = new DriverLog();
  readonly gpu: GpuBlock;
  readonly mmu: MmuBlock;
  readonly fw: FwBlock;
  readonly sched: Scheduler;
  readonly heap: HeapBlock;
  readonly perfcnt: PerfcntBlock;
  readonly pm: PmBlock;
  readonly reset: ResetController;
  readonly wedge: WedgeBlock;
  readonly files = new Set<PanthorFile>();
  /** Set by the firmware's pre-reset when the MCU halted cleanly (fast restart possible). */
  resetFast = false;
  initialized = false;
  readonly lane: Lane;
  readonly resetLane: Lane;
  private readonly fenceContexts = new Set<number>();
  private nextMmapOffset = 1 << 20;
  readonly drv: Drv;

  constructor(
    readonly k: Kernel,
    readonly hw: VirtualGpu,
    readonly cfg: DriverConfig,
    readonly busDev: BusDevice,
    readonly uevents: UeventBus,
    readonly rebindWork: RebindWork,
  ) {
    this.uid = nextId(k, 'device');
    this.name = `panthor${this.uid}`;
    this.iomem = { name: `${this.name} iomem`, alive: true };
    this.io = new DeviceIo(k, hw, this.iomem);
    this.lane = k.trace.lane('cpu', `${this.name} driver`);
    this.resetLane = k.trace.lane('reset', `${this.name} reset`);
    this.unplugLock = new Mutex(k, 'unplug.lock');
    this.unplugDone = new Completion(k, 'unplug.done');
    this.drm = new DrmDevice(k, uevents, busDev.name);
    this.resetWq = Workqueue.ordered(k, 'panthor-reset-wq');
    this.systemWq = new Workqueue(k, 'events', 4);
    this.cleanupWq = new Workqueue(k, 'panthor-cleanup', 2);
    this.gpu = new GpuBlock(this);
    this.mmu = new MmuBlock(this);
    this.fw = new FwBlock(this);
    this.sched = new Scheduler(this);
    this.heap = new HeapBlock(this);
    this.perfcnt = new PerfcntBlock(this);
    this.pm = new PmBlock(this);
    this.wedge = new WedgeBlock(this);
    this.reset = new ResetController(this, new ResetDesign(this, cfg.design));
    this.drv = new Drv(this);
  }

  /** A fake mmap offset for a BO (drm_vma_offset_add). */
  allocMmapOffset(size: number): number {
    const off = this.nextMmapOffset;
    this.nextMmapOffset += Math.ceil(size / 4096) * 4096 + 4096;
    return off * 1;
  }

  bug(id: BugId): boolean {
    return this.cfg.bugs.has(id);
  }

  asLane(as: number): Lane {
    return this.k.trace.lane('as', `AS${as} (driver)`);
  }

  csgLane(slot: number): Lane {
    return this.k.trace.lane('csg', `CSG${slot} (driver)`);
  }

  /** A fence context owned by this device (wedging signals every fence of its contexts). */
  newFenceContext(name: string): FenceContext {
    const ctx = new FenceContext(this.k, name);
    this.fenceContexts.add(ctx.id);
    return ctx;
  }

  /** A fence context allocated elsewhere for this device (a drm_sched entity's two). */
  adoptFenceContext(id: number): void {
    this.fenceContexts.add(id);
  }

  ownsFenceContext(id: number): boolean {
    return this.fenceContexts.has(id);
  }

  /**
   * The queue job timeouts and the firmware watchdog run on: Panthor's ordered reset queue
   * (`queue=shared`), or the system queue (`queue=reset-only`, the Tyr series; and the old
   * drm_sched pattern of the `reset-in-timeout-handler` bug).
   */
  timeoutWq(): Workqueue {
    if (this.bug('reset-in-timeout-handler')) return this.systemWq;
    return this.reset.design.factors.queue === 'reset-only' ? this.systemWq : this.resetWq;
  }

  /** Reports a use-after-free when the I/O mapping is gone (a work running after unbind). */
  checkIoAlive(what: string): boolean {
    return this.k.checkAlive(this.iomem, what, 'checkIoAlive [driver/device.ts]');
  }

  /** `drm_dev_is_unplugged(&ptdev->base)`. */
  get unplugged(): boolean {
    return this.drm.unplugged;
  }

  /** The reset design's gate; a number is the errno the design refuses with. */
  async gateEnter(kind: GateKind): Promise<GateToken | number> {
    if (this.unplugged || this.wedge.wedged) return -Errno.ENODEV;
    return this.reset.enter(kind);
  }

  gateExit(token: GateToken): void {
    this.reset.exit(token);
  }

  /**
   * Runs a teardown section: one that cannot fail (a file's close, a destroy whose handle is
   * already gone). It waits for the gate (`wait` kind); on a device that is gone it runs
   * without it. `body` is told whether it holds the gate: only then may it touch the hardware.
   */
  async teardownSection<T>(body: (inGate: boolean) => Promise<T>): Promise<T> {
    const gate = await this.gateEnter('wait');
    try {
      return await body(typeof gate !== 'number');
    } finally {
      if (typeof gate !== 'number') this.gateExit(gate);
    }
  }

  // ---- Probe and removal -----------------------------------------------------------------------

  /**
   * panthor_device_init. Returns 0 or a negative errno. Runtime PM is enabled and the device
   * resumed (the resume callback only sets the state: nothing is initialised yet), then the
   * blocks come up in panthor_device_init's order: GPU, MMU, firmware, scheduler. With
   * `softreset=poll` (Tyr), probe soft-resets the GPU first, as Tyr's probe does.
   */
  async probe(): Promise<number> {
    const k = this.k;
    k.trace.instant(this.lane, 'device', 'probe');
    let ret = await this.pm.probeBegin();
    if (ret === 0) ret = await this.gpu.init();
    if (ret === 0 && this.reset.design.factors.softreset === 'poll')
      ret = await this.gpu.softReset();
    if (ret === 0) ret = await this.mmu.init();
    if (ret === 0) ret = await this.fw.init();
    if (ret === 0) ret = await this.sched.init();
    if (ret !== 0) {
      k.trace.instant(this.lane, 'device', `probe failed: ${errnoName(ret)}`);
      // The unwind (delta probe-failure-unplugs: the model unplugs first, so that a reset
      // requested during probe finds the device gone instead of half initialised).
      await this.unplug();
      // err_rpm_put: pm_runtime_put_sync_suspend drops probe's own reference, so the device
      // runtime-suspends and its power domain goes off: the next probe finds a GPU that lost
      // its state (an AS stuck active included).
      await this.pm.putSyncSuspend();
      await this.reset.work.disableSync('probe [driver/device.ts]');
      await this.freeIrqs();
      await this.pm.remove();
      this.releaseResources();
      return ret;
    }
    this.perfcnt.init();
    this.initialized = true;
    this.log.fullReinits.push(k.nowNs);
    // drm_dev_register, then pm_runtime_put_autosuspend (panthor_device_init's last steps).
    this.drm.register();
    await this.pm.probeEnd();
    return 0;
  }

  /** The remove callback: unplug, disable the reset work, release the I/O mapping. */
  async remove(): Promise<void> {
    await this.unplug();
    // panthor_device_reset_cleanup: disable_work_sync (cancel_work_sync before 65c22519cf68).
    if (this.bug('reset-work-after-unbind'))
      await this.reset.work.cancelSync('remove [driver/device.ts]');
    else await this.reset.work.disableSync('remove [driver/device.ts]');
    this.resetWq.destroyed = true;
    await this.freeIrqs();
    await this.pm.remove();
    this.releaseResources();
  }

  private async freeIrqs(): Promise<void> {
    await this.gpu.irq.free();
    await this.mmu.irq.free();
    await this.fw.irq.free();
  }

  private releaseResources(): void {
    this.k.markFreed(this.iomem, 'releaseResources [driver/device.ts]');
    this.k.trace.instant(this.lane, 'device', 'iomem released');
  }

  /**
   * panthor_device_unplug: idempotent; a concurrent caller waits for the first. The runtime-PM
   * reference is taken before drm_dev_unplug (and only warned about if the resume fails); the
   * blocks are unplugged scheduler first; then autosuspend is turned off and the reference
   * dropped with a synchronous suspend.
   */
  async unplug(): Promise<void> {
    await this.unplugLock.lock('unplug [driver/device.ts]');
    if (this.unplugStarted) {
      this.unplugLock.unlock();
      await this.unplugDone.wait();
      return;
    }
    this.unplugStarted = true;
    const k = this.k;
    k.trace.instant(this.lane, 'device', 'unplug');
    const pmRet = await this.pm.getSync();
    if (pmRet < 0)
      k.trace.instant(this.lane, 'device', `WARN: pm_runtime_get_sync: ${errnoName(pmRet)}`);
    // drm_dev_unplug: later drm_dev_enter() calls fail; wait for the sections in progress.
    await this.drm.unplug(() => {
      this.log.unpluggedAtNs = k.nowNs;
      this.reset.design.unplug();
    });
    this.unplugLock.unlock();
    await this.sched.unplug();
    await this.perfcnt.unplug();
    await this.fw.unplug();
    await this.mmu.unplug();
    await this.gpu.unplug();
    // `unplug=signal`: nothing will complete any more: every pending job ends with -ENODEV.
    if (this.reset.design.factors.unplug === 'signal') {
      await this.sched.killAll(-Errno.ENODEV);
      await this.sched.drainEntities();
    }
    if (this.wedge.pmHeld) {
      // A wedge still quiescing the device (it races with this unplug) keeps its reference
      // until it is done: the suspend below powers the GPU off.
      await this.wedge.quiesced.wait();
      this.wedge.pmHeld = false;
      await this.pm.putNoIdle();
    }
    await this.pm.dontUseAutosuspend();
    await this.pm.putSyncSuspend();
    this.unplugDone.completeAll();
    this.sched.unplugDone();
  }

  // ---- Runtime PM callbacks --------------------------------------------------------------------

  /**
   * `resumefail=wedge`: a resume that could not bring the GPU back (even with a slow restart)
   * wedges the device, from a work item. Until the wedge runs, later resumes are refused: a
   * resume that boots the firmware while the wedge disables every address space would have it
   * fault on its own code (reset-fail@default under PCT, seed 3421444451).
   */
  private resumeFailWork: Work | null = null;
  private wedgeRequested = false;

  /** A wedge was decided (`resumefail=wedge`) or is done: the device is lost. */
  get wedgePending(): boolean {
    return this.wedgeRequested || this.wedge.wedged;
  }

  resumeFailed(): void {
    if (!this.reset.design.wedgesOnResumeFailure) return;
    this.wedgeRequested = true;
    if (this.wedge.decidedAtNs < 0) this.wedge.decidedAtNs = this.k.nowNs;
    this.resumeFailWork ??= new Work(this.k, 'pm.resume_failed', async () => {
      await this.wedge.wedge('resume failed');
    });
    this.systemWq.enqueue(this.resumeFailWork);
  }

  /** panthor_device_suspend, the runtime_suspend callback. */
  async suspendDevice(): Promise<number> {
    const k = this.k;
    if (this.pm.state.peek() !== PmState.ACTIVE) return -Errno.EINVAL;
    await this.pm.mmioLock.lock('suspendDevice [driver/device.ts]');
    await this.pm.state.set(PmState.SUSPENDING);
    this.pm.mmioLock.unlock();
    k.trace.instant(this.lane, 'pm', 'suspend');
    if (this.initialized) {
      const cookie = await this.drm.enter();
      if (cookie !== null) {
        await this.reset.work.cancelSync('suspendDevice [driver/device.ts]');
        // "We prepare everything as if we were resetting the GPU. The end of the reset will
        // happen in the resume path though."
        await this.sched.suspend();
        await this.perfcnt.suspend();
        await this.fw.preReset(false);
        await this.mmu.suspend();
        await this.gpu.suspend(!this.resetFast);
        this.drm.exit(cookie);
      }
    }
    this.hw.setPower(false);
    await this.pm.state.set(PmState.SUSPENDED);
    this.reset.design.suspended();
    return 0;
  }

  /** panthor_device_resume_hw_components. */
  private async resumeHwComponents(): Promise<number> {
    await this.gpu.resume();
    await this.mmu.resume();
    const ret = await this.fw.postReset();
    if (ret === 0) return 0;
    await this.mmu.suspend();
    await this.gpu.suspend(true);
    return ret;
  }

  /** panthor_device_resume, the runtime_resume callback. */
  async resumeDevice(): Promise<number> {
    const k = this.k;
    if (this.pm.state.peek() !== PmState.SUSPENDED) return -Errno.EINVAL;
    if (this.wedgeRequested || this.wedge.wedged) return -Errno.ENODEV;
    await this.pm.state.set(PmState.RESUMING);
    k.trace.instant(this.lane, 'pm', 'resume');
    this.hw.setPower(true);
    const factors = this.reset.design.factors;
    let ret = 0;
    let kickSched = false;
    if (this.initialized) {
      const cookie = await this.drm.enter();
      if (cookie !== null) {
        let cleared = false;
        if (this.reset.isPending() && !this.bug('reset-lost-across-suspend')) {
          // "If there was a reset pending at the time we suspended the device, we force a slow
          // reset." (Before 57e233c3bd63 the resume forced nothing, and queued the reset work
          // at its end if a request was still pending.)
          this.resetFast = false;
          await this.reset.pending.set(0);
          cleared = true;
        }
        ret = await this.resumeHwComponents();
        if (ret !== 0 && this.resetFast) {
          k.trace.instant(this.lane, 'pm', 'Fast reset failed, trying a slow reset');
          this.resetFast = false;
          ret = await this.resumeHwComponents();
        }
        if (ret === 0) {
          await this.perfcnt.resume();
          // The request is gone (served by this slow resume): for the design, the reset it asked
          // for is over.
          if (cleared) this.reset.design.endReset();
          if (factors.tickpm === 'resume') await this.sched.resume();
          else kickSched = true;
        }
        this.drm.exit(cookie);
      }
    }
    if (ret !== 0) {
      this.log.failedResumes.push(k.nowNs);
      this.hw.setPower(false);
      await this.pm.state.set(PmState.SUSPENDED);
      await this.pm.recoveryNeeded.set(1);
      this.resumeFailed();
      return ret;
    }
    await this.pm.mmioLock.lock('resumeDevice [driver/device.ts]');
    await this.pm.state.set(PmState.ACTIVE);
    this.pm.mmioLock.unlock();
    // `tickpm=if-active`: the tick only runs on an active device, so it is kicked once the
    // device is active (a tick queued while still resuming would find nothing to do).
    if (kickSched) await this.sched.resume();
    // `resuming=requeue` (and the pre-57e233c3bd63 resume): a reset requested while we were
    // resuming could not be queued then (the device was not active): queue it now.
    const requeue = this.reset.design.requeueAfterResume || this.bug('reset-lost-across-suspend');
    if (this.reset.isPending() && requeue && !this.unplugged) {
      await this.resetWq.queueWork(this.reset.work);
    }
    return 0;
  }
}
