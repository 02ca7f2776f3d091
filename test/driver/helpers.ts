/**
 * Helpers for the driver tests: a booted machine with every oracle attached, the body run as a
 * process task, and small user-space steps on the libdrm-like client (a BO mapped at a chosen
 * VA and on the CPU, a group, a stream written and submitted, a wait with the fence status).
 *
 * Everything runs on virtual time with a fixed seed: a test that passes once passes always.
 */
import assert from 'node:assert/strict';
import { Checker } from '../../src/check/checker.js';
import type { PanthorDevice } from '../../src/driver/device.js';
import {
  type GroupCreateArgs,
  type IoctlResult,
  objArray,
  type QueueCreate,
  SIZEOF,
  type SyncOp,
  SyncOpFlags,
} from '../../src/driver/uapi.js';
import type { CsBuilder } from '../../src/hw/cs-isa.js';
import type { Violation } from '../../src/kernel/violations.js';
import { JobLedger } from '../../src/scenarios/ledger.js';
import { System, type SystemOptions } from '../../src/system/system.js';
import type { DrmClient, UserMapping } from '../../src/userspace/client.js';

export const MS = 1_000_000;
export const S = 1_000_000_000;

export interface Machine {
  sys: System;
  violations: Violation[];
}

/**
 * Runs `body` on a booted machine with the checker attached and returns what it reported.
 * An assertion failing inside the body fails the test (it is re-thrown after the run).
 */
export async function onMachine(
  opts: SystemOptions,
  body: (sys: System, dev: PanthorDevice) => Promise<void>,
  withChecker = true,
): Promise<Machine> {
  const sys = new System({ record: false, ...opts });
  if (withChecker) new Checker(sys, new JobLedger(), null, new Map());
  let failure: unknown = null;
  sys.spawn('test', async () => {
    try {
      assert.equal(await sys.boot(), 0, 'the device probes');
      const dev = sys.dev;
      assert.ok(dev !== null);
      await body(sys, dev);
    } catch (err) {
      failure = err;
    } finally {
      sys.k.stop();
    }
  });
  const r = await sys.run();
  if (failure !== null) throw failure;
  return { sys, violations: r.violations };
}

/** Fails with the violations' messages when any is reported. */
export function assertClean(m: Machine): void {
  assert.deepEqual(
    m.violations.map((v) => `${v.invariant}: ${v.message}`),
    [],
  );
}

export function open(sys: System, privileged = false): DrmClient {
  const c = sys.client({ privileged });
  assert.ok(typeof c !== 'number', `open failed: ${String(c)}`);
  return c;
}

export function unwrap<T>(r: IoctlResult<T>, what: string): T {
  if (!r.ok) assert.fail(`${what} failed with errno ${r.errno}`);
  return r.value;
}

/** The errno of a result, 0 when it succeeded. */
export function errnoOf(r: { ok: boolean; errno?: number }): number {
  return r.ok ? 0 : (r.errno as number);
}

export async function vmCreate(c: DrmClient): Promise<number> {
  return unwrap(await c.vmCreate(), 'VM_CREATE').id as number;
}

export interface Buffer {
  handle: number;
  va: number;
  size: number;
  map: UserMapping;
}

/** A BO of `size` bytes mapped at `va` in `vmId` and on the CPU. */
export async function buffer(c: DrmClient, vmId: number, va: number, size = 4096): Promise<Buffer> {
  const bo = unwrap(await c.boCreate(size), 'BO_CREATE');
  const handle = bo.handle as number;
  unwrap(await c.vmMap(vmId, handle, va, bo.size), 'VM_BIND');
  const off = unwrap(await c.boMmapOffset(handle), 'BO_MMAP_OFFSET').offset as number;
  return { handle, va, size: bo.size, map: unwrap(c.mmap(off, bo.size), 'mmap') };
}

export function queueArgs(ringbufSize = 4096, priority = 0): QueueCreate {
  return { priority, pad: [0, 0, 0], ringbufSize };
}

export function groupArgs(vmId: number, over: Partial<GroupCreateArgs> = {}): GroupCreateArgs {
  return {
    queues: objArray([queueArgs()], SIZEOF.queueCreate),
    maxComputeCores: 1,
    maxFragmentCores: 1,
    maxTilerCores: 1,
    priority: 1,
    pad: 0,
    computeCoreMask: 1,
    fragmentCoreMask: 1,
    tilerCoreMask: 1,
    vmId,
    ...over,
  };
}

export async function group(
  c: DrmClient,
  vmId: number,
  over: Partial<GroupCreateArgs> = {},
): Promise<number> {
  return unwrap(await c.groupCreate(groupArgs(vmId, over)), 'GROUP_CREATE').groupHandle as number;
}

export function signalOp(handle: number): SyncOp {
  return { flags: SyncOpFlags.SIGNAL, handle, timelineValue: 0 };
}

export async function syncobj(c: DrmClient): Promise<number> {
  return unwrap(await c.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
}

/**
 * Writes `stream` into `cmd` at `offset` (64-byte aligned), submits it on queue `queue` of
 * `groupHandle` and returns the syncobj that signals when the job is done.
 */
export async function submit(
  c: DrmClient,
  groupHandle: number,
  cmd: Buffer,
  stream: CsBuilder,
  offset = 0,
  queue = 0,
): Promise<number> {
  const words = stream.words();
  unwrap(cmd.map.writeWords(offset, words), 'writing the stream');
  const so = await syncobj(c);
  unwrap(
    await c.submit(groupHandle, queue, cmd.va + offset, words.length * 4, [signalOp(so)]),
    'GROUP_SUBMIT',
  );
  return so;
}

/**
 * Waits for a syncobj (a relative timeout); returns the wait's errno (0 when signalled) and
 * the fence status as a sync_file export reads it.
 */
export async function waitStatus(
  c: DrmClient,
  so: number,
  timeoutNs: number,
): Promise<{ waitErrno: number; status: number }> {
  const w = await c.wait(so, timeoutNs);
  const status = unwrap(await c.fenceStatus(so), 'the fence status (EXPORT_SYNC_FILE)');
  return { waitErrno: errnoOf(w), status };
}

/** Submits `stream` and waits for it; returns the fence status (1 done, -errno killed). */
export async function runJob(
  c: DrmClient,
  groupHandle: number,
  cmd: Buffer,
  stream: CsBuilder,
  timeoutNs = 2 * S,
  offset = 0,
): Promise<number> {
  const so = await submit(c, groupHandle, cmd, stream, offset);
  const r = await waitStatus(c, so, timeoutNs);
  assert.equal(r.waitErrno, 0, 'the job signals before the wait times out');
  return r.status;
}

export function read(b: Buffer, offset = 0): number {
  return unwrap(b.map.read32(offset), 'read32');
}

/** The group object behind a file's handle (for state the uAPI does not show). */
export function groupOf(c: DrmClient, handle: number) {
  const g = c.file.groups.get(handle);
  assert.ok(g !== undefined && g !== null, `group ${handle} exists`);
  return g;
}
