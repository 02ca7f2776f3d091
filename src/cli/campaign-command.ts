/**
 * The `explore`, `merge` and `replay` commands as functions that return an exit code, for the
 * command line (src/cli/main.ts, or campaign-main.ts standalone) to call.
 *
 * Conventions (docs/design.md §4): with `json`, exactly one JSON object goes to stdout and nothing
 * else; progress goes to stderr and only on a terminal. Exit codes: 0 success, 1 violations
 * that were not expected (or a determinism mismatch, or a replay that no longer reproduces),
 * 2 bad usage or bad input, 130 after SIGINT and 143 after SIGTERM.
 *
 * Interruption: the first SIGINT/SIGTERM stops scheduling new chunks; the campaign then writes
 * the failures found so far and summary.json, prints the summary and returns 130/143. A
 * second signal exits at once, for a user who does not want to wait for running chunks.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import {
  type CampaignOptions,
  type CampaignProgress,
  planCampaign,
  predictSearch,
  runCampaign,
  writeSummary,
} from '../campaign/campaign.js';
import { differentialReplay, otherProgramId } from '../campaign/differential-replay.js';
import { readFailure, replayFailure } from '../campaign/failure-file.js';
import { mergeShards } from '../campaign/merge.js';
import { type CampaignSummary, formatSummary } from '../campaign/summary.js';
import { loadRegistry, resolveRegistry } from '../campaign/worker.js';
import type { Failure } from '../explore/failure.js';
import type { Program, RunReport } from '../explore/program.js';
import { getProgram, programIds } from '../explore/registry.js';
import { fitLine, formatMs, io, reportLines } from './output.js';

export interface ExploreCommandOptions
  extends Omit<CampaignOptions, 'signal' | 'signalName' | 'onProgress' | 'onFailure'> {
  json?: boolean;
  /** Show a progress bar: 'auto' (default) shows it only when stderr is a terminal. */
  progress?: boolean | 'auto';
  /** dfs: write the certificate (summary.certificate) here, also when interrupted. */
  certificate?: string;
  /** dfs: search nothing; print the frontier's estimate and the time it predicts. */
  plan?: boolean;
}

/** `explore --plan`: the tree-size estimate and the predicted time (campaign.ts `planCampaign`). */
async function planCommand(o: ExploreCommandOptions): Promise<number> {
  const r = await planCampaign(o);
  if (!r.ok) return badInput('explore', r.error, o.json);
  const p = r.plan;
  const jobs = o.jobs ?? 1;
  const { predictedMs, overBudget } = predictSearch(p, o.runs, jobs);
  if (o.json) {
    io.out(
      `${JSON.stringify({ kind: 'resetlab-explore-plan', ...p, runs: o.runs, jobs, predictedMs, overBudget })}\n`,
    );
    return 0;
  }
  const size = p.exact
    ? `${p.treeSizeEstimate} schedule${p.treeSizeEstimate === 1 ? '' : 's'} (counted)`
    : `~${p.treeSizeEstimate} ± ${p.standardError} schedules`;
  const time = overBudget
    ? `more than --runs ${o.runs}: the search would stop not exhausted after ~${formatMs(predictedMs)}`
    : `~${formatMs(predictedMs)} on ${jobs} thread(s)`;
  io.out(
    `${fitText(
      `explore --plan ${p.program}: nothing searched; the tree within the bounds is ${size} (${p.subtrees} subtrees; ${p.frontierRuns + p.timedRuns} runs in ${formatMs(p.elapsedMs)}, ${Math.round(p.runsPerSec)} runs/s); ${time}.${p.exact ? '' : ' An estimate of a lopsided tree is more often short than long (docs/explorer.md §10).'}`,
    )}\n`,
  );
  return 0;
}

/** Writes a certificate file (write then rename, as the failure files). */
export function writeCertificate(path: string, s: CampaignSummary): void {
  const c = s.certificate;
  if (c === null) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(c, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

const EXIT_CODE: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The summary without the bulky merged result, for printing. */
function printable(s: CampaignSummary): Omit<CampaignSummary, 'result'> {
  const { result: _result, ...rest } = s;
  return rest;
}

/** Bad input (exit 2): `{error}` on stdout with `json`, else the message on stderr. */
function badInput(
  command: string,
  error: { field: string; message: string },
  json: boolean | undefined,
): 2 {
  if (json) io.out(`${JSON.stringify({ error })}\n`);
  else io.err(`resetlab ${command}: ${error.message}\n`);
  return 2;
}

function exitCodeFor(s: CampaignSummary): number {
  if (s.interrupted && s.signal !== null && EXIT_CODE[s.signal] !== undefined) {
    return EXIT_CODE[s.signal] as number;
  }
  if (s.unexpected.length > 0 || s.determinism.mismatches.length > 0) return 1;
  return 0;
}

/**
 * The dfs bar: schedules out of the estimated tree (Knuth, exhausted subtrees counted exactly);
 * the total moves as the estimate is replaced by counts, and the time left follows it.
 */
function dfsProgressBar(total: number): {
  update: (p: CampaignProgress) => void;
  stop: () => void;
} {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'explore dfs |{bar}| {value}/~{total} schedules (tree ~{tree}) | {failures} invariants | {rate}/s | ETA {etaText}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, total), 0, { tree: '?', failures: 0, rate: 0, etaText: '?' });
  return {
    update(p) {
      bar.setTotal(Math.max(1, p.runsTotal));
      bar.update(p.runsDone, {
        tree: p.treeSizeEstimate ?? '?',
        failures: p.failures,
        rate: Math.round(p.runsPerSec),
        etaText: p.etaMs === null ? '?' : `${Math.ceil(p.etaMs / 1000)}s`,
      });
    },
    stop() {
      bar.stop();
    },
  };
}

function progressBar(total: number): {
  update: (p: CampaignProgress) => void;
  stop: () => void;
} {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'explore |{bar}| {value}/{total} runs | {violating} violating, {failures} invariants | {rate} runs/s | ETA {etaText}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { violating: 0, failures: 0, rate: 0, etaText: '?' });
  return {
    update(p) {
      bar.update(p.runsDone, {
        violating: p.violatingRuns,
        failures: p.failures,
        rate: Math.round(p.runsPerSec),
        etaText: p.etaMs === null ? '?' : `${Math.ceil(p.etaMs / 1000)}s`,
      });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Every line fitted to the terminal width (`fitLine`: wrapped with its indentation). */
function fitText(text: string): string {
  return text
    .split('\n')
    .flatMap((l) => fitLine(l))
    .join('\n');
}

export async function exploreCommand(o: ExploreCommandOptions): Promise<number> {
  if (o.plan === true) return planCommand(o);
  const ctl = new AbortController();
  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal !== null) process.exit(EXIT_CODE[s] ?? 1);
    signal = s;
    io.err(`\nresetlab: ${s}: stopping; writing the results found so far\n`);
    ctl.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const showBar =
    o.progress === 'auto' || o.progress === undefined ? process.stderr.isTTY === true : o.progress;
  const bar: { current: ReturnType<typeof progressBar> | null } = { current: null };
  try {
    const outcome = await runCampaign({
      ...o,
      signal: ctl.signal,
      signalName: () => signal,
      onProgress: (p) => {
        if (!showBar) return;
        bar.current ??=
          p.treeSizeEstimate !== undefined ? dfsProgressBar(p.runsTotal) : progressBar(p.runsTotal);
        bar.current.update(p);
      },
    });
    bar.current?.stop();
    bar.current = null;
    if (!outcome.ok) return badInput('explore', outcome.error, o.json);
    const s = outcome.summary;
    if (o.certificate !== undefined) writeCertificate(o.certificate, s);
    // cpuMs: CPU time of the whole process so far (every thread), for `bench`'s scaling figure.
    const cpu = process.cpuUsage();
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    if (o.json) io.out(`${JSON.stringify({ ...printable(s), cpuMs })}\n`);
    else io.out(`${fitText(formatSummary(s))}\n`);
    return exitCodeFor(s);
  } finally {
    bar.current?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export interface MergeCommandOptions {
  json?: boolean;
  /** Also write the merged summary.json into this directory. */
  out?: string;
  /** dfs shards: write the merged certificate here. */
  certificate?: string;
}

export async function mergeCommand(
  files: readonly string[],
  o: MergeCommandOptions = {},
): Promise<number> {
  const r = mergeShards(files);
  if (!r.ok) return badInput('merge', r.error, o.json);
  if (o.out !== undefined) writeSummary(o.out, r.summary);
  const s = r.summary;
  if (o.certificate !== undefined) writeCertificate(o.certificate, s);
  if (o.json) io.out(`${JSON.stringify(printable(s))}\n`);
  else {
    io.out(`${fitText(formatSummary(s))}\n`);
    if (s.shards !== undefined && s.shards.missing.length > 0) {
      io.out(`  missing shards: ${s.shards.missing.join(', ')} of ${s.shards.count}\n`);
    }
  }
  return exitCodeFor(s);
}

export interface ReplayCommandOptions {
  /** Module that registers programs. */
  registry: string;
  json?: boolean;
  /** Write the replayed run's trace here. */
  trace?: string;
  /** Replay the original input instead of the shrunk one. */
  original?: boolean;
  /** Trace writer (the report layer's Chrome/Perfetto exporter); raw JSON by default. */
  exportTrace?: (report: RunReport, path: string) => void;
}

/** The failure file and its program, or the exit code of the bad input (said already). */
async function loadFailureProgram(
  file: string,
  o: ReplayCommandOptions,
): Promise<{ failure: Failure; program: Program } | 2> {
  const read = readFailure(file);
  if (!read.ok) return badInput('replay', read.error, o.json);
  const loadError = await loadRegistry(resolveRegistry(o.registry));
  const failure = read.failure;
  const program = loadError === null ? getProgram(failure.program) : undefined;
  if (program === undefined) {
    const msg =
      loadError ?? `unknown program '${failure.program}'; known: ${programIds().join(', ')}`;
    return badInput('replay', { field: 'program', message: msg }, o.json);
  }
  return { failure, program };
}

/** The replayed run's trace: through the report layer's exporter, or as raw JSON. */
function writeTrace(
  report: RunReport,
  path: string,
  exportTrace: ReplayCommandOptions['exportTrace'],
): void {
  if (exportTrace !== undefined) exportTrace(report, path);
  else
    writeFileSync(
      path,
      `${JSON.stringify({ lanes: report.lanes ?? [], events: report.trace ?? [] })}\n`,
    );
}

export async function replayCommand(file: string, o: ReplayCommandOptions): Promise<number> {
  const loaded = await loadFailureProgram(file, o);
  if (typeof loaded === 'number') return loaded;
  const { failure, program } = loaded;
  const r = await replayFailure(program, failure, {
    trace: o.trace !== undefined,
    ...(o.original ? { which: 'original' as const } : {}),
  });
  if (o.trace !== undefined) writeTrace(r.report, o.trace, o.exportTrace);
  const ok = r.invariantMatches && r.traceHashMatches && r.divergence === null;
  const { report: _report, violationReport, ...rest } = r;
  if (o.json) {
    io.out(
      `${JSON.stringify({ file, program: program.id, reproduced: ok, ...rest, report: violationReport, trace: o.trace ?? null })}\n`,
    );
  } else {
    const lines = [
      ...fitLine(
        `replay ${file} (${r.which} input): ${r.invariant ?? 'no violation'}` +
          `${r.message !== null ? `: ${r.message}` : ''}`,
      ),
      ...fitLine(
        `  invariant ${r.invariantMatches ? 'matches' : `DIFFERS (expected ${r.expectedInvariant})`}, ` +
          `trace hash ${r.traceHashMatches ? 'matches' : `DIFFERS (${r.traceHash}, expected ${r.expectedHash})`}` +
          `${r.divergence !== null ? `; replay diverged: ${r.divergence}` : ''}`,
      ),
      ...(violationReport !== null ? reportLines(violationReport) : []),
    ];
    if (o.trace !== undefined) {
      lines.push(...fitLine(`  Chrome trace written to ${o.trace} (open in ui.perfetto.dev)`));
    }
    io.out(`${lines.join('\n')}\n`);
  }
  return ok ? 0 : 1;
}

export interface DifferentialCommandOptions extends ReplayCommandOptions {
  /** The other design (a reference `--design` accepts). */
  design: string;
}

/**
 * `replay <file> --design <other>`: exit 0 when the other design survives the failure's
 * faults and interleaving (no harm), 1 when it does not, 2 for bad input.
 */
export async function differentialCommand(
  file: string,
  o: DifferentialCommandOptions,
): Promise<number> {
  const loaded = await loadFailureProgram(file, o);
  if (typeof loaded === 'number') return loaded;
  const { failure, program: source } = loaded;
  let againstId: string;
  try {
    againstId = otherProgramId(failure, o.design);
  } catch (e) {
    return badInput('replay', { field: '--design', message: String((e as Error).message) }, o.json);
  }
  const target = getProgram(againstId);
  if (target === undefined)
    return badInput(
      'replay',
      { field: '--design', message: `unknown program '${againstId}'` },
      o.json,
    );
  const r = await differentialReplay(source, target, failure, {
    trace: o.trace !== undefined,
    ...(o.original ? { which: 'original' as const } : {}),
  });
  if (o.trace !== undefined) writeTrace(r.report, o.trace, o.exportTrace);
  const { report: _report, ...rest } = r;
  if (o.json) {
    io.out(`${JSON.stringify({ file, program: failure.program, design: o.design, ...rest })}\n`);
  } else {
    const recorded = r.source.decisions;
    const lines = [
      `differential replay of ${file} (${r.which} input) on ${o.design}`,
      `  ${failure.program}: ${r.source.reproduced ? `reproduced ${failure.invariant}` : `DID NOT reproduce ${failure.invariant} (${r.source.invariant ?? 'no violation'})`}`,
      `  ${r.against}: followed ${r.followed} of ${recorded} recorded decisions, skipped ${r.skipped},` +
        ` ${r.inserted} new ones run FIFO, ${r.afterRecording} after the recording`,
    ];
    if (!r.source.reproduced)
      lines.push(
        r.source.invariant === 'model-error'
          ? `  note: the recorded schedule no longer fits ${failure.program} as the code is now (its replay diverged after ${recorded} decisions): what follows is anchored on those decisions only`
          : `  note: ${failure.program} itself no longer fails this way; the comparison below is weaker evidence`,
      );
    for (const d of r.divergences.slice(0, 3))
      lines.push(
        `    decision ${d.decision}: wanted ${d.wanted ?? '(end)'}, ran ${d.ran}${d.skipped > 0 ? ` (skipped ${d.skipped})` : ''}`,
      );
    if (r.violations.length === 0) lines.push(`  ${o.design} survives: no violation`);
    else {
      lines.push(`  ${o.design} ${r.survives ? 'survives (rules only)' : 'does not survive'}:`);
      for (const v of r.violations.slice(0, 5))
        lines.push(`    ${v.invariant}: ${v.message.slice(0, 160)}`);
    }
    if (o.trace !== undefined) lines.push(`  trace written to ${o.trace}`);
    io.out(`${lines.join('\n')}\n`);
  }
  return r.source.reproduced || r.survives ? (r.survives ? 0 : 1) : 1;
}
