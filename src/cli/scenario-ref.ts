/**
 * The `<scenario>` argument of `run` and `explore`: a built-in scenario name, a path to a
 * scenario file (YAML), or a program id `<scenario>@<design>[+bug...]` (`window@rwsem`: the
 * name every report, failure file and certificate gives a program). A name that is none of
 * them is bad input naming the built-ins.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileProgramId } from '../campaign/programs.js';
import type { BugId } from '../driver/bugs.js';
import type { DesignName } from '../driver/config.js';
import { builtinScenario, knownScenarioNames } from '../scenarios/builtin.js';
import { formatScenarioWarning, readScenarioFile, ScenarioFileError } from '../scenarios/file.js';
import { type ProgramIdParts, parseProgramId, scenarioProgramId } from '../scenarios/program.js';
import type { ScenarioSpec } from '../scenarios/spec.js';
import { UsageError } from './args.js';
import { note } from './output.js';

export interface ScenarioRef {
  kind: 'builtin' | 'file';
  spec: ScenarioSpec;
  /** Absolute path of a scenario file. */
  path: string | null;
  programId(design: DesignName, bugs?: readonly BugId[]): string;
}

function looksLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || /\.(ya?ml|json)$/i.test(arg) || existsSync(arg);
}

/** Resolves the argument; throws `UsageError` (unknown name, unreadable or invalid file). */
export function resolveScenario(arg: string): ScenarioRef {
  const builtin = builtinScenario(arg);
  if (builtin !== undefined) {
    return {
      kind: 'builtin',
      spec: builtin,
      path: null,
      programId: (design, bugs = []) => scenarioProgramId(arg, design, bugs),
    };
  }
  if (!looksLikePath(arg)) {
    throw new UsageError(
      '<scenario>',
      `unknown scenario '${arg}': not a built-in or litmus scenario (${knownScenarioNames().join(', ')}) nor a path to a scenario file`,
    );
  }
  const path = resolve(arg);
  try {
    const { spec, warnings } = readScenarioFile(arg);
    // On stderr, so that `--json` keeps stdout to one object; the run goes ahead.
    for (const w of warnings) note(`resetlab: warning: ${formatScenarioWarning(w)}`);
    return {
      kind: 'file',
      spec,
      path,
      programId: (design, bugs = []) => fileProgramId(path, design, bugs),
    };
  } catch (err) {
    if (err instanceof ScenarioFileError) throw new UsageError(err.field ?? arg, err.message);
    throw err;
  }
}

/**
 * The scenario, design and bug switches of a `run`/`explore` command line whose argument may
 * be a program id (`window@rwsem`, `vm-teardown@panthor+vm-destroy-no-evict`). `designGiven`:
 * whether `--design` was on the command line; a program id and a `--design` that name two
 * designs are bad input naming `--design`. Bug switches of both are taken. An argument that is
 * a scenario name or a path (a file's name may hold an `@`) is returned as it is.
 */
export function programArgument(
  arg: string,
  design: string,
  designGiven: boolean,
  bugs: readonly BugId[],
): { scenario: string; design: string; bugs: BugId[] } {
  const plain = { scenario: arg, design, bugs: [...bugs] };
  if (builtinScenario(arg) !== undefined || looksLikePath(arg) || !arg.includes('@')) return plain;
  const parts: ProgramIdParts | string = parseProgramId(arg);
  if (typeof parts === 'string') throw new UsageError('<scenario>', parts);
  if (builtinScenario(parts.scenario) === undefined) {
    throw new UsageError(
      '<scenario>',
      `unknown scenario '${parts.scenario}' in '${arg}': not a built-in or litmus scenario (${knownScenarioNames().join(', ')})`,
    );
  }
  if (designGiven && design !== parts.design) {
    throw new UsageError(
      '--design',
      `--design ${design} and '${arg}' name two designs (${parts.design} there)`,
    );
  }
  return {
    scenario: parts.scenario,
    design: parts.design,
    bugs: [...new Set([...parts.bugs, ...bugs])],
  };
}
