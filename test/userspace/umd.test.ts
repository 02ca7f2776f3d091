/**
 * The user-mode driver (src/userspace/umd.ts): buffers, contexts and submissions, and the
 * robustness query that maps the kernel's group state onto GL_KHR_robustness / Vulkan terms:
 *
 *   group state                        -> robustness
 *   nothing                            -> no-error
 *   TIMEDOUT or FATAL_FAULT            -> guilty
 *   INNOCENT (always with TIMEDOUT)    -> innocent
 *   GROUP_GET_STATE fails, ENODEV      -> device-lost
 *   GROUP_GET_STATE fails otherwise    -> unknown
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { GroupStateFlags } from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams, Umd } from '../../src/userspace/umd.js';
import { assertClean, MS, onMachine, S } from '../driver/helpers.js';
import { context, openUmd } from '../reset/helpers.js';

test('buffers, contexts and a submission: the store is visible through the buffer', async () => {
  const m = await onMachine({ seed: 151 }, async (sys) => {
    const u = await openUmd(sys);
    const ctx = await context(u);
    const buf = await u.buffer(100);
    assert.ok(typeof buf !== 'number');
    assert.equal(buf.size, 4096);
    assert.ok(buf.map !== null);
    const sub = await ctx.submit(0, streams.store(buf.va, 0xabc));
    assert.equal(sub.errno, 0);
    assert.deepEqual(await u.wait(sub.syncobj, 1 * S), { waitErrno: 0, status: 1 });
    assert.deepEqual(buf.map.read32(0), { ok: true, value: 0xabc });
    assert.equal(await ctx.robustness(), 'no-error');
    // A NO_MMAP buffer has no CPU mapping.
    const hidden = await u.buffer(4096, { noMmap: true });
    assert.ok(typeof hidden !== 'number' && hidden.map === null);
    // A stream bigger than the command buffer is refused before the kernel sees it.
    const huge = new Array<number>((64 * 1024) / 4).fill(0);
    assert.deepEqual(await ctx.submit(0, huge), { syncobj: 0, errno: Errno.E2BIG });
    // A submit the kernel rejects reports its errno and remembers it.
    const bad = await ctx.submit(3, new CsBuilder().nop());
    assert.deepEqual(bad, { syncobj: 0, errno: Errno.EINVAL });
    assert.equal(ctx.lastError, Errno.EINVAL);
  });
  assertClean(m);
});

test('robustness: a context whose job hung is guilty (TIMEDOUT)', async () => {
  const m = await onMachine({ seed: 152 }, async (sys, dev) => {
    const u = await openUmd(sys);
    const ctx = await context(u);
    const other = await context(u);
    const sub = await ctx.submit(0, streams.hang());
    const w = await u.wait(sub.syncobj, dev.cfg.jobTimeoutNs * 2);
    assert.deepEqual(w, { waitErrno: 0, status: -Errno.ETIMEDOUT });
    assert.equal(await ctx.robustness(), 'guilty');
    assert.equal(await other.robustness(), 'no-error', 'the other context is untouched');
  });
  assertClean(m);
});

test('robustness: a context that faulted is guilty (FATAL_FAULT)', async () => {
  const m = await onMachine({ seed: 153 }, async (sys) => {
    const u = await openUmd(sys);
    const ctx = await context(u);
    const sub = await ctx.submit(0, streams.pageFault(0x7000_0000));
    assert.deepEqual(await u.wait(sub.syncobj, 1 * S), { waitErrno: 0, status: -Errno.EINVAL });
    assert.equal(await ctx.robustness(), 'guilty');
    // A new context on the same device is fine: the application recreates its context.
    const fresh = await context(u);
    const buf = await u.buffer(4096);
    assert.ok(typeof buf !== 'number');
    const s2 = await fresh.submit(0, streams.store(buf.va, 1));
    assert.deepEqual(await u.wait(s2.syncobj, 1 * S), { waitErrno: 0, status: 1 });
    assert.equal(await fresh.robustness(), 'no-error');
  });
  assertClean(m);
});

test('robustness: a running context that fails to suspend during a reset is innocent', async () => {
  const m = await onMachine({ seed: 154 }, async (sys, dev) => {
    const u = await openUmd(sys);
    const ctx = await context(u);
    const buf = await u.buffer(4096);
    assert.ok(typeof buf !== 'number');
    // A long job, running on a slot when the reset comes.
    const sub = await ctx.submit(0, streams.store(buf.va, 1, 500 * MS));
    const g = u.client.file.groups.get(ctx.handle);
    for (let i = 0; i < 100 && (g?.csgId ?? -1) < 0; i++) await sys.k.sleep(1 * MS);
    assert.ok((g?.csgId ?? -1) >= 0, 'on a slot');
    // The firmware acknowledges the suspend request far too late (after the 100 ms CSG
    // timeout): the group could still run, so it is reported innocent, not guilty.
    sys.hw.faults.arm({ name: 'late-ack', atNs: sys.k.nowNs, count: 1, rate: 1 });
    await dev.reset.schedule('test');
    const w = await u.wait(sub.syncobj, 2 * S);
    assert.equal(w.waitErrno, 0);
    assert.ok(w.status < 0, `the job was lost with the reset (${w.status})`);
    const st = await u.client.groupGetState(ctx.handle);
    assert.ok(st.ok);
    assert.equal(
      st.value.state,
      GroupStateFlags.TIMEDOUT | GroupStateFlags.INNOCENT,
      'TIMEDOUT and INNOCENT, never FATAL_FAULT',
    );
    assert.equal(await ctx.robustness(), 'innocent');
    assert.equal(sys.hw.faults.fired.filter((f) => f.name === 'late-ack').length, 1);
  });
  assertClean(m);
});

test('robustness: device-lost after unbind (ENODEV); unknown when the context is gone', async () => {
  const m = await onMachine({ seed: 155 }, async (sys) => {
    const u = await openUmd(sys);
    const a = await context(u);
    const b = await context(u);
    // The context's group was destroyed: GROUP_GET_STATE is EINVAL, the state is unknown.
    assert.equal((await b.destroy()).ok, true);
    assert.equal(await b.robustness(), 'unknown');
    assert.equal(await sys.unbind(), 0);
    assert.equal(await a.robustness(), 'device-lost');
    // Reopening fails with the positive errno while no device is bound.
    assert.equal(await Umd.open(sys), Errno.ENODEV);
    assert.equal(await sys.boot(), 0);
    const again = await openUmd(sys);
    assert.equal(await (await context(again)).robustness(), 'no-error');
  });
  assertClean(m);
});
