/**
 * `resetlab replay <failure.json>`: re-runs a failure file's (shrunk) input and checks that it
 * violates the same invariant with the same trace hash (campaign-command.ts), with this
 * command line's programs (built-in scenarios, bug variants, scenario files) and the Chrome
 * exporter for `--trace`.
 */
import { readFailure } from '../campaign/failure-file.js';
import { FILE_PREFIX, programsModuleUrl } from '../campaign/programs.js';
import type { RunReport } from '../explore/program.js';
import { exportRunTrace } from '../report/trace-export.js';
import { loadScenarioFile, ScenarioFileError } from '../scenarios/file.js';
import { parseProgramId } from '../scenarios/program.js';
import { differentialCommand, replayCommand } from './campaign-command.js';
import { usageError } from './output.js';

export interface ReplayCliOptions {
  trace?: string;
  json: boolean;
  original: boolean;
  /** Replay on this other design instead (differential replay). */
  design?: string;
}

export async function replayCli(file: string, o: ReplayCliOptions): Promise<number> {
  // A failure of a scenario file needs the file: say why if it is gone or no longer valid.
  const read = readFailure(file);
  if (read.ok && read.failure.program.startsWith(FILE_PREFIX)) {
    const parts = parseProgramId(read.failure.program);
    if (typeof parts !== 'string') {
      try {
        loadScenarioFile(parts.scenario.slice(FILE_PREFIX.length));
      } catch (err) {
        if (err instanceof ScenarioFileError) {
          return usageError('replay', 'program', `${file}: its scenario ${err.message}`, o.json);
        }
        throw err;
      }
    }
  }
  const common = {
    registry: programsModuleUrl(),
    json: o.json,
    ...(o.original ? { original: true } : {}),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    exportTrace: (report: RunReport, path: string) => {
      exportRunTrace(report, path, `replay of ${file}`, { failureFile: file });
    },
  };
  if (o.design !== undefined) return differentialCommand(file, { ...common, design: o.design });
  return replayCommand(file, {
    registry: programsModuleUrl(),
    json: o.json,
    ...(o.original ? { original: true } : {}),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    exportTrace: (report, path) => {
      exportRunTrace(report, path, `replay of ${file}`, { failureFile: file });
    },
  });
}
