/**
 * Micro-benchmark of the simulated kernel's scheduler alone: 8 tasks that do nothing but hit
 * decision points, so the figure is the runtime's cost per decision. Run with decision recording
 * on and off, and with FIFO and random strategies, to show the overhead of recording as a ratio
 * measured in the same process run (absolute figures on shared machines are noisy).
 */

import { randomStrategy } from '../explore/random.js';
import { fifoStrategy } from '../kernel/fifo.js';
import { Kernel } from '../kernel/kernel.js';
import type { Strategy } from '../kernel/strategy.js';
import { median } from './common.js';

export interface KernelMicroResult {
  tasks: number;
  decisionsPerRun: number;
  /** Decisions per second, random strategy, recording on. */
  recordedPerSec: number;
  /** Decisions per second, random strategy, recording off. */
  unrecordedPerSec: number;
  /** Decisions per second, FIFO, recording off (the free run). */
  fifoPerSec: number;
  /** recordedPerSec / unrecordedPerSec: below 1 means recording costs something. */
  recordingRatio: number;
}

async function once(
  strategy: Strategy,
  record: boolean,
  tasks: number,
  perTask: number,
  now: () => number,
): Promise<number> {
  const k = new Kernel({ seed: 11, strategy, record });
  for (let i = 0; i < tasks; i++) {
    k.spawn(`t${i}`, async () => {
      for (let j = 0; j < perTask; j++) await k.point();
    });
  }
  const t0 = now();
  const r = await k.run();
  const ms = Math.max(1e-3, now() - t0);
  return r.steps / (ms / 1000);
}

export async function kernelMicro(
  opts: { tasks?: number; perTask?: number; reps?: number; now?: () => number } = {},
): Promise<KernelMicroResult> {
  const tasks = opts.tasks ?? 8;
  const perTask = opts.perTask ?? 25_000;
  const reps = opts.reps ?? 7;
  const now = opts.now ?? (() => performance.now());
  // Warm up the JIT on both paths before measuring.
  await once(randomStrategy(), true, tasks, 2000, now);
  await once(fifoStrategy(), false, tasks, 2000, now);
  // Interleave the variants so that JIT warm-up and machine noise hit them alike; report medians.
  const rec: number[] = [];
  const unrec: number[] = [];
  const fifo: number[] = [];
  for (let i = 0; i < reps; i++) {
    rec.push(await once(randomStrategy(), true, tasks, perTask, now));
    unrec.push(await once(randomStrategy(), false, tasks, perTask, now));
    fifo.push(await once(fifoStrategy(), false, tasks, perTask, now));
  }
  const recordedPerSec = median(rec);
  const unrecordedPerSec = median(unrec);
  const fifoPerSec = median(fifo);
  return {
    tasks,
    decisionsPerRun: tasks * perTask,
    recordedPerSec: Math.round(recordedPerSec),
    unrecordedPerSec: Math.round(unrecordedPerSec),
    fifoPerSec: Math.round(fifoPerSec),
    recordingRatio: Number((recordedPerSec / unrecordedPerSec).toFixed(3)),
  };
}
