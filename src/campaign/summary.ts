/**
 * A campaign's summary: the `explore` JSON shape of docs/design.md §4 (`scenario`, `design`,
 * `strategy`, `runs`, `decisions`, `elapsedMs`, `firstViolationRun`, `violations`), plus what a
 * reader or a later `merge` needs: totals, the determinism self-check, whether the campaign was
 * interrupted, where the failure files are, and the full merged explore result.
 *
 * The same object is printed with `--json`, written as `summary.json` next to the failure
 * files, and read back by `merge`, which validates it with the zod schema below so that a
 * truncated or foreign file gets a message naming the field instead of a wrong merge.
 */
import { z } from 'zod';
import { buildCertificate, type Certificate } from '../explore/certificate.js';
import { boundText, branchWindowPhrase, DFS_BOUND_KINDS, DFS_REDUCTIONS } from '../explore/dfs.js';
import { type Failure, splitProgramId } from '../explore/failure.js';
import type { ExploreResult } from '../explore/result.js';
import { failureFileName } from './failure-file.js';

export const SUMMARY_VERSION = 1;
export const SUMMARY_KIND = 'resetlab-explore';

export interface SummaryViolation {
  invariant: string;
  message: string;
  /** The multi-line report of the (shrunk, when shrunk) failing run, or null. */
  report: string[] | null;
  /** The run number, 1-based, as in the failure file's name and `compare`'s `firstRun`. */
  run: number;
  seed: number;
  strategy: string;
  schedule: string;
  /** Decisions in the original schedule. */
  decisions: number;
  shrunkSchedule: string | null;
  /** Decisions in the shrunk schedule (trailing default choices dropped). */
  shrunkSteps: number | null;
  shrunkVerified: boolean | null;
  file: string | null;
  replay: string | null;
}

export interface CampaignSummary {
  version: number;
  kind: string;
  scenario: string;
  design: string | null;
  program: string;
  strategy: string;
  depth: number;
  seed: number;
  plannedRuns: number;
  shard: { index: number; count: number } | null;
  jobs: number;
  /** Runs executed. */
  runs: number;
  decisions: number;
  steps: number;
  violatingRuns: number;
  limitRuns: number;
  elapsedMs: number;
  runsPerSec: number;
  firstViolationRun: number | null;
  violations: SummaryViolation[];
  /** Invariants the program is known to violate (a known-bad design), or null if unknown. */
  expected: string[] | null;
  /** Violated invariants not in `expected` (all of them when `expected` is null). */
  unexpected: string[];
  determinism: {
    checked: number;
    sampled: number;
    failures: number;
    mismatches: ExploreResult['determinism']['mismatches'];
  };
  exhausted: boolean | null;
  pctSteps: number | null;
  interrupted: boolean;
  /** The signal that interrupted the campaign, if any. */
  signal: string | null;
  failuresDir: string | null;
  /** Merged shards: which indices were present and which were missing. */
  shards?: { count: number; present: number[]; missing: number[] };
  /**
   * With `--resume`: the chunks (and their runs) an earlier session had finished, read back
   * from the journal instead of run (journal.ts); null without `--resume`.
   */
  resumed: { chunks: number; runs: number } | null;
  /** dfs: the certificate of the search (src/explore/certificate.ts); null otherwise. */
  certificate: Certificate | null;
  result: ExploreResult;
}

export function buildSummary(
  result: ExploreResult,
  meta: {
    jobs: number;
    elapsedMs: number;
    interrupted: boolean;
    signal: string | null;
    failuresDir: string | null;
    expected?: readonly string[] | null;
    /** Path of each failure's file, by invariant. */
    files?: ReadonlyMap<string, string>;
    resumed?: { chunks: number; runs: number } | null;
  },
): CampaignSummary {
  const { scenario, design } = splitProgramId(result.program);
  const t = result.totals;
  const d = result.determinism;
  return {
    version: SUMMARY_VERSION,
    kind: SUMMARY_KIND,
    scenario,
    design,
    program: result.program,
    strategy: result.strategy,
    depth: result.depth,
    seed: result.seed,
    plannedRuns: result.plannedRuns,
    shard: result.shard,
    jobs: meta.jobs,
    runs: t.runs,
    decisions: t.decisions,
    steps: t.steps,
    violatingRuns: t.violatingRuns,
    limitRuns: t.limitRuns,
    elapsedMs: Math.round(meta.elapsedMs),
    // Of this session: runs read back from a journal took no time now.
    runsPerSec:
      meta.elapsedMs > 0
        ? Math.round(((t.runs - (meta.resumed?.runs ?? 0)) * 1000) / meta.elapsedMs)
        : 0,
    firstViolationRun: result.firstViolationRun,
    violations: result.failures.map((f) =>
      failureView(f, f.run, meta.files?.get(f.invariant) ?? fileIn(meta.failuresDir, f)),
    ),
    expected: meta.expected ? [...meta.expected] : null,
    unexpected: result.failures
      .map((f) => f.invariant as string)
      .filter((inv) => !(meta.expected ?? []).includes(inv)),
    determinism: {
      checked: d.sampled + d.failures,
      sampled: d.sampled,
      failures: d.failures,
      mismatches: d.mismatches,
    },
    exhausted: result.exhausted,
    pctSteps: result.pctSteps,
    interrupted: meta.interrupted,
    signal: meta.signal,
    failuresDir: meta.failuresDir,
    resumed: meta.resumed ?? null,
    certificate: buildCertificate(result, { interrupted: meta.interrupted }),
    result,
  };
}

function fileIn(dir: string | null, f: Failure): string | null {
  return dir === null ? null : `${dir}/${failureFileName(f)}`;
}

/**
 * How a failure is shown in a JSON report: the `explore` summary's violations and `compare`'s
 * failures (with design and scenario in front); `run` is the 1-based run number in both.
 */
export function failureView(f: Failure, run: number, file: string | null): SummaryViolation {
  return {
    invariant: f.invariant,
    message: f.message,
    report: f.shrunk?.report ?? f.report,
    run,
    seed: f.seed,
    strategy: f.strategy,
    schedule: f.schedule,
    decisions: f.decisions,
    shrunkSchedule: f.shrunk?.schedule ?? null,
    shrunkSteps: f.shrunk?.decisionsAfter ?? null,
    shrunkVerified: f.shrunk?.verified ?? null,
    file,
    replay: file === null ? null : `resetlab replay ${file}`,
  };
}

/** A terminal summary: a few lines a person reads at the end of a campaign. */
export function formatSummary(s: CampaignSummary): string {
  const lines: string[] = [];
  const where = s.shard === null ? '' : ` shard ${s.shard.index}/${s.shard.count}`;
  const state = s.interrupted ? ` (interrupted by ${s.signal ?? 'request'})` : '';
  lines.push(
    `explore ${s.program}${where}: ${s.certificate !== null ? `dfs, ${boundText(s.certificate.bounds.kind, s.depth)}, ${branchWindowPhrase(s.certificate.bounds.branchWindow)}` : `${s.strategy} depth ${s.depth}`}, seed ${s.seed}: ` +
      `${s.runs}/${s.plannedRuns} runs, ${s.decisions} decisions in ${(s.elapsedMs / 1000).toFixed(1)} s ` +
      `(${s.runsPerSec} runs/s)${state}`,
  );
  if (s.resumed !== null) {
    lines.push(
      `  resumed: ${s.resumed.chunks} finished chunks (${s.resumed.runs} runs) read back from the journal`,
    );
  }
  const c = s.certificate;
  if (c !== null) {
    const est = c.treeSizeEstimate === null ? '' : `, tree estimate ~${c.treeSizeEstimate}`;
    const split =
      c.split === null
        ? ''
        : `, ${c.split.explored}/${c.split.subtrees} subtrees (split depth ${c.split.splitDepth})`;
    lines.push(
      `  dfs: ${c.verdict}: ${c.schedules} schedules${est}${split}, ` +
        `${c.distinctOutcomes} outcomes, ${c.distinctStates} states` +
        `${c.reduction === 'none' ? '' : `, reduction ${c.reduction} (${c.footprints ?? 'no'} footprints, ${c.prunedRuns} runs pruned)`}` +
        `${c.truncated ? ', depth bound cut alternatives off' : ''}`,
    );
  } else if (s.exhausted !== null) {
    lines.push(`  dfs: ${s.exhausted ? 'tree exhausted within the bounds' : 'tree not exhausted'}`);
  }
  if (s.violations.length === 0) {
    lines.push(`  no violations (${s.limitRuns} runs hit a limit)`);
  } else {
    lines.push(
      `  ${s.violatingRuns} violating runs, ${s.violations.length} invariants, first at run ${s.firstViolationRun}:`,
    );
    for (const v of s.violations) {
      const shrunk =
        v.shrunkSteps === null ? '' : `, shrunk ${v.decisions} -> ${v.shrunkSteps} decisions`;
      lines.push(`  - ${v.invariant} at run ${v.run} (seed ${v.seed}${shrunk}): ${v.message}`);
      if (v.replay !== null) lines.push(`      ${v.replay}`);
    }
  }
  const d = s.determinism;
  lines.push(
    d.mismatches.length === 0
      ? `  determinism: ${d.checked} replays matched`
      : `  determinism: ${d.mismatches.length} of ${d.checked} replays DIFFERED (a bug in the model): runs ${d.mismatches.map((m) => m.run).join(', ')}`,
  );
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------
// Validation of summary files for `merge`.

const fault = z.object({
  name: z.string(),
  atNs: z.number(),
  count: z.number().int(),
  rate: z.number(),
});

const shrunk = z.object({
  schedule: z.string(),
  faults: z.array(fault),
  message: z.string(),
  // Absent in summaries written before reports existed.
  report: z.array(z.string()).nullable().default(null),
  traceHash: z.string(),
  steps: z.number().int(),
  decisionsBefore: z.number().int(),
  decisionsAfter: z.number().int(),
  preemptionsBefore: z.number().int(),
  preemptionsAfter: z.number().int(),
  attempts: z.number().int(),
  verified: z.boolean(),
});

const failure = z.object({
  program: z.string(),
  invariant: z.string(),
  message: z.string(),
  report: z.array(z.string()).nullable().default(null),
  run: z.number().int().nonnegative(),
  seed: z.number().int(),
  strategy: z.string(),
  depth: z.number().int(),
  timeJumps: z.boolean(),
  faults: z.array(fault),
  schedule: z.string(),
  traceHash: z.string(),
  steps: z.number().int(),
  decisions: z.number().int(),
  virtualTimeNs: z.number(),
  selfCheck: z
    .object({ ok: z.boolean(), traceHash: z.string(), divergence: z.string().nullable() })
    .nullable(),
  shrunk: shrunk.nullable(),
  subtree: z.number().int().nonnegative().optional(),
});

const shard = z.object({ index: z.number().int(), count: z.number().int() });

const totals = z.object({
  runs: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  decisions: z.number().int().nonnegative(),
  violatingRuns: z.number().int().nonnegative(),
  limitRuns: z.number().int().nonnegative(),
});

const mismatch = z.object({
  run: z.number().int(),
  seed: z.number().int(),
  expected: z.string(),
  actual: z.string(),
  divergence: z.string().nullable(),
});

const dfsTree = z.object({
  plan: z
    .object({
      splitDepth: z.number().int().nonnegative(),
      subtrees: z.number().int().positive(),
      frontierRuns: z.number().int().nonnegative(),
      budget: z.number().int().nonnegative(),
      rerunRuns: z.number().int().nonnegative().optional(),
      reruns: z.number().int().nonnegative().optional(),
    })
    .nullable(),
  subtrees: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      schedules: z.number().int().nonnegative(),
      exhausted: z.boolean(),
      from: z.number().int().positive().optional(),
      lastPath: z.array(z.number().int().nonnegative()).optional(),
    }),
  ),
  outcomes: z.record(z.string(), z.number().int().nonnegative()),
  states: z.array(z.string()),
  truncated: z.boolean(),
  // Absent in results written before the reduction existed: none.
  reduction: z.enum(DFS_REDUCTIONS).default('none'),
  prunedRuns: z.number().int().nonnegative().default(0),
  footprints: z.enum(['complete', 'conservative']).nullable().default(null),
  bound: z.enum(DFS_BOUND_KINDS).default('preemption'),
  maxDepth: z.number().int().positive(),
  // Absent in results written before the window existed: the whole run.
  branchWindow: z
    .object({ fromNs: z.number().int().nonnegative(), untilNs: z.number().int().positive() })
    .nullable()
    .default(null),
  timeJumps: z.boolean(),
  faults: z.array(fault),
  estimate: z
    .object({
      total: z.number().nonnegative(),
      standardError: z.number().nonnegative(),
      probes: z.number().int().nonnegative(),
      perSubtree: z.array(z.number().nonnegative()),
    })
    .nullable(),
});

/** A chunk's or a campaign's `ExploreResult` (merge, and the journal: journal.ts). */
export const exploreResultSchema = z.object({
  program: z.string(),
  strategy: z.string(),
  depth: z.number().int(),
  seed: z.number().int(),
  plannedRuns: z.number().int().nonnegative(),
  shard: shard.nullable(),
  from: z.number().int(),
  to: z.number().int(),
  totals,
  firstViolationRun: z.number().int().nullable(),
  failures: z.array(failure),
  determinism: z.object({
    sampled: z.number().int(),
    failures: z.number().int(),
    mismatches: z.array(mismatch),
  }),
  exhausted: z.boolean().nullable(),
  pctSteps: z.number().int().nullable(),
  stoppedEarly: z.boolean(),
  dfs: dfsTree.nullable().default(null),
});

/** What `merge` needs from a summary file; other fields are recomputed. */
export const summaryFileSchema = z.object({
  version: z.literal(SUMMARY_VERSION),
  kind: z.literal(SUMMARY_KIND),
  jobs: z.number().int().positive(),
  elapsedMs: z.number().nonnegative(),
  interrupted: z.boolean(),
  signal: z.string().nullable(),
  failuresDir: z.string().nullable(),
  expected: z.array(z.string()).nullable().optional(),
  violations: z.array(z.object({ invariant: z.string(), file: z.string().nullable() })),
  result: exploreResultSchema,
});

export type SummaryFile = z.infer<typeof summaryFileSchema>;
