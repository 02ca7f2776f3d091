/**
 * Helpers for the reset acceptance tests: a booted machine with every oracle of docs/design.md §2
 * attached (and, when asked, the recovery daemon), the body run as a process task, and small
 * user-space steps on the user-mode driver (a context, a job whose fence the test keeps, a
 * wait that records when the waiter woke).
 *
 * Nothing here reads the wall clock or Math.random: every time is the kernel's virtual time.
 */
import assert from 'node:assert/strict';
import { Checker } from '../../src/check/checker.js';
import type { PanthorDevice } from '../../src/driver/device.js';
import type { CsBuilder } from '../../src/hw/cs-isa.js';
import type { Fence } from '../../src/kernel/fence.js';
import type { Violation } from '../../src/kernel/violations.js';
import { type JobEntry, JobLedger } from '../../src/scenarios/ledger.js';
import { System, type SystemOptions } from '../../src/system/system.js';
import { RecoveryDaemon } from '../../src/userspace/daemon.js';
import { type Buffer, type Context, Umd } from '../../src/userspace/umd.js';

import { MS, S } from '../driver/helpers.js';

export { MS, S };
/** Panthor's job timeout, the model's default (config.ts). */
export const JOB_TIMEOUT_NS = 5 * S;

export interface Machine {
  sys: System;
  violations: Violation[];
  daemon: RecoveryDaemon;
  ledger: JobLedger;
}

/** What a test body gets: the machine, its recovery daemon and the ledger the oracles read. */
export interface Env {
  sys: System;
  daemon: RecoveryDaemon;
  ledger: JobLedger;
}

export interface MachineOptions extends SystemOptions {
  /** Start the recovery daemon (it rebinds a wedged device). */
  daemon?: boolean;
  /** Clients (by Umd name) whose jobs hang or fault on purpose, for the fence oracle. */
  culprits?: ReadonlyMap<string, 'hang' | 'fault' | 'other'>;
}

/** Runs `body` on a booted machine with the checker attached; returns what it reported. */
export async function onMachine(
  opts: MachineOptions,
  body: (env: Env) => Promise<void>,
): Promise<Machine> {
  const sys = new System({ record: false, ...opts });
  const daemon = new RecoveryDaemon(sys);
  const ledger = new JobLedger();
  const checker = new Checker(sys, ledger, daemon, opts.culprits ?? new Map());
  let failure: unknown = null;
  sys.spawn('test', async () => {
    try {
      assert.equal(await sys.boot(), 0, 'the device probes');
      if (opts.daemon === true) daemon.start();
      await body({ sys, daemon, ledger });
      // Let a reset the body's last step caused finish before the final checks.
      const dev = sys.dev;
      if (dev !== null) {
        await until(sys, () => !dev.reset.isPending() && !dev.reset.inProgress, 30 * S);
      }
      checker.final();
    } catch (err) {
      failure = err;
    } finally {
      daemon.stop();
      sys.k.stop();
    }
  });
  const r = await sys.run();
  if (failure !== null) throw failure;
  return { sys, violations: r.violations, daemon, ledger };
}

/** The bound device; fails the test when there is none. */
export function device(sys: System): PanthorDevice {
  const dev = sys.dev;
  assert.ok(dev !== null, 'a device is bound');
  return dev;
}

/** Opens the render node with a VM; fails the test when the device is not usable. */
export async function openUmd(sys: System, name?: string): Promise<Umd> {
  const u = await Umd.open(sys, name === undefined ? {} : { name });
  assert.ok(typeof u !== 'number', `${name ?? 'Umd'}: open failed with errno ${String(u)}`);
  return u;
}

export async function context(umd: Umd): Promise<Context> {
  const ctx = await umd.context();
  assert.ok(typeof ctx !== 'number', `GROUP_CREATE failed with errno ${String(ctx)}`);
  return ctx;
}

export async function buffer(umd: Umd, size = 4096): Promise<Buffer> {
  const b = await umd.buffer(size);
  assert.ok(typeof b !== 'number', `buffer failed with errno ${String(b)}`);
  return b;
}

export interface Job {
  ctx: Context;
  syncobj: number;
  fence: Fence;
  submittedNs: number;
  entry: JobEntry;
}

/**
 * Submits `stream` on queue 0 of `ctx`; the submit ioctl must succeed. The job goes into the
 * ledger (so that the `innocent-survives` and `fence-error-code` oracles judge it too), as the
 * work of the Umd's name, guilty when `guilty` says so.
 */
export async function submit(
  env: Env,
  ctx: Context,
  stream: CsBuilder,
  guilty = false,
): Promise<Job> {
  const sub = await ctx.submit(0, stream);
  assert.equal(sub.errno, 0, 'GROUP_SUBMIT succeeds');
  const fence = ctx.umd.client.syncobjFence(sub.syncobj);
  assert.ok(fence !== null, 'the out syncobj holds the job fence');
  const entry = env.ledger.add({
    client: ctx.umd.client.name,
    guilty,
    submittedNs: env.sys.k.nowNs,
    fence,
    deviceUid: ctx.umd.client.dev.uid,
    robustness: null,
  });
  return { ctx, syncobj: sub.syncobj, fence, submittedNs: env.sys.k.nowNs, entry };
}

export interface Waited {
  /** 0, or the errno of SYNCOBJ_WAIT. */
  waitErrno: number;
  /** 1 done, a negative errno when the job was killed, 0 still pending. */
  status: number;
  /** Virtual time the waiter woke up. */
  wokeNs: number;
}

/**
 * Waits for a job. When it failed, the context's robustness status is asked for and recorded
 * in the ledger, as a robust application does (glGetGraphicsResetStatus).
 */
export async function wait(job: Job, timeoutNs: number): Promise<Waited> {
  const umd = job.ctx.umd;
  const w = await umd.wait(job.syncobj, timeoutNs);
  const wokeNs = umd.sys.k.nowNs;
  if (job.fence.status < 0 && job.entry.robustness === null)
    job.entry.robustness = await job.ctx.robustness();
  return { ...w, wokeNs };
}

/** A waiter task per job, as gem_eio's in-flight waiters; each records when it woke. */
export function waiters(env: Env, jobs: readonly Job[], timeoutNs: number): Map<Job, Waited> {
  const woke = new Map<Job, Waited>();
  for (const [i, j] of jobs.entries()) {
    env.sys.spawn(`waiter${i}`, async () => {
      woke.set(j, await wait(j, timeoutNs));
    });
  }
  return woke;
}

/** Sleeps in steps of `stepNs` until `cond` holds or `limitNs` has passed; returns cond(). */
export async function until(
  sys: System,
  cond: () => boolean,
  limitNs: number,
  stepNs = 10 * MS,
): Promise<boolean> {
  const end = sys.k.nowNs + limitNs;
  while (!cond() && sys.k.nowNs < end) await sys.k.sleep(stepNs);
  return cond();
}

/** The violations reported, other than hitting a limit, as readable strings. */
export function problems(m: Machine): string[] {
  return m.violations
    .filter((v) => v.invariant !== 'limit')
    .map((v) => `${v.invariant}: ${v.message}`);
}

export function assertClean(m: Machine): void {
  assert.deepEqual(problems(m), []);
}
