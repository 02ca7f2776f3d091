/**
 * The uAPI conformance audit's machinery (docs/uapi.md): one `Row` per check of the kernel,
 * each with its ioctl, the check, the errno (or the write-back) the kernel gives, and the kernel
 * file and function, and a `run` that asserts it on a fresh machine. Every row is one test named
 * after its id; `table.ts` prints the rows as the table of docs/uapi.md, and `audit.test.ts`
 * checks the document holds exactly that table.
 *
 * A row's body gets an `Env`: the machine, a client on its own process, and small steps built
 * on the client only (a VM, a BO, a group, a job that signals a syncobj), so that each row reads
 * as the one ioctl it is about.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { PanthorDevice } from '../../src/driver/device.js';
import {
  type GroupCreateArgs,
  type IoctlResult,
  objArray,
  SIZEOF,
  type SyncOp,
  SyncOpFlags,
} from '../../src/driver/uapi.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { System } from '../../src/system/system.js';
import type { DrmClient } from '../../src/userspace/client.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  type Buffer,
  buffer,
  groupArgs,
  MS,
  onMachine,
  open,
  S,
  unwrap,
} from '../driver/helpers.js';

export { MS, S, unwrap };

export interface Row {
  /** Stable id: the test's name starts with it, the document's table row has it. */
  id: string;
  ioctl: string;
  check: string;
  /** What the kernel answers: an errno name, `0`, or what it writes back. */
  errno: string;
  /** Kernel file and function the behaviour follows. */
  kernel: string;
  /** Where the model still differs from the kernel (and why); empty when it does not. */
  model?: string;
  run: (e: Env) => Promise<void>;
  /** The run leaves work pending or faults on purpose: skip the clean-run assertion. */
  dirty?: boolean;
}

export interface Env {
  sys: System;
  k: Kernel;
  dev: PanthorDevice;
  /** A client on a process of its own. */
  c: DrmClient;
  /** Another client, on another process (another application). */
  other(): DrmClient;
  vm(c?: DrmClient): Promise<number>;
  bo(size?: number, flags?: number, c?: DrmClient): Promise<{ handle: number; size: number }>;
  buffer(vm: number, va: number, size?: number): Promise<Buffer>;
  group(vm: number, over?: Partial<GroupCreateArgs>, c?: DrmClient): Promise<number>;
  syncobj(flags?: number, c?: DrmClient): Promise<number>;
  /**
   * Submits a job on `c`'s job group that runs `runNs` and signals `so` (at timeline `point`
   * when non-zero; `extra` sync ops added), returning the submit's errno.
   */
  job(
    so: number,
    runNs?: number,
    point?: number,
    extra?: SyncOp[],
    c?: DrmClient,
    lane?: number,
  ): Promise<number>;
  /**
   * The job group of lane `lane` (created on first use; lanes are groups of one VM, so their
   * jobs run side by side) and its command buffer, for jobs of `c`.
   */
  jobGroup(
    c?: DrmClient,
    lane?: number,
  ): Promise<{ vm: number; group: number; cmd: Buffer; data: Buffer }>;
  /** An absolute timeout `ns` from now (for SYNCOBJ_WAIT's timeout_nsec). */
  at(ns: number): number;
}

/** The errno of a result, 0 for success. */
export function errnoOf(r: IoctlResult<unknown> | { ok: boolean; errno?: number }): number {
  return r.ok ? 0 : (r.errno as number);
}

export function signalOp(handle: number, point = 0): SyncOp {
  return {
    flags:
      SyncOpFlags.SIGNAL |
      (point === 0 ? SyncOpFlags.HANDLE_TYPE_SYNCOBJ : SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ),
    handle,
    timelineValue: point,
  };
}

export function waitOp(handle: number, point = 0): SyncOp {
  return {
    flags:
      SyncOpFlags.WAIT |
      (point === 0 ? SyncOpFlags.HANDLE_TYPE_SYNCOBJ : SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ),
    handle,
    timelineValue: point,
  };
}

type JobGroup = { vm: number; group: number; cmd: Buffer; data: Buffer };

/** The `Env` of a booted machine (its first client opened). */
export function makeEnv(sys: System): Env {
  const dev = sys.dev as PanthorDevice;
  const c = open(sys);
  const vms = new Map<DrmClient, { vm: number; cmd: Buffer; data: Buffer }>();
  const groups = new Map<string, JobGroup>();
  const ids = new Map<DrmClient, number>();
  const cursor = new Map<DrmClient, number>();
  const env: Env = {
    sys,
    k: sys.k,
    dev,
    c,
    other: () => open(sys),
    vm: async (cl = c) => unwrap(await cl.vmCreate(), 'VM_CREATE').id,
    bo: async (size = 4096, flags = 0, cl = c) => {
      const r = unwrap(await cl.boCreate(size, flags), 'BO_CREATE');
      return { handle: r.handle, size: r.size };
    },
    buffer: (vm, va, size = 4096) => buffer(c, vm, va, size),
    group: async (vm, over = {}, cl = c) =>
      unwrap(await cl.groupCreate(groupArgs(vm, over)), 'GROUP_CREATE').groupHandle,
    syncobj: async (flags = 0, cl = c) =>
      unwrap(await cl.syncobjCreate(flags), 'SYNCOBJ_CREATE').handle,
    jobGroup: async (cl = c, lane = 0) => {
      if (!ids.has(cl)) ids.set(cl, ids.size);
      const key = `${ids.get(cl)}:${lane}`;
      let g = groups.get(key);
      if (g === undefined) {
        let v = vms.get(cl);
        if (v === undefined) {
          const vm = unwrap(await cl.vmCreate(), 'VM_CREATE').id;
          const cmd = await buffer(cl, vm, 0x10_0000, 64 * 1024);
          const data = await buffer(cl, vm, 0x20_0000, 4096);
          v = { vm, cmd, data };
          vms.set(cl, v);
        }
        const group = unwrap(await cl.groupCreate(groupArgs(v.vm)), 'GROUP_CREATE').groupHandle;
        g = { ...v, group };
        groups.set(key, g);
      }
      return g;
    },
    job: async (so, runNs = 1 * MS, point = 0, extra = [], cl = c, lane = 0) => {
      const g = await env.jobGroup(cl, lane);
      const words = streams.store(g.data.va, 1, runNs).words();
      const off = cursor.get(cl) ?? 0;
      cursor.set(cl, (off + Math.ceil((words.length * 4) / 64) * 64) % (60 * 1024));
      unwrap(g.cmd.map.writeWords(off, words), 'writing the stream');
      const syncs = so === 0 ? extra : [...extra, signalOp(so, point)];
      const r = await cl.submit(g.group, 0, g.cmd.va + off, words.length * 4, syncs);
      return errnoOf(r);
    },
    at: (ns) => sys.k.nowNs + ns,
  };
  return env;
}

/** Registers `row` as a test: `<id> <ioctl>: <check>`. */
export function rowTest(row: Row): void {
  test(`${row.id} ${row.ioctl}: ${row.check}`, async () => {
    const m = await onMachine({ seed: 7 }, async (sys) => {
      await row.run(makeEnv(sys));
    });
    if (row.dirty !== true) assertClean(m);
  });
}

/** One element arrays with the kernel's strides, for short rows. */
export const arr = {
  syncs: (ops: SyncOp[]) => objArray(ops, SIZEOF.syncOp),
};

export { assert };
