/**
 * The firmware block (fw.ts): MCU boot at probe, the global interface, and the watchdog that
 * pings the firmware and requests a reset when it does not answer.
 *
 * Runtime PM is off in the watchdog tests: the watchdog only pings an active device (a
 * suspended one has no firmware running), and an idle device would otherwise suspend after
 * 50 ms. The ping period is shortened from Panthor's 12 s to keep the runs short; the shape
 * of the behaviour does not depend on it.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import * as R from '../../src/hw/regs.js';
import { streams } from '../../src/userspace/umd.js';
import { assertClean, buffer, group, MS, onMachine, open, runJob, S, vmCreate } from './helpers.js';

test('boot: the MCU runs the loaded image in AS0 and the global interface is configured', async () => {
  const m = await onMachine({ seed: 71 }, async (sys, dev) => {
    assert.equal(dev.fw.booted, true);
    assert.equal(dev.fw.boots, 1);
    assert.equal(sys.hw.mcuStatus, R.MCU_STATUS_ENABLED, 'the MCU runs');
    assert.equal(sys.hw.lastBootError, null);
    assert.equal(dev.fw.vm.asId, 0, 'the firmware VM is bound to AS0');
    // panthor_fw_init_global_iface: the cores and the timers it programs.
    const glb = dev.fw.glb;
    assert.equal(glb.input.coreEnMask, sys.hw.cfg.shaderPresent);
    assert.ok(glb.input.progressTimer > 0 && glb.input.idleTimer > 0);
    assert.equal(glb.input.req & R.GLB_IDLE_EN, R.GLB_IDLE_EN, 'idle events enabled');
    assert.equal(dev.fw.pingWork.pending, true, 'the watchdog is armed');
    // The firmware answers a ping.
    assert.equal(await dev.pm.resumeAndGet(), 0);
    assert.equal(await dev.fw.answersPing(), true);
    await dev.pm.putAutosuspend();
  });
  assertClean(m);
});

test('watchdog: a healthy firmware answers every ping; no reset is requested', async () => {
  const pingNs = 200 * MS;
  const m = await onMachine(
    { seed: 72, driver: { runtimePm: false, pingIntervalNs: pingNs } },
    async (sys, dev) => {
      const acksBefore = sys.hw.stats.glbAcks;
      await sys.k.sleep(5 * pingNs + 10 * MS);
      assert.ok(sys.hw.stats.glbAcks >= acksBefore + 5, 'five pings were acknowledged');
      assert.deepEqual(dev.log.requests, [], 'no reset request');
      assert.equal(dev.fw.pingWork.pending, true, 'still armed');
    },
  );
  assertClean(m);
});

test('watchdog: a hung firmware misses its ping and a reset is requested and brings it back', async () => {
  const pingNs = 200 * MS;
  const m = await onMachine(
    { seed: 73, driver: { runtimePm: false, pingIntervalNs: pingNs } },
    async (sys, dev) => {
      const hangNs = sys.k.nowNs + 50 * MS;
      sys.hw.faults.arm({ name: 'fw-hang', atNs: hangNs, count: 1, rate: 1 });
      await sys.k.sleep(60 * MS);
      assert.equal(sys.hw.firmwareHung, true, 'the firmware stopped answering');
      // The next ping (at most one period away) times out after the global ack timeout.
      const bound = pingNs + dev.cfg.glbAckTimeoutNs + 10 * MS;
      for (let i = 0; i < 100 && dev.log.requests.length === 0; i++) await sys.k.sleep(bound / 50);
      const req = dev.log.requests[0];
      assert.ok(req !== undefined, 'a reset was requested');
      assert.equal(req.reason, 'fw-ping-timeout');
      assert.ok(req.atNs - hangNs <= bound, `requested ${req.atNs - hangNs} ns after the hang`);
      assert.ok(req.atNs - hangNs >= dev.cfg.glbAckTimeoutNs, 'not before the ack timeout');
      // The reset reloads and reboots the firmware (a hang reset is always a slow one).
      for (let i = 0; i < 100 && dev.log.resets[0]?.ok !== true; i++) await sys.k.sleep(10 * MS);
      assert.equal(dev.log.resets.length, 1, 'one reset');
      assert.equal(dev.log.resets[0]?.ok, true);
      assert.equal(dev.log.resets[0]?.slow, true);
      assert.equal(dev.fw.boots, 2, 'booted again');
      assert.equal(sys.hw.firmwareHung, false);
      assert.equal(dev.fw.pingWork.pending, true, 'the watchdog is armed again');
      // And the device serves work.
      const c = open(sys);
      const vm = await vmCreate(c);
      const cmd = await buffer(c, vm, 0x10_0000);
      const g = await group(c, vm);
      assert.equal(await runJob(c, g, cmd, streams.store(cmd.va + 0x800, 3), 1 * S), 1);
    },
  );
  assertClean(m);
});
