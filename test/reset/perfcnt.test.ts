/**
 * Acceptance: `perfcnt-across-reset` (the Panfrost perfcnt reset discussion), on `default`.
 *
 * A profiler dumps the counters every 100 ms while another file's job takes the firmware
 * down, which resets the GPU. The session must survive with its counters reprogrammed, a dump
 * that arrives during the reset waits and then proceeds, the first dump after the reset says
 * samples were lost, and the AS reference the session holds is given back before the reset
 * zeroes the counts and taken again after, so that the count never underflows. The same story
 * with the `perfcnt-as-underflow` bug on shows that the test would notice.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import * as R from '../../src/hw/regs.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  context,
  device,
  type Env,
  type Machine,
  MS,
  onMachine,
  openUmd,
  S,
  submit,
  until,
  wait,
} from './helpers.js';

interface Dump {
  issuedNs: number;
  returnedNs: number;
  ok: boolean;
  errno: number;
  samplesLost: boolean;
  epoch: number;
}

interface Observed {
  dumps: Dump[];
  /** Lowest active count seen on the session's VM, at every step of the run. */
  minActive: number;
  requestNs: number;
  reset: { startNs: number; endNs: number; ok: boolean } | null;
  sessionAfter: { asHeld: boolean; active: number; sameVm: boolean } | null;
  configAfter: number;
  expectedConfig: number;
  epochAfter: number;
  disable: number;
}

async function profileAcrossReset(env: Env, obs: Observed): Promise<void> {
  const { sys } = env;
  const dev = device(sys);
  const p = await openUmd(sys, 'profiler');
  const en = await p.client.perfcntEnable(true);
  assert.ok(en.ok, 'PERFCNT_ENABLE');
  const session = dev.perfcnt.session;
  assert.ok(session !== null);
  sys.k.observe(() => {
    if (dev.perfcnt.session === session)
      obs.minActive = Math.min(obs.minActive, session.vm.activeCnt.peek());
  });
  const g = await openUmd(sys, 'G');
  const cg = await context(g);
  const r = await openUmd(sys, 'renderer');
  const cr = await context(r);
  const or = await buffer(r);
  const words = Math.ceil(dev.perfcnt.bytes / 4);
  let stop = false;
  sys.spawn('dumper', async () => {
    for (let i = 0; i < 200 && !stop; i++) {
      await sys.k.sleep(100 * MS);
      const issuedNs = sys.k.nowNs;
      const d = await p.client.perfcntDump({ buf: new Array<number>(words).fill(0) });
      obs.dumps.push({
        issuedNs,
        returnedNs: sys.k.nowNs,
        ok: d.ok,
        errno: d.ok ? 0 : d.errno,
        samplesLost: d.ok ? d.value.samplesLost === 1 : false,
        epoch: d.ok ? d.value.epoch : -1,
      });
    }
  });
  // Work for the counters to count.
  assert.equal((await wait(await submit(env, cr, streams.store(or.va, 1, 50 * MS)), S)).status, 1);
  // G's job takes the firmware down; the reset comes when a CSG request goes unanswered
  // (starting G's group) or, at the latest, at the first job timeout.
  await submit(env, cg, streams.hang(), true);
  sys.hw.faults.arm({ name: 'fw-hang', atNs: sys.k.nowNs, count: 1, rate: 1 });
  assert.ok(await until(sys, () => dev.log.requests.length > 0, 6 * S, MS), 'a reset is requested');
  obs.requestNs = dev.log.requests[0]?.atNs ?? -1;
  assert.ok(await until(sys, () => dev.log.resets[0]?.endNs != null, 2 * S, MS), 'reset over');
  const rec = dev.log.resets[0];
  assert.ok(rec !== undefined && rec.endNs !== null);
  obs.reset = { startNs: rec.startNs, endNs: rec.endNs, ok: rec.ok === true };
  sys.hw.faults.disarmAll();
  // More work after the reset (on a new context: the renderer's group was on a slot of the
  // silent firmware and is lost), then a few more dumps.
  const cr2 = await context(r);
  assert.equal((await wait(await submit(env, cr2, streams.store(or.va, 2, 50 * MS)), S)).status, 1);
  await sys.k.sleep(450 * MS);
  stop = true;
  await sys.k.sleep(200 * MS);
  const s = dev.perfcnt.session;
  obs.sessionAfter =
    s === null
      ? null
      : { asHeld: s.asHeld, active: s.vm.activeCnt.peek(), sameVm: s.vm === session.vm };
  obs.configAfter = sys.hw.read32(R.PRFCNT_CONFIG);
  obs.expectedConfig = R.PRFCNT_CONFIG_MODE_MANUAL | (session.vm.asId << R.PRFCNT_CONFIG_AS_SHIFT);
  obs.epochAfter = dev.reset.epoch;
  const dis = await p.client.perfcntEnable(false);
  obs.disable = dis.ok ? 0 : dis.errno;
  for (const u of [p, g, r]) await u.close();
}

function observed(): Observed {
  return {
    dumps: [],
    minActive: Number.POSITIVE_INFINITY,
    requestNs: -1,
    reset: null,
    sessionAfter: null,
    configAfter: -1,
    expectedConfig: -2,
    epochAfter: -1,
    disable: -1,
  };
}

async function run(bugs: 'perfcnt-as-underflow'[]): Promise<{ m: Machine; obs: Observed }> {
  const obs = observed();
  const m = await onMachine({ seed: 31, bugs, culprits: new Map([['G', 'hang']]) }, (env) =>
    profileAcrossReset(env, obs),
  );
  return { m, obs };
}

test('perfcnt-across-reset: the session survives, a dump during the reset waits, the first after it reports lost samples', async () => {
  const { m, obs } = await run([]);
  assertClean(m);
  const reset = obs.reset;
  assert.ok(reset?.ok === true);
  // The session survived with its own VM, holds its AS reference again, and the counters were
  // reprogrammed: manual mode, samples written through the session's address space.
  assert.deepEqual(obs.sessionAfter, { asHeld: true, active: 1, sameVm: true });
  assert.equal(obs.configAfter, obs.expectedConfig);
  assert.equal(obs.disable, 0, 'the owner can still disable it');
  // Every dump succeeded: none failed with EAGAIN or timed out because of the reset.
  assert.ok(obs.dumps.length >= 8);
  assert.deepEqual(
    obs.dumps.filter((d) => !d.ok),
    [],
  );
  // Dumps issued while the reset was pending or running waited for it, then proceeded.
  const during = obs.dumps.filter((d) => d.issuedNs >= obs.requestNs && d.issuedNs < reset.endNs);
  assert.ok(during.length >= 1, 'a dump arrived during the reset');
  for (const d of during) assert.ok(d.returnedNs >= reset.endNs, 'it returned after the reset');
  // The first dump after the reset says samples were lost, with the new epoch; no other does.
  const lost = obs.dumps.filter((d) => d.samplesLost);
  assert.equal(lost.length, 1);
  const first = obs.dumps.find((d) => d.returnedNs >= reset.endNs);
  assert.equal(lost[0], first);
  assert.equal(first?.epoch, obs.epochAfter);
  assert.equal(obs.epochAfter, 1);
  for (const d of obs.dumps) assert.equal(d.epoch, d.returnedNs < reset.endNs ? 0 : 1);
  // The session's VM held no AS reference during the reset (the observer saw its count at 0
  // while the session lived) and held one again after (sessionAfter.active above). A
  // refcount_t saturates at 0 instead of going negative, so `>= 0` alone could not fail: an
  // underflow shows as the `refcount-underflow` violation assertClean looks for.
  assert.ok(Number.isFinite(obs.minActive), 'the observer saw the session');
  assert.ok(obs.minActive >= 0);
  assert.equal(obs.minActive, 0, 'no AS reference held across the reset');
});

test('perfcnt-across-reset: with perfcnt-as-underflow the session’s later put underflows the AS count', async () => {
  const { m } = await run(['perfcnt-as-underflow']);
  const under = m.violations.filter((v) => v.invariant === 'refcount-underflow');
  assert.ok(under.length >= 1, 'refcount-underflow reported');
  assert.match(under[0]?.message ?? '', /perfcnt.*active_cnt/);
});
