/**
 * A libdrm-like client: one open file of the render node, owned by a process (`proc`, whose
 * fd `fd` it is), each ioctl as a typed call returning `{ok, value}` or `{ok: false, errno}`,
 * user mappings, and syncobj helpers. It adds nothing the kernel does not do; the user-mode
 * driver (`umd.ts`) builds on it.
 *
 * The ioctl wrappers take the kernel's structs (`syncobjWait` takes an absolute
 * `timeoutNsec`, as DRM_IOCTL_SYNCOBJ_WAIT does). The helpers below them are what libdrm and
 * IGT's lib build on top (`wait` with a relative timeout, `fenceStatus` through a sync_file),
 * and are documented as such.
 */

import type { PanthorDevice } from '../driver/device.js';
import type { PanthorFile } from '../driver/file.js';
import {
  type BoCreateArgs,
  type DevQueryArgs,
  type GetCapArgs,
  type GroupCreateArgs,
  type GroupGetStateArgs,
  type GroupSubmitArgs,
  INT64_MAX,
  type IoctlResult,
  objArray,
  type PerfcntDumpArgs,
  type QueueSubmit,
  type Returned,
  SIZEOF,
  type SyncOp,
  type SyncobjArrayArgs,
  SyncobjFdToHandleFlags,
  type SyncobjHandleArgs,
  SyncobjHandleToFdFlags,
  type SyncobjTimelineArrayArgs,
  type SyncobjTimelineWaitArgs,
  type SyncobjTransferArgs,
  type SyncobjWaitArgs,
  type TilerHeapCreateArgs,
  type VmBindArgs,
  type VmBindOp,
} from '../driver/uapi.js';
import type { Process } from '../kernel/fdtable.js';
import type { Fence } from '../kernel/fence.js';
import type { SyncFileInfo } from '../kernel/sync-file.js';
import type { System } from '../system/system.js';
import { syncFileInfo } from './libsync.js';

export class UserMapping {
  constructor(
    private readonly client: DrmClient,
    readonly id: number,
    readonly size: number,
  ) {}

  read32(offset: number): IoctlResult<number> {
    return this.client.dev.drv.mapRead(this.client.file, this.id, offset);
  }

  write32(offset: number, value: number): IoctlResult<number> {
    return this.client.dev.drv.mapWrite(this.client.file, this.id, offset, value);
  }

  /** Writes a list of words; stops at the first fault. */
  writeWords(offset: number, words: readonly number[]): IoctlResult<number> {
    for (let i = 0; i < words.length; i++) {
      const r = this.write32(offset + i * 4, words[i] as number);
      if (!r.ok) return r;
    }
    return { ok: true, value: words.length };
  }

  unmap(): IoctlResult<number> {
    return this.client.dev.drv.munmap(this.client.file, this.id);
  }
}

function fail<T>(errno: number): IoctlResult<T> {
  return { ok: false, errno: Math.abs(errno) };
}

export class DrmClient {
  constructor(
    readonly sys: System,
    readonly dev: PanthorDevice,
    readonly file: PanthorFile,
    readonly name: string,
  ) {}

  private get drv() {
    return this.dev.drv;
  }

  /** The process this client's file was opened in (where its fds live). */
  get proc(): Process {
    return this.file.owner;
  }

  /** The file's descriptor in `proc`. */
  get fd(): number {
    return this.file.fd;
  }

  /** ioctl(2) on this client's file: 0 or a negative errno (any command, any struct size). */
  ioctl(cmd: number, arg: unknown): Promise<number> {
    return this.drv.ioctl(this.file, cmd, arg, this.proc);
  }

  getCap(capability: number): Promise<IoctlResult<Returned<GetCapArgs>>> {
    return this.drv.getCap(this.file, { capability });
  }

  devQuery(args: DevQueryArgs) {
    return this.drv.devQuery(this.file, args);
  }

  vmCreate(userVaRange = 0, flags = 0) {
    return this.drv.vmCreate(this.file, { flags, userVaRange });
  }

  vmDestroy(id: number, pad = 0) {
    return this.drv.vmDestroy(this.file, { id, pad });
  }

  vmBind(args: VmBindArgs) {
    return this.drv.vmBind(this.file, args);
  }

  /** A synchronous MAP of a whole BO at `va`. */
  vmMap(vmId: number, boHandle: number, va: number, size: number, flags = 0) {
    const op: VmBindOp = {
      flags,
      boHandle,
      boOffset: 0,
      va,
      size,
      syncs: objArray([], SIZEOF.syncOp),
    };
    return this.vmBind({ vmId, flags: 0, ops: objArray([op], SIZEOF.vmBindOp) });
  }

  vmGetState(vmId: number) {
    return this.drv.vmGetState(this.file, { vmId });
  }

  boCreate(
    size: number,
    flags = 0,
    exclusiveVmId = 0,
  ): Promise<IoctlResult<Returned<BoCreateArgs>>> {
    return this.drv.boCreate(this.file, { size, flags, exclusiveVmId, pad: 0 });
  }

  boMmapOffset(handle: number) {
    return this.drv.boMmapOffset(this.file, { handle, pad: 0 });
  }

  gemClose(handle: number) {
    return this.drv.gemClose(this.file, handle);
  }

  /** mmap(2) of a BO offset. */
  mmap(offset: number, size: number): IoctlResult<UserMapping> {
    const r = this.drv.mmap(this.file, offset);
    return r.ok ? { ok: true, value: new UserMapping(this, r.value, size) } : r;
  }

  groupCreate(args: GroupCreateArgs) {
    return this.drv.groupCreate(this.file, args);
  }

  groupDestroy(groupHandle: number, pad = 0) {
    return this.drv.groupDestroy(this.file, { groupHandle, pad });
  }

  groupSubmit(args: GroupSubmitArgs) {
    return this.drv.groupSubmit(this.file, args);
  }

  /** Submits one stream on one queue with the given sync operations. */
  submit(
    groupHandle: number,
    queueIndex: number,
    streamAddr: number,
    streamSize: number,
    syncs: SyncOp[] = [],
  ) {
    const qs: QueueSubmit = {
      queueIndex,
      streamSize,
      streamAddr,
      latestFlush: 0,
      syncs: objArray(syncs, SIZEOF.syncOp),
    };
    return this.groupSubmit({
      groupHandle,
      pad: 0,
      queueSubmits: objArray([qs], SIZEOF.queueSubmit),
    });
  }

  groupGetState(groupHandle: number): Promise<IoctlResult<Returned<GroupGetStateArgs>>> {
    return this.drv.groupGetState(this.file, { groupHandle, pad: 0 });
  }

  tilerHeapCreate(args: TilerHeapCreateArgs) {
    return this.drv.tilerHeapCreate(this.file, args);
  }

  tilerHeapDestroy(handle: number) {
    return this.drv.tilerHeapDestroy(this.file, { handle, pad: 0 });
  }

  // ---- Syncobj ioctls --------------------------------------------------------------------------

  syncobjCreate(flags = 0) {
    return this.drv.syncobjCreate(this.file, { flags });
  }

  syncobjDestroy(handle: number, pad = 0) {
    return this.drv.syncobjDestroy(this.file, { handle, pad });
  }

  syncobjHandleToFd(args: SyncobjHandleArgs) {
    return this.drv.syncobjHandleToFd(this.file, args, this.proc);
  }

  syncobjFdToHandle(args: SyncobjHandleArgs) {
    return this.drv.syncobjFdToHandle(this.file, args, this.proc);
  }

  /** DRM_IOCTL_SYNCOBJ_WAIT: `timeoutNsec` is absolute (virtual CLOCK_MONOTONIC ns). */
  syncobjWait(args: SyncobjWaitArgs) {
    return this.drv.syncobjWait(this.file, args);
  }

  syncobjTimelineWait(args: SyncobjTimelineWaitArgs) {
    return this.drv.syncobjTimelineWait(this.file, args);
  }

  syncobjReset(args: SyncobjArrayArgs) {
    return this.drv.syncobjReset(this.file, args);
  }

  syncobjSignal(args: SyncobjArrayArgs) {
    return this.drv.syncobjSignal(this.file, args);
  }

  syncobjTimelineSignal(args: SyncobjTimelineArrayArgs) {
    return this.drv.syncobjTimelineSignal(this.file, args);
  }

  /** DRM_IOCTL_SYNCOBJ_QUERY: the points are written into `args.points`. */
  syncobjQuery(args: SyncobjTimelineArrayArgs) {
    return this.drv.syncobjQuery(this.file, args);
  }

  syncobjTransfer(args: SyncobjTransferArgs) {
    return this.drv.syncobjTransfer(this.file, args);
  }

  // ---- Syncobj helpers (libdrm's drmSyncobj*, IGT's lib/igt_syncobj.c) -----------------------

  /**
   * Waits for one syncobj with a *relative* timeout (ns; < 0 for none), as IGT's helpers do
   * with `gettime + timeout`: point 0 is a binary WAIT, another point a TIMELINE_WAIT.
   */
  wait(handle: number, timeoutNs: number, point = 0, flags = 0) {
    const timeoutNsec = timeoutNs < 0 ? INT64_MAX : this.sys.k.nowNs + timeoutNs;
    if (point === 0)
      return this.syncobjWait({ handles: [handle], timeoutNsec, countHandles: 1, flags });
    return this.syncobjTimelineWait({
      handles: [handle],
      points: [point],
      timeoutNsec,
      countHandles: 1,
      flags,
    });
  }

  /** SYNCOBJ_SIGNAL of the given handles. */
  signal(...handles: number[]) {
    return this.syncobjSignal({ handles, countHandles: handles.length });
  }

  /** SYNCOBJ_RESET of the given handles. */
  reset(...handles: number[]) {
    return this.syncobjReset({ handles, countHandles: handles.length });
  }

  /** SYNCOBJ_QUERY of one handle: its point (LAST_SUBMITTED with `flags` 1). */
  async queryPoint(handle: number, flags = 0): Promise<IoctlResult<number>> {
    const points = [0];
    const r = await this.syncobjQuery({ handles: [handle], points, countHandles: 1, flags });
    return r.ok ? { ok: true, value: points[0] as number } : r;
  }

  /** HANDLE_TO_FD: a syncobj fd in `proc` (another file, or process, can import it). */
  async exportSyncobj(handle: number): Promise<IoctlResult<number>> {
    const r = await this.syncobjHandleToFd({ handle, flags: 0, pad: 0 });
    return r.ok ? { ok: true, value: r.value.fd } : r;
  }

  /** FD_TO_HANDLE: a new handle for the syncobj behind `fd`. */
  async importSyncobj(fd: number): Promise<IoctlResult<number>> {
    const r = await this.syncobjFdToHandle({ fd, flags: 0, pad: 0 });
    return r.ok ? { ok: true, value: r.value.handle } : r;
  }

  /** HANDLE_TO_FD with EXPORT_SYNC_FILE (and TIMELINE for a point): a sync_file fd. */
  async exportSyncFile(handle: number, point = 0): Promise<IoctlResult<number>> {
    const flags =
      SyncobjHandleToFdFlags.EXPORT_SYNC_FILE | (point !== 0 ? SyncobjHandleToFdFlags.TIMELINE : 0);
    const r = await this.syncobjHandleToFd({ handle, flags, point, pad: 0 });
    return r.ok ? { ok: true, value: r.value.fd } : r;
  }

  /** FD_TO_HANDLE with IMPORT_SYNC_FILE: the sync_file's fence into `handle` (at `point`). */
  importSyncFile(handle: number, fd: number, point = 0) {
    const flags =
      SyncobjFdToHandleFlags.IMPORT_SYNC_FILE | (point !== 0 ? SyncobjFdToHandleFlags.TIMELINE : 0);
    return this.syncobjFdToHandle({ handle, fd, flags, point, pad: 0 });
  }

  /**
   * The status of the fence a syncobj holds (at `point`), through the uAPI as user space reads
   * it: export it as a sync_file, read SYNC_IOC_FILE_INFO's status (1 signalled, 0 pending,
   * the negative error of a job that failed), close the fd. The export's errno when there is
   * no fence (EINVAL) or no such handle (ENOENT).
   */
  async fenceStatus(handle: number, point = 0): Promise<IoctlResult<number>> {
    const fd = await this.exportSyncFile(handle, point);
    if (!fd.ok) return fd;
    const info: SyncFileInfo = { flags: 0, numFences: 0, pad: 0 };
    const r = await syncFileInfo(this.proc, fd.value, info);
    await this.proc.close(fd.value);
    return r < 0 ? fail(r) : { ok: true, value: info.status as number };
  }

  /** The fence a syncobj currently holds (for oracles and tests; not an ioctl). */
  syncobjFence(handle: number): Fence | null {
    return this.file.syncobjs.get(handle)?.fence ?? null;
  }

  perfcntEnable(enable: boolean, counterset = 0) {
    return this.drv.perfcntEnable(this.file, { enable: enable ? 1 : 0, counterset });
  }

  perfcntDump(args: PerfcntDumpArgs) {
    return this.drv.perfcntDump(this.file, args);
  }

  /** close(2) of the client's fd: the file is released once no fd refers to it any more. */
  async close(): Promise<void> {
    if (this.proc.files.lookup(this.fd)?.privateData === this.file) await this.proc.close(this.fd);
    else await this.drv.close(this.file);
  }
}
