import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Errno } from '../../src/kernel/errno.js';
import { Bus, type BusDevice } from '../../src/kernel/sysfs.js';
import { UeventBus } from '../../src/kernel/uevent.js';
import { runWith } from './helpers.js';

test('uevent and sysfs: a WEDGED event reaches a listener, which rebinds the driver', async () => {
  const log: string[] = [];
  const { r } = await runWith((k) => {
    const uevents = new UeventBus(k);
    const bus = new Bus(k, uevents);
    let resets = 0;
    bus.addDevice('fb000000.gpu', () => resets++);
    bus.registerDriver({
      name: 'panthor',
      probe: async (dev: BusDevice) => {
        log.push(`probe ${dev.name}`);
        return 0;
      },
      remove: async (dev: BusDevice) => {
        log.push(`remove ${dev.name}`);
      },
    });
    const listener = uevents.listen();
    k.spawn(
      'daemon',
      async () => {
        for (;;) {
          const ev = await listener.next();
          if (ev?.env.WEDGED === undefined) continue;
          log.push(`got WEDGED=${ev.env.WEDGED}`);
          assert.equal(await bus.unbind(ev.devpath), 0);
          assert.equal(await bus.reset(ev.devpath), 0);
          assert.equal(await bus.bind(ev.devpath, 'panthor'), 0);
          log.push(`bus resets ${resets}`);
        }
      },
      { daemon: true },
    );
    k.spawn('driver', async () => {
      assert.equal(await bus.bind('fb000000.gpu', 'panthor'), 0);
      assert.equal(await bus.bind('fb000000.gpu', 'panthor'), -Errno.EBUSY);
      assert.equal(await bus.reset('fb000000.gpu'), -Errno.EBUSY);
      uevents.emit('fb000000.gpu', 'change', { WEDGED: 'rebind,bus-reset' });
    });
  });
  assert.deepEqual(log, [
    'probe fb000000.gpu',
    'got WEDGED=rebind,bus-reset',
    'remove fb000000.gpu',
    'probe fb000000.gpu',
    'bus resets 1',
  ]);
  assert.deepEqual(r.violations, [], 'a blocked daemon is not a deadlock');
});
