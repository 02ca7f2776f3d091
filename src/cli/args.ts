/**
 * Command-line values: parsers for commander options that reject bad input with a message
 * naming the flag, and the error type for bad input found after parsing. Everything here is
 * exit code 2 (docs/design.md §4); main.ts does the exiting.
 *
 * Numbers are parsed strictly (`/^-?\d+$/`, within a range): `Number('')` is 0 and
 * `parseInt('12abc')` is 12, and a campaign of 0 runs because of a typo is worse than an error.
 */
import { InvalidArgumentError, Option } from 'commander';
import { BUG_IDS } from '../driver/bugs.js';
import { DESIGN_NAMES, DesignRefError, resolveDesign } from '../driver/config.js';
import { DESIGN_FILE_PREFIX } from '../driver/reset/designs/index.js';
import { type BranchWindow, DFS_BOUND_KINDS } from '../explore/dfs.js';
import { STRATEGY_NAMES } from '../explore/strategy-factory.js';
import {
  DesignFileError,
  designFileRef,
  ensureDesign,
  looksLikeDesignFile,
} from '../scenarios/design-file.js';
import { parseDurationText } from '../scenarios/file.js';

/** Bad input found after commander parsed the command line (exit code 2). */
export class UsageError extends Error {
  constructor(
    /** The flag or argument at fault (`--runs`, `<scenario>`), or a file path. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A commander argument parser for an integer flag in [min, max]. */
export function intArg(flag: string, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const v = value.trim();
    const n = /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${flag} must be an integer, got '${value}'.`);
    }
    if (n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be in [${min}, ${max}], got ${n}.`);
    }
    return n;
  };
}

export const MAX_CLI_RUNS = 100_000_000;
export const MAX_CLI_JOBS = 256;

export const runsArg = (flag = '--runs') => intArg(flag, 1, MAX_CLI_RUNS);
/** Seeds are unsigned 32-bit integers (a negative seed is a typo, not a seed). */
export const seedArg = () => intArg('--seed', 0, 4294967295);
export const jobsArg = () => intArg('--jobs', 1, MAX_CLI_JOBS);
export const depthArg = () => intArg('--depth', 0, 16);

/**
 * One design reference as the command line takes it: a preset (`resetlab designs`), a preset
 * with factors changed (`rwsem+failure=wedge+blame=ping`), or a design file (`./mine.yaml`,
 * `./mine.ts`, optionally `+factor=value`), which becomes `file:<absolute path>`. A file's
 * content is validated by `loadDesignRefs` before the command runs (it may be a module, which
 * loads asynchronously). Throws InvalidArgumentError naming the flag.
 */
export function parseDesignRef(flag: string, value: string): string {
  try {
    if (looksLikeDesignFile(value)) return designFileRef(value);
    return resolveDesign(value).name;
  } catch (e) {
    if (e instanceof DesignRefError || e instanceof DesignFileError)
      throw new InvalidArgumentError(`${flag}: ${e.message}`);
    throw e;
  }
}

export function designOption(defaultValue = 'default'): Option {
  return new Option(
    '--design <design>',
    `reset design: a preset (${DESIGN_NAMES.join(', ')}), <preset>+factor=value..., or a .yaml/.ts design file`,
  )
    .argParser((value: string) => parseDesignRef('--design', value))
    .default(defaultValue);
}

/** `--designs a,b,c`: a comma-separated list of design references. */
export function designListArg(flag = '--designs') {
  return (value: string): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new InvalidArgumentError(`${flag} needs at least one design.`);
    return [...new Set(items.map((it) => parseDesignRef(flag, it)))];
  };
}

/**
 * Loads the design files the parsed options name (`--design`, `--designs`), so that a bad file
 * is exit 2 before any work. Throws UsageError naming the flag and the file.
 */
export async function loadDesignRefs(opts: Record<string, unknown>): Promise<void> {
  const refs: [string, string][] = [];
  if (typeof opts.design === 'string') refs.push(['--design', opts.design]);
  if (Array.isArray(opts.designs))
    for (const d of opts.designs) refs.push(['--designs', String(d)]);
  for (const [flag, ref] of refs) {
    if (!ref.startsWith(DESIGN_FILE_PREFIX)) continue;
    try {
      await ensureDesign(ref);
    } catch (e) {
      if (e instanceof DesignRefError || e instanceof DesignFileError)
        throw new UsageError(flag, `${flag}: ${e.message}`);
      throw e;
    }
  }
}

export function strategyOption(defaultValue: string, flags = '--strategy <name>'): Option {
  return new Option(flags, 'scheduling strategy').choices(STRATEGY_NAMES).default(defaultValue);
}

/** `--bound <kind>`: what a dfs `--depth` bounds (src/explore/dfs.ts). */
export function boundOption(what = 'dfs'): Option {
  return new Option(
    '--bound <kind>',
    `${what}: what --depth bounds: preemptions (CHESS's bound, default) or delays (every departure from the default schedule, free choices included)`,
  ).choices(DFS_BOUND_KINDS);
}

/**
 * `--branch-window`: where a dfs search branches. `race` (the default) is the program's own
 * race window (a litmus scenario's [race instant, end of the active phase)), or the whole run
 * for a program without one; `whole` is the whole run; `FROM:UNTIL` (durations like `5ms`, or
 * nanoseconds) an interval of virtual time. Returns the window, or 'race' or 'whole' (not
 * null: commander stores a parser's null as ''); `branchWindowFlag` turns it into the API's.
 */
export function branchWindowArg(flag = '--branch-window') {
  return (value: string): BranchWindow | 'race' | 'whole' => {
    const v = value.trim();
    if (v === 'race' || v === 'whole') return v;
    const parts = v.split(':');
    const from = parts.length === 2 ? parseDurationText(parts[0] as string) : null;
    const until = parts.length === 2 ? parseDurationText(parts[1] as string) : null;
    if (from === null || until === null) {
      throw new InvalidArgumentError(
        `${flag} must be race, whole or FROM:UNTIL (durations like 5ms:125ms), got '${value}'.`,
      );
    }
    if (from >= until) {
      throw new InvalidArgumentError(`${flag}: FROM must be before UNTIL, got '${value}'.`);
    }
    return { fromNs: from, untilNs: until };
  };
}

/**
 * The API's branch window for a parsed `--branch-window` (ExploreOptions `dfsBranchWindow`):
 * undefined for `race` (the program's own window, the default), null for `whole`, else the
 * interval.
 */
export function branchWindowFlag(
  v: BranchWindow | 'race' | 'whole' | undefined,
): BranchWindow | null | undefined {
  if (v === undefined || v === 'race') return undefined;
  return v === 'whole' ? null : v;
}

export function branchWindowOption(what = 'dfs'): Option {
  return new Option(
    '--branch-window <window>',
    `${what}: where in virtual time schedules branch: race (default: a litmus scenario's race window, else the whole run), whole, or FROM:UNTIL like 5ms:125ms; outside it every schedule takes the default choice (docs/explorer.md §13)`,
  ).argParser(branchWindowArg());
}

export function bugOption(): Option {
  return new Option(
    '--bug <id...>',
    're-introduce a historical bug (repeatable; see `resetlab regress`)',
  ).choices(BUG_IDS);
}

/** Parses a comma-separated list of names, each from `allowed`. */
export function listArg(flag: string, allowed: readonly string[]) {
  return (value: string): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new InvalidArgumentError(`${flag} needs at least one name.`);
    for (const it of items) {
      if (!allowed.includes(it)) {
        throw new InvalidArgumentError(
          `${flag}: unknown name '${it}' (one of ${allowed.join(', ')}).`,
        );
      }
    }
    return [...new Set(items)];
  };
}
