/**
 * The uAPI fuzzing campaign (`resetlab fuzz`): generate programs from a seed, run each on a
 * fresh machine with every oracle attached, count calls by errno, collect violations and
 * leaks, shrink each new kind of failure and write it out as a replayable program file.
 *
 *   const report = await runFuzz({ runs: 200, seed: 1, out: 'fuzz-out', now: clock });
 *   const again = await replayFuzzProgram('fuzz-out/fuzz-default-17-isolation.json');
 *
 * Program `i` of a campaign uses seed `seed + i` and, when no design is given, the designs in
 * turn (`DESIGN_NAMES[i % 5]`), so any program of a campaign can be regenerated alone.
 * Everything is deterministic; the only wall-clock input is the optional `now` the caller
 * injects for programs per second (the command line passes its own clock; nothing under
 * src/explore reads one).
 *
 * Failures are deduplicated by design and signature (`src/fuzz/shrink.ts`): the first program
 * with a new signature is shrunk (within a budget) and written; later ones only count.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUG_IDS, type BugId } from '../driver/bugs.js';
import { DESIGN_NAMES, type DesignName, isDesignName } from '../driver/config.js';
import { type ExecOptions, type ExecResult, execProgram, type Finding } from './execute.js';
import { generateProgram } from './generate.js';
import { addLeaks, type LeakReport, leakCounts, noLeaks } from './leaks.js';
import { type FuzzProgram, FuzzProgramError, parseFuzzProgram } from './program.js';
import { findingSignature, shrinkFuzzProgram } from './shrink.js';

export const DEFAULT_FUZZ_CALLS = 50;
export const MAX_FUZZ_RUNS = 10_000_000;
export const MAX_FUZZ_CALLS = 2_000;
/** Failure signatures shrunk and written per campaign; later new ones are only counted. */
const MAX_SHRUNK = 32;
const FUZZ_FILE_KIND = 'resetlab-fuzz-program';
const FUZZ_FILE_VERSION = 1;
const MAX_FUZZ_FILE_BYTES = 16 * 1024 * 1024;

export interface FuzzOptions {
  /** A design name; undefined or `all` runs every design in turn. */
  design?: string;
  /** Programs to run. */
  runs: number;
  seed: number;
  /** Calls per program (default 50). */
  calls?: number;
  /** Directory for failing programs (shrunk, replayable); none are written without it. */
  out?: string;
  /** Wall clock in milliseconds, injected by the caller, for `elapsedMs` and `programsPerSec`. */
  now?: () => number;
  /** Shrink failures before writing them (default true). */
  shrink?: boolean;
  /** Runs the shrinker may spend per failure (default 200). */
  shrinkBudget?: number;
  /** Bug switches to enable (docs/design.md §3), for checking that the fuzzer finds them. */
  bugs?: readonly string[];
  /** Called after each program (progress bars). */
  onProgram?: (index: number, program: FuzzProgram, result: ExecResult) => void;
}

/** One kind of failure: design + signature, how often it occurred, and its shrunk file. */
export interface FuzzViolation {
  invariant: string;
  design: string;
  message: string;
  /** Seed of the first program that showed it. */
  seed: number;
  /** Programs that showed it. */
  count: number;
  /** The call it is attributed to in the (shrunk) program, if any. */
  call: string | null;
  /** Calls in the shrunk program (as many as the original when not shrunk). */
  shrunkCalls: number;
  /** The written program file, or null. */
  file: string | null;
}

export interface FuzzDesignStats {
  programs: number;
  calls: number;
  violations: number;
  leaks: number;
}

export interface FuzzReport {
  programs: number;
  calls: number;
  /** Completed calls by result: `OK` or the errno name. */
  errnos: Record<string, number>;
  /** Failures other than leaks, one entry per design and signature. */
  violations: FuzzViolation[];
  /** Leaked objects summed over every program (see `src/fuzz/leaks.ts`). */
  leaks: number;
  /** Leaks by kind, summed. */
  leakCounts: Omit<LeakReport, 'details' | 'total'>;
  /** Leak failures, one entry per design and kind. */
  leakFailures: FuzzViolation[];
  designs: Record<string, FuzzDesignStats>;
  /** Programs whose run ended on a limit (steps or virtual time) or a model error. */
  incomplete: number;
  elapsedMs?: number;
  programsPerSec?: number;
}

export class FuzzOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzOptionsError';
  }
}

function validate(opts: FuzzOptions): { designs: DesignName[]; calls: number; bugs: BugId[] } {
  if (!Number.isSafeInteger(opts.runs) || opts.runs < 0 || opts.runs > MAX_FUZZ_RUNS)
    throw new FuzzOptionsError(
      `runs must be an integer in [0, ${MAX_FUZZ_RUNS}], got ${opts.runs}`,
    );
  if (!Number.isSafeInteger(opts.seed))
    throw new FuzzOptionsError(`seed must be an integer, got ${opts.seed}`);
  const calls = opts.calls ?? DEFAULT_FUZZ_CALLS;
  if (!Number.isSafeInteger(calls) || calls < 1 || calls > MAX_FUZZ_CALLS)
    throw new FuzzOptionsError(`calls must be an integer in [1, ${MAX_FUZZ_CALLS}], got ${calls}`);
  let designs: DesignName[] = [...DESIGN_NAMES];
  if (opts.design !== undefined && opts.design !== 'all') {
    if (!isDesignName(opts.design))
      throw new FuzzOptionsError(
        `unknown design '${opts.design}' (known: ${DESIGN_NAMES.join(', ')}, all)`,
      );
    designs = [opts.design];
  }
  const bugs: BugId[] = [];
  for (const b of opts.bugs ?? []) {
    if (!(BUG_IDS as readonly string[]).includes(b))
      throw new FuzzOptionsError(`unknown bug '${b}' (known: ${BUG_IDS.join(', ')})`);
    bugs.push(b as BugId);
  }
  return { designs, calls, bugs };
}

/** Runs a fuzzing campaign. Throws `FuzzOptionsError` for bad options. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const { designs, calls, bugs } = validate(opts);
  const startMs = opts.now?.();
  const exec: ExecOptions = bugs.length > 0 ? { bugs } : {};
  const leakSum = noLeaks();
  const report: FuzzReport = {
    programs: 0,
    calls: 0,
    errnos: {},
    violations: [],
    leaks: 0,
    leakCounts: leakCounts(leakSum),
    leakFailures: [],
    designs: {},
    incomplete: 0,
  };
  const seen = new Map<string, FuzzViolation>();
  let shrunk = 0;
  if (opts.out !== undefined) mkdirSync(opts.out, { recursive: true });
  for (let i = 0; i < opts.runs; i++) {
    const design = designs[i % designs.length] as DesignName;
    const seed = opts.seed + i;
    const program = generateProgram({ seed, design, calls });
    const result = await execProgram(program, exec);
    report.programs++;
    report.calls += result.executed;
    for (const [k, v] of Object.entries(result.errnos))
      report.errnos[k] = (report.errnos[k] ?? 0) + v;
    const ds = report.designs[design] ?? { programs: 0, calls: 0, violations: 0, leaks: 0 };
    report.designs[design] = ds;
    ds.programs++;
    ds.calls += result.executed;
    if (result.leaks !== null) {
      addLeaks(leakSum, result.leaks);
      ds.leaks += result.leaks.total;
    }
    if (result.outcome !== 'stopped') report.incomplete++;
    for (const f of result.findings) {
      if (f.kind !== 'leak') ds.violations++;
      const key = `${design}|${findingSignature(program, f)}`;
      const known = seen.get(key);
      if (known !== undefined) {
        known.count++;
        continue;
      }
      const detailed = shrunk < MAX_SHRUNK;
      if (detailed) shrunk++;
      const v = await record(program, f, opts, exec, detailed);
      seen.set(key, v);
      (f.kind === 'leak' ? report.leakFailures : report.violations).push(v);
    }
    opts.onProgram?.(i, program, result);
  }
  report.leaks = leakSum.total;
  report.leakCounts = leakCounts(leakSum);
  if (startMs !== undefined && opts.now !== undefined) {
    const elapsedMs = Math.max(0, opts.now() - startMs);
    report.elapsedMs = elapsedMs;
    report.programsPerSec =
      elapsedMs > 0 ? Math.round((report.programs * 1000 * 10) / elapsedMs) / 10 : 0;
  }
  return report;
}

/**
 * Shrinks and writes one new failure (when `detailed`: the first `MAX_SHRUNK` of a campaign);
 * returns its report entry.
 */
async function record(
  program: FuzzProgram,
  f: Finding,
  opts: FuzzOptions,
  exec: ExecOptions,
  detailed: boolean,
): Promise<FuzzViolation> {
  let prog = program;
  let finding = f;
  let shrink: { runs: number; callsBefore: number; callsAfter: number } | null = null;
  if (detailed && opts.shrink !== false) {
    const s = await shrinkFuzzProgram(program, f, { ...exec, budget: opts.shrinkBudget ?? 200 });
    prog = s.program;
    finding = s.finding;
    shrink = { runs: s.runs, callsBefore: s.callsBefore, callsAfter: s.callsAfter };
  }
  const kind = finding.what === undefined ? finding.kind : `${finding.kind}:${finding.what}`;
  let file: string | null = null;
  if (opts.out !== undefined && detailed) {
    file = join(
      opts.out,
      `fuzz-${program.design}-${program.seed}-${kind.replace(/[^a-z0-9-]/gi, '-')}.json`,
    );
    writeFuzzFile(file, prog, finding, exec.bugs ?? [], program, shrink);
  }
  const call = finding.call === null ? null : (prog.calls[finding.call]?.op ?? null);
  return {
    invariant: kind,
    design: program.design,
    message: finding.message,
    seed: program.seed,
    count: 1,
    call: call === null ? null : `#${finding.call} ${call}`,
    shrunkCalls: prog.calls.length,
    file,
  };
}

// ---- Program files -----------------------------------------------------------------------------

export interface FuzzFile {
  kind: typeof FUZZ_FILE_KIND;
  version: typeof FUZZ_FILE_VERSION;
  /** What the program does wrong, as found (after shrinking). */
  finding: { kind: string; what?: string; message: string; call: number | null };
  /** Bug switches the run had on. */
  bugs: string[];
  /** The program it was shrunk from. */
  original: { seed: number; calls: number };
  shrink: { runs: number; callsBefore: number; callsAfter: number } | null;
  program: FuzzProgram;
}

export function writeFuzzFile(
  path: string,
  program: FuzzProgram,
  finding: Finding,
  bugs: readonly string[],
  original: FuzzProgram = program,
  shrink: FuzzFile['shrink'] = null,
): void {
  const doc: FuzzFile = {
    kind: FUZZ_FILE_KIND,
    version: FUZZ_FILE_VERSION,
    finding: {
      kind: finding.kind,
      ...(finding.what !== undefined ? { what: finding.what } : {}),
      message: finding.message,
      call: finding.call,
    },
    bugs: [...bugs],
    original: { seed: original.seed, calls: original.calls.length },
    shrink,
    program,
  };
  writeFileSync(path, `${JSON.stringify(doc, null, 1)}\n`);
}

/**
 * Reads a program file: a file written by `runFuzz` (with its finding) or a bare program.
 * Throws `FuzzProgramError` naming the problem.
 */
export function readFuzzFile(path: string): { program: FuzzProgram; file: FuzzFile | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FuzzProgramError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (text.length > MAX_FUZZ_FILE_BYTES)
    throw new FuzzProgramError(`${path}: larger than ${MAX_FUZZ_FILE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FuzzProgramError(`${path}: not JSON: ${(err as Error).message}`);
  }
  const doc = json as Partial<FuzzFile>;
  if (typeof doc === 'object' && doc !== null && doc.kind === FUZZ_FILE_KIND) {
    if (doc.version !== FUZZ_FILE_VERSION)
      throw new FuzzProgramError(
        `${path}: fuzz file version ${String(doc.version)} (this resetlab reads ${FUZZ_FILE_VERSION})`,
      );
    const program = parseFuzzProgram(doc.program);
    for (const b of doc.bugs ?? [])
      if (!(BUG_IDS as readonly string[]).includes(b))
        throw new FuzzProgramError(`${path}: unknown bug '${b}'`);
    return { program, file: doc as FuzzFile };
  }
  return { program: parseFuzzProgram(json), file: null };
}

export interface FuzzReplay {
  program: FuzzProgram;
  result: ExecResult;
  /** The finding the file records, or null for a bare program. */
  expected: FuzzFile['finding'] | null;
  /** Whether the run shows the recorded finding's kind again (true for a bare program). */
  reproduced: boolean;
}

/** Replays a program file (with the bug switches it records). */
export async function replayFuzzProgram(path: string, opts: ExecOptions = {}): Promise<FuzzReplay> {
  const { program, file } = readFuzzFile(path);
  const bugs = (file?.bugs ?? []) as BugId[];
  const result = await execProgram(program, { ...opts, ...(bugs.length > 0 ? { bugs } : {}) });
  const expected = file?.finding ?? null;
  let reproduced = true;
  if (expected !== null) {
    // The kind (and, for leaks, what leaked): the call a violation is attributed to may move
    // when the model changes, the failure is the same.
    reproduced = result.findings.some(
      (f) => f.kind === expected.kind && (expected.what === undefined || f.what === expected.what),
    );
  }
  return { program, result, expected, reproduced };
}
