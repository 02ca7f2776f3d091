/**
 * What the explorer explores: a *program* is anything that, given a seed, a strategy and a set
 * of injected faults, runs one execution on a fresh simulated kernel and reports what happened.
 * A built-in scenario on a reset design is a program; so is each small concurrency kernel of
 * the benchmarks. Keeping the explorer behind this interface means strategies, swarm testing,
 * shrinking, replay and parallel campaigns are written once.
 *
 * A run is a pure function of its `RunInput`: the same input gives the same `traceHash`.
 */
import type { RunOutcome } from '../kernel/kernel.js';
import type { Strategy } from '../kernel/strategy.js';
import type { FailureKind, Violation } from '../kernel/violations.js';

/** One injected fault: a name from the program's fault vocabulary and its parameters. */
export interface FaultSpec {
  /** A name from `Program.faults` (e.g. `job-hang`, `lost-irq`). */
  name: string;
  /** Virtual time at which the fault becomes armed (ns). */
  atNs: number;
  /** How many times it fires once armed (`0` = every time, for "always" faults). */
  count: number;
  /** Per-opportunity probability once armed, in [0, 1]. */
  rate: number;
}

export interface RunInput {
  seed: number;
  strategy: Strategy;
  faults: readonly FaultSpec[];
  /** Store trace events (for export). */
  trace?: boolean;
  /** Record choices (needed to replay and shrink a failure). */
  record?: boolean;
  /** Stop at the first violation. */
  stopOnViolation?: boolean;
  maxSteps?: number;
  /** KernelOptions.quietPolls (a program without polls ignores it). */
  quietPolls?: boolean;
}

export interface RunReport {
  outcome: RunOutcome;
  steps: number;
  decisions: number;
  schedule: string;
  traceHash: string;
  virtualTimeNs: number;
  violations: Violation[];
  /** Program-specific counters (jobs completed, resets, ...), for reports. */
  metrics: Record<string, number>;
  /** Stored trace events, when `trace` was asked for. */
  trace?: import('../kernel/trace.js').TraceEvent[];
  lanes?: import('../kernel/trace.js').Lane[];
}

export interface Program {
  /** Stable id, used in failure files and replay commands (e.g. `hang@rwsem`). */
  readonly id: string;
  /** Fault names this program understands (its swarm vocabulary). */
  readonly faults: readonly string[];
  /** Swarm parameters suited to this program (arm times within its active phase, ...). */
  readonly swarm?: import('./swarm.js').SwarmOptions;
  /** Faults to use when swarm testing is off (a scenario's own armed faults). */
  readonly defaultFaults?: readonly FaultSpec[];
  /** Invariants this program is expected to violate (a known-bad design); informational. */
  readonly expected?: readonly FailureKind[];
  /**
   * The interval of virtual time [fromNs, untilNs) in which this program's question is
   * decided (a litmus scenario: from its race instant to the end of its active phase), where
   * a systematic search branches by default (dfs.ts `branchWindow`); absent: the whole run.
   */
  readonly raceWindow?: { readonly fromNs: number; readonly untilNs: number };
  run(input: RunInput): Promise<RunReport>;
}
