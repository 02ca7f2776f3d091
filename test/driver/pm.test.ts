/**
 * The runtime PM block (pm.ts and PanthorDevice.suspendDevice / resumeDevice): the device
 * suspends once it has been idle for the autosuspend delay, resumes when work needs it, and
 * a resume after a clean suspend is fast (the firmware is not reloaded).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PmState } from '../../src/driver/pm.js';
import { streams } from '../../src/userspace/umd.js';
import { assertClean, buffer, group, MS, onMachine, open, runJob, S, vmCreate } from './helpers.js';

test('autosuspend: an idle device suspends after the delay, not before', async () => {
  const m = await onMachine({ seed: 131 }, async (sys, dev) => {
    const delayNs = dev.cfg.autosuspendDelayNs;
    const t0 = sys.k.nowNs;
    await sys.k.sleep(delayNs - 1 * MS);
    assert.equal(dev.pm.state.peek(), PmState.ACTIVE, 'still active just before the delay');
    assert.equal(sys.hw.powered, true);
    await sys.k.sleep(2 * MS);
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED, 'suspended just after it');
    assert.equal(sys.hw.powered, false, 'the GPU is powered down');
    assert.equal(dev.pm.suspends, 1);
    assert.ok(sys.k.nowNs - t0 < delayNs + 2 * MS);
    // Nothing wakes it up by itself.
    await sys.k.sleep(1 * S);
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED);
    assert.equal(dev.pm.resumes, 0);
  });
  assertClean(m);
});

test('a held runtime-PM reference keeps the device up; the put starts the delay', async () => {
  const m = await onMachine({ seed: 132 }, async (sys, dev) => {
    const delayNs = dev.cfg.autosuspendDelayNs;
    assert.equal(await dev.pm.resumeAndGet(), 0);
    await sys.k.sleep(10 * delayNs);
    assert.equal(dev.pm.state.peek(), PmState.ACTIVE, 'held: never suspended');
    assert.equal(dev.pm.suspends, 0);
    await dev.pm.putAutosuspend();
    await sys.k.sleep(delayNs / 2);
    assert.equal(dev.pm.state.peek(), PmState.ACTIVE, 'the delay restarts at the put');
    await sys.k.sleep(delayNs);
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED);
  });
  assertClean(m);
});

test('resume on use: a job on a suspended device resumes it (fast), then it suspends again', async () => {
  const m = await onMachine({ seed: 133 }, async (sys, dev) => {
    const delayNs = dev.cfg.autosuspendDelayNs;
    // Objects that need no hardware do not wake the device.
    await sys.k.sleep(delayNs + 1 * MS);
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED);
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    assert.equal(dev.pm.resumes, 0, 'VM, BO, mapping and group creation leave it suspended');
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED);
    // A job needs the GPU.
    assert.equal(await runJob(c, g, cmd, streams.store(cmd.va + 0x800, 0x11, 2 * MS)), 1);
    assert.equal(dev.pm.resumes, 1, 'resumed once');
    assert.equal(dev.fw.boots, 2, 'the firmware was restarted');
    assert.equal(dev.log.fullReinits.length, 1, 'fast: no reload (only the probe one)');
    assert.equal(dev.log.resets.length, 0, 'a resume is not a reset');
    // Idle again: suspends after the delay (the job's slot is released by then).
    await sys.k.sleep(delayNs * 4);
    assert.equal(dev.pm.state.peek(), PmState.SUSPENDED);
    assert.equal(dev.pm.suspends, 2);
    // And the next job resumes it again.
    assert.equal(
      await runJob(c, g, cmd, streams.store(cmd.va + 0x804, 0x22, 2 * MS), 1 * S, 0x100),
      1,
    );
    assert.equal(dev.pm.resumes, 2);
  });
  assertClean(m);
});

test('with runtime PM off the device never suspends', async () => {
  const m = await onMachine({ seed: 134, driver: { runtimePm: false } }, async (sys, dev) => {
    await sys.k.sleep(100 * dev.cfg.autosuspendDelayNs);
    assert.equal(dev.pm.state.peek(), PmState.ACTIVE);
    assert.equal(dev.pm.suspends, 0);
  });
  assertClean(m);
});
