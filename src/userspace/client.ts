/**
 * A libdrm-like client: one open file of the render node, each ioctl as a typed call returning
 * `{ok, value}` or `{ok: false, errno}`, user mappings, and syncobj waits. It adds nothing the
 * kernel does not do; the user-mode driver (`umd.ts`) builds on it.
 */

import type { PanthorDevice } from '../driver/device.js';
import type { PanthorFile } from '../driver/file.js';
import {
  type BoCreateArgs,
  type DevQueryArgs,
  type GroupCreateArgs,
  type GroupGetStateArgs,
  type GroupSubmitArgs,
  type IoctlResult,
  objArray,
  type PerfcntDumpArgs,
  type QueueSubmit,
  type SyncOp,
  type SyncobjQueryArgs,
  type SyncobjWaitArgs,
  type TilerHeapCreateArgs,
  type VmBindArgs,
  type VmBindOp,
} from '../driver/uapi.js';
import type { Fence } from '../kernel/fence.js';
import type { System } from '../system/system.js';

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
    const op: VmBindOp = { flags, boHandle, boOffset: 0, va, size, syncs: objArray([]) };
    return this.vmBind({ vmId, flags: 0, ops: objArray([op]) });
  }

  vmGetState(vmId: number) {
    return this.drv.vmGetState(this.file, { vmId, pad: 0 });
  }

  boCreate(size: number, flags = 0, exclusiveVmId = 0): Promise<IoctlResult<BoCreateArgs>> {
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

  /** Submits one stream on one queue, signalling `signal` (a syncobj handle) when done. */
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
      syncs: objArray(syncs),
    };
    return this.groupSubmit({ groupHandle, pad: 0, queueSubmits: objArray([qs]) });
  }

  groupGetState(groupHandle: number): Promise<IoctlResult<GroupGetStateArgs>> {
    return this.drv.groupGetState(this.file, { groupHandle, pad: 0 });
  }

  tilerHeapCreate(args: TilerHeapCreateArgs) {
    return this.drv.tilerHeapCreate(this.file, args);
  }

  tilerHeapDestroy(handle: number) {
    return this.drv.tilerHeapDestroy(this.file, { handle, pad: 0 });
  }

  syncobjCreate(flags = 0) {
    return this.drv.syncobjCreate(this.file, { flags });
  }

  syncobjDestroy(handle: number) {
    return this.drv.syncobjDestroy(this.file, handle);
  }

  syncobjWait(args: SyncobjWaitArgs) {
    return this.drv.syncobjWait(this.file, args);
  }

  /** Waits for one syncobj (binary, or a timeline point). */
  wait(handle: number, timeoutNs: number, point = 0) {
    return this.syncobjWait({ handles: [handle], points: [point], timeoutNs, flags: 0 });
  }

  syncobjQuery(handle: number): Promise<IoctlResult<SyncobjQueryArgs>> {
    return this.drv.syncobjQuery(this.file, { handle });
  }

  /** The fence a syncobj currently holds (test and oracle helper, not an ioctl). */
  syncobjFence(handle: number): Fence | null {
    return this.file.syncobjs.get(handle)?.fence ?? null;
  }

  perfcntEnable(enable: boolean, counterset = 0) {
    return this.drv.perfcntEnable(this.file, { enable: enable ? 1 : 0, counterset });
  }

  perfcntDump(args: PerfcntDumpArgs) {
    return this.drv.perfcntDump(this.file, args);
  }

  close(): Promise<void> {
    return this.drv.close(this.file);
  }
}
