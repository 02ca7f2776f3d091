/**
 * `isolation`, memory part: a job in one VM cannot read or write another VM's memory. Every
 * GPU access goes through the job's own address space, so a VA only another VM maps is not
 * mapped at all: the access page-faults, the job is killed (fence error -EINVAL, the group
 * FATAL_FAULT) and the other VM's memory is neither read nor written. The isolation oracle
 * (checking every DMA against the page tables of the VM bound to the AS) stays silent.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { GroupStateFlags } from '../../src/driver/uapi.js';
import { CsBuilder } from '../../src/hw/cs-isa.js';
import { Errno } from '../../src/kernel/errno.js';
import { streams } from '../../src/userspace/umd.js';
import {
  assertClean,
  buffer,
  group,
  onMachine,
  open,
  read,
  runJob,
  unwrap,
  vmCreate,
} from './helpers.js';

const SECRET = 0x5ec2e7;
const A_ONLY_VA = 0x4000_0000;

/** Loads the word at `src` and stores it at `dst`. */
function copy(src: number, dst: number): CsBuilder {
  return new CsBuilder().mov48(0, src).load32(2, 0, 0).mov48(4, dst).store32(2, 4, 0);
}

for (const sameFile of [false, true]) {
  test(`a job cannot read or write another VM's memory (${sameFile ? 'two VMs of one file' : 'two files'})`, async () => {
    const m = await onMachine({ seed: 3 }, async (sys) => {
      const a = open(sys);
      const b = sameFile ? a : open(sys);
      const avm = await vmCreate(a);
      const secret = await buffer(a, avm, A_ONLY_VA);
      unwrap(secret.map.write32(0, SECRET), 'write32');
      const bvm = await vmCreate(b);
      const bcmd = await buffer(b, bvm, 0x10_0000);
      const bout = await buffer(b, bvm, 0x20_0000);
      const bg = await group(b, bvm);

      // Read A's VA from B's VM: a page fault, not the secret.
      assert.equal(await runJob(b, bg, bcmd, copy(A_ONLY_VA, bout.va)), -Errno.EINVAL);
      assert.equal(read(bout), 0, "B's output never received A's data");
      const st = unwrap(await b.groupGetState(bg), 'GROUP_GET_STATE').state as number;
      assert.ok(st & GroupStateFlags.FATAL_FAULT, `group state ${st}`);

      // Write A's VA from B's VM (a new group: the faulty one can no longer run).
      const bg2 = await group(b, bvm);
      assert.equal(await runJob(b, bg2, bcmd, streams.pageFault(A_ONLY_VA)), -Errno.EINVAL);
      assert.equal(read(secret), SECRET, "A's memory is unchanged");

      // A itself reaches it, through its own VM.
      const acmd = await buffer(a, avm, 0x30_0000);
      const ag = await group(a, avm);
      assert.equal(await runJob(a, ag, acmd, streams.store(A_ONLY_VA + 4, 1)), 1);
      assert.equal(read(secret, 4), 1);
      await a.close();
      if (!sameFile) await b.close();
    });
    assertClean(m);
    assert.ok(m.sys.hw.pageFaults.length >= 2, 'the cross-VM accesses faulted');
  });
}
