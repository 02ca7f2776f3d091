/**
 * Shrinking a failure: find a smaller input that still violates the same invariant, so that a
 * person reads a handful of preemptions instead of thousands of decisions.
 *
 * The input is (faults, schedule). A recorded schedule is a list of *indices* into the run
 * queue, and an index means nothing once an earlier decision changed: remove one preemption
 * and every later index points at a different task. So the shrinker works on *targets*
 * instead: for each decision, either "the default" (index 0, what FIFO would do), "fire the
 * next event", or "the task named X". Editing one decision then leaves the meaning of the
 * others intact, and removing a fault that spawns tasks only turns the decisions that named
 * those tasks into defaults. A candidate is run with a strategy that follows the targets
 * (a named task that is not runnable falls back to the default; after the last target the run
 * continues FIFO); when it fails with the same invariant it is accepted, and what is kept is
 * what the run actually did: its recorded index schedule with trailing zeros dropped (FIFO
 * would choose them anyway) and the targets re-derived from it. So every accepted schedule is
 * a real, strictly replayable run.
 *
 * Passes, repeated while they make progress and the attempt budget lasts:
 * 1. remove faults one at a time (last first);
 * 2. truncate: binary search for a short failing prefix (failing is not monotone in the
 *    length, so this finds a short prefix, not always the shortest);
 * 3. turn named targets (preemptions, early events) into defaults, in blocks that halve in
 *    size down to one (delta debugging);
 * 4. delete named targets, so that the ones after them apply one decision earlier.
 * Candidates are smaller when they have fewer faults, then fewer non-default choices (each
 * one a preemption the reader must understand), then fewer decisions.
 *
 * Deterministic: the candidate order depends only on the failure, so a failure shrinks the
 * same way on any worker or machine. fast-check's shrinkers were not used: they shrink values
 * their own arbitraries generated, and these schedules come from the strategies.
 *
 * The result is verified by a strict `replay` of the shrunk index schedule, which must report
 * the same invariant.
 */
import { decodeSchedule, encodeSchedule } from '../kernel/schedule.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';
import type { FailureKind } from '../kernel/violations.js';
import { type Failure, failingViolation, type Shrunk } from './failure.js';
import type { FaultSpec, Program } from './program.js';
import { replayStrategy } from './replay.js';
import { rerun } from './rerun.js';

export interface ShrinkOptions {
  /** Runs the shrinker may spend (default 200). */
  budget?: number;
  maxSteps?: number;
}

export const MAX_SHRINK_BUDGET = 100_000;

/** A decision target: the default choice, an early event, or a task by name. */
type Target = string | typeof DEFAULT | typeof EVENT;
const DEFAULT = 0;
const EVENT = 1;

interface Candidate {
  choices: number[];
  targets: Target[];
  faults: FaultSpec[];
  message: string;
}

/**
 * Follows `targets` (or, for the first run, an index schedule) and records the target that
 * describes each choice it made.
 */
function targetStrategy(
  source: { targets: readonly Target[] } | { choices: readonly number[] },
  timeJumps: boolean,
  out: Target[],
): Strategy {
  const replay =
    'choices' in source ? replayStrategy(source.choices, { lenient: true, timeJumps }) : null;
  const targets = 'targets' in source ? source.targets : [];
  let pos = 0;
  return {
    name: 'shrink',
    timeJumps,
    start(h: StrategyHost) {
      pos = 0;
      out.length = 0;
      replay?.start(h);
    },
    onSpawn() {},
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      let c = 0;
      if (replay !== null) {
        c = replay.pick(runq, eventOffered, prev);
      } else if (pos < targets.length) {
        const t = targets[pos] as Target;
        if (t === EVENT) {
          c = eventOffered ? runq.length : 0;
        } else if (typeof t === 'string') {
          for (let i = 0; i < runq.length; i++) {
            if ((runq[i] as Task).name === t) {
              c = i;
              break;
            }
          }
        }
      }
      pos++;
      out.push(c === 0 ? DEFAULT : c === runq.length ? EVENT : (runq[c] as Task).name);
      return c;
    },
  };
}

function canonicalLength(choices: readonly number[]): number {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return end;
}

function nonDefault(choices: readonly number[]): number {
  let n = 0;
  for (const c of choices) if (c !== 0) n++;
  return n;
}

function smaller(a: Candidate, b: Candidate): boolean {
  if (a.faults.length !== b.faults.length) return a.faults.length < b.faults.length;
  const na = nonDefault(a.choices);
  const nb = nonDefault(b.choices);
  if (na !== nb) return na < nb;
  return a.choices.length < b.choices.length;
}

export async function shrinkFailure(
  program: Program,
  failure: Failure,
  opts: ShrinkOptions = {},
): Promise<Shrunk> {
  const budget = Math.max(1, Math.min(opts.budget ?? 200, MAX_SHRINK_BUDGET));
  const target: FailureKind = failure.invariant;
  const original = decodeSchedule(failure.schedule);
  let attempts = 0;

  async function attempt(
    source: { targets: readonly Target[] } | { choices: readonly number[] },
    faults: FaultSpec[],
  ): Promise<Candidate | null> {
    if (attempts >= budget) return null;
    attempts++;
    const recorded: Target[] = [];
    const report = await program.run({
      seed: failure.seed,
      strategy: targetStrategy(source, failure.timeJumps, recorded),
      faults,
      record: true,
      stopOnViolation: true,
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
    });
    const v = failingViolation(report);
    if (v === null || v.invariant !== target) return null;
    const choices = decodeSchedule(report.schedule);
    const end = canonicalLength(choices);
    return {
      choices: choices.slice(0, end),
      targets: recorded.slice(0, end),
      faults,
      message: v.message,
    };
  }

  let best: Candidate = {
    choices: original.slice(0, canonicalLength(original)),
    targets: [],
    faults: [...failure.faults],
    message: failure.message,
  };
  function take(c: Candidate | null): boolean {
    if (c === null || !smaller(c, best)) return false;
    best = c;
    return true;
  }

  // The failure must reproduce (and yields its targets) before anything can be shrunk.
  const base = await attempt({ choices: best.choices }, best.faults);
  if (base !== null) {
    best = base;
    let progress = true;
    while (progress && attempts < budget) {
      progress = false;
      // 1. Faults.
      for (let i = best.faults.length - 1; i >= 0 && attempts < budget; i--) {
        const fewer = best.faults.filter((_, j) => j !== i);
        if (take(await attempt({ targets: best.targets }, fewer))) progress = true;
      }
      // 2. Truncation.
      let lo = 0;
      let hi = best.targets.length;
      while (lo < hi && attempts < budget) {
        const mid = (lo + hi) >> 1;
        if (take(await attempt({ targets: best.targets.slice(0, mid) }, best.faults))) {
          progress = true;
          hi = Math.min(mid, best.targets.length);
        } else {
          lo = mid + 1;
        }
      }
      // 3. Named targets to defaults, in halving blocks.
      let named = namedPositions(best.targets);
      let size = Math.max(1, named.length >> 1);
      while (attempts < budget && named.length > 0) {
        let start = 0;
        while (start < named.length && attempts < budget) {
          const edited = [...best.targets];
          for (const p of named.slice(start, start + size)) edited[p] = DEFAULT;
          if (take(await attempt({ targets: edited }, best.faults))) {
            // Retry the same place: the positions after it have moved.
            progress = true;
            named = namedPositions(best.targets);
          } else {
            start += size;
          }
        }
        if (size === 1) break;
        size >>= 1;
      }
      // 4. Delete named targets one at a time: the later targets then apply one decision
      // earlier, which removes a preemption that only mattered as a delay.
      named = namedPositions(best.targets);
      for (let i = named.length - 1; i >= 0 && attempts < budget; i--) {
        const p = named[i] as number;
        if (p >= best.targets.length) continue;
        const edited = [...best.targets.slice(0, p), ...best.targets.slice(p + 1)];
        if (take(await attempt({ targets: edited }, best.faults))) progress = true;
      }
    }
  }

  // Strict verification of what is reported.
  const check = await rerun(program, {
    seed: failure.seed,
    faults: best.faults,
    schedule: best.choices,
    timeJumps: failure.timeJumps,
    ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
  });
  const v = failingViolation(check.report);
  const verified = check.divergence === null && v !== null && v.invariant === target;
  return {
    schedule: encodeSchedule(best.choices),
    faults: best.faults,
    message: v?.message ?? best.message,
    report: v?.report ?? null,
    traceHash: check.report.traceHash,
    steps: check.report.steps,
    decisionsBefore: original.length,
    decisionsAfter: best.choices.length,
    preemptionsBefore: nonDefault(original),
    preemptionsAfter: nonDefault(best.choices),
    attempts,
    verified,
  };
}

function namedPositions(targets: readonly Target[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < targets.length; i++) if (targets[i] !== DEFAULT) out.push(i);
  return out;
}
