/**
 * DOC: the `srcu-epoch` preset — mainline Panthor with SRCU plus a reset counter and a
 * "resetting" sentinel (`gates/srcu-epoch.ts`), the alternative of the Tyr reset thread, and
 * nothing else changed. Refused ioctls fail with EAGAIN.
 */
import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const SRCU_EPOCH: DesignSpec = {
  name: 'srcu-epoch',
  follows: 'mainline Panthor + the SRCU-and-counter gate of the Tyr reset thread',
  factors: { ...MAINLINE_FACTORS, gate: 'srcu-epoch', drain: 'wait' },
};
