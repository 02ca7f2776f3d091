/**
 * The failure record: everything needed to reproduce one violating run and to show it to a
 * person. A failure is reproduced by running its program with its seed, its faults and a
 * `replay` of its schedule (with the same `timeJumps` as the strategy that recorded it, since
 * that decides where the kernel asks the strategy at all); the shrunk variant, when present,
 * is a smaller input that violates the same invariant.
 *
 * Which violation makes a run "failing": the first one the run reported, other than hitting a
 * step or time limit. A limit is not an invariant of the driver; campaigns count such runs
 * separately so that a model that stops making progress is still visible.
 */
import type { FailureKind, Violation } from '../kernel/violations.js';
import type { FaultSpec, RunReport } from './program.js';

/** The determinism self-check of a run: its schedule replayed, and the hash compared. */
export interface SelfCheck {
  ok: boolean;
  /** Hash of the replayed run. */
  traceHash: string;
  /** Why the replay could not follow the schedule, if it could not. */
  divergence: string | null;
}

/** The result of shrinking a failure (shrink.ts). */
export interface Shrunk {
  schedule: string;
  faults: FaultSpec[];
  message: string;
  /** The shrunk run's multi-line report (Violation.report), or null. */
  report: string[] | null;
  traceHash: string;
  /** Kernel steps of the shrunk run. */
  steps: number;
  /** Choices in the schedule before shrinking and after (trailing default choices dropped). */
  decisionsBefore: number;
  decisionsAfter: number;
  /** Non-default choices (preemptions and early events) before and after. */
  preemptionsBefore: number;
  preemptionsAfter: number;
  /** Runs spent shrinking. */
  attempts: number;
  /** The shrunk input, replayed strictly, violated the same invariant. */
  verified: boolean;
}

export interface Failure {
  /** Program id, `<scenario>@<design>` for built-in scenarios. */
  program: string;
  invariant: FailureKind;
  message: string;
  /** The multi-line report in the kernel's format (Violation.report), or null. */
  report: string[] | null;
  /**
   * The run number in the campaign, 1-based: run N is the run with index N - 1 (its seed is
   * `runSeed(seed, N - 1)`). The same number is in every table, file name, message and JSON
   * field (docs/design.md §4).
   */
  run: number;
  seed: number;
  /** The strategy that produced the run (for a portfolio, `portfolio:<member>`). */
  strategy: string;
  depth: number;
  /** Whether the recording strategy offered early events; replay must do the same. */
  timeJumps: boolean;
  faults: FaultSpec[];
  schedule: string;
  traceHash: string;
  steps: number;
  decisions: number;
  virtualTimeNs: number;
  /**
   * A split DFS (frontier.ts): the subtree the run belongs to; `run` is then its number within
   * that subtree (result.ts `globalScheduleIndex` gives the index in the unsplit order).
   */
  subtree?: number;
  /** Null when the run was not checked (it was superseded by an earlier run's failure). */
  selfCheck: SelfCheck | null;
  shrunk: Shrunk | null;
}

/** The violation that makes a run failing, or null. */
export function failingViolation(report: RunReport): Violation | null {
  for (const v of report.violations) if (v.invariant !== 'limit') return v;
  return null;
}

/** Whether a run hit a step or time limit. */
export function hitLimit(report: RunReport): boolean {
  return report.outcome === 'step-limit' || report.outcome === 'time-limit';
}

/** Splits a program id into scenario and design (`hang@rwsem` → `hang`, `rwsem`). */
export function splitProgramId(id: string): { scenario: string; design: string | null } {
  const at = id.indexOf('@');
  if (at < 0) return { scenario: id, design: null };
  return { scenario: id.slice(0, at), design: id.slice(at + 1) };
}
