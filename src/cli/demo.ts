/**
 * `resetlab demo` (also `npm start`): a built-in comparison small enough for about a minute on
 * two cores. Every built-in scenario (but `mixed`) runs on `default` and on the four proposals
 * from the seed discussion, explored with the portfolio strategy (PCT at depths 2, 3 and 4 and
 * random, with swarm fault draws); then the comparison table is printed, and the output
 * directory receives:
 *
 *   report.html          the single-file HTML report (table, metrics, one timeline per failure)
 *   <name>.trace.json    the Chrome trace of one interesting failing run, for ui.perfetto.dev:
 *                        preferably rwsem's window (a job submitted between the fault and the
 *                        reset worker taking the write lock: `submit-after-fault`)
 *   failures/            one replayable failure file per design and invariant
 *   compare.json         the `compare` JSON
 *
 * It says what it ran (runs per cell, strategy, seed, threads) so that nobody mistakes a
 * minute of exploration for a proof.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runCompare } from '../campaign/compare.js';
import {
  DESIGN_NAMES,
  type DesignName,
  designClaimsHarm,
  resolveDesign,
} from '../driver/config.js';
import { writeChromeTrace } from '../report/chrome-trace.js';
import { writeReport } from '../report/html.js';
import type { ReportFailure } from '../report/report-data.js';
import { builtinScenarioNames } from '../scenarios/builtin.js';
import { compareExitCode } from './compare-cli.js';
import { formatMs, note, printJson, printText, stdoutColors } from './output.js';
import { taskProgress } from './progress.js';
import { onInterrupt } from './signals.js';
import { formatCompareTable, formatWhere } from './table.js';

export interface DemoOptions {
  out: string;
  /** Default: every built-in scenario but `mixed`. */
  scenarios?: readonly string[];
  /** Default: all five designs. */
  designs?: readonly DesignName[];
  runs: number;
  seed: number;
  jobs: number;
  shrinkBudget: number;
  json: boolean;
  progress: boolean;
}

export const DEMO_RUNS = 16;
export const DEMO_SHRINK_BUDGET = 40;
const DEMO_STRATEGY = 'portfolio';

/** The failure whose trace the demo exports: the rwsem window if found, else the first one. */
function interesting(failures: readonly ReportFailure[]): ReportFailure | null {
  const withTrace = failures.filter((f) => f.traceEvents !== undefined && f.lanes !== undefined);
  // The window of the gate debate: a job handed to a broken GPU under a gate the worker closes.
  const gate = (d: string) => resolveDesign(d).factors.gate;
  const prefs: [string, string][] = [
    ['rwsem', 'submit-after-fault'],
    ['srcu-epoch', 'submit-after-fault'],
    ['none', 'hw-access-during-reset'],
  ];
  for (const [g, inv] of prefs) {
    const f = withTrace.find((x) => gate(x.design) === g && x.invariant === inv);
    if (f !== undefined) return f;
  }
  return withTrace.find((f) => !designClaimsHarm(f.design)) ?? withTrace[0] ?? null;
}

export async function demo(o: DemoOptions): Promise<number> {
  const out = resolve(o.out);
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  const c = stdoutColors();
  const scenarios = o.scenarios ?? builtinScenarioNames().filter((s) => s !== 'mixed');
  const designs = o.designs ?? DESIGN_NAMES;
  const say = (s: string) => {
    // With --json, stdout carries the one JSON object; the narration goes to stderr.
    if (o.json) note(s);
    else printText(s);
  };
  say(
    `${c.bold('resetlab demo')}: ${designs.length} reset designs × ${scenarios.length} scenarios, ` +
      `${o.runs} explored runs each (${DEMO_STRATEGY}: pct depth 2/3/4 + random, swarm fault draws, seed ${o.seed}), ` +
      `${o.jobs} thread(s). A short campaign: a ✓ means "not found in ${o.runs} runs", not "proved".`,
  );
  mkdirSync(out, { recursive: true });
  const interrupt = onInterrupt('demo');
  const bar = taskProgress('demo', o.progress ? 'auto' : false);
  try {
    const { json, report } = await runCompare({
      designs,
      scenarios,
      runs: o.runs,
      seed: o.seed,
      strategy: DEMO_STRATEGY,
      jobs: o.jobs,
      metricSeeds: 1,
      shrinkBudget: o.shrinkBudget,
      traces: true,
      // As the user wrote it, so that the printed replay commands are short.
      failuresDir: join(o.out, 'failures'),
      signal: interrupt.signal,
      onProgress: (p) =>
        bar.update(p.phase === 'explore' ? 'campaigns' : 'shrinking', p.done, p.total),
    });
    bar.stop();
    report.title = 'resetlab demo: reset design comparison';
    const htmlPath = join(out, 'report.html');
    writeReport(htmlPath, report);
    const jsonPath = join(out, 'compare.json');
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);

    const pick = interesting(report.failures);
    let tracePath: string | null = null;
    if (pick?.traceEvents !== undefined && pick.lanes !== undefined) {
      tracePath = join(out, `${pick.scenario}@${pick.design}.${pick.invariant}.trace.json`);
      writeChromeTrace(tracePath, pick.traceEvents, pick.lanes, {
        title: `${pick.scenario}@${pick.design}: ${pick.invariant}`,
        run: {
          scenario: pick.scenario,
          design: pick.design,
          invariant: pick.invariant,
          seed: pick.seed,
          schedule: pick.shrunkSchedule,
          replay: pick.replay,
        },
      });
    }

    if (o.json) {
      printJson({
        ...json,
        outputs: { dir: out, html: htmlPath, compare: jsonPath, trace: tracePath },
      });
    } else {
      say('');
      say(formatCompareTable(json, c));
      say('');
      say('Where each invariant fell (scenarios):');
      say(formatWhere(json, c));
      say('');
      if (json.defaultViolations.length > 0) {
        say(
          c.red(
            `default violated ${json.defaultViolations.join(', ')}: it must hold every invariant; see the failure files.`,
          ),
        );
      }
      if (json.modelErrors.length > 0) {
        say(c.red(`${json.modelErrors.length} model error(s): exceptions inside resetlab itself.`));
      }
      say(
        `${json.totalRuns} runs in ${formatMs(json.elapsedMs)}; determinism self-check: ` +
          `${json.determinism.checked} replays, ${json.determinism.mismatches} mismatches.` +
          (json.interrupted ? c.yellow(' Interrupted: partial results.') : ''),
      );
      if (pick !== null && tracePath !== null) {
        const shrunk =
          pick.shrunkSteps.after === 0
            ? `shrunk from ${pick.shrunkSteps.before} decisions to none: its faults under plain FIFO scheduling reproduce it`
            : `shrunk to ${pick.shrunkSteps.after} of ${pick.shrunkSteps.before} decisions`;
        say(
          `Trace of ${pick.scenario}@${pick.design} violating ${pick.invariant} (${shrunk}): ` +
            `${rel(tracePath)}  (open in https://ui.perfetto.dev)`,
        );
        say(`  replay it: ${pick.replay}`);
      }
      say(`HTML report: ${rel(htmlPath)}`);
      say(`Failure files: ${rel(join(out, 'failures'))}/   JSON: ${rel(jsonPath)}`);
      say(
        'More: resetlab compare --runs 200 --html report.html · resetlab regress · resetlab explore <scenario> --design rwsem',
      );
    }
    return interrupt.exitCode() ?? compareExitCode(json);
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}
