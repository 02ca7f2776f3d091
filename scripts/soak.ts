/**
 * `npm run soak`: every built-in scenario on `default` (or `--design`), 20000 runs each with
 * the portfolio strategy, on every core, failures shrunk and written out as they are found.
 * This is the scale at which resetlab calls a design "clean" (docs/designs.md, "Soak").
 *
 *   npm run soak -- [--runs N] [--design D] [--scenarios a,b] [--out DIR] [--jobs N] [--resume]
 *
 * Each scenario is one campaign (src/campaign/campaign.ts) with its own directory under
 * `--out` (default `soak-out/`): failure files the moment they are found, and summary.json
 * when it ends. `soak.json` in `--out` is rewritten after every scenario with what is done so
 * far, so an interrupted soak (SIGINT/SIGTERM: the running campaign writes what it found and
 * stops) loses nothing; `--resume` then skips the scenarios whose summary is complete for the
 * same program, runs and seed. Exit 1 if any scenario had a violation, 130/143 if interrupted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign } from '../src/campaign/campaign.js';
import { programsModuleUrl } from '../src/campaign/programs.js';
import type { CampaignSummary } from '../src/campaign/summary.js';
import { resolveDesign } from '../src/driver/config.js';
import { builtinScenarioNames } from '../src/scenarios/builtin.js';
import { scenarioProgramId } from '../src/scenarios/program.js';

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      runs: { type: 'string', default: '20000' },
      design: { type: 'string', default: 'default' },
      scenarios: { type: 'string' },
      out: { type: 'string', default: 'soak-out' },
      jobs: { type: 'string' },
      seed: { type: 'string', default: '1' },
      resume: { type: 'boolean', default: false },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (e) {
  fail((e as Error).message);
}
const v = args.values;
const int = (flag: string, s: string, min: number) => {
  if (!/^\d+$/.test(s) || Number(s) < min)
    fail(`--${flag}: expected an integer ≥ ${min}, got '${s}'`);
  return Number(s);
};
const runs = int('runs', v.runs, 1);
const seed = int('seed', v.seed, 0);
const jobs = v.jobs === undefined ? availableParallelism() : int('jobs', v.jobs, 1);
try {
  resolveDesign(v.design);
} catch (e) {
  fail(`--design: ${(e as Error).message}`);
}
const all = builtinScenarioNames();
const scenarios = v.scenarios === undefined ? all : v.scenarios.split(',').map((s) => s.trim());
for (const s of scenarios)
  if (!all.includes(s)) fail(`--scenarios: unknown scenario '${s}' (${all.join(', ')})`);
const out = resolve(v.out);
try {
  mkdirSync(out, { recursive: true });
} catch (e) {
  fail(`--out: ${out}: ${(e as Error).message}`);
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
  // Uncommitted changes under src/ make the commit alone a false label.
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
  if (dirty.trim() !== '') commit += '-dirty';
} catch {}

interface Row {
  scenario: string;
  program: string;
  runs: number;
  violatingRuns: number;
  violations: { invariant: string; run: number; file: string | null; message: string }[];
  runsPerSec: number;
  elapsedMs: number;
  interrupted: boolean;
}
const rows: Row[] = [];
const ctl = new AbortController();
let signal: string | null = null;
for (const s of ['SIGINT', 'SIGTERM'] as const)
  process.on(s, () => {
    if (signal !== null) process.exit(s === 'SIGINT' ? 130 : 143);
    signal = s;
    process.stderr.write(
      `\nsoak: ${s}: stopping after the running chunks; writing what was found\n`,
    );
    ctl.abort();
  });

const write = () =>
  writeFileSync(
    join(out, 'soak.json'),
    `${JSON.stringify({ design: v.design, runsPerScenario: runs, seed, strategy: 'portfolio', jobs, commit, scenarios: rows }, null, 2)}\n`,
  );

const t0 = performance.now();
for (const scenario of scenarios) {
  if (ctl.signal.aborted) break;
  const program = scenarioProgramId(scenario, v.design);
  const dir = join(out, scenario);
  const summaryPath = join(dir, 'summary.json');
  let summary: CampaignSummary | null = null;
  if (v.resume && existsSync(summaryPath)) {
    const old = JSON.parse(readFileSync(summaryPath, 'utf8')) as CampaignSummary;
    if (
      !old.interrupted &&
      old.program === program &&
      old.plannedRuns === runs &&
      old.seed === seed
    )
      summary = old;
  }
  if (summary === null) {
    const r = await runCampaign({
      program,
      registry: programsModuleUrl(),
      strategy: 'portfolio',
      runs,
      seed,
      jobs,
      out: dir,
      signal: ctl.signal,
      signalName: () => signal,
      onProgress: (p) => {
        if (process.stderr.isTTY)
          process.stderr.write(
            `\r${scenario}: ${p.runsDone}/${p.runsTotal} runs, ${p.failures} violated, ${p.runsPerSec.toFixed(0)} runs/s   `,
          );
      },
    });
    if (!r.ok) fail(`${scenario}: ${r.error.field}: ${r.error.message}`);
    summary = r.summary;
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
  rows.push({
    scenario,
    program,
    runs: summary.runs,
    violatingRuns: summary.violatingRuns,
    violations: summary.violations.map((x) => ({
      invariant: x.invariant,
      run: x.run,
      file: x.file,
      message: x.message,
    })),
    runsPerSec: summary.runsPerSec,
    elapsedMs: summary.elapsedMs,
    interrupted: summary.interrupted,
  });
  write();
  const bad = summary.violations.map((x) => `${x.invariant} (run ${x.run})`).join(', ');
  process.stdout.write(
    `${scenario.padEnd(12)} ${String(summary.runs).padStart(6)} runs  ${bad === '' ? 'no violation' : bad}${summary.interrupted ? '  (interrupted)' : ''}\n`,
  );
}
write();
const total = rows.reduce((n, r) => n + r.runs, 0);
const violating = rows.filter((r) => r.violations.length > 0).length;
process.stdout.write(
  `soak ${v.design} at ${commit}: ${total} runs over ${rows.length} scenarios in ${((performance.now() - t0) / 1000).toFixed(0)} s on ${jobs} thread(s); ${violating === 0 ? 'no violation' : `${violating} scenario(s) with violations`}; ${join(out, 'soak.json')}\n`,
);
process.exit(signal !== null ? (signal === 'SIGINT' ? 130 : 143) : violating > 0 ? 1 : 0);
