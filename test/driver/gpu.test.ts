/**
 * The GPU control block (gpu.ts): the soft reset clears a stale RESET_COMPLETED before it
 * issues the command (panthor_gpu_soft_reset; Tyr's issue_soft_reset with the reset series'
 * patch 1/4), and re-reads RAWSTAT when the interrupt was lost.
 *
 * The soft reset is called directly (as probe and the reset work do), with a runtime-PM
 * reference held so that the device cannot autosuspend under the test. It resets the whole
 * GPU, firmware included: each test ends right after, with the device left as it is.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { BugId } from '../../src/driver/bugs.js';
import type { MmioAccess } from '../../src/hw/context.js';
import * as R from '../../src/hw/regs.js';
import { Errno } from '../../src/kernel/errno.js';
import type { System } from '../../src/system/system.js';
import { onMachine } from './helpers.js';

/** Records every MMIO access from now on (chained behind the checker's own hook). */
function recordMmio(sys: System): MmioAccess[] {
  const log: MmioAccess[] = [];
  const prev = sys.hw.onMmio;
  sys.hw.onMmio = (a) => {
    prev?.(a);
    log.push(a);
  };
  return log;
}

/** Puts a stale RESET_COMPLETED in RAWSTAT (no reset, no interrupt), as the fault does. */
async function staleBit(sys: System): Promise<void> {
  sys.hw.faults.arm({ name: 'stale-reset-completed', atNs: sys.k.nowNs, count: 1, rate: 1 });
  await sys.k.sleep(1000);
  assert.ok(sys.hw.read32(R.GPU_INT_RAWSTAT) & R.GPU_IRQ_RESET_COMPLETED, 'the stale bit is set');
}

async function staleBitThenStuckReset(bugs: BugId[], design = 'default') {
  let ret = 0;
  let log: MmioAccess[] = [];
  const m = await onMachine({ seed: 51, bugs, design }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    await staleBit(sys);
    sys.hw.faults.arm({ name: 'reset-timeout', atNs: sys.k.nowNs, count: 1, rate: 1 });
    log = recordMmio(sys);
    ret = await dev.gpu.softReset();
    assert.ok(sys.hw.resetInProgress, 'the hardware never finished its reset');
  });
  return { ret, log, m };
}

test('soft reset clears a stale RESET_COMPLETED first, so a stuck reset is not believed', async () => {
  const { ret, log, m } = await staleBitThenStuckReset([]);
  const writes = log.filter((a) => a.write);
  const clear = writes.findIndex(
    (a) => a.offset === R.GPU_INT_CLEAR && (a.value & R.GPU_IRQ_RESET_COMPLETED) !== 0,
  );
  const cmd = writes.findIndex((a) => a.offset === R.GPU_CMD && a.value === R.GPU_SOFT_RESET);
  assert.ok(clear >= 0, 'RESET_COMPLETED is cleared');
  assert.ok(cmd >= 0, 'the soft reset is issued');
  assert.ok(clear < cmd, 'the clear comes before the command');
  assert.equal(ret, -Errno.ETIMEDOUT, 'the stuck reset is reported as a timeout');
  const dev = m.sys.platform.devices[0];
  assert.equal(
    dev?.log.resetBeliefs.length,
    0,
    'Panthor does not soft-reset at probe; none believed',
  );
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});

test("Tyr's polled soft reset with patch 1/4 clears the stale bit: the stuck reset times out", async () => {
  const { ret, log, m } = await staleBitThenStuckReset([], 'tyr');
  const writes = log.filter((a) => a.write);
  const clear = writes.findIndex(
    (a) => a.offset === R.GPU_INT_CLEAR && (a.value & R.GPU_IRQ_RESET_COMPLETED) !== 0,
  );
  const cmd = writes.findIndex((a) => a.offset === R.GPU_CMD && a.value === R.GPU_SOFT_RESET);
  assert.ok(clear >= 0 && clear < cmd, 'cleared before the command');
  assert.equal(ret, -Errno.ETIMEDOUT);
  assert.equal(m.sys.platform.devices[0]?.log.resetBeliefs.length, 1, 'only the probe reset');
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});

test('soft reset: the check catches mainline Tyr (stale-reset-irq switch: no clear first)', async () => {
  // The bit is not cleared, so the stale one passes the first poll: the stuck reset looks done.
  const { ret, log, m } = await staleBitThenStuckReset(['stale-reset-irq'], 'tyr');
  const writes = log.filter((a) => a.write);
  assert.ok(
    !writes.some(
      (a) => a.offset === R.GPU_INT_CLEAR && (a.value & R.GPU_IRQ_RESET_COMPLETED) !== 0,
    ),
    'no clear',
  );
  assert.equal(ret, 0, 'the stuck reset is believed');
  assert.equal(m.sys.platform.devices[0]?.log.resetBeliefs.length, 2);
  assert.ok(m.violations.some((v) => v.invariant === 'stale-reset-irq'));
});

test('soft reset re-checks RAWSTAT when the RESET_COMPLETED interrupt is lost', async () => {
  const m = await onMachine({ seed: 52 }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const timeoutNs = dev.cfg.softResetTimeoutNs;
    // A normal soft reset is acknowledged by its interrupt, long before the timeout.
    let t0 = sys.k.nowNs;
    assert.equal(await dev.gpu.softReset(), 0);
    const fastNs = sys.k.nowNs - t0;
    assert.ok(fastNs < timeoutNs / 10, `acknowledged in ${fastNs} ns`);
    // The same with the interrupt lost: RAWSTAT has the bit, the line never rises.
    sys.hw.faults.arm({ name: 'lost-irq', atNs: sys.k.nowNs, count: 1, rate: 1 });
    t0 = sys.k.nowNs;
    assert.equal(await dev.gpu.softReset(), 0, 'the completed reset is recognised');
    const slowNs = sys.k.nowNs - t0;
    assert.ok(slowNs >= timeoutNs, `found after the timeout (${slowNs} ns), by reading RAWSTAT`);
    assert.ok(slowNs < timeoutNs * 2, `${slowNs} ns`);
    const lost = sys.hw.faults.fired.filter((f) => f.name === 'lost-irq');
    assert.equal(lost.length, 1);
    assert.match(lost[0]?.detail ?? '', /gpu/, 'the lost interrupt was the GPU one');
    assert.equal(dev.gpu.pendingReqs, 0, 'no request left pending');
    assert.equal(dev.log.resetBeliefs.length, 2, 'two soft resets believed');
  });
  // Both resets really happened: the stale-reset oracle has nothing to say.
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});
