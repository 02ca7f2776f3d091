/**
 * Measurement 5: every seed run twice gives the same trace hash. For every built-in scenario
 * (default design), under random and PCT, each seed is run, run again with a fresh strategy,
 * and replayed from the schedule the first run recorded (what `resetlab replay` and the
 * shrinker rely on); both must reproduce the first run's trace hash. The free run and its
 * same-schedule twin of measurement 2, and the jobs-1 and jobs-2 campaigns of measurement 4,
 * are further checks that the caller adds.
 */
import { faultsFor, runSeed } from '../explore/explore.js';
import type { Program } from '../explore/program.js';
import { rerun } from '../explore/rerun.js';
import { strategyFromName } from '../explore/strategy-factory.js';
import type { BenchSizes } from './common.js';
import type { Determinism, DeterminismMismatch } from './result.js';

const SEED = 11;
const PCT_STEPS = 2000;

export async function measureDeterminism(
  programIds: readonly string[],
  resolve: (id: string) => Program,
  sizes: BenchSizes,
  progress: (message: string) => void,
): Promise<Determinism> {
  let checks = 0;
  let identical = 0;
  const mismatches: DeterminismMismatch[] = [];
  const compare = (check: string, expected: string, actual: string) => {
    checks++;
    if (expected === actual) identical++;
    else if (mismatches.length < 20) mismatches.push({ check, expected, actual });
  };
  for (const id of programIds) {
    progress(`determinism: ${id}`);
    const program = resolve(id);
    for (const strategy of ['random', 'pct'] as const) {
      for (let i = 0; i < sizes.determinismSeeds; i++) {
        const seed = runSeed(SEED, i);
        const faults = faultsFor(program, { strategy, runs: 1, seed }, seed);
        const fresh = () => strategyFromName(strategy, { steps: PCT_STEPS });
        const input = { seed, faults, record: true, stopOnViolation: true };
        const first = await program.run({ ...input, strategy: fresh() });
        const second = await program.run({ ...input, strategy: fresh() });
        const what = `${id} ${strategy} seed ${seed}`;
        compare(`${what}: run twice`, first.traceHash, second.traceHash);
        const replay = await rerun(program, {
          seed,
          faults,
          schedule: first.schedule,
          timeJumps: fresh().timeJumps,
        });
        const divergence = replay.divergence === null ? '' : ` (${replay.divergence})`;
        compare(
          `${what}: replayed from its schedule`,
          first.traceHash,
          replay.report.traceHash + divergence,
        );
      }
    }
  }
  return { checks, identical, share: checks > 0 ? identical / checks : 1, mismatches };
}

/** Adds checks made elsewhere (e.g. the same-schedule twins of measurement 2). */
export function addChecks(d: Determinism, checks: number, identical: number, what: string) {
  const out: Determinism = {
    checks: d.checks + checks,
    identical: d.identical + identical,
    share: 1,
    mismatches: [...d.mismatches],
  };
  if (identical < checks) {
    out.mismatches.push({
      check: what,
      expected: `${checks} identical`,
      actual: `${identical} identical`,
    });
  }
  out.share = out.checks > 0 ? out.identical / out.checks : 1;
  return out;
}
