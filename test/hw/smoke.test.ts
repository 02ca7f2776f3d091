import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CSG_STATE_START } from '../../src/hw/regs.js';
import {
  bootGpu,
  CsBuilder,
  csgRequest,
  newGpu,
  pollUntil,
  programGroup,
  programQueue,
  runTask,
  setupVm,
  submit,
} from './helpers.js';

test('smoke: boot and store', async () => {
  const { k, gpu } = newGpu();
  await runTask(k, async () => {
    await bootGpu(k, gpu);
    const vm = await setupVm(k, gpu, 1);
    const [dataPa] = vm.pt.mapNew(0x200_0000);
    programGroup(gpu, 0, 1);
    const q = vm.queues[0]!;
    programQueue(gpu, 0, 0, q);
    assert.ok(await csgRequest(k, gpu, 0, CSG_STATE_START));
    submit(gpu, 0, 0, q, new CsBuilder().mov48(2, 0x200_0000).mov32(4, 0xdeadbeef).store32(4, 2));
    assert.ok(await pollUntil(k, () => gpu.mem.read32(dataPa!) === 0xdeadbeef));
  });
});
