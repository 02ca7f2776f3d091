/**
 * Helpers for the isolation tests: a machine with the checker attached (every oracle of
 * docs/design.md §2, the isolation oracle among them), a body run as a process task, and small
 * user-space steps on the libdrm-like client (a BO mapped at a chosen VA and on the CPU, a
 * group, a job that runs a stream and is waited for).
 */
import assert from 'node:assert/strict';
import { Checker } from '../../src/check/checker.js';
import { objArray, SIZEOF } from '../../src/driver/uapi.js';
import type { CsBuilder } from '../../src/hw/cs-isa.js';
import type { Violation } from '../../src/kernel/violations.js';
import { JobLedger } from '../../src/scenarios/ledger.js';
import { System, type SystemOptions } from '../../src/system/system.js';
import type { DrmClient } from '../../src/userspace/client.js';
import { RecoveryDaemon } from '../../src/userspace/daemon.js';
import { type Buffer, buffer, open, read, unwrap, vmCreate } from '../driver/helpers.js';

// The client steps shared with the driver tests.
export { type Buffer, buffer, open, read, unwrap, vmCreate };

export interface Machine {
  sys: System;
  violations: Violation[];
}

/** Runs `body` on a booted machine with the checker attached; returns what it reported. */
export async function onMachine(
  opts: SystemOptions & { daemon?: boolean },
  body: (sys: System) => Promise<void>,
): Promise<Machine> {
  const sys = new System({ record: false, ...opts });
  const daemon = new RecoveryDaemon(sys);
  new Checker(sys, new JobLedger(), daemon, new Map());
  let failure: unknown = null;
  sys.spawn('test', async () => {
    try {
      assert.equal(await sys.boot(), 0, 'the device probes');
      if (opts.daemon === true) daemon.start();
      await body(sys);
    } catch (err) {
      failure = err;
    } finally {
      daemon.stop();
      sys.k.stop();
    }
  });
  const r = await sys.run();
  if (failure !== null) throw failure;
  return { sys, violations: r.violations };
}

export async function group(c: DrmClient, vmId: number, priority = 1): Promise<number> {
  const r = await c.groupCreate(groupArgs(vmId, priority));
  return unwrap(r, 'GROUP_CREATE').groupHandle as number;
}

export function groupArgs(vmId: number, priority = 1) {
  return {
    queues: objArray(
      [{ priority: 0, pad: [0, 0, 0] as [number, number, number], ringbufSize: 4096 }],
      SIZEOF.queueCreate,
    ),
    maxComputeCores: 1,
    maxFragmentCores: 1,
    maxTilerCores: 1,
    priority,
    pad: 0,
    computeCoreMask: 1,
    fragmentCoreMask: 1,
    tilerCoreMask: 1,
    vmId,
  };
}

/**
 * Writes `stream` into `cmd` at offset 0, submits it on `groupHandle` and waits for it.
 * Returns the job fence's status: 1 done, a negative errno when it was killed.
 */
export async function runJob(
  c: DrmClient,
  groupHandle: number,
  cmd: Buffer,
  stream: CsBuilder,
  timeoutNs = 2_000_000_000,
): Promise<number> {
  const words = stream.words();
  unwrap(cmd.map.writeWords(0, words), 'writing the stream');
  const so = unwrap(await c.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
  const signal = { flags: 0x8000_0000, handle: so, timelineValue: 0 };
  unwrap(await c.submit(groupHandle, 0, cmd.va, words.length * 4, [signal]), 'GROUP_SUBMIT');
  unwrap(await c.wait(so, timeoutNs), 'SYNCOBJ_WAIT');
  const status = unwrap(await c.fenceStatus(so), 'the fence status (EXPORT_SYNC_FILE)');
  await c.syncobjDestroy(so);
  return status;
}

/** The violations of one invariant. */
export function of(m: Machine, invariant: string): Violation[] {
  return m.violations.filter((v) => v.invariant === invariant);
}

/** Fails with the violations' messages when any is reported. */
export function assertClean(m: Machine): void {
  const bad = m.violations.filter((v) => v.invariant !== 'limit');
  assert.deepEqual(
    bad.map((v) => `${v.invariant}: ${v.message}`),
    [],
  );
}
