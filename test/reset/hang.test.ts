/**
 * Acceptance: `hang-timeout-reset-innocent-progress` (IGT panfrost_submit pan-reset) and
 * `innocent-on-reset` (Panthor's INNOCENT group state flag), on the `default` design.
 *
 * A CSF GPU does not need a device reset for a hung job: at its 5 s timeout the scheduler
 * terminates the job's group, and a reset follows only when the firmware does not answer.
 * The hung jobs of the timeout stories keep completing RUNs (`streams.busyForever`), so the
 * firmware's progress timer never fires and the 5 s job timeout is what ends them; a RUN that
 * never ends is ended earlier by the progress timer (~2.6 s; test/driver/progress-timer.test.ts). So
 * each story is told twice where it matters: once where the firmware answers (the group is
 * killed, nothing else happens), once where it does not (a late acknowledgement of the ping
 * the `default` design sends before blaming a job, or a hung firmware), which resets the GPU.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
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
  wait,
} from './helpers.js';

const { TIMEDOUT, INNOCENT } = GroupStateFlags;

test('hang-timeout-reset-innocent-progress: the hung job times out, the other file completes, the device keeps serving', async () => {
  const m = await onMachine({ seed: 11, culprits: new Map([['A', 'hang']]) }, async (env) => {
    const { sys } = env;
    const a = await openUmd(sys, 'A');
    const b = await openUmd(sys, 'B');
    const ctxA = await context(a);
    const ctxB = await context(b);
    const outB = await buffer(b);
    const hung = await submit(env, ctxA, streams.busyForever(), true);
    const small = await submit(env, ctxB, streams.store(outB.va, 0xb0b, 1 * MS));

    // B's small job is not held up by A's hang.
    const wb = await wait(small, 1 * S);
    assert.equal(wb.status, 1, 'B completes');
    assert.ok(wb.wokeNs - small.submittedNs < 10 * MS, 'B is done within 10 ms');
    assert.deepEqual(outB.map?.read32(0), { ok: true, value: 0xb0b });

    // A is not signalled before its timeout ...
    const early = await wait(hung, JOB_TIMEOUT_NS - (sys.k.nowNs - hung.submittedNs) - MS);
    assert.equal(early.waitErrno, Errno.ETIME, 'the wait for A times out first');
    assert.equal(hung.fence.signalled, false, 'A is not signalled before its job timeout');
    // ... and is signalled with -ETIMEDOUT after it.
    const wa = await wait(hung, 2 * S);
    assert.equal(wa.waitErrno, 0);
    assert.equal(wa.status, -Errno.ETIMEDOUT, 'A ends with -ETIMEDOUT');
    const after = hung.fence.signalledAtNs - hung.submittedNs;
    assert.ok(
      after >= JOB_TIMEOUT_NS && after < JOB_TIMEOUT_NS + 500 * MS,
      `A signalled ${after} ns after submission: after its 5 s timeout, within 500 ms of it`,
    );
    const st = await a.client.groupGetState(ctxA.handle);
    assert.ok(st.ok);
    assert.equal(st.value.state, TIMEDOUT, 'A: TIMEDOUT only');
    assert.equal(await ctxA.robustness(), 'guilty');
    assert.equal(
      (await ctxA.submit(0, streams.store(outB.va, 1))).errno,
      Errno.EINVAL,
      'a submit to the dead group is EINVAL',
    );
    const stB = await b.client.groupGetState(ctxB.handle);
    assert.ok(stB.ok);
    assert.equal(stB.value.state, 0, 'B has no flag');
    // The firmware answered: the group was terminated, the GPU was not reset.
    assert.equal(device(sys).log.resets.length, 0);

    // The device keeps serving: B again, a new group of A, and a new file.
    const again = await submit(env, ctxB, streams.store(outB.va, 0xb0b2, 1 * MS));
    assert.equal((await wait(again, 1 * S)).status, 1);
    const a2 = await context(a);
    const outA = await buffer(a);
    const retry = await submit(env, a2, streams.store(outA.va, 0xa2, 1 * MS));
    assert.equal((await wait(retry, 1 * S)).status, 1, 'a new group of A runs');
    const c = await openUmd(sys, 'C');
    const ctxC = await context(c);
    const outC = await buffer(c);
    const j = await submit(env, ctxC, streams.store(outC.va, 0xc, 1 * MS));
    assert.equal((await wait(j, 1 * S)).status, 1, 'a new file runs work');
    assert.equal(device(sys).wedge.wedged, false);
    for (const u of [a, b, c]) await u.close();
  });
  assertClean(m);
});

test('hang-timeout-reset-innocent-progress: with a GPU reset, the other file’s job in flight survives it', async () => {
  const m = await onMachine({ seed: 11, culprits: new Map([['A', 'hang']]) }, async (env) => {
    const { sys } = env;
    const dev = device(sys);
    const a = await openUmd(sys, 'A');
    const b = await openUmd(sys, 'B');
    const ctxA = await context(a);
    const ctxB = await context(b);
    const outB = await buffer(b);
    const hung = await submit(env, ctxA, streams.busyForever(), true);
    // The firmware is slow to answer the ping sent at A's timeout: the driver resets the GPU.
    sys.hw.faults.arm({
      name: 'late-ack',
      atNs: hung.submittedNs + JOB_TIMEOUT_NS - MS,
      count: 1,
      rate: 1,
    });
    await sys.k.sleep(JOB_TIMEOUT_NS - 100 * MS);
    // B's 300 ms job is running when the reset comes.
    const long = await submit(env, ctxB, streams.store(outB.va, 0xb0b, 300 * MS));
    const wb = await wait(long, 5 * S);
    assert.equal(dev.log.resets.length, 1, 'one GPU reset');
    const reset = dev.log.resets[0];
    assert.ok(reset !== undefined && reset.ok === true && reset.endNs !== null);
    assert.equal(dev.log.requests[0]?.reason, 'fw-ping-timeout');
    assert.equal(wb.status, 1, 'B’s job was suspended, resumed after the reset, and completed');
    assert.ok(long.submittedNs < reset.startNs && long.fence.signalledAtNs > reset.endNs);
    assert.deepEqual(outB.map?.read32(0), { ok: true, value: 0xb0b });
    const stB = await b.client.groupGetState(ctxB.handle);
    assert.ok(stB.ok);
    assert.equal(stB.value.state, 0, 'B has no flag');
    // A is re-timed after the reset (a hung firmware is not A's fault) and then blamed.
    const wa = await wait(hung, 10 * S);
    assert.equal(wa.status, -Errno.ETIMEDOUT);
    assert.ok(hung.fence.signalledAtNs >= reset.endNs + JOB_TIMEOUT_NS);
    assert.ok(hung.fence.signalledAtNs < reset.endNs + JOB_TIMEOUT_NS + 500 * MS);
    const st = await a.client.groupGetState(ctxA.handle);
    assert.ok(st.ok);
    assert.equal(st.value.state, TIMEDOUT);
    const next = await submit(env, ctxB, streams.store(outB.va, 0xb0b3, 1 * MS));
    assert.equal((await wait(next, 1 * S)).status, 1, 'the device keeps serving');
    await a.close();
    await b.close();
  });
  assertClean(m);
});

test('innocent-on-reset: the group that fails to suspend is TIMEDOUT and INNOCENT; the one that suspended finishes', async () => {
  const m = await onMachine({ seed: 11, culprits: new Map([['X', 'hang']]) }, async (env) => {
    const { sys } = env;
    const dev = device(sys);
    // Y's group is created and run first, so that it holds CSG slot 0.
    const y = await openUmd(sys, 'Y');
    const x = await openUmd(sys, 'X');
    const z = await openUmd(sys, 'Z');
    const cy = await context(y);
    const cx = await context(x);
    const cz = await context(z);
    const oy = await buffer(y);
    const oz = await buffer(z);
    assert.equal(
      (await wait(await submit(env, cy, streams.store(oy.va, 1, 10 * MS)), S)).status,
      1,
    );
    // X hangs; at its timeout the firmware answers the ping late (X's hang took the firmware
    // down with it), so a reset is needed; and during that reset the suspend of CSG slot 0
    // (Y) is acknowledged late as well.
    const jx = await submit(env, cx, streams.busyForever(), true);
    sys.hw.faults.arm({
      name: 'late-ack',
      atNs: jx.submittedNs + JOB_TIMEOUT_NS - MS,
      count: 2,
      rate: 1,
    });
    await sys.k.sleep(JOB_TIMEOUT_NS - 200 * MS);
    const jy = await submit(env, cy, streams.store(oy.va, 2, 2 * S));
    const jz = await submit(env, cz, streams.store(oz.va, 3, 2 * S));
    const wy = await wait(jy, 10 * S);
    const wz = await wait(jz, 10 * S);
    assert.deepEqual(
      sys.hw.faults.fired.map((f) => f.detail),
      ['glb PING', 'csg0 SUSPEND'],
      'the ping and Y’s suspend were acknowledged late',
    );
    assert.equal(dev.log.resets.length, 1);
    const reset = dev.log.resets[0];
    assert.ok(reset?.ok === true && reset.endNs !== null);

    // Y: its suspend failed, so its job is lost; it is TIMEDOUT and INNOCENT, not FATAL_FAULT.
    assert.equal(wy.status, -Errno.ETIMEDOUT);
    const sy = await y.client.groupGetState(cy.handle);
    assert.ok(sy.ok);
    assert.equal(sy.value.state, TIMEDOUT | INNOCENT);
    assert.equal(sy.value.fatalQueues, 0);
    assert.equal(await cy.robustness(), 'innocent');
    // Z suspended cleanly: resumed after the reset, finished, no flag.
    assert.equal(wz.status, 1);
    assert.ok(jz.fence.signalledAtNs > reset.endNs);
    assert.deepEqual(oz.map?.read32(0), { ok: true, value: 3 });
    const sz = await z.client.groupGetState(cz.handle);
    assert.ok(sz.ok);
    assert.equal(sz.value.state, 0);
    // X suspended cleanly too, was re-timed after the reset, and is blamed: TIMEDOUT only.
    const wx = await wait(jx, 10 * S);
    assert.equal(wx.status, -Errno.ETIMEDOUT);
    const sx = await x.client.groupGetState(cx.handle);
    assert.ok(sx.ok);
    assert.equal(sx.value.state, TIMEDOUT);
    assert.equal(await cx.robustness(), 'guilty');
    // Y's application recreates its context and carries on.
    const cy2 = await context(y);
    assert.equal((await wait(await submit(env, cy2, streams.store(oy.va, 4, MS)), S)).status, 1);
    for (const u of [x, y, z]) await u.close();
  });
  assertClean(m);
});

test('innocent-on-reset: a hung firmware fails every on-slot suspend; the group off slot resumes and finishes', async () => {
  // Two CSG slots for three groups: the tick rotates them, and one is always off slot.
  const m = await onMachine(
    { seed: 11, gpu: { csgSlots: 2 }, culprits: new Map([['X', 'hang']]) },
    async (env) => {
      const { sys } = env;
      const dev = device(sys);
      const x = await openUmd(sys, 'X');
      const y = await openUmd(sys, 'Y');
      const z = await openUmd(sys, 'Z');
      const cx = await context(x);
      const cy = await context(y);
      const cz = await context(z);
      const oy = await buffer(y);
      const oz = await buffer(z);
      const jx = await submit(env, cx, streams.hang(), true);
      const jy = await submit(env, cy, streams.store(oy.va, 1, 400 * MS));
      await sys.k.sleep(50 * MS);
      // X's job takes the firmware down.
      sys.hw.faults.arm({ name: 'fw-hang', atNs: sys.k.nowNs, count: 1, rate: 1 });
      await sys.k.sleep(MS);
      const jz = await submit(env, cz, streams.store(oz.va, 2, 10 * MS));
      const [wx, wy, wz] = [await wait(jx, 10 * S), await wait(jy, 10 * S), await wait(jz, 10 * S)];
      assert.equal(dev.log.resets.length, 1);
      const reset = dev.log.resets[0];
      assert.ok(reset?.ok === true && reset.endNs !== null);
      // The next rotation's CSG request was not acknowledged: that asked for the reset.
      assert.equal(dev.log.requests[0]?.reason, 'csg-ack-timeout');
      // X and Y were on the slots: their suspend failed, they are TIMEDOUT and INNOCENT (the
      // driver cannot tell which group hung the firmware), their jobs end with -ETIMEDOUT.
      for (const [w, u, c] of [
        [wx, x, cx],
        [wy, y, cy],
      ] as const) {
        assert.equal(w.status, -Errno.ETIMEDOUT);
        const s = await u.client.groupGetState(c.handle);
        assert.ok(s.ok);
        assert.equal(s.value.state, TIMEDOUT | INNOCENT);
      }
      // Z was off slot when the reset came (nothing of it was on the hardware to lose): its
      // job runs after the reset and finishes, with no flag.
      assert.equal(wz.status, 1);
      assert.ok(jz.fence.signalledAtNs > reset.endNs);
      const s = await z.client.groupGetState(cz.handle);
      assert.ok(s.ok);
      assert.equal(s.value.state, 0);
      for (const u of [x, y, z]) await u.close();
    },
  );
  assertClean(m);
});
