/**
 * Measurement 4: schedules per second of one campaign run with `--jobs 1` (in this thread)
 * and `--jobs 2` (two piscina worker threads), through the campaign runner the command line
 * uses (src/cli/campaign.ts). The time includes what a user waits for: starting the workers
 * and loading the model in each. The pair is repeated (jobs 1, jobs 2, then jobs 2, jobs 1)
 * and the times added up, so that drift on a shared machine hits both alike.
 *
 * The merged results must be the same whatever the number of jobs (the campaign's own
 * guarantee); that is checked here too.
 *
 * Beside the rates: how many cores each campaign kept busy (process CPU time per wall second,
 * every thread included) and the load average when it started. A single job is not one core's
 * worth of work: V8's garbage collector and compiler run on helper threads beside it, so with
 * two cores, two jobs can at best be 2 / (cores one job keeps busy) times as fast; and cores
 * that other processes hold are not there to be used.
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCampaign } from '../cli/campaign.js';
import type { CampaignSummary } from '../cli/campaign-summary.js';
import { type BenchSizes, type Clock, perSec, ratio } from './common.js';
import type { Scaling, ScalingRun } from './result.js';

export const SCALING_PROGRAM = 'hang@default';
export const SCALING_STRATEGY = 'random';
const SEED = 3;

/** The module that registers the built-in programs, next to this one (.ts under tsx). */
export function registryModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../scenarios/register.${ext}`, import.meta.url));
}

/** What must not depend on the number of jobs. */
function fingerprint(s: CampaignSummary): string {
  return JSON.stringify({
    runs: s.runs,
    steps: s.steps,
    decisions: s.decisions,
    violatingRuns: s.violatingRuns,
    first: s.firstViolationRun,
    violations: s.violations.map((v) => [v.invariant, v.run]),
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
    const cpu0 = process.cpuUsage();
    const t0 = now();
    const out = await runCampaign({
      program: SCALING_PROGRAM,
      registry: registryModule(),
      strategy: SCALING_STRATEGY,
      runs: sizes.scalingRuns,
      seed: SEED,
      jobs,
      shrink: false,
    });
    const elapsedMs = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (!out.ok) throw new Error(`bench: campaign failed: ${out.error.message}`);
    prints.add(fingerprint(out.summary));
    measurements.push({
      jobs,
      runs: out.summary.runs,
      elapsedMs,
      schedulesPerSec: perSec(out.summary.runs, elapsedMs),
      coresBusy: ratio((cpu.user + cpu.system) / 1000, elapsedMs),
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
