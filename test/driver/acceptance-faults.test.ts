/**
 * Acceptance tests (the round-one acceptance list, kept as tests here), faults and timeouts topic:
 * `pagefault-context-survives`, `job-timeout-group-killed`, `fatal-fault-isolation`,
 * `background-queue-unaffected`. Timings are the model's own (src/driver/config.ts): the job
 * timeout is read from the machine's configuration, so the tests follow it if it changes.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { GroupStateFlags, VmState } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  errnoOf,
  group,
  MS,
  onMachine,
  open,
  read,
  runJob,
  S,
  submit,
  unwrap,
  vmCreate,
  waitStatus,
} from './helpers.js';

const UNMAPPED_VA = 0x7000_0000;

test('pagefault-context-survives: a faulting store kills its job; a new group on the VM works', async () => {
  const m = await onMachine({ seed: 11 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const bad = await group(c, vm);
    const status = await runJob(c, bad, cmd, streams.pageFault(UNMAPPED_VA));
    assert.ok(status < 0, `the faulting job's fence carries an error (status ${status})`);
    assert.equal(status, -Errno.EINVAL, 'a faulty queue ends its jobs with -EINVAL');
    const st = unwrap(await c.groupGetState(bad), 'GROUP_GET_STATE');
    assert.equal(st.state, GroupStateFlags.FATAL_FAULT, 'FATAL_FAULT, and nothing else');
    assert.equal(st.fatalQueues, 0b1, 'queue 0 is the faulty one');
    // A page fault is the context's problem, not the VM's: it stays usable ...
    assert.equal(unwrap(await c.vmGetState(vm), 'VM_GET_STATE').state, VmState.USABLE);
    // ... and a new group on the same file and VM completes work.
    const fresh = await group(c, vm);
    assert.equal(await runJob(c, fresh, cmd, streams.store(data.va, 0x5a5a), 2 * S, 0x100), 1);
    assert.equal(read(data), 0x5a5a);
    // The faulted group refuses new work (EINVAL: it cannot run any more).
    assert.equal(errnoOf(await c.submit(bad, 0, cmd.va, 8)), Errno.EINVAL);
    // The fault was the user's stream's own: it is recorded, from source 'cs', at that VA.
    const faults = sys.hw.pageFaults;
    assert.equal(faults.length, 1);
    assert.equal(faults[0]?.source, 'cs');
    assert.equal(faults[0]?.va, UNMAPPED_VA);
  });
  assertClean(m);
});

test('job-timeout-group-killed: a stream that never ends times out and kills its group', async () => {
  const m = await onMachine({ seed: 12 }, async (sys) => {
    const timeoutNs = sys.cfg.jobTimeoutNs;
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const data = await buffer(c, vm, 0x20_0000);
    const g = await group(c, vm);
    const startNs = sys.k.nowNs;
    // A job that never ends but keeps completing its RUNs: the firmware's progress timer sees
    // progress, so only the job timeout (drm_sched's TDR) ends it. A RUN that never ends is
    // the progress timer's (test/driver/progress-timer.test.ts).
    const so = await submit(c, g, cmd, streams.busyForever());
    // Not signalled before the timeout (90% of it) ...
    const early = await waitStatus(c, so, Math.floor(timeoutNs * 0.9));
    assert.equal(early.waitErrno, Errno.ETIME, 'still running at 90% of the job timeout');
    assert.equal(early.status, 0);
    // ... signalled with -ETIMEDOUT shortly after it (the ping check and the CSG terminate
    // take a few hundred microseconds; 10% of the timeout is a generous bound).
    const late = await waitStatus(c, so, Math.floor(timeoutNs * 0.2));
    assert.equal(late.waitErrno, 0, 'the wait returns 0: the error is in the fence');
    assert.equal(late.status, -Errno.ETIMEDOUT);
    const killedAfterNs = sys.k.nowNs - startNs;
    assert.ok(killedAfterNs >= timeoutNs, `killed after ${killedAfterNs} ns, not before`);
    assert.ok(killedAfterNs < timeoutNs * 1.1, `killed after ${killedAfterNs} ns`);
    const st = unwrap(await c.groupGetState(g), 'GROUP_GET_STATE');
    assert.equal(st.state, GroupStateFlags.TIMEDOUT, 'TIMEDOUT, not FATAL_FAULT or INNOCENT');
    assert.equal(st.fatalQueues, 0);
    assert.equal(errnoOf(await c.submit(g, 0, cmd.va + 0x100, 8)), Errno.EINVAL, 'dead group');
    // A new group on the same VM runs.
    const fresh = await group(c, vm);
    assert.equal(await runJob(c, fresh, cmd, streams.store(data.va, 7), 2 * S, 0x200), 1);
    assert.equal(read(data), 7);
    // Panthor kills a timed-out group with a CSG terminate; no GPU reset was needed.
    assert.equal(sys.dev?.log.resets.length, 0, 'no reset');
  });
  assertClean(m);
});

test('fatal-fault-isolation: an invalid opcode kills one group; other VMs and groups go on', async () => {
  const m = await onMachine({ seed: 13 }, async (sys) => {
    const c = open(sys);
    const vmA = await vmCreate(c);
    const vmB = await vmCreate(c);
    const cmdA = await buffer(c, vmA, 0x10_0000);
    const cmdB = await buffer(c, vmB, 0x10_0000);
    const dataA = await buffer(c, vmA, 0x20_0000);
    const dataB = await buffer(c, vmB, 0x20_0000);
    // Two queues on the faulting group: only the one that ran the bad stream is faulty.
    const twoQueues = {
      queues: {
        stride: 8,
        count: 2,
        array: [
          { priority: 0, pad: [0, 0, 0] as [number, number, number], ringbufSize: 4096 },
          { priority: 0, pad: [0, 0, 0] as [number, number, number], ringbufSize: 4096 },
        ],
      },
    };
    const bad = await group(c, vmA, twoQueues);
    const sameVm = await group(c, vmA);
    const otherVm = await group(c, vmB);
    const so = await submit(c, bad, cmdA, streams.fatal(), 0, 1);
    assert.deepEqual(await waitStatus(c, so, 1 * S), { waitErrno: 0, status: -Errno.EINVAL });
    const st = unwrap(await c.groupGetState(bad), 'GROUP_GET_STATE');
    assert.equal(st.state, GroupStateFlags.FATAL_FAULT);
    assert.equal(st.fatalQueues, 0b10, 'fatal_queues names queue 1');
    assert.equal(unwrap(await c.vmGetState(vmA), 'VM_GET_STATE').state, VmState.USABLE);
    // Another group on the same VM, and a group on another VM of the same file, complete.
    assert.equal(await runJob(c, sameVm, cmdA, streams.store(dataA.va, 0xa), 2 * S, 0x100), 1);
    assert.equal(await runJob(c, otherVm, cmdB, streams.store(dataB.va, 0xb), 2 * S, 0x100), 1);
    assert.deepEqual([read(dataA), read(dataB)], [0xa, 0xb]);
    for (const h of [sameVm, otherVm]) {
      assert.equal(unwrap(await c.groupGetState(h), 'GROUP_GET_STATE').state, 0, `group ${h}`);
    }
    // A CS fatal is handled by killing the group, not by resetting the GPU.
    assert.equal(sys.dev?.log.resets.length, 0, 'no reset');
    assert.equal(sys.hw.pageFaults.length, 0, 'an invalid opcode is not a page fault');
  });
  assertClean(m);
});

test('background-queue-unaffected: a bad job on one group while another file keeps submitting', async () => {
  const m = await onMachine({ seed: 14 }, async (sys) => {
    const timeoutNs = sys.cfg.jobTimeoutNs;
    const hostile = open(sys);
    const good = open(sys);
    const hvm = await vmCreate(hostile);
    const hcmd = await buffer(hostile, hvm, 0x10_0000);
    const hg = await group(hostile, hvm);
    const gvm = await vmCreate(good);
    const gcmd = await buffer(good, gvm, 0x10_0000);
    const gdata = await buffer(good, gvm, 0x20_0000);
    const gg = await group(good, gvm);
    const bad = await submit(hostile, hg, hcmd, streams.busyForever());
    const badSubmittedNs = sys.k.nowNs;
    // The good file submits a job every 10% of the job timeout, across the bad job's whole
    // life and past it; every one completes, each within a short bound.
    const periodNs = Math.floor(timeoutNs / 10);
    const jobs = 14;
    const doneNs: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const words = streams.store(gdata.va + i * 4, 0x100 + i, 1 * MS);
      const so = await submit(good, gg, gcmd, words, (i % 32) * 0x80);
      const r = await waitStatus(good, so, 100 * MS);
      assert.deepEqual(r, { waitErrno: 0, status: 1 }, `good job ${i}`);
      doneNs.push(sys.k.nowNs);
      await sys.k.sleep(periodNs);
    }
    for (let i = 0; i < jobs; i++) assert.equal(read(gdata, i * 4), 0x100 + i, `store ${i}`);
    assert.ok(sys.k.nowNs > timeoutNs, 'the good jobs ran past the bad job timeout');
    const b = await waitStatus(hostile, bad, 0);
    assert.equal(b.status, -Errno.ETIMEDOUT, 'the bad fence has an error');
    // The bad job was killed at its timeout, in the middle of the good file's jobs: good jobs
    // completed both before and after it.
    const killedNs = hostile.syncobjFence(bad)?.signalledAtNs ?? -1;
    assert.ok(killedNs - badSubmittedNs >= timeoutNs, `killed ${killedNs - badSubmittedNs} ns in`);
    const after = doneNs.filter((t) => t > killedNs).length;
    assert.ok(after >= 2 && after < jobs, `${after} good jobs completed after the kill`);
    assert.equal(unwrap(await good.groupGetState(gg), 'GROUP_GET_STATE').state, 0);
  });
  assertClean(m);
});
