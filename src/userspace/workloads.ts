/**
 * Workloads: what the simulated applications do, each in its own process task.
 *
 * - renderer: frames that use a tiler heap (HEAP_SET/HEAP_ALLOC), one after the other;
 * - compute: longer jobs;
 * - bursty: bursts of short jobs separated by idle gaps longer than the autosuspend delay, so
 *   the device suspends and resumes under it;
 * - profiler: a perfcnt session dumping periodically (Panfrost style);
 * - hostile: a job that hangs, page-faults, hits an invalid instruction, or a stream of bad
 *   ioctl arguments;
 * - vm-teardown: frames on a group with a tiler heap, then the group and its VM destroyed while
 *   other groups keep the scheduler rotating.
 *
 * Every job goes into the ledger with whether its client is a culprit. A client that sees
 * DEVICE_LOST reopens the device when the scenario allows it, as Vulkan applications recreate
 * their logical device.
 */

import type { CsBuilder } from '../hw/cs-isa.js';
import { Errno } from '../kernel/errno.js';
import type { JobLedger } from '../scenarios/ledger.js';
import type { ClientSpec } from '../scenarios/spec.js';
import type { System } from '../system/system.js';
import { type Context, streams, Umd } from './umd.js';

export interface WorkloadEnv {
  sys: System;
  ledger: JobLedger;
  /** Workloads stop starting new work after this virtual time. */
  activeEndNs: number;
  /** Give up waiting for a lost device after this virtual time. */
  giveUpNs: number;
}

const WAIT_NS = 20_000_000_000;
const UNMAPPED_VA = 0x7000_0000;

class Session {
  umd: Umd | null = null;
  ctx: Context | null = null;
  deviceUid = 0;

  constructor(
    private readonly env: WorkloadEnv,
    readonly spec: ClientSpec,
  ) {}

  get guilty(): boolean {
    return this.spec.workload === 'hostile';
  }

  /** Opens the device (waiting for it to come back after a loss, if allowed). */
  async open(): Promise<boolean> {
    const { sys } = this.env;
    for (let i = 0; i < 2000; i++) {
      const dev = sys.dev;
      if (dev !== null && !dev.wedge.wedged && dev.initialized && !dev.unplugged) {
        const u = await Umd.open(sys, {
          privileged: this.spec.privileged ?? false,
          name: this.spec.name,
        });
        if (typeof u !== 'number') {
          this.umd = u;
          this.deviceUid = dev.uid;
          const ctx = await u.context({
            queues: this.spec.queues ?? 1,
            priority: this.spec.priority ?? 1,
          });
          if (typeof ctx !== 'number') {
            this.ctx = ctx;
            return true;
          }
          await u.close();
          this.umd = null;
        }
      }
      if (sys.k.nowNs > this.env.giveUpNs) return false;
      await sys.k.sleep(20_000_000);
    }
    return false;
  }

  /** After DEVICE_LOST: close what is left, and reopen if the scenario allows it. */
  async lost(): Promise<boolean> {
    if (this.umd !== null) await this.umd.close();
    this.umd = null;
    this.ctx = null;
    if (!this.spec.reopen) return false;
    return this.open();
  }

  /** Submits and waits for one job; returns false when the client should stop. */
  async job(stream: CsBuilder, guilty = this.guilty): Promise<boolean> {
    const { sys, ledger } = this.env;
    const ctx = this.ctx;
    const umd = this.umd;
    if (ctx === null || umd === null) return false;
    let sub = await ctx.submit(0, stream);
    const retryNs = this.spec.retryBusyNs;
    for (let i = 0; retryNs !== undefined && sub.errno === Errno.EAGAIN && i < 100; i++) {
      await sys.k.sleep(retryNs);
      sub = await ctx.submit(0, stream);
    }
    if (sub.errno !== 0) {
      if (sub.errno === Errno.ENODEV) return this.lost();
      // EINVAL: the group can no longer run (it was killed); start a new context.
      if (sub.errno === Errno.EINVAL) return this.newContext();
      return true;
    }
    const entry = ledger.add({
      client: this.spec.name,
      guilty,
      submittedNs: sys.k.nowNs,
      fence: umd.client.syncobjFence(sub.syncobj),
      deviceUid: this.deviceUid,
      robustness: null,
    });
    const w = await umd.wait(sub.syncobj, WAIT_NS);
    await umd.client.syncobjDestroy(sub.syncobj);
    if (w.waitErrno === Errno.ENODEV) return this.lost();
    if (entry.fence !== null && entry.fence.status < 0) {
      entry.robustness = await ctx.robustness();
      entry.robustnessAtNs = sys.k.nowNs;
      if (entry.robustness === 'device-lost') return this.lost();
      return this.newContext();
    }
    return true;
  }

  /** A context whose group died is replaced, as a robust application recreates its context. */
  private async newContext(): Promise<boolean> {
    const umd = this.umd;
    if (umd === null) return false;
    await this.ctx?.destroy();
    const ctx = await umd.context({
      queues: this.spec.queues ?? 1,
      priority: this.spec.priority ?? 1,
    });
    if (typeof ctx === 'number') {
      if (ctx === Errno.ENODEV) return this.lost();
      return false;
    }
    this.ctx = ctx;
    return true;
  }

  async close(): Promise<void> {
    if (this.umd !== null) await this.umd.close();
    this.umd = null;
    this.ctx = null;
  }
}

function active(env: WorkloadEnv): boolean {
  return env.sys.k.nowNs < env.activeEndNs;
}

/** Waits for the client's `firstAtNs`, if it has one and it is still ahead. */
async function untilFirst(env: WorkloadEnv, s: Session): Promise<void> {
  const at = s.spec.firstAtNs;
  if (at !== undefined && at > env.sys.k.nowNs) await env.sys.k.sleep(at - env.sys.k.nowNs);
}

async function renderer(env: WorkloadEnv, s: Session): Promise<void> {
  const { sys } = env;
  const jobs = s.spec.jobs ?? 8;
  let heapCtx = 0;
  let out = 0;
  const setup = async (): Promise<boolean> => {
    const umd = s.umd;
    if (umd === null) return false;
    const heap = await umd.client.tilerHeapCreate({
      vmId: umd.vmId,
      initialChunkCount: 1,
      chunkSize: 128 * 1024,
      maxChunks: 8,
      targetInFlight: 1,
    });
    const buf = await umd.buffer(4096);
    if (!heap.ok || typeof buf === 'number') return false;
    heapCtx = heap.value.tilerHeapCtxGpuVa as number;
    out = buf.va;
    return true;
  };
  let dev = s.deviceUid;
  if (!(await setup())) return;
  await untilFirst(env, s);
  for (let i = 0; i < jobs && active(env); i++) {
    if (s.deviceUid !== dev) {
      dev = s.deviceUid;
      if (!(await setup())) return;
    }
    if (!(await s.job(streams.frame(heapCtx, out, i + 1, s.spec.jobNs ?? 2_000_000, 48 * 1024))))
      return;
    await sys.k.sleep(s.spec.periodNs ?? 16_000_000);
  }
}

async function compute(env: WorkloadEnv, s: Session): Promise<void> {
  const { sys } = env;
  const jobs = s.spec.jobs ?? 4;
  let out = 0;
  let dev = -1;
  for (let i = 0; i < jobs && active(env); i++) {
    if (s.deviceUid !== dev && s.umd !== null) {
      dev = s.deviceUid;
      const buf = await s.umd.buffer(4096);
      if (typeof buf === 'number') return;
      out = buf.va;
    }
    if (i === 0) await untilFirst(env, s);
    if (!(await s.job(streams.store(out, 0xc0de0000 + i, s.spec.jobNs ?? 20_000_000)))) return;
    await sys.k.sleep(s.spec.periodNs ?? 5_000_000);
  }
}

async function bursty(env: WorkloadEnv, s: Session): Promise<void> {
  const { sys } = env;
  const bursts = s.spec.jobs ?? 3;
  let out = 0;
  let dev = -1;
  for (let b = 0; b < bursts && active(env); b++) {
    for (let i = 0; i < 2; i++) {
      // Checked before every job: the previous one may have lost the device and reopened it,
      // and a buffer address of the old device means nothing on the new one.
      if (s.deviceUid !== dev && s.umd !== null) {
        dev = s.deviceUid;
        const buf = await s.umd.buffer(4096);
        if (typeof buf === 'number') return;
        out = buf.va;
      }
      if (b === 0 && i === 0) await untilFirst(env, s);
      if (!(await s.job(streams.store(out, b * 16 + i, s.spec.jobNs ?? 1_000_000)))) return;
    }
    // Idle for longer than the autosuspend delay: the device suspends.
    await sys.k.sleep(s.spec.periodNs ?? 120_000_000);
  }
}

async function hostile(env: WorkloadEnv, s: Session): Promise<void> {
  const mode = s.spec.mode ?? 'hang';
  const umd = s.umd;
  if (umd === null) return;
  if (mode === 'bad-args') {
    await badArgs(env, s);
    return;
  }
  const rounds = mode === 'hang-loop' ? (s.spec.jobs ?? 3) : 1;
  for (let i = 0; i < rounds && active(env); i++) {
    const stream =
      mode === 'page-fault'
        ? streams.pageFault(UNMAPPED_VA)
        : mode === 'fatal'
          ? streams.fatal()
          : mode === 'busy'
            ? streams.busyForever()
            : streams.hang();
    if (!(await s.job(stream, true))) return;
    await env.sys.k.sleep(s.spec.periodNs ?? 10_000_000);
  }
}

/** A stream of invalid arguments; every one must come back as an errno. */
async function badArgs(env: WorkloadEnv, s: Session): Promise<void> {
  const c = s.umd?.client;
  if (c === undefined) return;
  const expect = (what: string, r: { ok: boolean; errno?: number }, errno: number) => {
    if (r.ok || r.errno !== errno)
      env.ledger.notes.push(
        `${s.spec.name}: ${what} gave ${r.ok ? 'success' : `errno ${r.errno}`}, expected ${errno}`,
      );
  };
  expect('VM_DESTROY of an unknown VM', await c.vmDestroy(999), Errno.EINVAL);
  expect('BO_MMAP_OFFSET of an unknown BO', await c.boMmapOffset(999), Errno.ENOENT);
  expect('BO_CREATE of size 0', await c.boCreate(0), Errno.EINVAL);
  expect('GROUP_DESTROY of an unknown group', await c.groupDestroy(999), Errno.EINVAL);
  expect('SYNCOBJ_WAIT on an unknown handle', await c.wait(999, 1000), Errno.ENOENT);
  const g = s.ctx?.handle ?? 1;
  expect('GROUP_SUBMIT with an unaligned stream', await c.submit(g, 0, 0x1004, 8), Errno.EINVAL);
}

async function vmTeardown(env: WorkloadEnv, s: Session): Promise<void> {
  const { sys } = env;
  const rounds = s.spec.jobs ?? 2;
  for (let r = 0; r < rounds && active(env); r++) {
    const umd = s.umd;
    const ctx = s.ctx;
    if (umd === null || ctx === null) return;
    const heap = await umd.client.tilerHeapCreate({
      vmId: umd.vmId,
      initialChunkCount: 1,
      chunkSize: 128 * 1024,
      maxChunks: 4,
      targetInFlight: 1,
    });
    const buf = await umd.buffer(4096);
    if (!heap.ok || typeof buf === 'number') return;
    // Two frames in flight on the heap, then tear down while the group may be on a slot.
    const frame = streams.frame(
      heap.value.tilerHeapCtxGpuVa as number,
      buf.va,
      r,
      s.spec.jobNs ?? 30_000_000,
      16 * 1024,
    );
    if (r === 0) await untilFirst(env, s);
    const a = await ctx.submit(0, frame);
    const b = await ctx.submit(0, frame);
    for (const sub of [a, b]) {
      if (sub.errno === 0) {
        // These jobs are cancelled by the client's own teardown: not innocent victims.
        env.ledger.add({
          client: s.spec.name,
          guilty: true,
          submittedNs: sys.k.nowNs,
          fence: umd.client.syncobjFence(sub.syncobj),
          deviceUid: s.deviceUid,
          robustness: null,
        });
      }
    }
    await sys.k.sleep(s.spec.periodNs ?? 5_000_000);
    if (s.spec.teardown === 'vm-first') {
      // The VM first, with the group still alive (another thread of the application, or a
      // teardown in the order its objects were created): the uAPI allows it.
      await umd.client.vmDestroy(umd.vmId);
      await ctx.destroy();
    } else {
      // A controlled termination: the group, then at once its VM, while the tick that evicts
      // the group (the firmware writes the heap context back as it leaves the slot) may still
      // be pending: VM_DESTROY must wait for it before it unmaps the heap context.
      await ctx.destroy();
      await umd.client.vmDestroy(umd.vmId);
    }
    await umd.close();
    s.umd = null;
    s.ctx = null;
    if (!(await s.open())) return;
  }
}

async function profiler(env: WorkloadEnv, s: Session): Promise<void> {
  const { sys, ledger } = env;
  const c = s.umd?.client;
  if (c === undefined) return;
  let en = await c.perfcntEnable(true);
  for (let i = 0; i < 20 && !en.ok && en.errno === Errno.EBUSY; i++) {
    await sys.k.sleep(10_000_000);
    en = await c.perfcntEnable(true);
  }
  if (!en.ok) {
    ledger.notes.push(`${s.spec.name}: PERFCNT_ENABLE gave errno ${en.errno}`);
    return;
  }
  const samples = s.spec.jobs ?? 6;
  const words = Math.ceil((s.umd?.sys.dev?.perfcnt.bytes ?? 4096) / 4);
  for (let i = 0; i < samples && active(env); i++) {
    if (i === 0 && s.spec.firstAtNs !== undefined) await untilFirst(env, s);
    else await sys.k.sleep(s.spec.periodNs ?? 500_000_000);
    const args = { buf: new Array<number>(words).fill(0) };
    const r = await c.perfcntDump(args);
    ledger.dumps.push({
      client: s.spec.name,
      atNs: sys.k.nowNs,
      ok: r.ok,
      errno: r.ok ? 0 : r.errno,
      samplesLost: r.ok ? r.value.samplesLost === 1 : false,
      epoch: r.ok ? r.value.epoch : 0,
    });
    if (!r.ok && r.errno === Errno.ENODEV) return;
  }
  await c.perfcntEnable(false);
}

/** Runs one client from start to end (opening, its workload, closing). */
export async function runClient(env: WorkloadEnv, spec: ClientSpec): Promise<void> {
  const s = new Session(env, spec);
  if (spec.startNs !== undefined && spec.startNs > 0) await env.sys.k.sleep(spec.startNs);
  if (!(await s.open())) return;
  switch (spec.workload) {
    case 'renderer':
      await renderer(env, s);
      break;
    case 'compute':
      await compute(env, s);
      break;
    case 'bursty':
      await bursty(env, s);
      break;
    case 'hostile':
      await hostile(env, s);
      break;
    case 'vm-teardown':
      await vmTeardown(env, s);
      break;
    case 'profiler':
      await profiler(env, s);
      break;
  }
  await s.close();
}
