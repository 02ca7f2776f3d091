/**
 * DOC: the `rebind` preset — recover by unbinding the driver and probing it again, instead of a
 * reset; everything else mainline.
 *
 * A request coalesces on the pending flag and queues a recovery work that lives outside the
 * device (removing a device waits for the device's own works). The work unbinds the driver
 * (every file's ioctls then fail with ENODEV) and binds it again, which probes the GPU from
 * scratch. Where it is weak: it throws everything away — innocent jobs die with the rest, every
 * open file is dead, recovery takes a full probe — and nothing stops submissions between the
 * fault and the unbind.
 */
import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const REBIND: DesignSpec = {
  name: 'rebind',
  follows: 'mainline Panthor, recovering by unbind + probe (the rebind alternative)',
  factors: { ...MAINLINE_FACTORS, recovery: 'rebind' },
};
