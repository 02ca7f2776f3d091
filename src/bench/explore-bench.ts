/**
 * Measurement 1 (full-model throughput) and the data of 7 (simulation speed): `explore`
 * campaigns on `hang` and `mixed` (default design) with `random` and `pct`, as a campaign runs
 * them (swarm faults, decisions recorded, stop at the first violation, self-check every 64th
 * run), without shrinking, whose cost depends on what is found rather than on the explorer.
 *
 * PCT's k is calibrated before the clock starts, and a few untimed runs warm the JIT up, so
 * that the figure is the steady state of a long campaign.
 */
import { estimateContestedSteps } from '../explore/calibrate.js';
import { explore, faultsFor } from '../explore/explore.js';
import type { Program } from '../explore/program.js';
import { type BenchSizes, type Clock, counting, perSec } from './common.js';
import type { ExploreMeasurement } from './result.js';

export const EXPLORE_PROGRAMS = ['hang@default', 'mixed@default'] as const;
export const EXPLORE_STRATEGIES = ['random', 'pct'] as const;

const SEED = 1;
const WARMUP_SEED = 0x77;

export async function measureExplore(
  resolve: (id: string) => Program,
  sizes: BenchSizes,
  now: Clock,
  progress: (message: string) => void,
): Promise<ExploreMeasurement[]> {
  const out: ExploreMeasurement[] = [];
  for (const id of EXPLORE_PROGRAMS) {
    const base = resolve(id);
    const pctSteps = await estimateContestedSteps(base, {
      seed: SEED,
      faultsFor: (s) => faultsFor(base, { strategy: 'pct', runs: 1, seed: SEED }, s),
    });
    for (const strategy of EXPLORE_STRATEGIES) {
      progress(`explore ${id} ${strategy}`);
      const { program, counter } = counting(base);
      const common = {
        strategy,
        shrink: false as const,
        ...(strategy === 'pct' ? { pctSteps } : {}),
      };
      if (sizes.exploreWarmup > 0) {
        await explore(program, { ...common, runs: sizes.exploreWarmup, seed: WARMUP_SEED });
      }
      counter.virtualNs = 0;
      const t0 = now();
      const r = await explore(program, { ...common, runs: sizes.exploreRuns, seed: SEED });
      const elapsedMs = now() - t0;
      out.push({
        program: id,
        strategy,
        runs: r.totals.runs,
        steps: r.totals.steps,
        decisions: r.totals.decisions,
        violatingRuns: r.totals.violatingRuns,
        limitRuns: r.totals.limitRuns,
        elapsedMs,
        schedulesPerSec: perSec(r.totals.runs, elapsedMs),
        decisionsPerSec: perSec(r.totals.decisions, elapsedMs),
        stepsPerSec: perSec(r.totals.steps, elapsedMs),
        virtualNsPerSec: perSec(counter.virtualNs, elapsedMs),
        pctSteps: strategy === 'pct' ? pctSteps : null,
      });
    }
  }
  return out;
}
