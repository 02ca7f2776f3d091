/**
 * The device block (device.ts, platform.ts): probe, unbind, idempotent unplug, and the
 * drm_dev_enter section that fails once the device is unplugged.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PmState } from '../../src/driver/pm.js';
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
  S,
  submit,
  vmCreate,
  waitStatus,
} from './helpers.js';

test('probe brings every block up, boots the firmware once, then autosuspends', async () => {
  const m = await onMachine({ seed: 41 }, async (sys, dev) => {
    assert.equal(dev.initialized, true);
    assert.equal(dev.unplugged, false);
    assert.equal(sys.dev, dev, 'the platform reports the bound device');
    assert.equal(dev.fw.booted, true);
    assert.equal(dev.fw.boots, 1, 'one firmware boot');
    assert.equal(dev.log.fullReinits.length, 1, 'one full initialisation');
    assert.equal(dev.gpu.info.gpuId, sys.hw.cfg.gpuId, 'GPU_ID read from the hardware');
    assert.equal(dev.gpu.info.shaderPresent, sys.hw.cfg.shaderPresent);
    assert.equal(dev.sched.csgSlotCount, sys.hw.cfg.csgSlots);
    assert.equal(dev.sched.csSlotCount, sys.hw.cfg.streamsPerCsg);
    assert.equal(dev.mmu.slots[0], dev.fw.vm, 'AS0 is the firmware VM');
    assert.equal(dev.pm.state.peek(), PmState.ACTIVE, 'active right after probe');
    assert.equal(dev.pm.usage, 0, 'probe dropped its runtime-PM reference');
    assert.equal(sys.busDev.driver?.name, 'panthor');
    // A second bind of a bound device is refused by the bus.
    assert.equal(await sys.boot(), -Errno.EBUSY);
  });
  assertClean(m);
});

test('a probe whose firmware never boots fails with ETIMEDOUT and leaves nothing bound', async () => {
  const m = await onMachine(
    { seed: 42 },
    async (sys, dev) => {
      assert.equal(await sys.unbind(), 0);
      sys.hw.faults.arm({ name: 'fw-boot-fail', atNs: 0, count: 0, rate: 1 });
      assert.equal(await sys.boot(), -Errno.ETIMEDOUT);
      assert.equal(sys.dev, null, 'nothing bound after a failed probe');
      const failed = sys.platform.devices[1];
      assert.ok(failed !== undefined && failed !== dev);
      assert.equal(failed.initialized, false);
      assert.equal(failed.unplugged, true, 'the failed instance was unplugged');
      assert.equal(failed.io.mapping.alive, false, 'and its I/O mapping released');
      assert.equal(sys.client() as number, -Errno.ENODEV, 'no device to open');
      // Once the firmware boots again, a new probe succeeds.
      sys.hw.faults.disarmAll();
      assert.equal(await sys.boot(), 0);
      assert.equal(sys.platform.devices.length, 3);
    },
    false,
  );
  // No oracle attached: a machine whose probe fails is outside what the invariants judge.
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});

test('unbind unplugs: pending jobs end with -ENODEV, ioctls fail, the I/O mapping is gone', async () => {
  const m = await onMachine({ seed: 43 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await submit(c, g, cmd, streams.hang());
    await sys.k.sleep(10 * MS);
    assert.equal(await sys.unbind(), 0);
    assert.equal(sys.dev, null);
    assert.equal(dev.unplugged, true);
    assert.equal(dev.io.mapping.alive, false, 'iomem released at remove');
    assert.equal(dev.resetWq.destroyed, true, 'the reset workqueue is gone');
    assert.equal(c.syncobjFence(so)?.status, -Errno.ENODEV, 'the pending job ended -ENODEV');
    // Every ioctl on the old file is ENODEV, and counted as an after-death ioctl.
    const before = dev.drv.afterDeath.length;
    assert.equal(errnoOf(await c.vmCreate()), Errno.ENODEV);
    assert.equal(errnoOf(await c.queryPoint(so)), Errno.ENODEV);
    assert.equal(errnoOf(c.mmap(0, 4096)), Errno.ENODEV);
    assert.equal(dev.drv.afterDeath.length, before + 2);
    assert.equal(dev.drv.open(), -Errno.ENODEV, 'no new file on an unplugged device');
    assert.equal(await sys.unbind(), -Errno.ENODEV, 'nothing left to unbind');
    await c.close();
    // Bind again: a new device instance serves work.
    assert.equal(await sys.boot(), 0);
    const d2 = sys.dev;
    assert.ok(d2 !== null && d2 !== dev);
    const c2 = open(sys);
    const vm2 = await vmCreate(c2);
    const cmd2 = await buffer(c2, vm2, 0x10_0000);
    const g2 = await group(c2, vm2);
    const so2 = await submit(c2, g2, cmd2, streams.store(cmd2.va + 0x800, 9));
    assert.deepEqual(await waitStatus(c2, so2, 1 * S), { waitErrno: 0, status: 1 });
    await c2.close();
  });
  assertClean(m);
});

test('unplug is idempotent: a second caller waits for the first to finish', async () => {
  const m = await onMachine({ seed: 44 }, async (sys, dev) => {
    let schedUnplugs = 0;
    const schedUnplug = dev.sched.unplug.bind(dev.sched);
    dev.sched.unplug = async () => {
      schedUnplugs++;
      await schedUnplug();
    };
    // Unplug takes no virtual time on an idle device. To have the second caller arrive while
    // the first is still running, an ioctl-like section keeps the first in synchronize_srcu.
    const cookie = await dev.drm.enter();
    assert.ok(cookie !== null);
    const events: string[] = [];
    const done = { first: false, second: false };
    sys.spawn('first', async () => {
      events.push('first: enter');
      await dev.unplug();
      events.push('first: return');
      done.first = true;
    });
    while (!dev.unplugged) await sys.k.sleep(1000);
    sys.spawn('second', async () => {
      events.push('second: enter');
      await dev.unplug();
      events.push(`second: return (first done: ${done.first})`);
      done.second = true;
    });
    await sys.k.sleep(5 * MS);
    assert.deepEqual(events, ['first: enter', 'second: enter'], 'both callers wait');
    assert.equal(dev.unplugDone.completed, false);
    dev.drm.exit(cookie);
    while (!done.first || !done.second) await sys.k.sleep(1000);
    assert.deepEqual(events, [
      'first: enter',
      'second: enter',
      'first: return',
      'second: return (first done: true)',
    ]);
    assert.equal(schedUnplugs, 1, 'the blocks were unplugged once');
    assert.equal(dev.unplugDone.completed, true);
    // A third call, after completion, returns at once.
    const t = sys.k.nowNs;
    await dev.unplug();
    assert.equal(sys.k.nowNs, t);
    assert.equal(schedUnplugs, 1);
    // The remove path still completes on an already unplugged device.
    assert.equal(await sys.unbind(), 0);
    assert.equal(dev.io.mapping.alive, false);
  });
  assertClean(m);
});

test('drm_dev_enter fails once the device is unplugged, and unplug waits for sections in progress', async () => {
  const m = await onMachine({ seed: 45 }, async (sys, dev) => {
    const cookie = await dev.drm.enter();
    assert.ok(cookie !== null, 'enter succeeds on a live device');
    // Unplug from another task while we are inside the section: it marks the device at once,
    // but cannot finish (synchronize_srcu) until we leave.
    let unplugReturnedNs = -1;
    sys.spawn('unplugger', async () => {
      await dev.unplug();
      unplugReturnedNs = sys.k.nowNs;
    });
    while (!dev.unplugged) await sys.k.sleep(1000);
    assert.equal(await dev.drm.enter(), null, 'a new section is refused after unplug');
    await sys.k.sleep(5 * MS);
    assert.equal(unplugReturnedNs, -1, 'unplug waits for the section in progress');
    const exitNs = sys.k.nowNs;
    dev.drm.exit(cookie);
    while (unplugReturnedNs < 0) await sys.k.sleep(1000);
    assert.ok(unplugReturnedNs >= exitNs, 'unplug finished after the section ended');
    assert.equal(await dev.drm.enter(), null, 'still refused afterwards');
    // An ioctl now fails with ENODEV without entering the device.
    const c = dev.drv.open();
    assert.equal(c, -Errno.ENODEV);
    await sys.unbind();
  });
  assertClean(m);
});

test('unplug does not wait for ioctls outside a drm_dev_enter section (a blocked SYNCOBJ_WAIT, the core ioctls from 0xA0 up)', async () => {
  // drm_ioctl only tests drm_dev_is_unplugged(); of Panthor's ioctls, VM_CREATE, BO_CREATE,
  // GROUP_SUBMIT and VM_BIND take drm_dev_enter themselves (panthor_drv.c). A syncobj wait
  // (nr 0xC3, a core ioctl above DRM_COMMAND_END) sleeps outside any section, so the unplug's
  // synchronize_srcu does not wait for the waiter's timeout.
  const m = await onMachine({ seed: 45 }, async (sys, dev) => {
    const c = open(sys);
    const vm = await vmCreate(c);
    const cmd = await buffer(c, vm, 0x10_0000);
    const g = await group(c, vm);
    const so = await submit(c, g, cmd, streams.hang());
    let waited: number | null = null;
    sys.spawn('waiter', async () => {
      const r = await c.wait(so, 30 * S);
      waited = r.ok ? 0 : r.errno;
    });
    await sys.k.sleep(1 * MS);
    const t0 = sys.k.nowNs;
    assert.equal(dev.drm.srcu.readers, 0, 'the waiter holds no drm_dev_enter section');
    assert.equal(await sys.unbind(), 0);
    assert.ok(
      sys.k.nowNs - t0 < 1 * S,
      `unbind took ${sys.k.nowNs - t0} ns: it waited for the waiter`,
    );
    // The unplug ended the job -ENODEV, which wakes the waiter with the fence signalled.
    while (waited === null) await sys.k.sleep(1 * MS);
    assert.equal(waited, 0);
    await c.close();
  });
  assert.deepEqual(
    m.violations.map((v) => v.invariant),
    [],
  );
});
