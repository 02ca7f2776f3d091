/**
 * The `compare` command: runs the comparison (compare.ts), prints the table or the JSON, and
 * writes the HTML report and the failure files.
 *
 * Exit code 1 when `default` violated anything, the model threw anywhere, or a determinism
 * self-check failed; 130/143 when interrupted (after printing and writing what was done).
 */
import { dirname, join } from 'node:path';
import { type CompareJson, runCompare } from '../campaign/compare.js';
import type { DesignName } from '../driver/config.js';
import { writeReport } from '../report/html.js';
import { fitLine, formatMs, printJson, printText, stdoutColors } from './output.js';
import { taskProgress } from './progress.js';
import { onInterrupt } from './signals.js';
import { formatCompareTable, formatWhere } from './table.js';

export interface CompareCliOptions {
  designs: DesignName[];
  scenarios: string[];
  runs: number;
  seed: number;
  strategy: string;
  depth?: number;
  jobs: number;
  shrinkBudget: number;
  metricSeeds: number;
  html?: string;
  /** Failure files; default `<html dir>/failures` when --html is given, else none. */
  out?: string;
  json: boolean;
  progress: boolean;
}

export function compareExitCode(j: CompareJson): number {
  return j.defaultViolations.length > 0 || j.modelErrors.length > 0 || j.determinism.mismatches > 0
    ? 1
    : 0;
}

export async function compareCli(o: CompareCliOptions): Promise<number> {
  const failuresDir =
    o.out !== undefined ? o.out : o.html !== undefined ? join(dirname(o.html), 'failures') : null;
  const interrupt = onInterrupt('compare');
  const bar = taskProgress('compare', o.progress ? 'auto' : false);
  try {
    const { json, report } = await runCompare({
      designs: o.designs,
      scenarios: o.scenarios,
      runs: o.runs,
      seed: o.seed,
      strategy: o.strategy,
      jobs: o.jobs,
      metricSeeds: o.metricSeeds,
      shrinkBudget: o.shrinkBudget,
      traces: o.html !== undefined,
      failuresDir,
      signal: interrupt.signal,
      onProgress: (p) => bar.update(p.phase === 'explore' ? 'cells' : 'shrinking', p.done, p.total),
      ...(o.depth !== undefined ? { depth: o.depth } : {}),
    });
    bar.stop();
    if (o.html !== undefined) writeReport(o.html, report);
    if (o.json) printJson({ ...json, html: o.html ?? null });
    else {
      const c = stdoutColors();
      const lines = [
        ...fitLine(
          `compare: ${json.runs} runs per design × scenario (${json.strategy}, seed ${json.seed}), ` +
            `${json.scenarios.length} scenarios, ${json.totalRuns} runs in ${formatMs(json.elapsedMs)} on ${json.jobs} thread(s)`,
        ),
        ...(json.interrupted ? [c.yellow('  (interrupted)')] : []),
        '',
        formatCompareTable(json, c),
        '',
        'where:',
        formatWhere(json, c),
      ];
      if (json.modelErrors.length > 0) {
        lines.push(c.red(`model errors (bugs in resetlab): ${json.modelErrors.length}`));
        for (const m of json.modelErrors) lines.push(`  ${m.design} ${m.scenario}: ${m.message}`);
      }
      lines.push(
        `determinism: ${json.determinism.checked} replays, ${json.determinism.mismatches} mismatches`,
      );
      if (failuresDir !== null && json.failures.length > 0) {
        lines.push(`failure files: ${failuresDir} (replay with: resetlab replay <file>)`);
      }
      if (o.html !== undefined) lines.push(`HTML report: ${o.html}`);
      printText(lines.join('\n'));
    }
    return interrupt.exitCode() ?? compareExitCode(json);
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}
