/**
 * Registers by name in messages and traces (src/hw/reg-names.ts), as panthor_regs.h spells
 * them, with `_HI` for the high half of a 64-bit register and hex for what is no register.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regName } from '../../src/hw/reg-names.js';
import * as R from '../../src/hw/regs.js';

test('register names: GPU control, per-AS, doorbells, 64-bit halves, unknown offsets', () => {
  const cases: [number, string][] = [
    [R.GPU_CMD, 'GPU_CMD'],
    [R.GPU_INT_RAWSTAT, 'GPU_INT_RAWSTAT'],
    [R.JOB_INT_RAWSTAT, 'JOB_INT_RAWSTAT'],
    [R.L2_PWRON + 4, 'L2_PWRON_HI'],
    [R.AS_COMMAND(2), 'AS_COMMAND(2)'],
    [R.AS_TRANSTAB(1), 'AS_TRANSTAB(1)'],
    [R.AS_TRANSTAB(1) + 4, 'AS_TRANSTAB_HI(1)'],
    [R.AS_STATUS(15), 'AS_STATUS(15)'],
    [R.CSF_DOORBELL(0), 'CSF_DOORBELL(0)'],
    [R.CSF_DOORBELL(2), 'CSF_DOORBELL(2)'],
    [R.CSF_DOORBELL(2) + 8, 'CSF_DOORBELL(2)+0x8'],
    [0x3f0, '0x3f0'],
  ];
  for (const [off, name] of cases) assert.equal(regName(off), name, `0x${off.toString(16)}`);
});
