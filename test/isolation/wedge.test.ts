/**
 * After a wedge, user mappings read the dummy page: zeros, never the BO's old contents and
 * never freed memory, and writes go nowhere. A BO whose last handle was closed stays alive as
 * long as a mapping holds it, so even then no access reaches a freed page; and a mapping of a
 * device that was wedged keeps reading the dummy page after the recovery daemon rebinds it.
 *
 * The wedge is real: a soft reset that never completes (`reset-timeout`, always) makes the
 * reset and its slow retry fail, and the default design wedges.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { Errno } from '../../src/kernel/errno.js';
import type { System } from '../../src/system/system.js';
import { assertClean, buffer, onMachine, open, unwrap, vmCreate } from './helpers.js';

const ALWAYS = { count: 0, rate: 1 };

async function wedge(sys: System): Promise<void> {
  const dev = sys.dev;
  assert.ok(dev !== null);
  sys.hw.faults.arm({ name: 'reset-timeout', atNs: sys.k.nowNs, ...ALWAYS });
  await dev.reset.schedule('ioctl');
  for (let i = 0; i < 300 && dev.log.wedges.length === 0; i++) await sys.k.sleep(100_000_000);
  assert.equal(
    dev.log.wedges.length,
    1,
    `the device wedged (pm ${dev.pm.state.peek()}, resets ${JSON.stringify(dev.log.resets)}, pending ${dev.reset.isPending()})`,
  );
  sys.hw.faults.disarmAll();
}

test('after a wedge a mapping reads the dummy page, never the old contents or freed memory', async () => {
  const m = await onMachine({ seed: 7 }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const kept = await buffer(c, vm, 0x10_0000);
    const orphan = await buffer(c, vm, 0x20_0000);
    unwrap(kept.map.write32(0, 0xdead), 'write32');
    unwrap(orphan.map.write32(8, 0xbeef), 'write32');
    // The orphan's handle and VM mapping go; only the CPU mapping keeps the BO.
    unwrap(
      await c.vmBind({
        vmId: vm,
        flags: 0,
        ops: {
          stride: 48,
          count: 1,
          array: [
            {
              flags: 1 << 28,
              boHandle: 0,
              boOffset: 0,
              va: orphan.va,
              size: orphan.size,
              syncs: { stride: 16, count: 0, array: [] },
            },
          ],
        },
      }),
      'VM_BIND unmap',
    );
    unwrap(await c.gemClose(orphan.handle), 'GEM_CLOSE');
    assert.equal(unwrap(orphan.map.read32(8), 'read32'), 0xbeef, 'the mapping keeps the BO alive');

    await wedge(sys);

    for (const [b, off] of [
      [kept, 0],
      [orphan, 8],
    ] as const) {
      assert.equal(unwrap(b.map.read32(off), 'read32'), 0, 'the dummy page reads 0');
      assert.ok(b.map.write32(off, 0x1234).ok, 'a write to the dummy page does not fault');
      assert.equal(unwrap(b.map.read32(off), 'read32'), 0, 'and goes nowhere');
    }
    // Every ioctl is refused; mmap of a new offset too.
    assert.deepEqual(await c.vmGetState(vm), { ok: false, errno: Errno.ENODEV });
    assert.deepEqual(await c.boCreate(4096), { ok: false, errno: Errno.ENODEV });
    await c.close();
  });
  // No access reached a freed page (use-after-free), and the wedge protocol held.
  assertClean(m);
});

test('a mapping of a wedged device still reads the dummy page after the daemon rebinds it', async () => {
  const m = await onMachine({ seed: 8, daemon: true }, async (sys) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const b = await buffer(c, vm, 0x10_0000);
    unwrap(b.map.write32(0, 42), 'write32');
    const old = sys.dev;
    await wedge(sys);
    for (let i = 0; i < 100 && (sys.dev === null || sys.dev === old); i++)
      await sys.k.sleep(20_000_000);
    assert.ok(sys.dev !== null && sys.dev !== old, 'the daemon rebound the device');
    assert.equal(unwrap(b.map.read32(0), 'read32'), 0);
    // A new file on the new device works, and cannot reach the old file's objects.
    const d = open(sys);
    assert.deepEqual(await d.boMmapOffset(b.handle), { ok: false, errno: Errno.ENOENT });
    await c.close();
    await d.close();
  });
  assertClean(m);
});
