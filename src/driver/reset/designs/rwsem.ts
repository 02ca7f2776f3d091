/**
 * DOC: the `rwsem` preset — mainline Panthor with the r/w-semaphore gate of the Tyr reset
 * review (`gates/rwsem.ts`), and nothing else changed: its cells differ from `panthor`'s only
 * because of the gate and its drain. Refused ioctls fail with EAGAIN, as `try_access()` does.
 */
import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const RWSEM: DesignSpec = {
  name: 'rwsem',
  follows: 'mainline Panthor + the r/w-semaphore gate proposed in the Tyr reset review',
  factors: { ...MAINLINE_FACTORS, gate: 'rwsem', drain: 'wait' },
};
