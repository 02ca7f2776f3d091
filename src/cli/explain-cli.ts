/**
 * `resetlab explain <failure.json>`: the story of a failure, short enough to paste into a
 * mailing-list reply (src/report/story.ts says which steps it shows and why): the faults, the
 * steps that matter with task and virtual time, the invariant broken and why, the replay
 * command. It replays the file's input (the shrunk one, when there is one) with the trace on,
 * so the story is what the model does today; a replay that no longer reproduces the failure
 * is said first, and exits 1. With `--json`: `{file, program, invariant, reproduced, steps:
 * [{atNs, who, what, rule}], omitted, lines}`.
 */
import { readFailure, replayFailure } from '../campaign/failure-file.js';
import { FILE_PREFIX, programsModuleUrl } from '../campaign/programs.js';
import { loadRegistry, resolveRegistry } from '../campaign/worker.js';
import { splitProgramId } from '../explore/failure.js';
import { getProgram, programIds } from '../explore/registry.js';
import { buildStory } from '../report/story.js';
import { loadScenarioFile, ScenarioFileError } from '../scenarios/file.js';
import { parseProgramId } from '../scenarios/program.js';
import { printJson, printText, usageError } from './output.js';

export async function explainCli(file: string, o: { json: boolean }): Promise<number> {
  const read = readFailure(file);
  if (!read.ok) return usageError('explain', read.error.field, read.error.message, o.json);
  const failure = read.failure;
  if (failure.program.startsWith(FILE_PREFIX)) {
    const parts = parseProgramId(failure.program);
    if (typeof parts !== 'string') {
      try {
        loadScenarioFile(parts.scenario.slice(FILE_PREFIX.length));
      } catch (err) {
        if (err instanceof ScenarioFileError) {
          return usageError('explain', 'program', `${file}: its scenario ${err.message}`, o.json);
        }
        throw err;
      }
    }
  }
  const loadError = await loadRegistry(resolveRegistry(programsModuleUrl()));
  const program = loadError === null ? getProgram(failure.program) : undefined;
  if (program === undefined) {
    const msg =
      loadError ?? `unknown program '${failure.program}'; known: ${programIds().join(', ')}`;
    return usageError('explain', 'program', `${file}: ${msg}`, o.json);
  }
  const r = await replayFailure(program, failure, { trace: true });
  const reproduced = r.invariantMatches && r.traceHashMatches && r.divergence === null;
  const { scenario, design } = splitProgramId(failure.program);
  const shrunk = failure.shrunk;
  const story = buildStory({
    file,
    program: failure.program,
    scenario: scenario.startsWith(FILE_PREFIX) ? scenario.slice(FILE_PREFIX.length) : scenario,
    design,
    invariant: r.invariant ?? failure.invariant,
    message: r.message ?? failure.message,
    report: r.violationReport,
    task: r.report.violations.find((v) => v.invariant === r.invariant)?.task ?? null,
    run: failure.run,
    seed: failure.seed,
    faults: shrunk?.faults ?? failure.faults,
    decisions: r.which === 'shrunk' && shrunk !== null ? shrunk.decisionsAfter : failure.decisions,
    originalDecisions: failure.decisions,
    shrunk: r.which === 'shrunk',
    events: r.report.trace ?? [],
    lanes: r.report.lanes ?? [],
    replay: `resetlab replay ${file}`,
  });
  const lines = reproduced
    ? story.lines
    : [
        r.divergence === null && r.invariantMatches
          ? 'NOTE: the replay breaks the same invariant, but its trace differs from the recorded one (the model changed since the file was written); this is the replayed run.'
          : `NOTE: the replay no longer reproduces the failure (${
              r.divergence ?? `got ${r.invariant ?? 'no violation'}`
            }); this is the replayed run.`,
        ...story.lines,
      ];
  if (o.json) {
    printJson({
      file,
      program: failure.program,
      invariant: failure.invariant,
      reproduced,
      steps: story.steps,
      omitted: story.omitted,
      lines,
    });
  } else printText(lines.join('\n'));
  return reproduced ? 0 : 1;
}
