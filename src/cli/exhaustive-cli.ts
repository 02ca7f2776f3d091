/**
 * `compare --exhaustive`: runs the table (src/campaign/exhaustive.ts), prints one line per
 * cell (the table is too wide for a terminal with words in its cells) or the JSON, and writes
 * the HTML report with the table.
 *
 * Exit code 1 when `default` violated anything or a replay differed; 130/143 when interrupted
 * (after printing and writing what was done).
 */
import {
  type ExhaustiveJson,
  type ExhaustiveOptions,
  type ExhaustivePlanJson,
  planExhaustive,
  runExhaustive,
} from '../campaign/exhaustive.js';
import {
  type BranchWindow,
  boundText,
  branchWindowPhrase,
  type DfsBoundKind,
} from '../explore/dfs.js';
import { exhaustiveCellText } from '../report/exhaustive-table.js';
import { writeReport } from '../report/html.js';
import { fitLine, formatMs, printJson, printText, stdoutColors } from './output.js';
import { type Progress, taskProgress } from './progress.js';
import { onInterrupt } from './signals.js';

export interface ExhaustiveCliOptions {
  designs: string[];
  scenarios: string[];
  bound: number;
  boundKind: DfsBoundKind;
  maxSchedules: number;
  /** Partial-order reduction in every cell (dfs.ts `por`). */
  por: boolean;
  /** Where every cell branches (dfs.ts `branchWindow`); absent: each litmus's race window. */
  branchWindow?: BranchWindow | null;
  seed: number;
  jobs: number;
  shrinkBudget: number;
  html?: string;
  out?: string;
  /** Resume each cell from its journal in `out`. */
  resume?: boolean;
  /** Search nothing: print each cell's estimate and predicted time (`planExhaustive`). */
  plan?: boolean;
  json: boolean;
  progress: boolean;
  generatedBy: string;
}

export function exhaustiveExitCode(j: ExhaustiveJson): number {
  return j.defaultViolations.length > 0 || j.determinismMismatches > 0 ? 1 : 0;
}

/** The plan's lines: one per cell, the estimate, its error and the time it predicts. */
export function planText(j: ExhaustivePlanJson): string[] {
  const lines = [
    ...fitLine(
      `compare --exhaustive --plan: dfs, ${boundText(j.boundKind, j.bound)}, ${branchWindowPhrase(j.branchWindow)}${j.reduction === 'none' ? '' : `, reduction ${j.reduction}`}, seed ${j.seed}: estimated, nothing searched (${formatMs(j.elapsedMs)})`,
    ),
  ];
  for (const c of j.cells) {
    const size = c.exact
      ? `${c.treeSizeEstimate} schedule${c.treeSizeEstimate === 1 ? '' : 's'} (counted)`
      : `~${c.treeSizeEstimate} ± ${c.standardError} schedules`;
    const time = c.overBudget
      ? `over the budget of ${j.maxSchedules}: would stop not exhausted after ~${formatMs(c.predictedMs)}`
      : `~${formatMs(c.predictedMs)} on ${j.jobs} thread(s)`;
    lines.push(...fitLine(`  ${c.design.padEnd(10)} ${c.scenario.padEnd(16)} ${size}, ${time}`));
  }
  const estimated = j.cells.some((c) => !c.exact);
  lines.push(
    `in all ~${formatMs(j.predictedMs)} on ${j.jobs} thread(s), at the rate of ${j.cells.reduce((a, c) => a + c.timedRuns, 0)} timed runs within the bounds${estimated ? ';' : ''}`,
    ...(estimated
      ? ['an estimate of a lopsided tree is more often short than long (docs/explorer.md §10)']
      : []),
  );
  if (j.interrupted) lines.push('(interrupted: cells not planned are not listed)');
  return lines;
}

/** The table's cells and bounds, as the flags give them (the search and its plan alike). */
function tableOptions(
  o: ExhaustiveCliOptions,
  signal: AbortSignal,
  bar: Progress,
): Omit<ExhaustiveOptions, 'shrinkBudget' | 'outDir'> {
  return {
    designs: o.designs,
    scenarios: o.scenarios,
    bound: o.bound,
    boundKind: o.boundKind,
    maxSchedules: o.maxSchedules,
    por: o.por,
    ...(o.branchWindow !== undefined ? { branchWindow: o.branchWindow } : {}),
    seed: o.seed,
    jobs: o.jobs,
    signal,
    onProgress: (done, total) => bar.update('cells', done, total),
  };
}

async function planCli(o: ExhaustiveCliOptions): Promise<number> {
  const interrupt = onInterrupt('compare');
  const bar = taskProgress('compare --exhaustive --plan', o.progress ? 'auto' : false);
  try {
    const json = await planExhaustive({
      ...tableOptions(o, interrupt.signal, bar),
      shrinkBudget: 0,
      outDir: null,
    });
    bar.stop();
    if (o.json) printJson(json);
    else printText(planText(json).join('\n'));
    return interrupt.exitCode() ?? 0;
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}

export async function exhaustiveCli(o: ExhaustiveCliOptions): Promise<number> {
  if (o.plan === true) return planCli(o);
  const interrupt = onInterrupt('compare');
  const bar = taskProgress('compare --exhaustive', o.progress ? 'auto' : false);
  try {
    const json = await runExhaustive({
      ...tableOptions(o, interrupt.signal, bar),
      shrinkBudget: o.shrinkBudget,
      outDir: o.out ?? null,
      ...(o.resume === true ? { resume: true } : {}),
    });
    bar.stop();
    if (o.html !== undefined) {
      writeReport(o.html, {
        generatedBy: o.generatedBy,
        title: 'resetlab: exhaustive comparison (bounded DFS)',
        designs: {},
        metrics: {},
        failures: [],
        exhaustive: json.table,
      });
    }
    if (o.json) printJson({ ...json, html: o.html ?? null });
    else {
      const c = stdoutColors();
      const t = json.table;
      const lines = [
        ...fitLine(
          `compare --exhaustive: dfs, ${boundText(t.boundKind, t.bound)}, ${branchWindowPhrase(t.branchWindow)}${t.reduction === 'none' || t.reduction === undefined ? '' : `, reduction ${t.reduction}`}, at most ${t.maxSchedules} schedules per cell, seed ${t.seed}, ` +
            `${t.designs.length} designs × ${t.scenarios.length} litmus scenarios in ${formatMs(json.elapsedMs)} on ${o.jobs} thread(s)`,
        ),
        ...(json.interrupted ? [c.yellow('  (interrupted: cells not run are not listed)')] : []),
      ];
      for (const d of t.designs) {
        for (const s of t.scenarios) {
          const cell = t.cells[d]?.[s];
          if (cell === undefined) continue;
          const text = exhaustiveCellText(cell);
          const colour =
            cell.verdict === 'violations found'
              ? c.red
              : cell.verdict === 'not exhausted'
                ? c.yellow
                : c.green;
          const extra =
            cell.verdict === 'violations found'
              ? ` (${cell.invariant}; ${cell.schedules} schedules)`
              : cell.verdict === 'no violation within these bounds'
                ? ` (${cell.schedules} schedules, ${cell.distinctStates} states)`
                : `${cell.treeSizeEstimate !== null ? `, tree ~${cell.treeSizeEstimate}` : ''}`;
          lines.push(...fitLine(`  ${d.padEnd(10)} ${s.padEnd(16)} ${colour(text)}${extra}`));
        }
      }
      lines.push(`determinism: ${json.determinismMismatches} mismatches`);
      if (o.out !== undefined)
        lines.push(`certificates and failure files: ${o.out}/<scenario>@<design>/`);
      if (o.html !== undefined) lines.push(`HTML report: ${o.html}`);
      printText(lines.join('\n'));
    }
    return interrupt.exitCode() ?? exhaustiveExitCode(json);
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}
