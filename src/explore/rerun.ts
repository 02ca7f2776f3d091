/**
 * Re-running a recorded run: the program with the same seed and faults, and a `replay` of the
 * recorded schedule. This is the determinism self-check (a replay must give the same trace
 * hash; a difference is a bug in the model, e.g. iteration over an unordered structure or a
 * promise the runtime does not control), and the basis of `resetlab replay`.
 */
import { decodeSchedule } from '../kernel/schedule.js';
import type { SelfCheck } from './failure.js';
import type { FaultSpec, Program, RunReport } from './program.js';
import { replayStrategy } from './replay.js';

export interface RerunInput {
  seed: number;
  faults: readonly FaultSpec[];
  schedule: string | readonly number[];
  timeJumps: boolean;
  trace?: boolean;
  /** Replace impossible choices by the default instead of reporting a divergence. */
  lenient?: boolean;
  /** Must match the recorded run; campaigns always stop at the first violation (default). */
  stopOnViolation?: boolean;
  maxSteps?: number;
}

export interface RerunResult {
  report: RunReport;
  /** Strict mode: the first divergence from the schedule, or null. */
  divergence: string | null;
  /** Whether the schedule ran out before the run ended (the rest ran FIFO). */
  exhausted: boolean;
}

export async function rerun(program: Program, input: RerunInput): Promise<RerunResult> {
  const choices =
    typeof input.schedule === 'string' ? decodeSchedule(input.schedule) : input.schedule;
  const strategy = replayStrategy(choices, {
    timeJumps: input.timeJumps,
    lenient: input.lenient ?? false,
  });
  const report = await program.run({
    seed: input.seed,
    strategy,
    faults: input.faults,
    record: true,
    stopOnViolation: input.stopOnViolation ?? true,
    trace: input.trace ?? false,
    ...(input.maxSteps !== undefined ? { maxSteps: input.maxSteps } : {}),
  });
  return { report, divergence: strategy.divergence, exhausted: strategy.exhausted };
}

/** Replays a run and compares its trace hash with the recorded one. */
export async function selfCheck(
  program: Program,
  run: { seed: number; faults: readonly FaultSpec[]; schedule: string; timeJumps: boolean },
  expectedHash: string,
  maxSteps?: number,
): Promise<SelfCheck> {
  const r = await rerun(program, {
    ...run,
    ...(maxSteps !== undefined ? { maxSteps } : {}),
  });
  const traceHash = r.report.traceHash;
  return {
    ok: traceHash === expectedHash && r.divergence === null,
    traceHash,
    divergence: r.divergence,
  };
}
