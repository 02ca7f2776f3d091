/**
 * Measurement 6: runs to catch each bug of the historical corpus (docs/design.md §3,
 * src/scenarios/regressions.ts) with `random` and with `pct`. Each bug's scenario runs on the
 * `default` design with the bug switched on, explored as a campaign does (swarm faults, or the
 * table's fixed faults), until a run violates the bug's invariant or the bug's budget of runs
 * is spent. "Not caught within N" is a result, reported as such.
 *
 * A run that first violates some other invariant does not count as catching the bug; such
 * violations are listed beside the count, so that a catch can be read in context.
 */
import { explore } from '../explore/explore.js';
import type { Program } from '../explore/program.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { REGRESSIONS, regressionDesign } from '../scenarios/regressions.js';
import type { BenchSizes } from './common.js';
import type { CorpusCatch, CorpusEntry } from './result.js';

const SEED = 1;

export async function measureCorpus(
  resolve: (id: string) => Program,
  sizes: BenchSizes,
  progress: (message: string) => void,
): Promise<CorpusEntry[]> {
  const out: CorpusEntry[] = [];
  for (const c of REGRESSIONS) {
    const id = scenarioProgramId(c.scenario, regressionDesign(c), [c.bug]);
    const program = resolve(id);
    const budget =
      sizes.corpusBudgetCap === null ? c.budget : Math.min(c.budget, sizes.corpusBudgetCap);
    const fixed = c.faults !== undefined;
    const catchWith = async (strategy: 'random' | 'pct'): Promise<CorpusCatch> => {
      progress(`corpus: ${c.bug} with ${strategy} (budget ${budget})`);
      let caughtAt: number | null = null;
      const others: Record<string, number> = {};
      const r = await explore(program, {
        strategy,
        runs: budget,
        seed: SEED,
        shrink: false,
        ...(fixed ? { swarm: false, faults: c.faults } : {}),
        progressEvery: 1,
        onFailure: (f) => {
          if (f.invariant === c.invariant) caughtAt ??= f.run;
          else others[f.invariant] ??= f.run;
        },
        shouldStop: () => caughtAt !== null,
      });
      return {
        runs: caughtAt,
        caught: caughtAt !== null,
        runsMade: r.totals.runs,
        otherViolations: others,
      };
    };
    out.push({
      bug: c.bug,
      scenario: c.scenario,
      program: id,
      invariant: c.invariant,
      budget,
      fixedFaults: fixed,
      random: await catchWith('random'),
      pct: await catchWith('pct'),
    });
  }
  return out;
}
