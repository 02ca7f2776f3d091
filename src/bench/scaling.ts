/**
 * Measurement 4: schedules per second of one campaign with `--jobs 1` and with `--jobs 2`, each
 * as a user runs it: a fresh `resetlab explore --json` process (this build's CLI, started the
 * way this process was, so under tsx when this runs under tsx). A fresh process per campaign
 * matters: measured in this (already warm) process, `--jobs 1` would run on code the JIT has
 * optimised while `--jobs 2` pays for two cold workers, and the ratio would say more about
 * warm-up than about parallelism. The time includes what a user waits for: starting the
 * process, the workers, and loading the model in each. The pair is repeated (jobs 1, jobs 2,
 * then jobs 2, jobs 1) and the times added up, so that drift on a shared machine hits both alike.
 *
 * The results must be the same whatever the number of jobs (the campaign's own guarantee);
 * that is checked here too.
 *
 * Beside the rates: how many cores each campaign kept busy (the child's CPU time, every thread,
 * per wall second; the CLI reports it as `cpuMs`) and the load average when it started. A
 * single job is not one core's worth of work: V8's garbage collector and compiler run on helper
 * threads beside it, so with two cores, two jobs can at best be 2 / (cores one job keeps busy)
 * times as fast; and cores that other processes hold are not there to be used.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchSizes, type Clock, perSec, ratio } from './common.js';
import type { Scaling, ScalingRun } from './result.js';

export const SCALING_PROGRAM = 'hang@default';
export const SCALING_STRATEGY = 'random';
const SCENARIO = 'hang';
const DESIGN = 'default';
const SEED = 3;

/** The module that registers the built-in programs, next to this one (.ts under tsx). */
export function registryModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../scenarios/register.${ext}`, import.meta.url));
}

/** This build's CLI entry (.ts under tsx, .js in dist/). */
function cliModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../cli/main.${ext}`, import.meta.url));
}

/** What `explore --json` prints that this file reads. */
interface ExploreJson {
  runs: number;
  steps: number;
  decisions: number;
  violatingRuns: number;
  firstViolationRun: number | null;
  violations: { invariant: string; run: number }[];
  cpuMs: number;
}

/** What must not depend on the number of jobs. */
function fingerprint(s: ExploreJson): string {
  return JSON.stringify({
    runs: s.runs,
    steps: s.steps,
    decisions: s.decisions,
    violatingRuns: s.violatingRuns,
    first: s.firstViolationRun,
    violations: s.violations.map((v) => [v.invariant, v.run]),
  });
}

/** Runs one campaign in a fresh CLI process and returns its JSON. */
function exploreInChild(runs: number, jobs: number): Promise<ExploreJson> {
  const args = [
    ...process.execArgv,
    cliModule(),
    'explore',
    SCENARIO,
    '--design',
    DESIGN,
    '--strategy',
    SCALING_STRATEGY,
    '--runs',
    String(runs),
    '--seed',
    String(SEED),
    '--jobs',
    String(jobs),
    '--no-shrink',
    '--no-progress',
    '--json',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}: ${err.trim().slice(-400)}`);
        resolve(JSON.parse(out) as ExploreJson);
      } catch (e) {
        reject(new Error(`bench: scaling campaign (--jobs ${jobs}) failed: ${String(e)}`));
      }
    });
  });
}

export async function measureScaling(
  sizes: BenchSizes,
  now: Clock,
  progress: (message: string) => void,
): Promise<Scaling> {
  const measurements: ScalingRun[] = [];
  const prints = new Set<string>();
  const order: number[] = [];
  for (let r = 0; r < sizes.scalingReps; r++) order.push(...(r % 2 === 0 ? [1, 2] : [2, 1]));
  for (const jobs of order) {
    progress(`scaling: ${sizes.scalingRuns} runs of ${SCALING_PROGRAM} with --jobs ${jobs}`);
    const loadAverage = loadavg()[0] ?? 0;
    const t0 = now();
    const out = await exploreInChild(sizes.scalingRuns, jobs);
    const elapsedMs = now() - t0;
    prints.add(fingerprint(out));
    measurements.push({
      jobs,
      runs: out.runs,
      elapsedMs,
      schedulesPerSec: perSec(out.runs, elapsedMs),
      coresBusy: ratio(out.cpuMs, elapsedMs),
      loadAverage,
    });
  }
  const rate = (jobs: number) => {
    const ms = measurements.filter((m) => m.jobs === jobs);
    return perSec(
      ms.reduce((a, m) => a + m.runs, 0),
      ms.reduce((a, m) => a + m.elapsedMs, 0),
    );
  };
  const jobs1 = rate(1);
  const jobs2 = rate(2);
  const ones = measurements.filter((m) => m.jobs === 1);
  const coresPerJob = ratio(
    ones.reduce((a, m) => a + m.coresBusy * m.elapsedMs, 0),
    ones.reduce((a, m) => a + m.elapsedMs, 0),
  );
  return {
    program: SCALING_PROGRAM,
    strategy: SCALING_STRATEGY,
    runsPerCampaign: sizes.scalingRuns,
    cpus: availableParallelism(),
    measurements,
    jobs1SchedulesPerSec: jobs1,
    jobs2SchedulesPerSec: jobs2,
    speedup: ratio(jobs2, jobs1),
    resultsIdentical: prints.size === 1,
    coresPerJob,
  };
}
