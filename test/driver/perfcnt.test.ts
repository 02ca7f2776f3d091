/**
 * The perfcnt block (perfcnt.ts): a session programs the counters through its own address
 * space, dumps copy samples that advance with executed work, and the session survives a reset:
 * its AS reference is returned before the reset and re-taken after, the counters are
 * reprogrammed, and the first dump after the reset says samples were lost.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { BugId } from '../../src/driver/bugs.js';
import type { PanthorDevice } from '../../src/driver/device.js';
import * as R from '../../src/hw/regs.js';
import { Errno } from '../../src/kernel/errno.js';
import type { DrmClient } from '../../src/userspace/client.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  MS,
  onMachine,
  open,
  runJob,
  S,
  unwrap,
  vmCreate,
} from './helpers.js';

async function dump(c: DrmClient, dev: PanthorDevice) {
  const buf = new Array<number>(dev.perfcnt.bytes / 4).fill(0);
  const r = unwrap(await c.perfcntDump({ buf }), 'PERFCNT_DUMP');
  return { buf, samplesLost: r.samplesLost === 1, epoch: r.epoch };
}

/** Requests a reset and waits until it is over. */
async function resetAndWait(dev: PanthorDevice): Promise<void> {
  const n = dev.log.resets.length;
  await dev.reset.schedule('test');
  for (let i = 0; i < 200; i++) {
    const r = dev.log.resets[n];
    if (r !== undefined && r.endNs !== null) break;
    await dev.k.sleep(1 * MS);
  }
  assert.equal(dev.log.resets[n]?.ok, true, 'the reset succeeded');
}

test('a session programs the counters through its own AS and samples advance with work', async () => {
  const m = await onMachine({ seed: 121 }, async (sys, dev) => {
    const c = open(sys);
    const usageBefore = dev.pm.usage;
    unwrap(await c.perfcntEnable(true), 'PERFCNT_ENABLE');
    const s = dev.perfcnt.session;
    assert.ok(s !== null);
    assert.equal(s.asHeld, true);
    assert.ok(s.vm.asId >= 1, 'the session VM is bound to a user AS');
    assert.equal(s.vm.activeCnt.peek(), 1);
    assert.equal(dev.pm.usage, usageBefore + 1, 'the session keeps the device powered');
    const cfg = sys.hw.read32(R.PRFCNT_CONFIG);
    assert.equal(cfg & 0xf, R.PRFCNT_CONFIG_MODE_MANUAL);
    assert.equal((cfg & R.PRFCNT_CONFIG_AS_MASK) >>> R.PRFCNT_CONFIG_AS_SHIFT, s.vm.asId);
    const before = await dump(c, dev);
    assert.equal(before.samplesLost, false);
    // One millisecond of GPU work: at least a million cycles more (1 GHz model clock).
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    assert.equal(await runJob(c, g, cmd, streams.store(cmd.va + 0x800, 1, 1 * MS)), 1);
    const after = await dump(c, dev);
    const cycles = (d: { buf: number[] }) => d.buf[R.PRFCNT_CSF_CYCLES] as number;
    assert.ok(cycles(after) - cycles(before) >= 1_000_000, `${cycles(before)} -> ${cycles(after)}`);
    assert.ok(
      (after.buf[R.PRFCNT_CSF_INSTRUCTIONS] as number) >
        (before.buf[R.PRFCNT_CSF_INSTRUCTIONS] as number),
      'instructions counted',
    );
    // A dump into no buffer is EFAULT; the session stays.
    assert.equal(errnoOf(await c.perfcntDump({ buf: null })), Errno.EFAULT);
    assert.ok(dev.perfcnt.session !== null);
    // Disable: counters off, AS and power references returned, VM freed.
    unwrap(await c.perfcntEnable(false), 'disable');
    assert.equal(dev.perfcnt.session, null);
    assert.equal(s.vm.alive, false);
    assert.equal(dev.pm.usage, usageBefore);
    assert.equal(errnoOf(await c.perfcntDump({ buf: [0] })), Errno.EINVAL, 'no session');
  });
  assertClean(m);
});

async function sessionAcrossReset(bugs: BugId[]) {
  const seen = {
    activeCntDuringReset: -1,
    firstAfter: { samplesLost: false as boolean | undefined, epoch: -1 as number | undefined },
    secondAfter: { samplesLost: true as boolean | undefined },
    reprogrammed: false,
    asHeldAfter: false,
  };
  const m = await onMachine({ seed: 122, bugs }, async (sys, dev) => {
    const c = open(sys);
    unwrap(await c.perfcntEnable(true), 'PERFCNT_ENABLE');
    const s = dev.perfcnt.session;
    assert.ok(s !== null);
    const d0 = await dump(c, dev);
    assert.equal(d0.samplesLost, false);
    const epoch0 = dev.reset.epoch;
    await resetAndWait(dev);
    assert.equal(dev.reset.epoch, epoch0 + 1);
    assert.equal(dev.perfcnt.session, s, 'the session survived the reset');
    seen.asHeldAfter = s.asHeld;
    seen.activeCntDuringReset = s.vm.activeCnt.peek();
    const cfg = sys.hw.read32(R.PRFCNT_CONFIG);
    seen.reprogrammed = (cfg & 0xf) === R.PRFCNT_CONFIG_MODE_MANUAL;
    seen.firstAfter = await dump(c, dev);
    seen.secondAfter = await dump(c, dev);
    await c.close();
  });
  return { m, seen };
}

test('across a reset: the session survives, is reprogrammed, and the first dump says samples were lost', async () => {
  const { m, seen } = await sessionAcrossReset([]);
  assert.equal(seen.asHeldAfter, true, 'the AS reference was taken again after the reset');
  assert.equal(seen.activeCntDuringReset, 1, 'exactly one AS reference, never negative');
  assert.equal(seen.reprogrammed, true, 'PRFCNT_CONFIG programmed again');
  assert.equal(seen.firstAfter.samplesLost, true, 'the first dump reports the loss');
  assert.equal(seen.firstAfter.epoch, 1, 'and belongs to the new epoch');
  assert.equal(seen.secondAfter.samplesLost, false, 'the next one does not');
  assertClean(m);
});

test('across a reset: the check catches the AS-count underflow (perfcnt-as-underflow)', async () => {
  // Without the pre/post-reset hooks the session keeps the reference the reset zeroed, and its
  // put at close drives the AS count below zero.
  const { m, seen } = await sessionAcrossReset(['perfcnt-as-underflow']);
  assert.equal(seen.reprogrammed, false, 'nobody reprogrammed the counters');
  assert.ok(
    m.violations.some((v) => v.invariant === 'refcount-underflow'),
    m.violations.map((v) => v.invariant).join(', '),
  );
});

test('a dump that arrives during a reset waits for it, then proceeds and reports the loss', async () => {
  const m = await onMachine({ seed: 123 }, async (sys, dev) => {
    const c = open(sys);
    unwrap(await c.perfcntEnable(true), 'PERFCNT_ENABLE');
    await dump(c, dev);
    // The reset needs the firmware's suspend acknowledgements: long enough to dump into it.
    sys.spawn('resetter', () => dev.reset.schedule('test'));
    await sys.k.sleep(1000);
    assert.ok(dev.reset.isPending() || dev.log.resetRunning !== null, 'a reset is under way');
    const d = await dump(c, dev);
    const reset = dev.log.resets[0];
    assert.ok(reset !== undefined && reset.endNs !== null, 'the reset was over');
    assert.ok(sys.k.nowNs >= reset.endNs, 'the dump completed after it');
    assert.equal(d.samplesLost, true);
    assert.equal(dev.perfcnt.dumps.at(-1)?.ok, true);
    await sys.k.sleep(1 * S);
  });
  assertClean(m);
});
