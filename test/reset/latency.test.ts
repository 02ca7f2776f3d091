/**
 * Acceptance: `reset-latency` (IGT gem_eio reset-stress), on the `default` design.
 *
 * A loop: a job of file A hangs the firmware, every job in flight is stuck, the driver resets
 * the GPU, then both files resubmit. Each reset must wake every waiter within a bound, and both
 * files stay usable.
 *
 * The bounds, in virtual time, and why:
 * - Detection, `DETECT_BOUND_NS` = 5.2 s after the hang: nothing on a silent firmware
 *   completes, so at the latest the first job timeout (5 s, Panthor's) fires; the `default`
 *   design pings the firmware before blaming the job, and the ping's 100 ms acknowledgement
 *   timeout asks for the reset. (A CSG request already in flight asks sooner: 100 ms.)
 * - Reset, `RESET_BOUND_NS` = 1 s from the request to every waiter of a job that was in flight
 *   being woken. Pre-reset suspends every group on a CSG slot and waits up to 100 ms for each
 *   slot's acknowledgement in turn, then terminates the groups that did not answer, again up to
 *   100 ms per slot: with a silent firmware that is 2 × 100 ms per occupied slot, 400 ms for the
 *   two groups here and 800 ms with all four slots of the model's GPU in use. Then a 100 µs
 *   soft reset, L2 power-on and a 0.5 ms firmware boot. Measured here: 200.6 ms for the first
 *   round (its request came while the groups were still being started) and 400.6–400.7 ms for
 *   the others. 1 s covers the four-slot worst case and stays far below the 5 s job timeout,
 *   so a waiter that a later timeout woke instead of the reset fails the test.
 * - Resubmission, `RESUBMIT_BOUND_NS` = 50 ms: a job submitted while the reset runs waits
 *   behind the closed gate and is handed to the GPU when the reset ends (a 1 ms job, a CSG
 *   start, a tick of 10 ms at most).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { servedAt } from '../../src/check/served.js';
import { GroupStateFlags } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  context,
  device,
  JOB_TIMEOUT_NS,
  MS,
  onMachine,
  openUmd,
  S,
  submit,
  until,
  wait,
  waiters,
} from './helpers.js';

const DETECT_BOUND_NS = JOB_TIMEOUT_NS + 200 * MS;
const RESET_BOUND_NS = 1 * S;
const RESUBMIT_BOUND_NS = 50 * MS;
const ROUNDS = 4;

test('reset-latency: waiters wake within a bound after each reset; both files stay usable', async () => {
  const m = await onMachine({ seed: 21, culprits: new Map([['A', 'hang']]) }, async (env) => {
    const { sys } = env;
    const dev = device(sys);
    const a = await openUmd(sys, 'A');
    const b = await openUmd(sys, 'B');
    const oa = await buffer(a);
    const ob = await buffer(b);
    let ca = await context(a);
    let cb = await context(b);
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const resetsBefore = dev.log.resets.length;
      const requestsBefore = dev.log.requests.length;
      // A's job takes the firmware down; B's 200 ms job is in flight beside it.
      const hung = await submit(env, ca, streams.hang(), true);
      const innocent = await submit(env, cb, streams.store(ob.va, round, 200 * MS));
      const hangNs = sys.k.nowNs;
      sys.hw.faults.arm({ name: 'fw-hang', atNs: hangNs, count: 1, rate: 1 });
      const woke = waiters(env, [hung, innocent], 60 * S);
      assert.ok(
        await until(sys, () => dev.log.requests.length > requestsBefore, DETECT_BOUND_NS, MS),
        `round ${round}: a reset was requested within ${DETECT_BOUND_NS} ns of the hang`,
      );
      const req = dev.log.requests[requestsBefore];
      assert.ok(req !== undefined);
      // Both files resubmit while the reset runs, on new contexts (their groups are lost).
      const ca2 = await context(a);
      const cb2 = await context(b);
      const resubmitted = [
        await submit(env, ca2, streams.store(oa.va, 0xa0 + round, MS)),
        await submit(env, cb2, streams.store(ob.va, 0xb0 + round, MS)),
      ];
      assert.ok(await until(sys, () => woke.size === 2, RESET_BOUND_NS, MS));
      const served = servedAt(dev, req);
      assert.ok(served !== null, 'the request was served');
      assert.equal(dev.log.resets.length, resetsBefore + 1, 'one reset per hang');
      const reset = dev.log.resets[resetsBefore];
      assert.ok(reset?.ok === true && reset.endNs !== null);
      for (const [j, w] of woke) {
        // Both in-flight jobs were on CSG slots of a silent firmware: their suspend failed.
        assert.equal(w.status, -Errno.ETIMEDOUT);
        assert.ok(w.wokeNs - req.atNs <= RESET_BOUND_NS, `woke ${w.wokeNs - req.atNs} ns after`);
        assert.ok(w.wokeNs <= reset.endNs);
        const st = await j.ctx.umd.client.groupGetState(j.ctx.handle);
        assert.ok(st.ok);
        assert.equal(st.value.state, GroupStateFlags.TIMEDOUT | GroupStateFlags.INNOCENT);
      }
      latencies.push(reset.endNs - req.atNs);
      for (const j of resubmitted) {
        const w = await wait(j, S);
        assert.equal(w.status, 1, 'the resubmitted job completes');
        assert.ok(
          j.fence.signalledAtNs - reset.endNs <= RESUBMIT_BOUND_NS,
          `done ${j.fence.signalledAtNs - reset.endNs} ns after the reset`,
        );
      }
      assert.deepEqual(oa.map?.read32(0), { ok: true, value: 0xa0 + round });
      assert.deepEqual(ob.map?.read32(0), { ok: true, value: 0xb0 + round });
      for (const c of [ca, cb]) await c.destroy();
      ca = ca2;
      cb = cb2;
      sys.hw.faults.disarmAll();
    }
    assert.equal(dev.log.resets.length, ROUNDS);
    assert.equal(dev.wedge.wedged, false);
    for (const l of latencies) assert.ok(l > 0 && l <= RESET_BOUND_NS);
    await a.close();
    await b.close();
  });
  assertClean(m);
});
