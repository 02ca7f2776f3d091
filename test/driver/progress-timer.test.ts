/**
 * The firmware's progress timer (issue 13 item 4) and the three ways a job can fail to end.
 *
 * Panthor programs GLB_PROGRESS_TIMER = PROGRESS_TIMEOUT_CYCLES >> PROGRESS_TIMEOUT_SCALE_SHIFT
 * (panthor_fw.c panthor_fw_init_global_iface): 5 * 500 * 1024 * 1024 cycles, ~2.62 s at the
 * model's 1 GHz. A stream whose endpoint job (RUN) makes no progress for that long makes the
 * firmware raise CSG_PROGRESS_TIMER_EVENT; panthor_sched.c
 * csg_slot_process_progress_timer_event_locked marks the group timed out and queues a tick,
 * which evicts it (group_can_run is false) and its term work fails the jobs with -ETIMEDOUT
 * (group_term_post_processing). A job that keeps completing RUNs, or that waits in SYNC_WAIT,
 * makes no endpoint job stall: only the driver's job timeout (drm_sched's TDR, 5 s) ends it.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PROGRESS_TIMEOUT_CYCLES, PROGRESS_TIMEOUT_SCALE_SHIFT } from '../../src/driver/fw.js';
import { GroupStateFlags } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import type { System } from '../../src/system/system.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  MS,
  onMachine,
  open,
  runJob,
  S,
  submit,
  unwrap,
  vmCreate,
  waitStatus,
} from './helpers.js';

/** The model's clock is 1 GHz: one cycle is one nanosecond. */
const PROGRESS_TIMEOUT_NS = PROGRESS_TIMEOUT_CYCLES;

/** One file, one VM, a command buffer, a data buffer and one group: what every case needs. */
async function oneGroup(sys: System) {
  const c = open(sys);
  const vm = await vmCreate(c);
  const cmd = await buffer(c, vm, 0x10_0000);
  const data = await buffer(c, vm, 0x20_0000);
  const g = await group(c, vm);
  return { c, vm, cmd, data, g };
}

test('progress-timeout: the driver programs PROGRESS_TIMEOUT_CYCLES >> 10 and the firmware takes it', async () => {
  const m = await onMachine({ seed: 31 }, async (sys) => {
    // Run a job so the device is powered (runtime PM): every firmware boot is configured anew.
    const { c, cmd, data, g } = await oneGroup(sys);
    assert.equal(await runJob(c, g, cmd, streams.store(data.va, 1)), 1);
    assert.equal(PROGRESS_TIMEOUT_CYCLES, 2_621_440_000);
    assert.equal(
      sys.hw.fw.glb.input.progressTimer,
      PROGRESS_TIMEOUT_CYCLES / 2 ** PROGRESS_TIMEOUT_SCALE_SHIFT,
    );
    assert.equal(sys.hw.fw.glb.input.progressTimer, 2_560_000);
    assert.equal(sys.hw.progressTimeoutNs, PROGRESS_TIMEOUT_NS, 'latched at the CFG ack');
  });
  assertClean(m);
});

test('progress-timeout: a RUN that never ends is killed by CSG_PROGRESS_TIMER_EVENT before the job timeout; no reset', async () => {
  const m = await onMachine({ seed: 32 }, async (sys, dev) => {
    const { c, vm, cmd, data, g } = await oneGroup(sys);
    const startNs = sys.k.nowNs;
    const so = await submit(c, g, cmd, streams.hang());
    const early = await waitStatus(c, so, PROGRESS_TIMEOUT_NS - 10 * MS);
    assert.equal(early.waitErrno, Errno.ETIME, 'still running just before the progress timeout');
    assert.equal(sys.hw.stats.progressTimeouts, 0);
    const late = await waitStatus(c, so, 200 * MS);
    assert.deepEqual(late, { waitErrno: 0, status: -Errno.ETIMEDOUT });
    const killedNs = (c.syncobjFence(so)?.signalledAtNs ?? -1) - startNs;
    assert.ok(killedNs >= PROGRESS_TIMEOUT_NS, `killed ${killedNs} ns in, not before the timeout`);
    assert.ok(killedNs < dev.cfg.jobTimeoutNs, `killed ${killedNs} ns in: before the job timeout`);
    assert.equal(sys.hw.stats.progressTimeouts, 1, 'one CSG_PROGRESS_TIMER_EVENT');
    const st = unwrap(await c.groupGetState(g), 'GROUP_GET_STATE');
    assert.equal(st.state, GroupStateFlags.TIMEDOUT, 'TIMEDOUT, not FATAL_FAULT or INNOCENT');
    assert.equal(dev.log.resets.length, 0, 'the group was terminated, the GPU not reset');
    const fresh = await group(c, vm);
    assert.equal(await runJob(c, fresh, cmd, streams.store(data.va, 5), 2 * S, 0x200), 1);
  });
  assertClean(m);
});

test('progress-timeout: a job that keeps completing RUNs makes progress; the 5 s job timeout ends it', async () => {
  const m = await onMachine({ seed: 33 }, async (sys, dev) => {
    const { c, cmd, g } = await oneGroup(sys);
    const startNs = sys.k.nowNs;
    const so = await submit(c, g, cmd, streams.busyForever(1 * S));
    const w = await waitStatus(c, so, 2 * dev.cfg.jobTimeoutNs);
    assert.deepEqual(w, { waitErrno: 0, status: -Errno.ETIMEDOUT });
    const killedNs = (c.syncobjFence(so)?.signalledAtNs ?? -1) - startNs;
    assert.ok(killedNs >= dev.cfg.jobTimeoutNs, `killed ${killedNs} ns in: at the job timeout`);
    assert.ok(killedNs < dev.cfg.jobTimeoutNs + 500 * MS, `killed ${killedNs} ns in`);
    assert.equal(sys.hw.stats.progressTimeouts, 0, 'no progress timer event');
    assert.ok(sys.hw.stats.runs >= 5, `the job completed RUNs (${sys.hw.stats.runs})`);
    const st = unwrap(await c.groupGetState(g), 'GROUP_GET_STATE');
    assert.equal(st.state, GroupStateFlags.TIMEDOUT);
  });
  assertClean(m);
});

test('progress-timeout: a job blocked in SYNC_WAIT runs no endpoint job; the job timeout ends it', async () => {
  const m = await onMachine({ seed: 34 }, async (sys, dev) => {
    const { c, cmd, data, g } = await oneGroup(sys);
    const startNs = sys.k.nowNs;
    // Waits on the first word of `data`, which nobody writes.
    const so = await submit(c, g, cmd, streams.blockForever(data.va));
    const w = await waitStatus(c, so, 2 * dev.cfg.jobTimeoutNs);
    assert.deepEqual(w, { waitErrno: 0, status: -Errno.ETIMEDOUT });
    const killedNs = (c.syncobjFence(so)?.signalledAtNs ?? -1) - startNs;
    assert.ok(killedNs >= dev.cfg.jobTimeoutNs, `killed ${killedNs} ns in: at the job timeout`);
    assert.equal(sys.hw.stats.progressTimeouts, 0, 'no progress timer event');
  });
  assertClean(m);
});

test('progress-timeout: a hung firmware raises no progress timer event (its timers died with it)', async () => {
  const m = await onMachine({ seed: 35 }, async (sys, dev) => {
    const { c, cmd, g } = await oneGroup(sys);
    const so = await submit(c, g, cmd, streams.hang());
    await sys.k.sleep(50 * MS);
    sys.hw.faults.arm({ name: 'fw-hang', atNs: sys.k.nowNs, count: 1, rate: 1 });
    await sys.k.sleep(PROGRESS_TIMEOUT_NS);
    assert.equal(sys.hw.stats.progressTimeouts, 0, 'nothing raised while hung');
    const w = await waitStatus(c, so, 20 * S);
    assert.equal(w.waitErrno, 0);
    assert.ok(w.status < 0, `the job ended with an error (${w.status})`);
    assert.ok(dev.log.resets.length >= 1, 'the driver had to reset the GPU');
  });
  assertClean(m);
});
