/**
 * Failure files: one JSON file per failure, written the moment a campaign finds it, so that a
 * campaign killed an hour in still leaves every failure it found, each one reproducible with
 * `resetlab replay <file>`.
 *
 * The file is flat and meant to be read by people as well as by `readFailure`: the program,
 * the invariant and its message first, then what reproduces it (seed, strategy, faults,
 * schedule, trace hash), then the shrunk input. Reading validates every field with zod and
 * turns the first problem into a `FailureFileError` naming the field (`faults.1.rate`), so a
 * hand-edited or truncated file gets a precise message instead of a crash deep in a replay.
 * Fields may be added in later versions; a file with a newer `version` is refused.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Failure, failingViolation, splitProgramId } from '../explore/failure.js';
import type { Program, RunReport } from '../explore/program.js';
import { rerun } from '../explore/rerun.js';
import { decodeSchedule, ScheduleSyntaxError } from '../kernel/schedule.js';
import { type FailureKind, INVARIANTS } from '../kernel/violations.js';

export const FAILURE_FILE_VERSION = 1;
/** Files larger than this are not failure files (a schedule is at most a few MB). */
export const MAX_FAILURE_FILE_BYTES = 64 * 1024 * 1024;

const FAILURE_KINDS = [...INVARIANTS, 'model-error', 'limit'] as const;

const faultSchema = z
  .object({
    name: z.string().min(1),
    atNs: z.number().int().nonnegative(),
    count: z.number().int().nonnegative(),
    rate: z.number().min(0).max(1),
  })
  .strict();

const scheduleSchema = z.string().refine(
  (s) => {
    try {
      decodeSchedule(s);
      return true;
    } catch (err) {
      if (err instanceof ScheduleSyntaxError) return false;
      throw err;
    }
  },
  { message: 'not a schedule string (letters with repeat counts, e.g. a12ba3)' },
);

const hashSchema = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits');

export const failureFileSchema = z.object({
  version: z.literal(FAILURE_FILE_VERSION),
  program: z.string().min(1),
  scenario: z.string().optional(),
  design: z.string().nullable().optional(),
  invariant: z.enum(FAILURE_KINDS),
  message: z.string(),
  /** The multi-line report (a lockdep splat, a hung-task list); absent in older files. */
  report: z.array(z.string()).nullable().optional(),
  run: z.number().int().nonnegative(),
  seed: z.number().int(),
  strategy: z.string().min(1),
  depth: z.number().int().nonnegative(),
  timeJumps: z.boolean(),
  faults: z.array(faultSchema),
  schedule: scheduleSchema,
  traceHash: hashSchema,
  steps: z.number().int().nonnegative(),
  decisions: z.number().int().nonnegative(),
  virtualTimeNs: z.number().nonnegative(),
  shrunkSchedule: scheduleSchema.nullable(),
  shrunkFaults: z.array(faultSchema).nullable(),
  shrunkTraceHash: hashSchema.nullable(),
  shrunkMessage: z.string().nullable().optional(),
  shrunkReport: z.array(z.string()).nullable().optional(),
  shrunkSteps: z.number().int().nonnegative().nullable(),
  shrink: z
    .object({
      steps: z.number().int().nonnegative(),
      decisionsBefore: z.number().int().nonnegative(),
      decisionsAfter: z.number().int().nonnegative(),
      preemptionsBefore: z.number().int().nonnegative(),
      preemptionsAfter: z.number().int().nonnegative(),
      attempts: z.number().int().nonnegative(),
      verified: z.boolean(),
    })
    .nullable(),
  selfCheck: z
    .object({ ok: z.boolean(), traceHash: hashSchema, divergence: z.string().nullable() })
    .nullable(),
  replay: z.string(),
});

export type FailureFile = z.infer<typeof failureFileSchema>;

export interface FailureFileError {
  path: string;
  /** Dotted path of the bad field (`faults.0.rate`), or `(file)` / `(json)`. */
  field: string;
  message: string;
}

export type ReadFailureResult =
  | { ok: true; failure: Failure; file: FailureFile }
  | { ok: false; error: FailureFileError };

/** The file name for a failure: program, invariant and run, in characters safe everywhere. */
export function failureFileName(f: Pick<Failure, 'program' | 'invariant' | 'run'>): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9@._-]/g, '_');
  return `${safe(f.program)}.${safe(f.invariant)}.run${f.run}.json`;
}

export function toFailureFile(f: Failure, path: string): FailureFile {
  const { scenario, design } = splitProgramId(f.program);
  const s = f.shrunk;
  return {
    version: FAILURE_FILE_VERSION,
    program: f.program,
    scenario,
    design,
    invariant: f.invariant,
    message: f.message,
    report: f.report,
    run: f.run,
    seed: f.seed,
    strategy: f.strategy,
    depth: f.depth,
    timeJumps: f.timeJumps,
    faults: f.faults,
    schedule: f.schedule,
    traceHash: f.traceHash,
    steps: f.steps,
    decisions: f.decisions,
    virtualTimeNs: f.virtualTimeNs,
    shrunkSchedule: s?.schedule ?? null,
    shrunkFaults: s?.faults ?? null,
    shrunkTraceHash: s?.traceHash ?? null,
    shrunkMessage: s?.message ?? null,
    shrunkReport: s?.report ?? null,
    shrunkSteps: s?.decisionsAfter ?? null,
    shrink:
      s === null
        ? null
        : {
            steps: s.steps,
            decisionsBefore: s.decisionsBefore,
            decisionsAfter: s.decisionsAfter,
            preemptionsBefore: s.preemptionsBefore,
            preemptionsAfter: s.preemptionsAfter,
            attempts: s.attempts,
            verified: s.verified,
          },
    selfCheck: f.selfCheck,
    replay: `resetlab replay ${path}`,
  };
}

export function fromFailureFile(file: FailureFile): Failure {
  const sh = file.shrink;
  return {
    program: file.program,
    invariant: file.invariant as FailureKind,
    message: file.message,
    report: file.report ?? null,
    run: file.run,
    seed: file.seed,
    strategy: file.strategy,
    depth: file.depth,
    timeJumps: file.timeJumps,
    faults: file.faults,
    schedule: file.schedule,
    traceHash: file.traceHash,
    steps: file.steps,
    decisions: file.decisions,
    virtualTimeNs: file.virtualTimeNs,
    selfCheck: file.selfCheck,
    shrunk:
      file.shrunkSchedule === null || file.shrunkTraceHash === null || sh === null
        ? null
        : {
            schedule: file.shrunkSchedule,
            faults: file.shrunkFaults ?? file.faults,
            message: file.shrunkMessage ?? file.message,
            report: file.shrunkReport ?? null,
            traceHash: file.shrunkTraceHash,
            steps: sh.steps,
            decisionsBefore: sh.decisionsBefore,
            decisionsAfter: sh.decisionsAfter,
            preemptionsBefore: sh.preemptionsBefore,
            preemptionsAfter: sh.preemptionsAfter,
            attempts: sh.attempts,
            verified: sh.verified,
          },
  };
}

/** Writes the failure's file into `dir` (created if needed) and returns its path. */
export function writeFailure(dir: string, failure: Failure): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, failureFileName(failure));
  const tmp = `${path}.tmp`;
  // Write then rename, so that a reader (or a campaign killed mid-write) never sees half a file.
  writeFileSync(tmp, `${JSON.stringify(toFailureFile(failure, path), null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}

/** Validates parsed JSON as a failure file. */
export function parseFailure(data: unknown, path = '(input)'): ReadFailureResult {
  if ((data as { kind?: unknown } | null)?.kind === 'resetlab-explore') {
    const message = `${path}: a campaign summary, not a failure file (its failure files are listed in violations[].file)`;
    return { ok: false, error: { path, field: '(file)', message } };
  }
  const r = failureFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '(file)' : issue.path.join('.');
    return {
      ok: false,
      error: { path, field, message: `${path}: ${field}: ${issue?.message ?? 'invalid'}` },
    };
  }
  return { ok: true, failure: fromFailureFile(r.data), file: r.data };
}

export function readFailure(path: string): ReadFailureResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { path, field: '(file)', message: `${path}: ${msg}` } };
  }
  if (text.length > MAX_FAILURE_FILE_BYTES) {
    return { ok: false, error: { path, field: '(file)', message: `${path}: file too large` } };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { path, field: '(json)', message: `${path}: not JSON: ${msg}` } };
  }
  return parseFailure(data, path);
}

export interface ReplayFailureOptions {
  /** Store trace events in the report (for Perfetto export). */
  trace?: boolean;
  /** Which input to replay: the shrunk one (default, when present) or the original. */
  which?: 'shrunk' | 'original';
  maxSteps?: number;
}

export interface ReplayFailureResult {
  which: 'shrunk' | 'original';
  expectedInvariant: FailureKind;
  invariant: FailureKind | null;
  message: string | null;
  /** The replayed violation's multi-line report (Violation.report), or null. */
  violationReport: string[] | null;
  invariantMatches: boolean;
  expectedHash: string;
  traceHash: string;
  traceHashMatches: boolean;
  /** The replay could not follow the schedule (the model changed since it was recorded). */
  divergence: string | null;
  report: RunReport;
}

/** Re-runs a failure and says whether it still violates the same invariant with the same hash. */
export async function replayFailure(
  program: Program,
  failure: Failure,
  opts: ReplayFailureOptions = {},
): Promise<ReplayFailureResult> {
  const which = opts.which ?? (failure.shrunk !== null ? 'shrunk' : 'original');
  const s = which === 'shrunk' ? failure.shrunk : null;
  if (which === 'shrunk' && s === null) throw new Error('replayFailure: failure was not shrunk');
  const r = await rerun(program, {
    seed: failure.seed,
    faults: s?.faults ?? failure.faults,
    schedule: s?.schedule ?? failure.schedule,
    timeJumps: failure.timeJumps,
    trace: opts.trace ?? false,
    ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
  });
  const v = failingViolation(r.report);
  const expectedHash = s?.traceHash ?? failure.traceHash;
  return {
    which,
    expectedInvariant: failure.invariant,
    invariant: v?.invariant ?? null,
    message: v?.message ?? null,
    violationReport: v?.report ?? null,
    invariantMatches: v !== null && v.invariant === failure.invariant,
    expectedHash,
    traceHash: r.report.traceHash,
    traceHashMatches: r.report.traceHash === expectedHash,
    divergence: r.divergence,
    report: r.report,
  };
}
