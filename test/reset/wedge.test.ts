/**
 * Acceptance: `reset-failure-wedges` (Panthor reset failure + DRM device wedging),
 * `wedged-then-rebind` (IGT xe_wedged basic-wedged) and `inflight-fences-error-on-wedge`
 * (IGT gem_eio in-flight-*), on the `default` design.
 *
 * The wedges are real: a reset whose firmware fails to boot, retried once as a slow reset that
 * fails the same way (`fw-boot-fail` twice), or a soft reset that never completes
 * (`reset-timeout`). The device is then wedged: every fence signalled with an error, one
 * `WEDGED=rebind,bus-reset` uevent after that, ENODEV for every ioctl until the recovery daemon
 * rebinds the driver.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { PanthorDevice } from '../../src/driver/device.js';
import { Errno } from '../../src/kernel/errno.js';
import { fenceRegistry } from '../../src/kernel/fence.js';
import type { System } from '../../src/system/system.js';
import type { DrmClient } from '../../src/userspace/client.js';
import { type Submission, streams } from '../../src/userspace/umd.js';
import { errnoOf, groupArgs } from '../driver/helpers.js';
import {
  assertClean,
  buffer,
  context,
  device,
  JOB_TIMEOUT_NS,
  type Job,
  MS,
  onMachine,
  openUmd,
  S,
  submit,
  until,
  wait,
  waiters,
} from './helpers.js';

/** The device's fences (job fences and the driver's own), as the wedge must see them. */
function deviceFences(sys: System, dev: PanthorDevice) {
  return fenceRegistry(sys.k).all.filter((f) => dev.ownsFenceContext(f.context));
}

/** Every ioctl of the uAPI on `c`, with plausible arguments; returns the errno of each. */
async function everyIoctl(c: DrmClient, vmId: number, group: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  out.set('DEV_QUERY', errnoOf(await c.devQuery({ type: 0, size: 0, pointer: null })));
  out.set('VM_CREATE', errnoOf(await c.vmCreate()));
  out.set('VM_DESTROY', errnoOf(await c.vmDestroy(vmId)));
  out.set('VM_BIND', errnoOf(await c.vmMap(vmId, 1, 0x4000_0000, 4096)));
  out.set('VM_GET_STATE', errnoOf(await c.vmGetState(vmId)));
  out.set('BO_CREATE', errnoOf(await c.boCreate(4096)));
  out.set('BO_MMAP_OFFSET', errnoOf(await c.boMmapOffset(1)));
  out.set('GEM_CLOSE', errnoOf(await c.gemClose(1)));
  out.set('GROUP_CREATE', errnoOf(await c.groupCreate(groupArgs(vmId))));
  out.set('GROUP_SUBMIT', errnoOf(await c.submit(group, 0, 0, 0)));
  out.set('GROUP_GET_STATE', errnoOf(await c.groupGetState(group)));
  out.set('GROUP_DESTROY', errnoOf(await c.groupDestroy(group)));
  out.set(
    'TILER_HEAP_CREATE',
    errnoOf(
      await c.tilerHeapCreate({
        vmId,
        initialChunkCount: 1,
        chunkSize: 128 * 1024,
        maxChunks: 4,
        targetInFlight: 1,
      }),
    ),
  );
  out.set('TILER_HEAP_DESTROY', errnoOf(await c.tilerHeapDestroy(0)));
  out.set('SYNCOBJ_CREATE', errnoOf(await c.syncobjCreate()));
  out.set('SYNCOBJ_WAIT', errnoOf(await c.wait(1, MS)));
  out.set('SYNCOBJ_QUERY', errnoOf(await c.queryPoint(1)));
  out.set('SYNCOBJ_DESTROY', errnoOf(await c.syncobjDestroy(1)));
  out.set('PERFCNT_ENABLE', errnoOf(await c.perfcntEnable(true)));
  out.set('PERFCNT_DUMP', errnoOf(await c.perfcntDump({ buf: [0] })));
  return out;
}

test('reset-failure-wedges: fences signalled with an error, one WEDGED uevent after them, ENODEV for every ioctl', async () => {
  const m = await onMachine({ seed: 5, culprits: new Map([['A', 'hang']]) }, async (env) => {
    const { sys } = env;
    const dev = device(sys);
    const a = await openUmd(sys, 'A');
    const b = await openUmd(sys, 'B');
    const ca = await context(a);
    const cb = await context(b);
    const ob = await buffer(b);
    const hung = await submit(env, ca, streams.busyForever(), true);
    const jobs: Job[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await submit(env, cb, streams.store(ob.va, i, 2 * S)));
    const woke = waiters(env, [hung, ...jobs], 60 * S);
    // At A's timeout the firmware answers the ping late, so the GPU is reset; its firmware
    // then fails to boot, and again in the slow retry.
    const at = hung.submittedNs + JOB_TIMEOUT_NS - MS;
    sys.hw.faults.arm({ name: 'late-ack', atNs: at, count: 1, rate: 1 });
    sys.hw.faults.arm({ name: 'fw-boot-fail', atNs: at, count: 2, rate: 1 });
    assert.ok(await until(sys, () => dev.wedge.eventsSent > 0, 30 * S), 'the device wedged');
    assert.ok(await until(sys, () => woke.size === 7, 1 * S), 'every waiter woke');

    assert.deepEqual(
      sys.hw.faults.fired.map((f) => f.name),
      ['late-ack', 'fw-boot-fail', 'fw-boot-fail'],
    );
    assert.equal(dev.log.resets.length, 1, 'one reset, whose slow retry failed too');
    assert.equal(dev.log.resets[0]?.ok, false);

    // Every fence of the device is signalled, and every unfinished job with an error: the
    // failed reset's post-reset terminates every stopped group (-ECANCELED: not the jobs'
    // fault), and its term work races with the wedge that follows: a job it reaches after the
    // device wedged ends with -ENODEV instead (both are what panthor_sched.c and the wedged
    // protocol allow; the fence-error-code oracle checks the pair).
    const fences = deviceFences(sys, dev);
    assert.ok(fences.length > 0);
    for (const f of fences) assert.ok(f.signalled, `${f.name} signalled`);
    const killed = [-Errno.ECANCELED, -Errno.ENODEV];
    assert.ok(killed.includes(hung.fence.status), `hung job: ${hung.fence.status}`);
    const done = jobs.filter((j) => j.fence.status === 1);
    assert.equal(done.length, 2, 'two 2 s jobs finished before the reset at ~5.1 s');
    for (const j of jobs.slice(2)) assert.ok(killed.includes(j.fence.status), `${j.fence.status}`);

    // Exactly one WEDGED uevent, naming the recovery methods, sent after the fences.
    const wedged = sys.uevents.sent.filter((e) => e.env.WEDGED !== undefined);
    assert.equal(wedged.length, 1);
    const ev = wedged[0];
    assert.ok(ev !== undefined);
    assert.equal(ev.action, 'change');
    assert.equal(ev.devpath, 'fb000000.gpu');
    assert.deepEqual(ev.env, { WEDGED: 'rebind,bus-reset' });
    for (const f of fences) assert.ok(f.signalledAtNs <= ev.atNs);
    assert.deepEqual(dev.log.wedges, [
      {
        atNs: ev.atNs,
        unsignalledFences: 0,
        irqsMasked: true,
        dmaStopped: true,
        mappingsRedirected: true,
      },
    ]);
    for (const w of woke.values()) assert.ok(w.wokeNs <= ev.atNs, 'waiters woke by then');

    // Every ioctl fails with ENODEV, on an open file and on a new one.
    const errs = await everyIoctl(a.client, a.vmId, ca.handle);
    assert.equal(errs.size, 20);
    for (const [name, e] of errs) assert.equal(e, Errno.ENODEV, name);
    assert.deepEqual(b.client.mmap(0x1000_0000, 4096), { ok: false, errno: Errno.ENODEV });
    const c = sys.client({ name: 'C' });
    assert.ok(typeof c !== 'number');
    assert.deepEqual(await c.vmCreate(), { ok: false, errno: Errno.ENODEV });
    // Nothing recovers it without the daemon: it stays wedged and sends nothing more.
    await sys.k.sleep(2 * S);
    assert.equal(sys.dev, dev);
    assert.equal(sys.uevents.sent.filter((e) => e.env.WEDGED !== undefined).length, 1);
    for (const cl of [a.client, b.client, c]) await cl.close();
  });
  assertClean(m);
});

test('wedged-then-rebind: VM_CREATE fails while wedged; after the daemon rebinds, new files run work on every queue', async () => {
  const m = await onMachine({ seed: 6 }, async (env) => {
    const { sys, daemon } = env;
    const dev = device(sys);
    const a = await openUmd(sys, 'A');
    const ca = await context(a);
    const oa = await buffer(a);
    assert.equal((await wait(await submit(env, ca, streams.store(oa.va, 1, MS)), S)).status, 1);
    // Listen before the daemon does, so that this task sees the event first.
    const events = sys.uevents.listen();
    daemon.start();
    // Wedge: a soft reset that never completes makes the reset and its retry fail.
    sys.hw.faults.arm({ name: 'reset-timeout', atNs: sys.k.nowNs, count: 0, rate: 1 });
    await dev.reset.schedule('test');
    let ev = await events.next();
    while (ev !== null && ev.env.WEDGED === undefined) ev = await events.next();
    assert.equal(ev?.env.WEDGED, 'rebind,bus-reset');
    assert.ok(dev.wedge.wedged && !dev.unplugged, 'still wedged, not yet unbound');
    assert.deepEqual(await a.client.vmCreate(), { ok: false, errno: Errno.ENODEV });
    const fresh = sys.client({ name: 'fresh' });
    assert.ok(typeof fresh !== 'number');
    assert.deepEqual(await fresh.vmCreate(), { ok: false, errno: Errno.ENODEV });
    sys.hw.faults.disarmAll();
    events.close();

    // The daemon rebinds: a new device instance.
    assert.ok(
      await until(sys, () => sys.dev !== null && sys.dev !== dev && sys.dev.initialized, 5 * S),
      'the daemon rebound the driver',
    );
    assert.deepEqual(
      daemon.recoveries.map((r) => [r.methods, r.used, r.ok]),
      [['rebind,bus-reset', 'rebind', true]],
    );
    assert.ok(dev.unplugged, 'the wedged instance was removed');
    // Old files stay dead.
    assert.deepEqual(await a.client.vmCreate(), { ok: false, errno: Errno.ENODEV });

    // New files create VMs and run work on every queue of a group.
    const n = await openUmd(sys, 'N');
    const q = await n.client.devQuery({ type: 1, size: 24, pointer: {} });
    assert.ok(q.ok);
    const queues = q.value.pointer?.csSlotCount ?? 0;
    assert.equal(queues, 4);
    const ctx = await n.context({ queues });
    assert.ok(typeof ctx !== 'number');
    const out = await buffer(n);
    const subs: number[] = [];
    for (let i = 0; i < queues; i++) {
      const s: Submission = await ctx.submit(i, streams.store(out.va + 4 * i, 0x100 + i, MS));
      assert.equal(s.errno, 0);
      subs.push(s.syncobj);
    }
    for (const so of subs) assert.deepEqual(await n.wait(so, S), { waitErrno: 0, status: 1 });
    for (let i = 0; i < queues; i++) {
      assert.deepEqual(out.map?.read32(4 * i), { ok: true, value: 0x100 + i });
    }
    const n2 = await openUmd(sys, 'N2');
    const c2 = await context(n2);
    const o2 = await buffer(n2);
    assert.equal((await wait(await submit(env, c2, streams.store(o2.va, 7, MS)), S)).status, 1);
    for (const cl of [a.client, fresh, n.client, n2.client]) await cl.close();
  });
  assertClean(m);
});

test('inflight-fences-error-on-wedge: many jobs queued behind a hang all end with an error; nothing waits forever', async () => {
  const m = await onMachine({ seed: 7, culprits: new Map([['A', 'hang']]) }, async (env) => {
    const { sys } = env;
    const dev = device(sys);
    const a = await openUmd(sys, 'A');
    const b = await openUmd(sys, 'B');
    const ca = await context(a);
    const cb = await context(b);
    const oa = await buffer(a);
    const ob = await buffer(b);
    // A: a hang, and 20 jobs queued behind it on the same queue. B: 20 jobs of 50 ms.
    const hung = await submit(env, ca, streams.busyForever(), true);
    const behind: Job[] = [];
    for (let i = 0; i < 20; i++) behind.push(await submit(env, ca, streams.store(oa.va, i), true));
    const other: Job[] = [];
    for (let i = 0; i < 20; i++)
      other.push(await submit(env, cb, streams.store(ob.va, i, 50 * MS)));
    const all = [hung, ...behind, ...other];
    // Waiters with a timeout far beyond anything the wedge takes.
    const woke = waiters(env, all, 600 * S);
    await sys.k.sleep(120 * MS);
    // Then wedge: a reset whose soft reset never completes, nor does its retry's.
    sys.hw.faults.arm({ name: 'reset-timeout', atNs: sys.k.nowNs, count: 0, rate: 1 });
    const requestNs = sys.k.nowNs;
    await dev.reset.schedule('test');
    assert.ok(await until(sys, () => dev.wedge.eventsSent > 0, 10 * S), 'wedged');
    assert.ok(await until(sys, () => woke.size === all.length, 1 * S), 'every waiter woke');
    const ev = sys.uevents.sent.find((e) => e.env.WEDGED !== undefined);
    assert.ok(ev !== undefined);

    // Some of B's jobs finished before the reset; everything else has an error, and the
    // error says why: nothing ran on the hardware that was at fault.
    let ok = 0;
    for (const j of all) {
      assert.ok(j.fence.signalled, 'signalled');
      if (j.fence.status === 1) {
        ok++;
        assert.ok(other.includes(j) && j.fence.signalledAtNs < requestNs);
      } else {
        // The failed reset's term work (-ECANCELED) races with the wedge (-ENODEV).
        assert.ok([-Errno.ECANCELED, -Errno.ENODEV].includes(j.fence.status), `${j.fence.status}`);
        assert.ok(j.fence.signalledAtNs <= ev.atNs);
      }
    }
    assert.equal(ok, 2, 'B’s first two 50 ms jobs were done in 120 ms');
    for (const j of [hung, ...behind])
      assert.ok([-Errno.ECANCELED, -Errno.ENODEV].includes(j.fence.status), `${j.fence.status}`);
    // Nothing waits forever: every waiter woke by the uevent, within 3 s of the request.
    // The bound: two attempts (the reset and its slow retry), each a 100 ms soft-reset
    // timeout followed by the 1 s firmware boot timeout (Panthor boots the firmware whatever
    // the soft reset said, and the boot decides), 2.2 s, plus pre-reset and quiescing.
    for (const w of woke.values()) {
      assert.equal(w.waitErrno, 0);
      assert.ok(w.wokeNs <= ev.atNs && w.wokeNs - requestNs < 3 * S, `woke at ${w.wokeNs} ns`);
    }
    assert.equal(dev.log.resets[0]?.ok, false);
    for (const f of deviceFences(sys, dev)) assert.ok(f.signalled, f.name);
    // Submitting more fails fast with ENODEV.
    assert.equal((await ca.submit(0, streams.store(oa.va, 1))).errno, Errno.ENODEV);
    sys.hw.faults.disarmAll();
    await a.close();
    await b.close();
  });
  assertClean(m);
});
