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
import { STRATEGY_NAMES } from '../explore/strategy-factory.js';

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
 * `--design`: a preset (`resetlab designs`) or a preset with factors changed
 * (`rwsem+failure=wedge+blame=ping`). A bad preset, factor or value is a usage error naming it.
 */
export function designOption(defaultValue = 'default'): Option {
  return new Option(
    '--design <design>',
    `reset design: a preset (${DESIGN_NAMES.join(', ')}) or <preset>+factor=value...`,
  )
    .argParser((value: string) => {
      try {
        return resolveDesign(value).name;
      } catch (e) {
        if (e instanceof DesignRefError) throw new InvalidArgumentError(`--design: ${e.message}`);
        throw e;
      }
    })
    .default(defaultValue);
}

export function strategyOption(defaultValue: string, flags = '--strategy <name>'): Option {
  return new Option(flags, 'scheduling strategy').choices(STRATEGY_NAMES).default(defaultValue);
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
