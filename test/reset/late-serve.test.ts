/**
 * `late=serve` (docs/designs.md): a reset request is judged by when its evidence was collected
 * (`ResetRequest.causeNs`), not by when it reached reset.pending. A request whose evidence
 * predates the last hardware reset was served by that reset, so `default` queues no second
 * reset for it (reset-storm@default soak run 9810: an ioctl request held up between its call
 * and the cmpxchg). Mainline (`late=absorb`) only has the flag: panthor_device_schedule_reset
 * queues a reset whenever reset.pending is clear.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { servedAt } from '../../src/check/served.js';
import type { PanthorDevice } from '../../src/driver/device.js';
import type { System } from '../../src/system/system.js';
import { onMachine } from '../driver/helpers.js';

const MS = 1_000_000;

async function firstReset(sys: System, dev: PanthorDevice): Promise<number> {
  // Keep the device active: a request on a suspended device is served by the resume instead.
  assert.equal(await dev.pm.resumeAndGet(), 0);
  await dev.reset.schedule('ioctl');
  for (let i = 0; i < 200 && dev.log.resets[0]?.endNs == null; i++) await sys.k.sleep(10 * MS);
  const r = dev.log.resets[0];
  assert.ok(r !== undefined && r.endNs !== null && r.hwResetNs >= 0, 'the first reset ran');
  await sys.k.sleep(10 * MS);
  return r.hwResetNs;
}

test('late=serve: a request whose evidence predates the last hardware reset queues no reset; a newer one does', async () => {
  const m = await onMachine({ seed: 5, design: 'default' }, async (sys, dev) => {
    const hw = await firstReset(sys, dev);
    await dev.reset.schedule('ioctl', hw - 1);
    await sys.k.sleep(100 * MS);
    assert.equal(dev.log.resets.length, 1, 'no reset for evidence the last reset already fixed');
    assert.equal(dev.log.requests.at(-1)?.queued, false);
    assert.equal(dev.reset.isPending(), false, 'reset.pending stays clear');
    const stale = dev.log.requests.at(-1);
    assert.ok(stale !== undefined);
    assert.notEqual(servedAt(dev, stale), null, 'and counts as served by the last reset');
    await dev.reset.schedule('ioctl');
    for (let i = 0; i < 200 && dev.log.resets[1]?.endNs == null; i++) await sys.k.sleep(10 * MS);
    assert.equal(dev.log.resets.length, 2, 'a request with newer evidence gets its reset');
    await dev.pm.putAutosuspend();
  });
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});

test('late=absorb (panthor): the same stale request queues a second reset, as mainline does', async () => {
  const m = await onMachine({ seed: 5, design: 'panthor' }, async (sys, dev) => {
    const hw = await firstReset(sys, dev);
    await dev.reset.schedule('ioctl', hw - 1);
    for (let i = 0; i < 200 && dev.log.resets[1]?.endNs == null; i++) await sys.k.sleep(10 * MS);
    assert.equal(dev.log.resets.length, 2, 'reset.pending was clear: the work is queued');
    await dev.pm.putAutosuspend();
  });
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});
