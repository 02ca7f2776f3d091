/**
 * A small user-mode driver (the part of Mesa's panvk/panfrost that talks to the kernel), on top
 * of the libdrm-like client:
 *
 * - one VM per device context, with a bump allocator for GPU VAs;
 * - buffers = BO + VM mapping + CPU mapping;
 * - a context = a group with its queues; `submit` copies a command stream into a command
 *   buffer, submits it and returns the syncobj that signals when it is done;
 * - robustness: after a reset the context reports GUILTY, INNOCENT or UNKNOWN, and DEVICE_LOST
 *   when the device is gone (wedged or unbound), the way GL_KHR_robustness and Vulkan's
 *   VK_ERROR_DEVICE_LOST present them. A lost device is recreated by reopening the render node.
 */

import {
  GroupPriority,
  GroupStateFlags,
  type IoctlResult,
  objArray,
  SIZEOF,
  SyncOpFlags,
} from '../driver/uapi.js';
import { CsBuilder } from '../hw/cs-isa.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { Errno } from '../kernel/errno.js';
import type { System } from '../system/system.js';
import type { DrmClient, UserMapping } from './client.js';

export type Robustness = 'no-error' | 'guilty' | 'innocent' | 'unknown' | 'device-lost';

export interface Buffer {
  handle: number;
  va: number;
  size: number;
  map: UserMapping | null;
}

export interface ContextOptions {
  queues?: number;
  priority?: number;
  ringbufSize?: number;
}

export interface Submission {
  syncobj: number;
  /** The errno when the submit ioctl itself failed. */
  errno: number;
}

const CMDBUF_SIZE = 64 * 1024;

export class Context {
  private cmdOffset = 0;
  lastError = 0;

  constructor(
    readonly umd: Umd,
    readonly handle: number,
    readonly queues: number,
    private readonly cmdbuf: Buffer,
  ) {}

  /** Submits `stream` on `queue`; returns the syncobj signalled when the job is done. */
  async submit(
    queue: number,
    stream: CsBuilder | number[],
    waits: number[] = [],
  ): Promise<Submission> {
    const c = this.umd.client;
    const words = stream instanceof CsBuilder ? stream.words() : stream;
    const bytes = words.length * 4;
    if (bytes + 64 > CMDBUF_SIZE) return { syncobj: 0, errno: Errno.E2BIG };
    if (this.cmdOffset + bytes > CMDBUF_SIZE) this.cmdOffset = 0;
    const addr = this.cmdbuf.va + this.cmdOffset;
    this.cmdbuf.map?.writeWords(this.cmdOffset, words);
    this.cmdOffset += Math.ceil(bytes / 64) * 64;
    const so = await c.syncobjCreate();
    if (!so.ok) return { syncobj: 0, errno: so.errno };
    const syncobj = so.value.handle as number;
    const syncs = [
      ...waits.map((h) => ({
        flags: SyncOpFlags.HANDLE_TYPE_SYNCOBJ,
        handle: h,
        timelineValue: 0,
      })),
      {
        flags: (SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_SYNCOBJ) >>> 0,
        handle: syncobj,
        timelineValue: 0,
      },
    ];
    const r = await c.submit(this.handle, queue, bytes === 0 ? 0 : addr, bytes, syncs);
    if (!r.ok) {
      this.lastError = r.errno;
      await c.syncobjDestroy(syncobj);
      return { syncobj: 0, errno: r.errno };
    }
    return { syncobj, errno: 0 };
  }

  /**
   * The robustness status of this context, as glGetGraphicsResetStatus / vkGetDeviceFaultInfo
   * would report it.
   */
  async robustness(): Promise<Robustness> {
    const c = this.umd.client;
    const st = await c.groupGetState(this.handle);
    if (!st.ok) return st.errno === Errno.ENODEV ? 'device-lost' : 'unknown';
    const s = st.value.state ?? 0;
    if (s & GroupStateFlags.INNOCENT) return 'innocent';
    if (s & (GroupStateFlags.FATAL_FAULT | GroupStateFlags.TIMEDOUT)) return 'guilty';
    return 'no-error';
  }

  destroy(): Promise<IoctlResult<unknown>> {
    return this.umd.client.groupDestroy(this.handle);
  }
}

export class Umd {
  private nextVa = 0x100_0000;

  private constructor(
    readonly sys: System,
    readonly client: DrmClient,
    readonly vmId: number,
  ) {}

  /** Opens the device and creates a VM. Returns the errno when the device is not usable. */
  static async open(
    sys: System,
    opts: { privileged?: boolean; name?: string } = {},
  ): Promise<Umd | number> {
    const c = sys.client(opts);
    if (typeof c === 'number') return -c;
    const vm = await c.vmCreate();
    if (!vm.ok) {
      await c.close();
      return vm.errno;
    }
    return new Umd(sys, c, vm.value.id as number);
  }

  /** A GPU-visible buffer mapped in the context's VM (and on the CPU unless `noMmap`). */
  async buffer(
    size: number,
    opts: { noMmap?: boolean; readOnly?: boolean } = {},
  ): Promise<Buffer | number> {
    const c = this.client;
    const bo = await c.boCreate(size, opts.noMmap ? 1 : 0);
    if (!bo.ok) return bo.errno;
    const handle = bo.value.handle as number;
    const bytes = bo.value.size;
    const va = this.nextVa;
    this.nextVa += bytes + PAGE_SIZE;
    const m = await c.vmMap(this.vmId, handle, va, bytes, opts.readOnly ? 1 : 0);
    if (!m.ok) return m.errno;
    let map: UserMapping | null = null;
    if (!opts.noMmap) {
      const off = await c.boMmapOffset(handle);
      if (!off.ok) return off.errno;
      const mm = c.mmap(off.value.offset as number, bytes);
      if (!mm.ok) return mm.errno;
      map = mm.value;
    }
    return { handle, va, size: bytes, map };
  }

  async context(opts: ContextOptions = {}): Promise<Context | number> {
    const c = this.client;
    const n = opts.queues ?? 1;
    const queues = Array.from({ length: n }, () => ({
      priority: 0,
      pad: [0, 0, 0] as [number, number, number],
      ringbufSize: opts.ringbufSize ?? 4096,
    }));
    const g = await c.groupCreate({
      queues: objArray(queues, SIZEOF.queueCreate),
      maxComputeCores: 1,
      maxFragmentCores: 1,
      maxTilerCores: 1,
      priority: opts.priority ?? GroupPriority.MEDIUM,
      pad: 0,
      computeCoreMask: 1,
      fragmentCoreMask: 1,
      tilerCoreMask: 1,
      vmId: this.vmId,
    });
    if (!g.ok) return g.errno;
    const cmd = await this.buffer(CMDBUF_SIZE);
    if (typeof cmd === 'number') return cmd;
    return new Context(this, g.value.groupHandle as number, n, cmd);
  }

  /**
   * Waits for a submission (a relative timeout); returns the wait's errno and the fence's
   * status (1 done, 0 pending, the job's negative error), read through a sync_file export as
   * a real user-mode driver would (0 when the export fails: no fence, or the device is gone).
   */
  async wait(syncobj: number, timeoutNs: number): Promise<{ waitErrno: number; status: number }> {
    const c = this.client;
    const w = await c.wait(syncobj, timeoutNs);
    const st = await c.fenceStatus(syncobj);
    return { waitErrno: w.ok ? 0 : w.errno, status: st.ok ? st.value : 0 };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Stream helpers the workloads use. */
export const streams = {
  /** Stores `value` at `va`, after `runNs` of work. */
  store(va: number, value: number, runNs = 1000): CsBuilder {
    return new CsBuilder().run(runNs).mov48(0, va).mov32(2, value).store32(2, 0, 0);
  },
  /**
   * Mesa-style cross-queue synchronisation inside the command stream (panvk's CS_SYNC_WAIT on a
   * user sync object): waits until the 64-bit object at `syncVa` is greater than `value`, then
   * stores `outValue` at `outVa`. The firmware reports the stream blocked on the object while
   * it waits (CS_STATUS_BLOCKED_REASON SYNC_WAIT).
   */
  waitSync(syncVa: number, value: number, outVa: number, outValue: number): CsBuilder {
    return new CsBuilder()
      .mov48(4, syncVa)
      .mov48(6, value)
      .syncWait64(4, 6, true)
      .mov48(0, outVa)
      .mov32(2, outValue)
      .store32(2, 0, 0);
  },
  /** After `runNs` of work, sets the 64-bit sync object at `syncVa` to `value` (SYNC_SET64). */
  signalSync(syncVa: number, value: number, runNs = 1000): CsBuilder {
    return new CsBuilder().run(runNs).mov48(4, syncVa).mov48(6, value).syncSet64(4, 6);
  },
  /**
   * A job that never finishes: one RUN that never ends. The firmware's progress timer catches
   * it (CSG_PROGRESS_TIMER_EVENT after ~2.6 s), before the driver's 5 s job timeout.
   */
  hang(): CsBuilder {
    return new CsBuilder().runForever();
  },
  /**
   * A job that never finishes but keeps making progress: RUNs of `runNs` in a loop (each one
   * completes, so the firmware's progress timer never fires). Only the driver's job timeout
   * (drm_sched's TDR, 5 s) ends it — the way a shader stuck in an endless loop of draws looks.
   */
  busyForever(runNs = 1_000_000_000): CsBuilder {
    return new CsBuilder().run(runNs).jump(-2);
  },
  /**
   * A job that waits forever inside the command stream on the 64-bit object at `syncVa` (which
   * nobody signals). The firmware reports it blocked (SYNC_WAIT), it runs no endpoint job, so
   * only the driver's job timeout ends it.
   */
  blockForever(syncVa: number): CsBuilder {
    return new CsBuilder().mov48(4, syncVa).mov48(6, 0xffff_ffff).syncWait64(4, 6, true);
  },
  /** A store to an address that is not mapped: a GPU page fault. */
  pageFault(va: number): CsBuilder {
    return new CsBuilder().mov48(0, va).mov32(2, 1).store32(2, 0, 0);
  },
  /** An invalid instruction: CS_FATAL. */
  fatal(): CsBuilder {
    return new CsBuilder().run(100).invalid();
  },
  /** A frame: bind the tiler heap, take heap memory, render, store a frame number. */
  frame(
    heapCtxVa: number,
    outVa: number,
    frameNo: number,
    runNs: number,
    heapBytes: number,
  ): CsBuilder {
    return new CsBuilder()
      .mov48(4, heapCtxVa)
      .heapSet(4)
      .heapAlloc(heapBytes)
      .run(runNs)
      .mov48(0, outVa)
      .mov32(2, frameNo)
      .store32(2, 0, 0);
  },
};
