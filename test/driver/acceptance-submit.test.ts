/**
 * Acceptance tests (the round-one acceptance list, kept as tests here), GROUP_SUBMIT topic: `null-submit-ok`,
 * `submit-arg-errors`, `group-store`. Ported from IGT's panfrost_submit and the panthor_group
 * tests onto the ioctl surface of a booted System.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { objArray, SIZEOF, SyncOpFlags } from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  onMachine,
  open,
  read,
  runJob,
  S,
  signalOp,
  submit,
  syncobj,
  vmCreate,
  waitStatus,
} from './helpers.js';

test('null-submit-ok: a job that does nothing signals its syncobj with status 1', async () => {
  const m = await onMachine({ seed: 1 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    // pan-submit: the smallest valid job. A single NOP (8 bytes, the minimum stream size).
    const so = await submit(c, g, cmd, new CsBuilder().nop());
    const r = await waitStatus(c, so, 1 * S);
    assert.equal(r.waitErrno, 0, 'the wait returns 0');
    assert.equal(r.status, 1, 'the fence is signalled without an error');
    // And it did so on the GPU, in well under the wait's timeout.
    assert.ok(sys.k.nowNs < 1 * S, `done at ${sys.k.nowNs} ns`);
    // An empty submit (no stream at all) signals with the queue's last fence: also status 1.
    const empty = await syncobj(c);
    assert.equal(errnoOf(await c.submit(g, 0, 0, 0, [signalOp(empty)])), 0);
    assert.deepEqual(await waitStatus(c, empty, 1 * S), { waitErrno: 0, status: 1 });
  });
  assertClean(m);
});

test('submit-arg-errors: malformed GROUP_SUBMIT arguments fail with the kernel errno', async () => {
  const m = await onMachine({ seed: 2 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await syncobj(c);
    const words = new CsBuilder().nop().words();
    cmd.map.writeWords(0, words);
    const good = {
      queueIndex: 0,
      streamSize: words.length * 4,
      streamAddr: cmd.va,
      latestFlush: 0,
      syncs: objArray([signalOp(so)], SIZEOF.syncOp),
    };
    const one = (qs: Partial<typeof good> & Record<string, unknown>, pad = 0) =>
      c.groupSubmit({
        groupHandle: g,
        pad,
        queueSubmits: objArray([{ ...good, ...qs }], SIZEOF.queueSubmit),
      });

    // Stream address without a size (panthor_ioctl_group_submit: exactly one of them zero).
    assert.equal(errnoOf(await one({ streamSize: 0 })), Errno.EINVAL, 'address without size');
    assert.equal(errnoOf(await one({ streamAddr: 0 })), Errno.EINVAL, 'size without address');
    // A NULL sync array with a count: copy_from_user fails, EFAULT.
    assert.equal(
      errnoOf(await one({ syncs: { stride: 16, count: 2, array: null } })),
      Errno.EFAULT,
      'null sync array with count > 0',
    );
    // A NULL queue_submits array with a count: EFAULT too.
    assert.equal(
      errnoOf(
        await c.groupSubmit({
          groupHandle: g,
          pad: 0,
          queueSubmits: { stride: 40, count: 1, array: null },
        }),
      ),
      Errno.EFAULT,
      'null queue_submits array',
    );
    // Unknown queue index (the group has one queue).
    assert.equal(errnoOf(await one({ queueIndex: 1 })), Errno.EINVAL, 'unknown queue index');
    // Non-zero pad, in the ioctl struct and in a queue submit.
    assert.equal(errnoOf(await one({}, 1)), Errno.EINVAL, 'non-zero ioctl pad');
    assert.equal(errnoOf(await one({ pad: 1 })), Errno.EINVAL, 'non-zero queue-submit pad');
    // Unknown out syncobj: panthor_submit_ctx_add_sync_signal -> drm_syncobj_find fails,
    // EINVAL (a wait on an unknown syncobj is ENOENT, from drm_syncobj_find_fence).
    assert.equal(
      errnoOf(await one({ syncs: objArray([signalOp(999)], SIZEOF.syncOp) })),
      Errno.EINVAL,
      'unknown out syncobj',
    );
    assert.equal(
      errnoOf(
        await one({
          syncs: objArray(
            [{ flags: SyncOpFlags.HANDLE_TYPE_SYNCOBJ, handle: 999, timelineValue: 0 }],
            SIZEOF.syncOp,
          ),
        }),
      ),
      Errno.ENOENT,
      'unknown in syncobj',
    );
    // Misaligned stream address and size.
    assert.equal(errnoOf(await one({ streamAddr: cmd.va + 8 })), Errno.EINVAL, 'addr % 64');
    assert.equal(errnoOf(await one({ streamSize: 12 })), Errno.EINVAL, 'size % 8');
    // A binary syncobj with a timeline point.
    assert.equal(
      errnoOf(
        await one({ syncs: objArray([{ ...signalOp(so), timelineValue: 3 }], SIZEOF.syncOp) }),
      ),
      Errno.EINVAL,
      'timeline value on a binary syncobj',
    );
    // Unknown group handle.
    assert.equal(
      errnoOf(
        await c.groupSubmit({
          groupHandle: 77,
          pad: 0,
          queueSubmits: objArray([good], SIZEOF.queueSubmit),
        }),
      ),
      Errno.EINVAL,
      'unknown group',
    );
    // None of the rejected submits queued anything: the syncobj never got a fence.
    assert.equal(c.syncobjFence(so), null, 'no rejected submit attached a fence');
    // The same arguments, corrected, are accepted and the job completes.
    assert.equal(errnoOf(await one({})), 0);
    assert.deepEqual(await waitStatus(c, so, 1 * S), { waitErrno: 0, status: 1 });
  });
  assertClean(m);
});

test('group-store: a stream stores 0xdeadbeef to a mapped BO, visible after the fence', async () => {
  const m = await onMachine({ seed: 3 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const g = await group(c, vm);
    assert.equal(read(data, 0x40), 0, 'a new BO reads as zero');
    // A long RUN before the store: the value must not be there while the job still runs.
    const so = await submit(c, g, cmd, streams.store(data.va + 0x40, 0xdeadbeef, 10_000_000));
    const early = await waitStatus(c, so, 1_000_000);
    assert.equal(early.waitErrno, Errno.ETIME, 'the job is still running after 1 ms');
    assert.equal(early.status, 0, 'not signalled yet');
    assert.equal(read(data, 0x40), 0, 'nothing stored before the job ran its RUN');
    const r = await waitStatus(c, so, 1 * S);
    assert.deepEqual(r, { waitErrno: 0, status: 1 });
    assert.equal(read(data, 0x40), 0xdeadbeef, 'the store is visible through the CPU mapping');
    // A second job on the same group reuses the ring: it stores too.
    assert.equal(await runJob(c, g, cmd, streams.store(data.va + 0x44, 0x1234)), 1);
    assert.equal(read(data, 0x44), 0x1234);
  });
  assertClean(m);
});
