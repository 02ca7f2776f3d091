/**
 * The poll loop's fast-forward (driver/io.ts `DeviceIo.poll`, Kernel.quietUntilNs): a poll on a
 * register that cannot change skips the wakes at which it would only read the same value
 * again. The skip must be exact: the same instant, result and MMIO read count as a poll that
 * wakes every tick (`quietPolls: false`), and the same decisions and outcome on whole runs,
 * only with fewer steps. The polls modelled are readl_poll_timeout and
 * readl_poll_timeout_atomic as the driver uses them: panthor_mmu.c wait_ready (AS_STATUS, 10 us
 * ticks, atomic), panthor_gpu.c and panthor_fw.c (L2_READY, MCU_STATUS).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { PanthorDevice } from '../../src/driver/device.js';
import { DESIGN_NAMES } from '../../src/driver/reset/designs/index.js';
import { faultsFor } from '../../src/explore/explore.js';
import type { RunReport } from '../../src/explore/program.js';
import { getProgram } from '../../src/explore/registry.js';
import { strategyFromName } from '../../src/explore/strategy-factory.js';
import * as R from '../../src/hw/regs.js';
import type { Strategy } from '../../src/kernel/strategy.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtin.js';
import { LITMUS_SCENARIOS } from '../../src/scenarios/litmus.js';
import { registerBuiltinPrograms } from '../../src/scenarios/program.js';
import type { System } from '../../src/system/system.js';
import { onMachine } from './helpers.js';

interface Polled {
  ok: boolean;
  value: number;
  elapsedNs: number;
  steps: number;
  reads: number;
}

/** Runs `poll` on a booted, powered machine, with or without the fast-forward. */
async function measure(
  quietPolls: boolean,
  poll: (sys: System, dev: PanthorDevice) => Promise<{ ok: boolean; value: number }>,
): Promise<Polled> {
  let out: Polled | null = null;
  await onMachine({ seed: 5, quietPolls }, async (sys, dev) => {
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const t0 = sys.k.nowNs;
    const s0 = sys.k.stepCount;
    const r0 = sys.hw.stats.mmioReads;
    const r = await poll(sys, dev);
    out = {
      ok: r.ok,
      value: r.value,
      elapsedNs: sys.k.nowNs - t0,
      steps: sys.k.stepCount - s0,
      reads: sys.hw.stats.mmioReads - r0,
    };
    await dev.pm.putAutosuspend();
  });
  assert.ok(out !== null);
  return out;
}

test('a poll on a register that never changes times out at the same instant, with every read counted, in a few steps', async () => {
  // 1 ms at 10 us: the kernel macro reads at every tick and once more at the deadline.
  const poll = (_sys: System, dev: PanthorDevice) =>
    dev.io.poll(R.GPU_ID, (v) => v === 0xdead, 1_000_000, 10_000, true);
  const slow = await measure(false, poll);
  const fast = await measure(true, poll);
  assert.equal(slow.ok, false);
  assert.equal(slow.elapsedNs, 1_000_000);
  // The poll reads at 0, 10, ..., 1000 us and once more after; the rest of the machine (the
  // IRQ handlers, the firmware's watchdog) may read a few registers in that time too.
  assert.ok(slow.reads >= 102, `${slow.reads} reads`);
  assert.ok(slow.steps >= 100, `a wake per tick without the skip (${slow.steps} steps)`);
  assert.deepEqual(
    { ok: fast.ok, value: fast.value, elapsedNs: fast.elapsedNs, reads: fast.reads },
    { ok: slow.ok, value: slow.value, elapsedNs: slow.elapsedNs, reads: slow.reads },
  );
  assert.ok(fast.steps * 5 < slow.steps, `${fast.steps} steps against ${slow.steps}`);
});

test('a sleeping poll skips the same way (usleep_range, not udelay)', async () => {
  const poll = (_sys: System, dev: PanthorDevice) =>
    dev.io.poll(R.MCU_STATUS, (v) => v === 0x7, 500_000, 10_000, false);
  const slow = await measure(false, poll);
  const fast = await measure(true, poll);
  assert.equal(fast.elapsedNs, slow.elapsedNs);
  assert.equal(fast.reads, slow.reads);
  assert.equal(fast.value, slow.value);
  assert.ok(fast.steps * 3 < slow.steps, `${fast.steps} steps against ${slow.steps}`);
});

test('a register that moves with time is read at every tick: the cycle counter is not skipped', async () => {
  let target = 0;
  const poll = (sys: System, dev: PanthorDevice) => {
    target = (sys.k.nowNs + 55_000) % 2 ** 32;
    return dev.io.poll(R.GPU_CYCLE_COUNT, (v) => v >= target, 1_000_000, 10_000, true);
  };
  const fast = await measure(true, poll);
  assert.equal(fast.ok, true);
  assert.equal(fast.elapsedNs, 60_000, 'the first tick at or after the value it waits for');
  assert.ok(fast.steps >= 6, 'a wake per tick');
});

test('a write by another task stops the skip: the poll sees it at the first tick after', async () => {
  const poll = (sys: System, dev: PanthorDevice) => {
    sys.spawn('writer', async () => {
      await sys.k.sleep(3_333_000);
      sys.hw.write32(R.GPU_TIMESTAMP_OFFSET, 0x1234);
    });
    return dev.io.poll(R.GPU_TIMESTAMP_OFFSET, (v) => v === 0x1234, 10_000_000, 10_000, true);
  };
  const slow = await measure(false, poll);
  const fast = await measure(true, poll);
  assert.deepEqual(
    { ok: slow.ok, elapsedNs: slow.elapsedNs },
    { ok: true, elapsedNs: 3_340_000 },
    'the tick after the write',
  );
  assert.deepEqual(
    { ok: fast.ok, value: fast.value, elapsedNs: fast.elapsedNs, reads: fast.reads },
    { ok: slow.ok, value: slow.value, elapsedNs: slow.elapsedNs, reads: slow.reads },
  );
  assert.ok(fast.steps < slow.steps);
});

test('a time-jumping strategy is offered the same decisions: the skip stops a horizon before each event', async () => {
  // A task that wakes within the horizon of an event is a decision (run it or fire the event
  // first), so the skip must leave those wakes in. This strategy takes the event whenever it
  // is offered and logs every decision it is asked: with and without the skip, the same log.
  const runs: { picks: string[]; elapsedNs: number }[] = [];
  for (const quietPolls of [false, true]) {
    const picks: string[] = [];
    const strategy: Strategy = {
      name: 'event-first',
      timeJumps: true,
      start() {},
      onSpawn() {},
      pick(runq, offered) {
        picks.push(`${runq.map((t) => t.name).join('+')}${offered ? ' or event' : ''}`);
        return offered ? runq.length : 0;
      },
    };
    let elapsedNs = 0;
    await onMachine({ seed: 9, quietPolls, strategy }, async (sys, dev) => {
      assert.equal(await dev.pm.resumeAndGet(), 0);
      sys.spawn('ticker', async () => {
        for (let i = 0; i < 20; i++) await sys.k.sleep(47_000);
      });
      const t0 = sys.k.nowNs;
      await dev.io.poll(R.GPU_ID, (v) => v === 0xdead, 1_000_000, 10_000, true);
      elapsedNs = sys.k.nowNs - t0;
      await dev.pm.putAutosuspend();
    });
    runs.push({ picks, elapsedNs });
  }
  assert.deepEqual(runs[1], runs[0]);
  assert.ok(
    (runs[0]?.picks ?? []).some((p) => p.endsWith('or event')),
    'the ticker puts events within the horizon of the poll',
  );
});

test('whole runs: every scenario and litmus on every design makes the same decisions and ends the same with the skip as without', async () => {
  registerBuiltinPrograms();
  const names = [...BUILTIN_SCENARIOS.map((s) => s.name), ...LITMUS_SCENARIOS.map((l) => l.name)];
  let fewer = 0;
  let runs = 0;
  for (const name of names) {
    for (const design of DESIGN_NAMES) {
      const p = getProgram(`${name}@${design}`);
      assert.ok(p !== undefined, `${name}@${design}`);
      // One run per program, the strategies taking turns: time jumps (random) and priorities
      // (PCT) both, at half the cost of both on each.
      {
        const strategy = runs % 2 === 0 ? 'random' : 'pct';
        const seed = 1 + (runs % 3);
        const faults = faultsFor(p, { strategy, runs: 1, seed }, seed);
        const once = async (quietPolls: boolean): Promise<{ steps: number; same: unknown }> => {
          const r: RunReport = await p.run({
            seed,
            strategy: strategyFromName(strategy),
            faults,
            record: true,
            stopOnViolation: true,
            quietPolls,
          });
          return {
            steps: r.steps,
            same: {
              outcome: r.outcome,
              decisions: r.decisions,
              schedule: r.schedule,
              virtualTimeNs: r.virtualTimeNs,
              violations: r.violations.map(
                (v) => `${v.invariant} ${v.message} @${v.atNs} ${v.task}`,
              ),
            },
          };
        };
        const slow = await once(false);
        const fast = await once(true);
        assert.deepEqual(fast.same, slow.same, `${name}@${design} ${strategy} seed ${seed}`);
        assert.ok(fast.steps <= slow.steps);
        if (fast.steps < slow.steps) fewer++;
        runs++;
      }
    }
  }
  // The skip is exercised, not only harmless: the runs with a stuck AS or a stuck MCU use it.
  assert.ok(fewer * 10 > runs, `${fewer} of ${runs} runs left steps out`);
});
