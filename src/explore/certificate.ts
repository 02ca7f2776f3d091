/**
 * The certificate of an exhaustive (dfs) search: what was searched, within which bounds, what
 * was found, and a verdict that claims no more than the search did.
 *
 * Two definitions the certificate counts by:
 * - The *outcome* of a schedule: how its run ended (the kernel's RunOutcome: idle, stopped,
 *   violation, step-limit, time-limit, ...) and, when it failed, the invariant it violated
 *   first (failure.ts `failingViolation`), e.g. `idle` or `violation:reset-dedup`.
 * - The *state* of a schedule: a hash of its final observable state: the outcome, the set of
 *   invariants violated (names, not messages: a message carries times and addresses) and the
 *   program's metrics (for a scenario, the job ledger's counts: jobs submitted, completed and
 *   failed, innocent work lost, resets, recoveries, whether the device wedged), without the
 *   metrics that are durations (names ending in `Ns`: the same state reached later is the
 *   same state). Neither the trace nor the schedule is part of it: two interleavings that
 *   leave the same ledger are one state. So `distinctStates` is a lower bound of what a
 *   finer observer would tell apart, and `distinctStates == 1` says every interleaving
 *   within the bounds ended the same way as far as the ledger can tell.
 *
 * The verdict is "no violation within these bounds" only if every subtree was exhausted,
 * the depth bound cut nothing off, no run hit a step or time limit (its schedule was cut, so
 * what would have followed was not searched), no replay differed and nothing was
 * interrupted; "violations found" when a failure was kept; "not exhausted" otherwise.
 * docs/explorer.md §10 lists what the bounds themselves do not cover.
 */
import type { FootprintMode } from '../kernel/hb.js';
import type { DfsBoundKind, DfsReduction } from './dfs.js';
import { type Failure, failingViolation, splitProgramId } from './failure.js';
import type { RunReport } from './program.js';
import { type ExploreResult, globalScheduleIndex } from './result.js';

export type Verdict = 'no violation within these bounds' | 'violations found' | 'not exhausted';

export const CERTIFICATE_KIND = 'resetlab-dfs-certificate';

export interface CertificateFailure {
  invariant: string;
  message: string;
  /** 1-based index of the schedule in the unsplit DFS order; null if not known (see result.ts). */
  schedule: number | null;
  /** The subtree of a split search and the schedule's number within it. */
  subtree: number;
  subtreeSchedule: number;
  seed: number;
  /** The recorded choices (replay input) of the failing schedule. */
  choices: string;
  shrunkSchedule: string | null;
  shrunkVerified: boolean | null;
  faults: Failure['faults'];
}

export interface Certificate {
  kind: string;
  program: string;
  design: string | null;
  scenario: string;
  seed: number;
  bounds: {
    /** What the bound counts (dfs.ts): preemptions (CHESS) or delays (any departure). */
    kind: DfsBoundKind;
    /** The bound, under the name of its kind; the other is null. */
    preemptions: number | null;
    delays: number | null;
    depth: number;
    /**
     * Where in virtual time schedules branch, [fromNs, untilNs) (dfs.ts `branchWindow`): outside
     * it every schedule takes the default choice (docs/explorer.md §13). null: the whole run.
     */
    branchWindow: { fromNs: number; untilNs: number } | null;
    /** The one fault draw of the seed, fixed for every schedule. */
    faults: Failure['faults'];
    timeJumps: boolean;
  };
  schedules: number;
  distinctOutcomes: number;
  outcomes: Record<string, number>;
  distinctStates: number;
  /**
   * `hb-cache`: states reached again by an equivalent schedule were searched once (dfs.ts
   * `por`); `sleep`: a task whose step commutes with the one taken instead was not tried again
   * below it (dfs.ts `sleep`, preemption bounds only); `symmetry`: a choice that only renames
   * fresh pool workers was left out. `footprints` says what the equivalence knew (hb.ts),
   * `prunedRuns` how many runs ended at a state searched elsewhere (not schedules).
   */
  reduction: DfsReduction;
  footprints: FootprintMode | null;
  prunedRuns: number;
  exhausted: boolean;
  truncated: boolean;
  /** Knuth's estimate of the schedules in the tree within the bounds (tree-estimate.ts). */
  treeSizeEstimate: number | null;
  treeSizeStandardError: number | null;
  split: {
    splitDepth: number;
    subtrees: number;
    explored: number;
    frontierRuns: number;
    /** Subtrees continued with a larger share, and the replays that took (§10). */
    reruns: number;
    rerunRuns: number;
  } | null;
  /** Schedules that hit a step or time limit (their tail was not searched). */
  limitRuns: number;
  determinismMismatches: number;
  interrupted: boolean;
  verdict: Verdict;
  failures: CertificateFailure[];
}

/** The outcome key of a schedule (see the file comment). */
export function distinctOutcome(r: RunReport): string {
  const v = failingViolation(r);
  return v === null ? r.outcome : `${r.outcome}:${v.invariant}`;
}

/** cyrb53: a 53-bit string hash, deterministic and dependency-free; printed as hex. */
export function hash53(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** The state hash of a schedule (see the file comment). */
export function distinctState(r: RunReport): string {
  const invariants = [...new Set(r.violations.map((v) => v.invariant))].sort();
  const metrics = Object.entries(r.metrics)
    .filter(([k]) => !k.endsWith('Ns'))
    .sort(([a], [b]) => a.localeCompare(b));
  return hash53(JSON.stringify([r.outcome, invariants, metrics]));
}

export interface CertificateMeta {
  interrupted: boolean;
}

/** The certificate of a (merged) dfs result; null for other strategies. */
export function buildCertificate(r: ExploreResult, meta: CertificateMeta): Certificate | null {
  const d = r.dfs;
  if (d === null || d === undefined) return null;
  const { scenario, design } = splitProgramId(r.program);
  const exhausted = r.exhausted === true;
  const mismatches = r.determinism.mismatches.length;
  const proved =
    exhausted &&
    !d.truncated &&
    r.totals.limitRuns === 0 &&
    mismatches === 0 &&
    !meta.interrupted &&
    r.failures.length === 0;
  const verdict: Verdict =
    r.failures.length > 0
      ? 'violations found'
      : proved
        ? 'no violation within these bounds'
        : 'not exhausted';
  return {
    kind: CERTIFICATE_KIND,
    program: r.program,
    design,
    scenario,
    seed: r.seed,
    bounds: {
      kind: d.bound,
      preemptions: d.bound === 'preemption' ? r.depth : null,
      delays: d.bound === 'delay' ? r.depth : null,
      depth: d.maxDepth,
      branchWindow: d.branchWindow,
      faults: d.faults,
      timeJumps: d.timeJumps,
    },
    schedules: r.totals.runs,
    distinctOutcomes: Object.keys(d.outcomes).length,
    outcomes: d.outcomes,
    distinctStates: d.states.length,
    reduction: d.reduction,
    footprints: d.footprints,
    prunedRuns: d.prunedRuns,
    exhausted,
    truncated: d.truncated,
    treeSizeEstimate: d.estimate === null ? null : Math.round(d.estimate.total),
    treeSizeStandardError: d.estimate === null ? null : Math.round(d.estimate.standardError),
    split:
      d.plan === null
        ? null
        : {
            splitDepth: d.plan.splitDepth,
            subtrees: d.plan.subtrees,
            explored: d.subtrees.length,
            frontierRuns: d.plan.frontierRuns,
            reruns: d.plan.reruns ?? 0,
            rerunRuns: d.plan.rerunRuns ?? 0,
          },
    limitRuns: r.totals.limitRuns,
    determinismMismatches: mismatches,
    interrupted: meta.interrupted,
    verdict,
    failures: r.failures.map((f) => ({
      invariant: f.invariant,
      message: f.shrunk?.message ?? f.message,
      schedule: globalScheduleIndex(d, f),
      subtree: f.subtree ?? 0,
      subtreeSchedule: f.run,
      seed: f.seed,
      choices: f.schedule,
      shrunkSchedule: f.shrunk?.schedule ?? null,
      shrunkVerified: f.shrunk?.verified ?? null,
      faults: f.shrunk?.faults ?? f.faults,
    })),
  };
}
