/**
 * `blame=ping` and a tiler OOM served by another path (mixed@default soak run 4841): a job's
 * TILER_OOM interrupt is lost; just before its queue's timer fires, another path (in the soak,
 * another group's job timeout pinging the firmware) gets an interrupt delivered whose
 * JOB_INT_STAT carries the job's slot too, and the firmware-event work serves the OOM; the job
 * resumes but cannot finish before the timer fires. The queue waited on the heap, not on a
 * hang: `default` counts the OOMs served per queue since its timer was armed and gives the job
 * a fresh timeout (src/driver/sched.ts `timeoutExplained`); mainline (`queue_timeout_work`,
 * no completion since the timer was armed) blames it with -ETIMEDOUT.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import { buffer, group, MS, onMachine, open, submit, unwrap, vmCreate } from '../driver/helpers.js';

const TIMEOUT = 300 * MS;

async function jobStatus(design: string): Promise<number | undefined> {
  let status: number | undefined;
  await onMachine(
    { seed: 11, design, driver: { jobTimeoutNs: TIMEOUT } },
    async (sys, dev) => {
      const c = open(sys);
      const vm = await vmCreate(c);
      const cmd = await buffer(c, vm, 0x10_0000, 0x1_0000);
      const out = await buffer(c, vm, 0x20_0000);
      const heap = unwrap(
        await c.tilerHeapCreate({
          vmId: vm,
          initialChunkCount: 1,
          chunkSize: 128 * 1024,
          maxChunks: 8,
          targetInFlight: 1,
        }),
        'TILER_HEAP_CREATE',
      );
      const g = await group(c, vm);
      // Every interrupt is lost from here on: the job's OOM (its second 100 KiB does not fit
      // the heap's one 128 KiB chunk) is never reported by its own IRQ.
      sys.hw.faults.arm({ name: 'lost-irq', atNs: sys.k.nowNs, count: 0, rate: 1 });
      const stream = new CsBuilder()
        .mov48(4, heap.tilerHeapCtxGpuVa as number)
        .heapSet(4)
        .heapAlloc(100 * 1024)
        .heapAlloc(100 * 1024)
        .run(100 * MS)
        .mov48(0, out.va)
        .mov32(2, 7)
        .store32(2, 0, 0);
      const so = await submit(c, g, cmd, stream);
      const q = [...dev.sched.groups][0]?.queues[0];
      assert.ok(q !== undefined);
      while (q.timeoutRemainingNs >= 0) await sys.k.sleep(1 * MS);
      const deadline = q.timeoutDeadlineNs;
      // 2 ms before the timer fires, another path pings the firmware with interrupts working.
      await sys.k.sleep(deadline - 2 * MS - sys.k.nowNs);
      sys.hw.faults.disarmAll();
      assert.equal(await dev.fw.answersPing(), true);
      assert.ok(sys.k.nowNs < deadline, 'the OOM is served before the timer fires');
      await sys.k.sleep(3 * TIMEOUT);
      status = c.syncobjFence(so)?.status;
      await c.close();
    },
    false,
  );
  return status;
}

test('blame=ping: a tiler OOM served just before the timeout is not a hang: the job completes', async () => {
  assert.equal(await jobStatus('default'), 1);
});

test('mainline (blame=immediate): the same job is blamed with -ETIMEDOUT', async () => {
  assert.equal(await jobStatus('panthor'), -Errno.ETIMEDOUT);
});
