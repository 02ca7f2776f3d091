/**
 * GROUP_CREATE priorities (Panthor's group_priority_permit): LOW and MEDIUM are for everyone;
 * HIGH and REALTIME need CAP_SYS_NICE or DRM master (a privileged file), and an unprivileged
 * file asking for them gets EACCES. DEV_QUERY GROUP_PRIORITIES_INFO tells each file what it
 * may use, and says exactly what GROUP_CREATE then accepts.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { DevQueryType, GroupPriority } from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { assertClean, groupArgs, onMachine, open, unwrap, vmCreate } from './helpers.js';

const ALL = [GroupPriority.LOW, GroupPriority.MEDIUM, GroupPriority.HIGH, GroupPriority.REALTIME];

test('HIGH and REALTIME groups need privilege; the allowed mask says so', async () => {
  const m = await onMachine({ seed: 9 }, async (sys) => {
    for (const privileged of [false, true]) {
      const c = open(sys, privileged);
      const vm = await vmCreate(c);
      const info = unwrap(
        await c.devQuery({ type: DevQueryType.GROUP_PRIORITIES_INFO, size: 8, pointer: {} }),
        'DEV_QUERY',
      );
      const mask = info.pointer?.allowedMask ?? -1;
      assert.equal(mask, privileged ? 0b1111 : 0b0011, `allowed mask (privileged: ${privileged})`);
      for (const prio of ALL) {
        const r = await c.groupCreate(groupArgs(vm, prio));
        const allowed = (mask & (1 << prio)) !== 0;
        if (allowed) assert.ok(r.ok, `priority ${prio} (privileged: ${privileged}) is allowed`);
        else
          assert.deepEqual(r, { ok: false, errno: Errno.EACCES }, `priority ${prio} unprivileged`);
      }
      // An out-of-range priority is EINVAL for everyone, privileged or not.
      assert.deepEqual(await c.groupCreate(groupArgs(vm, 4)), { ok: false, errno: Errno.EINVAL });
      await c.close();
    }
  });
  assertClean(m);
});
