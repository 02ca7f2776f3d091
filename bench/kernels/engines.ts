/**
 * Every engine the kernel benchmark compares: resetlab's random strategy, resetlab's PCT
 * (when src/explore/pct.ts is present) and fast-check's scheduler.
 */
import { fastCheckEngine } from '../fastcheck.js';
import type { Engine } from './engine.js';
import { resetlabEngines } from './resetlab-engine.js';

export async function allEngines(): Promise<Engine[]> {
  return [...(await resetlabEngines()), fastCheckEngine()];
}
