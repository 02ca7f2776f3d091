/**
 * Every engine the kernel benchmark compares: resetlab's random strategy, resetlab's PCT and
 * fast-check's scheduler.
 */

import type { Engine } from './engine.js';
import { fastCheckEngine } from './fastcheck-engine.js';
import { resetlabEngines } from './resetlab-engine.js';

export function allEngines(): Engine[] {
  return [...resetlabEngines(), fastCheckEngine()];
}
