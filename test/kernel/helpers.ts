/**
 * Test helpers for the simulated kernel: build a kernel, set it up, run it, and look at what
 * the runtime's checkers reported.
 */
import { randomStrategy } from '../../src/explore/random.js';
import { Kernel, type KernelOptions, type RunResult } from '../../src/kernel/kernel.js';
import type { FailureKind } from '../../src/kernel/violations.js';

export async function runWith(
  setup: (k: Kernel) => void,
  opts: KernelOptions = {},
): Promise<{ k: Kernel; r: RunResult }> {
  const k = new Kernel(opts);
  setup(k);
  const r = await k.run();
  return { k, r };
}

/** Runs `setup` under random scheduling for seeds 1..n and returns the results. */
export async function overSeeds(
  n: number,
  setup: (k: Kernel) => void,
  opts: KernelOptions = {},
): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const { r } = await runWith(setup, { strategy: randomStrategy(), ...opts, seed });
    out.push(r);
  }
  return out;
}

export function has(r: RunResult, inv: FailureKind): boolean {
  return r.violations.some((v) => v.invariant === inv);
}

export function count(rs: RunResult[], inv: FailureKind): number {
  return rs.filter((r) => has(r, inv)).length;
}
