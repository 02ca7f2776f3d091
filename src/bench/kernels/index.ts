/**
 * The benchmark kernels, shallowest bug first. Each file holds one kernel and says which
 * orderings trigger its bug.
 */
import type { BenchKernel } from './api.js';
import { fenceDoubleSignal } from './fence-double-signal.js';
import { lostWakeup } from './lost-wakeup.js';
import { refcountUnderflow } from './refcount-underflow.js';
import { resetWindow } from './reset-window.js';
import { timerAfterTeardown } from './timer-after-teardown.js';

export const BENCH_KERNELS: readonly BenchKernel[] = [
  refcountUnderflow,
  lostWakeup,
  fenceDoubleSignal,
  timerAfterTeardown,
  resetWindow,
];
