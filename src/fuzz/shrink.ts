/**
 * Shrinking a failing fuzz program: find a shorter program that still fails the same way, so
 * that a person reads five calls instead of fifty.
 *
 * "The same way" is the finding's *signature*: its kind (an invariant id, `model-error`,
 * `errno`, `must-fail`, `result`, `leak`, ...) and, when it is attributed to a call, that
 * call's op. A candidate is accepted when any of its findings has the signature.
 *
 * Calls are removed syntactically: since later calls refer to earlier outputs by reference, a
 * reference to a removed call resolves to 0 at run time (an invalid handle), so every
 * candidate is a well-formed program. Passes, repeated while they make progress and the budget
 * lasts:
 * 1. delete blocks of calls, halving the block size down to one (delta debugging);
 * 2. make asynchronous calls synchronous (one task fewer to reason about);
 * 3. switch a random-schedule program to FIFO;
 * 4. drop file slots no call uses.
 * Deterministic: the candidates depend only on the program, so a failure shrinks the same way
 * anywhere.
 */
import type { ExecOptions, ExecResult, Finding } from './execute.js';
import { execProgram } from './execute.js';
import { cloneProgram, type FuzzProgram, MACHINE_OPS } from './program.js';

export interface FuzzShrinkOptions extends ExecOptions {
  /** Programs the shrinker may run (default 300). */
  budget?: number;
}

export interface FuzzShrinkResult {
  program: FuzzProgram;
  /** The finding the shrunk program still has. */
  finding: Finding;
  result: ExecResult;
  runs: number;
  callsBefore: number;
  callsAfter: number;
}

export const MAX_FUZZ_SHRINK_BUDGET = 10_000;

export function findingSignature(p: FuzzProgram, f: Finding): string {
  const call = f.call === null ? undefined : p.calls[f.call];
  const kind = f.what === undefined ? f.kind : `${f.kind}:${f.what}`;
  return call === undefined ? kind : `${kind}@${call.op}`;
}

/**
 * Shrinks `program`, which has `target` among its findings. Returns the smallest failing
 * program found (the original one if nothing smaller fails the same way).
 */
export async function shrinkFuzzProgram(
  program: FuzzProgram,
  target: Finding,
  opts: FuzzShrinkOptions = {},
): Promise<FuzzShrinkResult> {
  const budget = Math.min(Math.max(1, opts.budget ?? 300), MAX_FUZZ_SHRINK_BUDGET);
  const sig = findingSignature(program, target);
  let best = cloneProgram(program);
  let bestFinding = target;
  let bestResult: ExecResult | null = null;
  let runs = 0;

  const attempt = async (cand: FuzzProgram): Promise<boolean> => {
    if (runs >= budget) return false;
    runs++;
    const r = await execProgram(cand, opts);
    const f = r.findings.find((x) => findingSignature(cand, x) === sig);
    if (f === undefined) return false;
    best = cand;
    bestFinding = f;
    bestResult = r;
    return true;
  };

  for (let round = 0; round < 8 && runs < budget; round++) {
    let progress = false;
    // 1. Delete blocks of calls.
    for (let size = Math.max(1, best.calls.length >> 1); size >= 1 && runs < budget; size >>= 1) {
      for (let start = best.calls.length - size; start >= 0 && runs < budget; start -= size) {
        if (start + size > best.calls.length) continue;
        const cand = cloneProgram(best);
        cand.calls.splice(start, size);
        if (await attempt(cand)) progress = true;
      }
      if (size === 1) break;
    }
    // 2. Synchronous calls.
    for (let i = best.calls.length - 1; i >= 0 && runs < budget; i--) {
      if (best.calls[i]?.async !== true) continue;
      const cand = cloneProgram(best);
      delete (cand.calls[i] as { async?: boolean }).async;
      if (await attempt(cand)) progress = true;
    }
    // 3. FIFO scheduling.
    if (best.strategy !== 'fifo' && runs < budget) {
      const cand = cloneProgram(best);
      cand.strategy = 'fifo';
      if (await attempt(cand)) progress = true;
    }
    // 4. Unused file slots.
    const used = new Set(best.calls.filter((c) => !MACHINE_OPS.has(c.op)).map((c) => c.file));
    if (used.size < best.files.length && runs < budget) {
      const order = used.size === 0 ? [0] : [...used].sort((a, b) => a - b);
      const cand = cloneProgram(best);
      cand.files = order.map((i) => best.files[i] as { privileged: boolean });
      for (const c of cand.calls) c.file = MACHINE_OPS.has(c.op) ? 0 : order.indexOf(c.file);
      if (await attempt(cand)) progress = true;
    }
    if (!progress) break;
  }
  const result = bestResult ?? (await execProgram(best, opts));
  return {
    program: best,
    finding: bestFinding,
    result,
    runs,
    callsBefore: program.calls.length,
    callsAfter: best.calls.length,
  };
}
