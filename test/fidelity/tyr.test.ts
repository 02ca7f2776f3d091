/**
 * The `tyr` preset: the Tyr reset series ("drm/tyr: implement GPU reset API") on this model's
 * blocks. Resettable blocks called in registration order (MMU, firmware, scheduler) before and
 * after the hardware reset, the pending flag cleared once run_reset returned, resets alone on
 * their ordered queue, and a failed reset ending in `todo!("unplug the GPU")`: a Rust panic in
 * the work item, after which the worker never returns, the pending flag stays set and every
 * later request coalesces into a reset that never runs (docs/fidelity.md §3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceEvent } from '../../src/kernel/trace.js';
import { onMachine, S, until } from '../reset/helpers.js';

function phases(trace: readonly TraceEvent[]): string[] {
  return trace.filter((e) => e.cat === 'reset-phase' && e.ph === 'b').map((e) => e.name);
}

test('tyr: the Resettable blocks in registration order, the flag cleared at the end', async () => {
  await onMachine({ design: 'tyr', trace: true }, async ({ sys }) => {
    const dev = sys.dev;
    assert.ok(dev !== null);
    assert.equal(await dev.pm.resumeAndGet(), 0);
    await dev.reset.schedule('test');
    await until(sys, () => dev.log.resets[0]?.endNs != null, 10 * S);
    assert.deepEqual(phases(sys.k.trace.events ?? []), [
      'mmu.pre',
      'fw.pre',
      'sched.pre',
      'gpu.soft-reset',
      'gpu.l2-on',
      'mmu.post',
      'fw.post',
      'sched.post',
      'clear-pending',
    ]);
    assert.equal(dev.log.resets[0]?.ok, true);
    assert.equal(
      dev.timeoutWq(),
      dev.systemWq,
      'timeouts and the watchdog are not on tyr-reset-wq',
    );
    await dev.pm.putAutosuspend();
  });
});

test('tyr: a failed reset panics (todo!): the worker never returns and later requests coalesce into nothing', async () => {
  await onMachine({ design: 'tyr', trace: true }, async ({ sys }) => {
    const dev = sys.dev;
    assert.ok(dev !== null);
    assert.equal(await dev.pm.resumeAndGet(), 0);
    sys.hw.faults.arm({ name: 'fw-boot-fail', atNs: sys.k.nowNs, count: 1, rate: 1 });
    await dev.reset.schedule('test');
    assert.ok(await until(sys, () => dev.log.oopses.length > 0, 10 * S), 'the reset work panicked');
    assert.match(dev.log.oopses[0]?.message ?? '', /not yet implemented: unplug the GPU/);
    // The error propagated: the sequence stopped at the failed firmware restart.
    const seen = phases(sys.k.trace.events ?? []);
    assert.equal(seen.at(-1), 'fw.post');
    assert.ok(!seen.includes('sched.post'), 'nothing after the failing step ran');
    // The worker is gone: the work is still "running", the pending flag stays set.
    await sys.k.sleep(1 * S);
    assert.equal(dev.reset.work.running, true);
    assert.equal(dev.reset.isPending(), true);
    const before = dev.log.requests.length;
    await dev.reset.schedule('test');
    assert.equal(dev.log.requests.length, before + 1);
    assert.equal(
      dev.log.requests.at(-1)?.queued,
      false,
      'coalesced into the reset that never runs',
    );
    assert.equal(dev.log.resets.length, 1, 'no other reset ever starts');
    assert.equal(dev.unplugged, false, 'nothing unplugged the device');
    // The test ends here: an unbind would wait for ever in disable_sync (the dead worker).
    sys.k.stop();
  });
});
