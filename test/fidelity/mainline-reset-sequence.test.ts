/**
 * mainline-reset-sequence: on the `panthor` design, every reset follows
 * panthor_device_reset_work (drivers/gpu/drm/panthor/panthor_device.c, Linux v7.0):
 *
 *   panthor_sched_pre_reset(ptdev);
 *   panthor_fw_pre_reset(ptdev, true);
 *   panthor_mmu_pre_reset(ptdev);
 *   panthor_gpu_soft_reset(ptdev);          -- result ignored
 *   panthor_gpu_l2_power_on(ptdev);         -- result ignored
 *   panthor_mmu_post_reset(ptdev);
 *   ret = panthor_fw_post_reset(ptdev);     -- the only result used
 *   atomic_set(&ptdev->reset.pending, 0);
 *   panthor_sched_post_reset(ptdev, ret != 0);
 *   drm_dev_exit(cookie);
 *   if (ret) { panthor_device_unplug(ptdev); drm_err("Failed to boot MCU after reset, ..."); }
 *
 * Checked from the trace of every built-in scenario (FIFO, and random scheduling with the
 * scenario's swarm faults) and of directed runs: the phases of each reset in this order, with
 * no retry; a soft reset that times out does not fail the reset when the firmware boots; a
 * firmware that does not boot fails it, and the device is unplugged, the error after the unplug.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultsFor, runSeed } from '../../src/explore/explore.js';
import { randomStrategy } from '../../src/explore/random.js';
import { getProgram } from '../../src/explore/registry.js';
import type { TraceEvent } from '../../src/kernel/trace.js';
import '../../src/scenarios/register.js';
import { Errno } from '../../src/kernel/errno.js';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';
import { onMachine, S, until } from '../reset/helpers.js';

const MAINLINE = [
  'sched.pre',
  'fw.pre',
  'mmu.pre',
  'gpu.soft-reset',
  'gpu.l2-on',
  'mmu.post',
  'fw.post',
  'clear-pending',
  'sched.post',
];

/** The phases of every reset in a trace, in order, one list per reset. */
function resetSequences(trace: readonly TraceEvent[]): string[][] {
  const out: string[][] = [];
  let cur: string[] | null = null;
  for (const e of trace) {
    if (e.cat === 'reset' && e.ph === 'b' && e.name === 'reset work') {
      cur = [];
      out.push(cur);
    } else if (e.cat === 'reset-phase' && e.ph === 'b' && cur !== null) {
      cur.push(e.name);
    }
  }
  return out;
}

test('mainline-reset-sequence: every reset of every built-in scenario on panthor is panthor_device_reset_work', async () => {
  let resets = 0;
  for (const spec of BUILTIN_SCENARIOS) {
    const runs = [
      await runScenario(spec, { design: 'panthor', seed: 1, trace: true }, builtinScenario),
    ];
    // With the scenario's swarm faults and random scheduling, so that resets happen.
    const program = getProgram(`${spec.name}@panthor`);
    assert.ok(program !== undefined);
    const o = { strategy: 'random', runs: 4, seed: 1 } as const;
    for (let i = 0; i < 4; i++) {
      const seed = runSeed(1, i);
      const report = await program.run({
        seed,
        strategy: randomStrategy(),
        faults: faultsFor(program, o, seed),
        trace: true,
      });
      runs.push(report as Awaited<ReturnType<typeof runScenario>>);
    }
    for (const run of runs) {
      for (const seq of resetSequences(run.trace ?? [])) {
        resets++;
        // A reset that was cut short by the end of the run is a prefix of the sequence.
        assert.deepEqual(seq, MAINLINE.slice(0, seq.length), `${spec.name}: ${seq.join(' ')}`);
      }
    }
  }
  assert.ok(resets >= 10, `resets were exercised (${resets})`);
});

/**
 * A reset on a booted, active device (a runtime-PM reference held so that it cannot suspend),
 * with the GPU block's soft reset or L2 power-on made to report -ETIMEDOUT although the
 * hardware did its job: what the design does with the result is then all that differs.
 */
async function resetWithResult(design: string, step: 'softReset' | 'l2PowerOn') {
  let sequences: string[][] = [];
  let ok: boolean | null = null;
  let unplugged = false;
  const m = await onMachine({ design, trace: true }, async ({ sys }) => {
    const dev = sys.dev;
    assert.ok(dev !== null);
    assert.equal(await dev.pm.resumeAndGet(), 0);
    const real = dev.gpu[step].bind(dev.gpu);
    dev.gpu[step] = async () => {
      await real();
      return -Errno.ETIMEDOUT;
    };
    await dev.reset.schedule('test');
    await until(sys, () => dev.log.resets.length > 0 && !dev.reset.inProgress, 10 * S);
    ok = dev.log.resets[0]?.ok ?? null;
    unplugged = dev.unplugged;
    sequences = resetSequences(sys.k.trace.events ?? []);
    await dev.pm.putAutosuspend();
  });
  return { sequences, ok, unplugged, m };
}

test('mainline-reset-sequence: panthor ignores the soft-reset and L2 results (only panthor_fw_post_reset decides)', async () => {
  for (const step of ['softReset', 'l2PowerOn'] as const) {
    const r = await resetWithResult('panthor', step);
    assert.deepEqual(
      r.sequences,
      [MAINLINE],
      `${step}: one reset, the mainline sequence, no retry`,
    );
    assert.equal(r.ok, true, `${step}: the reset succeeded`);
    assert.equal(r.unplugged, false, `${step}: not unplugged`);
  }
});

test('mainline-reset-sequence: with success=all (default) the same result fails the reset and it is retried', async () => {
  const r = await resetWithResult('default', 'softReset');
  assert.equal(r.ok, false, 'the first attempt failed');
  // The retry repeats the firmware and MMU pre-reset, then the hardware steps.
  assert.ok(r.sequences[0]?.includes('retry pre-reset'), r.sequences[0]?.join(' '));
});

test('mainline-reset-sequence: a firmware that does not boot fails the reset: unplug, then the error', async () => {
  const m = await onMachine({ design: 'panthor', trace: true }, async ({ sys }) => {
    const dev = sys.dev;
    assert.ok(dev !== null);
    assert.equal(await dev.pm.resumeAndGet(), 0);
    sys.hw.faults.arm({ name: 'fw-boot-fail', atNs: sys.k.nowNs, count: 1, rate: 1 });
    await dev.reset.schedule('test');
    await until(sys, () => dev.unplugged && dev.unplugDone.completed, 10 * S);
    const trace = sys.k.trace.events ?? [];
    assert.deepEqual(resetSequences(trace), [MAINLINE], 'the whole sequence once, no retry');
    assert.equal(dev.log.resets[0]?.ok, false);
    const unplug = trace.findIndex((e) => e.cat === 'device' && e.name === 'unplug');
    const err = trace.findIndex(
      (e) => e.name === 'Failed to boot MCU after reset, making device unusable.',
    );
    assert.ok(unplug >= 0 && err > unplug, 'unplugged, and the error logged after the unplug');
    assert.ok(!trace.some((e) => e.name.startsWith('wedging')), 'no wedge');
    assert.equal(dev.reset.isPending(), false, 'pending cleared even though the reset failed');
  });
  assert.deepEqual(
    m.violations.filter((v) => v.invariant === 'model-error'),
    [],
  );
});
