/**
 * `resetlab run <scenario>`: one run of a scenario on one design, FIFO scheduling by default,
 * with the scenario's own armed faults. It prints the `run` shape of docs/design.md §4 and can write
 * the run's Chrome trace.
 *
 * Exit code 1 when a run that should be clean is not: `default` without bug switches violated
 * an invariant, or the model threw (`model-error`) on any design. A weaker design violating an
 * invariant is what it is for, so that exits 0.
 */
import type { BugId } from '../driver/bugs.js';
import { designClaimsHarm } from '../driver/config.js';
import { strategyFromName } from '../explore/strategy-factory.js';
import { formatNs } from '../report/escape.js';
import { exportRunTrace } from '../report/trace-export.js';
import { builtinScenario } from '../scenarios/builtin.js';
import type { ClientJobs } from '../scenarios/ledger.js';
import { runScenario } from '../scenarios/runner.js';
import { fitLine, printJson, printText, reportLines, stdoutColors } from './output.js';
import { resolveScenario } from './scenario-ref.js';

export interface RunCommandOptions {
  scenario: string;
  design: string;
  seed: number;
  strategy: string;
  depth?: number;
  bugs: readonly BugId[];
  /** Write the Chrome trace here. */
  trace?: string;
  json: boolean;
}

export interface RunJson {
  scenario: string;
  design: string;
  seed: number;
  traceHash: string;
  virtualTimeNs: number;
  resets: number;
  wedged: boolean;
  violations: {
    invariant: string;
    message: string;
    atNs: number;
    task: string | null;
    /** The multi-line report in the kernel's format (a lockdep splat...), or null. */
    report: string[] | null;
  }[];
  jobs: { completed: number; failed: number; innocentLost: number };
  /** Per client: jobs submitted, completed, failed by errno, pending at the end. */
  clients: ClientJobs[];
  strategy: string;
  bugs: string[];
  /** For `mixed`: the scenario drawn for this seed. */
  drawn: string;
  outcome: string;
  steps: number;
  decisions: number;
  recovered: boolean;
  metrics: Record<string, number>;
  /** Where the Chrome trace was written, or null. */
  trace: string | null;
}

/** Runs and prints; throws `UsageError` for a bad scenario argument. */
export async function runCommand(o: RunCommandOptions): Promise<number> {
  const out = await runJson(o);
  if (o.json) printJson(out);
  else printText(formatRun(out));
  return runExitCode(out);
}

/** Exit code 1 for a model error anywhere, or any violation of `default` without bugs. */
export function runExitCode(r: RunJson): number {
  const expectClean = designClaimsHarm(r.design) && r.bugs.length === 0;
  const modelError = r.violations.some((v) => v.invariant === 'model-error');
  return modelError || (expectClean && r.violations.length > 0) ? 1 : 0;
}

/** The run, as the `run` JSON (the trace written when asked for). */
export async function runJson(o: Omit<RunCommandOptions, 'json'>): Promise<RunJson> {
  const ref = resolveScenario(o.scenario);
  const strategy = strategyFromName(o.strategy, o.depth !== undefined ? { depth: o.depth } : {});
  const r = await runScenario(
    ref.spec,
    {
      design: o.design,
      seed: o.seed,
      bugs: o.bugs,
      strategy,
      trace: o.trace !== undefined,
      record: true,
    },
    builtinScenario,
  );
  if (o.trace !== undefined) {
    exportRunTrace(r, o.trace, `${ref.spec.name}@${o.design} seed ${o.seed}`, {
      scenario: ref.spec.name,
      design: o.design,
      seed: o.seed,
      strategy: o.strategy,
      bugs: o.bugs.join(',') || null,
    });
  }
  const out: RunJson = {
    scenario: ref.spec.name,
    design: o.design,
    seed: o.seed,
    traceHash: r.traceHash,
    virtualTimeNs: r.virtualTimeNs,
    resets: r.resets,
    wedged: r.wedged,
    violations: r.violations.map((v) => ({
      invariant: v.invariant,
      message: v.message,
      atNs: v.atNs,
      task: v.task,
      report: v.report ?? null,
    })),
    jobs: r.jobs,
    clients: r.clients,
    strategy: o.strategy,
    bugs: [...o.bugs],
    drawn: r.drawn,
    outcome: r.outcome,
    steps: r.steps,
    decisions: r.decisions,
    recovered: r.recovered,
    metrics: r.metrics,
    trace: o.trace ?? null,
  };
  return out;
}

function formatRun(r: RunJson): string {
  const c = stdoutColors();
  const bugs = r.bugs.length > 0 ? ` +${r.bugs.join(' +')}` : '';
  const drawn = r.drawn !== r.scenario ? ` (drew ${r.drawn})` : '';
  const submitted = r.clients.reduce((n, x) => n + x.submitted, 0);
  const lines = [
    `run ${c.bold(`${r.scenario}${drawn}@${r.design}${bugs}`)} seed ${r.seed} (${r.strategy}): ` +
      `${r.outcome} after ${formatNs(r.virtualTimeNs)} virtual, ${r.steps} steps, ${r.decisions} decisions`,
    `  resets ${r.resets}, wedged ${r.wedged ? 'yes' : 'no'}, recovered ${r.recovered ? 'yes' : 'no'}; ` +
      `jobs completed ${r.jobs.completed}/${submitted}, failed ${r.jobs.failed}/${submitted}, ` +
      `innocent lost ${r.jobs.innocentLost}`,
    `  trace hash ${r.traceHash}`,
  ];
  // One line per client: its jobs out of those it submitted, failures by errno.
  const nameW = Math.max(8, ...r.clients.map((x) => x.client.length));
  for (const cl of r.clients) {
    const failed = Object.entries(cl.failed)
      .map(([e, n]) => `${e} ${n}`)
      .join(', ');
    const nFailed = Object.values(cl.failed).reduce((a, b) => a + b, 0);
    lines.push(
      ...fitLine(
        `  ${cl.client.padEnd(nameW)}  completed ${cl.completed}/${cl.submitted}` +
          `, failed ${nFailed}/${cl.submitted}${failed !== '' ? ` (${failed})` : ''}` +
          (cl.pending > 0 ? `, pending ${cl.pending}/${cl.submitted}` : ''),
      ),
    );
  }
  if (r.violations.length === 0) lines.push(`  ${c.green('no violations')}`);
  for (const v of r.violations) {
    const head = `  ${v.invariant} at ${formatNs(v.atNs)}: ${v.message}`;
    // Wrapped as plain text, the invariant coloured afterwards (colour codes have no width).
    const [first, ...more] = fitLine(head);
    lines.push((first ?? '').replace(v.invariant, c.red(v.invariant)), ...more);
    if (v.report !== null) lines.push(...reportLines(v.report));
  }
  if (r.trace !== null)
    lines.push(`  Chrome trace written to ${r.trace} (open in ui.perfetto.dev)`);
  return lines.join('\n');
}
