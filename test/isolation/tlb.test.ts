/**
 * `isolation` and address-space reuse: a VM's translations never outlive a page-table change
 * or the VM's hold on an AS slot. The driver flushes the TLB after every page-table change
 * and when a slot passes to another VM (eviction) or comes back after a reset; a driver that
 * forgets (the `testSkipTlbFlush` hook) lets a job reach memory its VM no longer maps, and the
 * isolation oracle reports it.
 *
 * Slot reuse is forced with a GPU that has two address spaces: AS0 is the firmware's, so every
 * user VM shares AS1 and activating one evicts the other.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { System } from '../../src/system/system.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  type Machine,
  of,
  onMachine,
  open,
  read,
  runJob,
  unwrap,
  vmCreate,
} from './helpers.js';

const X = 0x10_0000;

/** Remaps VA X from BO `old` to BO `fresh` while the TLB holds X, then stores through X. */
async function remapThenStore(sys: System): Promise<{ oldValue: number; freshValue: number }> {
  const c = open(sys);
  const vm = await vmCreate(c);
  const old = await buffer(c, vm, X);
  const cmd = await buffer(c, vm, 0x20_0000);
  const g = await group(c, vm);
  assert.equal(await runJob(c, g, cmd, streams.store(X, 1)), 1, 'the first store fills the TLB');
  // Replace the mapping at X by another BO's page (VM_BIND MAP over a mapped range).
  const fresh = unwrap(await c.boCreate(4096), 'BO_CREATE').handle as number;
  unwrap(await c.vmMap(vm, fresh, X, 4096), 'VM_BIND');
  assert.equal(await runJob(c, g, cmd, streams.store(X, 2)), 1);
  const off = unwrap(await c.boMmapOffset(fresh), 'BO_MMAP_OFFSET').offset as number;
  const freshMap = unwrap(c.mmap(off, 4096), 'mmap');
  const result = { oldValue: read(old), freshValue: unwrap(freshMap.read32(0), 'read32') };
  await c.close();
  return result;
}

test('a page-table change is flushed: the job after a remap reaches the new page', async () => {
  let values = { oldValue: 0, freshValue: 0 };
  const m = await onMachine({ seed: 4 }, async (sys) => {
    values = await remapThenStore(sys);
  });
  assertClean(m);
  assert.deepEqual(values, { oldValue: 1, freshValue: 2 });
});

test('a forgotten flush after a remap is caught by the isolation oracle', async () => {
  let values = { oldValue: 0, freshValue: 0 };
  const m = await onMachine({ seed: 4, driver: { testSkipTlbFlush: true } }, async (sys) => {
    values = await remapThenStore(sys);
  });
  assert.deepEqual(
    values,
    { oldValue: 2, freshValue: 0 },
    'the store went through the stale entry',
  );
  assert.ok(of(m, 'isolation').length > 0, 'the isolation oracle reports the stale translation');
  assert.match(of(m, 'isolation')[0]?.message ?? '', /stale translation/);
});

/** Two files whose VMs both map X; their jobs alternate on the only user AS slot. */
async function alternate(sys: System, rounds: number, reset: boolean): Promise<number[][]> {
  const files = [open(sys), open(sys)];
  const vms = [];
  for (const c of files) {
    const vm = await vmCreate(c);
    vms.push({
      c,
      vm,
      data: await buffer(c, vm, X),
      cmd: await buffer(c, vm, 0x20_0000),
      g: await group(c, vm),
    });
  }
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of vms.entries()) {
      assert.equal(await runJob(v.c, v.g, v.cmd, streams.store(X + 4 * r, 100 * (i + 1) + r)), 1);
      if (reset) await sys.dev?.reset.schedule('ioctl');
    }
  }
  const seen = vms.map((v) => Array.from({ length: rounds }, (_, r) => read(v.data, 4 * r)));
  for (const c of files) await c.close();
  return seen;
}

function resets(m: Machine): number {
  return m.sys.platform.devices.reduce((n, d) => n + d.log.resets.length, 0);
}

test('AS slot reuse after eviction never leaves a stale translation', async () => {
  let seen: number[][] = [];
  const m = await onMachine({ seed: 5, gpu: { asSlots: 2 } }, async (sys) => {
    seen = await alternate(sys, 3, false);
  });
  assertClean(m);
  assert.deepEqual(seen, [
    [100, 101, 102],
    [200, 201, 202],
  ]);
});

test('AS slot reuse after a reset never leaves a stale translation', async () => {
  let seen: number[][] = [];
  const m = await onMachine({ seed: 6, gpu: { asSlots: 2 } }, async (sys) => {
    seen = await alternate(sys, 2, true);
  });
  assertClean(m);
  assert.ok(resets(m) > 0, 'resets happened between the jobs');
  assert.deepEqual(seen, [
    [100, 101],
    [200, 201],
  ]);
});

test('a forgotten flush when a slot passes to another VM is caught by the isolation oracle', async () => {
  const m = await onMachine(
    { seed: 5, gpu: { asSlots: 2 }, driver: { testSkipTlbFlush: true } },
    async (sys) => {
      const files = [open(sys), open(sys)];
      for (const [i, c] of files.entries()) {
        const vm = await vmCreate(c);
        const data = await buffer(c, vm, X);
        const cmd = await buffer(c, vm, 0x20_0000);
        const g = await group(c, vm);
        unwrap(cmd.map.writeWords(0, streams.store(X, i + 1).words()), 'writing the stream');
        const so = unwrap(await c.syncobjCreate(), 'SYNCOBJ_CREATE').handle as number;
        const signal = { flags: 0x8000_0000, handle: so, timelineValue: 0 };
        unwrap(await c.submit(g, 0, cmd.va, 32, [signal]), 'GROUP_SUBMIT');
        // The second VM's job runs through the first VM's tables: it may never complete.
        await c.wait(so, 200_000_000);
        if (i === 1) assert.notEqual(read(data), 2, "the store did not reach the second VM's page");
      }
      for (const c of files) await c.close();
    },
  );
  assert.ok(of(m, 'isolation').length > 0, 'the isolation oracle reports the stale translation');
});
