/**
 * The `<scenario>` argument of `run` and `explore`: a built-in scenario name, or a path to a
 * scenario file (YAML). A name that is neither is bad input naming the built-ins.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileProgramId } from '../campaign/programs.js';
import type { BugId } from '../driver/bugs.js';
import type { DesignName } from '../driver/config.js';
import { builtinScenario, knownScenarioNames } from '../scenarios/builtin.js';
import { formatScenarioWarning, readScenarioFile, ScenarioFileError } from '../scenarios/file.js';
import { scenarioProgramId } from '../scenarios/program.js';
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
