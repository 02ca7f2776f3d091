/**
 * The program registry module of the command line: campaign workers, `replay` and the
 * compare/regress workers import it for its side effect. It registers the built-in scenarios
 * (× designs, with bug variants) and a resolver for scenario files:
 *
 *   file:<absolute path>@<design>[+<bug>...]     e.g. file:/home/me/s.yaml@rwsem
 *
 * Programs cannot cross threads, ids can; a worker resolving a file id reads and validates the
 * file itself (once per thread). The main thread has validated the file before starting the
 * campaign, so a file that fails to load here was changed in between, and the id is reported
 * as unknown. Failure files carry the id, so `resetlab replay` finds file programs too.
 */
import { resolve } from 'node:path';
import type { BugId } from '../driver/bugs.js';
import type { DesignName } from '../driver/config.js';
import type { Program } from '../explore/program.js';
import { registerResolver } from '../explore/registry.js';
import { builtinScenario } from '../scenarios/builtin.js';
import { loadScenarioFile } from '../scenarios/file.js';
import { parseProgramId, registerBuiltinPrograms, scenarioProgram } from '../scenarios/program.js';
import type { ScenarioSpec } from '../scenarios/spec.js';

export const FILE_PREFIX = 'file:';

/** The program id of a scenario file on a design. */
export function fileProgramId(path: string, design: DesignName, bugs: readonly BugId[] = []) {
  return `${FILE_PREFIX}${resolve(path)}@${design}${bugs.map((b) => `+${b}`).join('')}`;
}

const files = new Map<string, ScenarioSpec | null>();

function fileSpec(path: string): ScenarioSpec | null {
  let spec = files.get(path);
  if (spec === undefined) {
    try {
      spec = loadScenarioFile(path);
    } catch {
      spec = null;
    }
    files.set(path, spec);
  }
  return spec;
}

function resolveFileProgram(id: string): Program | undefined {
  if (!id.startsWith(FILE_PREFIX)) return undefined;
  const parts = parseProgramId(id);
  if (typeof parts === 'string') return undefined;
  const path = parts.scenario.slice(FILE_PREFIX.length);
  const spec = fileSpec(path);
  if (spec === null) return undefined;
  // The program's id is built from the spec's name, so the name becomes the file id.
  return scenarioProgram(
    { ...spec, name: parts.scenario },
    parts.design,
    parts.bugs,
    builtinScenario,
  );
}

registerBuiltinPrograms();
registerResolver(resolveFileProgram);

/** The URL of this module, for workers and `replay` (a .ts file under tsx, .js from dist/). */
export function programsModuleUrl(): string {
  return import.meta.url;
}
