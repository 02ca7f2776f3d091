/**
 * Measurement 8: the litmus certificates. One bounded DFS per litmus scenario on `default`, at
 * delay bound 1 (src/explore/dfs.ts), in this thread and unsplit, as `explore <litmus>
 * --strategy dfs --bound delay --depth 1 --certificate` would run it: the figures of each
 * certificate (schedules, whether the tree was exhausted, the verdict) and the schedules/s of
 * the search.
 *
 * Why delay bound 1: it is the bound at which every litmus tree is small enough to exhaust in
 * a benchmark (hundreds of schedules each over the whole run, fewer in the race window that
 * explore branches in by default, docs/explorer.md §13). At a preemption bound the trees are
 * larger by orders of magnitude (docs/explorer.md §9).
 *
 * Each search runs twice, the second time with every reduction `--por` turns on (the
 * happens-before cache, docs/explorer.md §11, and the symmetry of fresh pool workers, §12), for
 * `ratios.porReductionDelay1` (`ratios.porReduction` is measurement 10's, at a preemption
 * bound: por-reduction.ts): the executions each needed to exhaust the tree, and whether both
 * reached the same outcomes and final states. The driver model's footprints are conservative,
 * so on a litmus scenario the cache merges nothing and what is saved is the symmetry's; the
 * figure says how much rather than assume it.
 */
import { buildCertificate } from '../explore/certificate.js';
import { explore } from '../explore/explore.js';
import type { Program } from '../explore/program.js';
import { sameOutcomesAndStates } from '../explore/result.js';
import { LITMUS_SCENARIOS } from '../scenarios/litmus.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { type BenchSizes, type Clock, perSec } from './common.js';
import type { LitmusCertificateFigures } from './result.js';

export async function measureLitmus(
  resolve: (id: string) => Program,
  sizes: BenchSizes,
  now: Clock,
  onProgress?: (message: string) => void,
): Promise<LitmusCertificateFigures[]> {
  const out: LitmusCertificateFigures[] = [];
  const names = LITMUS_SCENARIOS.map((l) => l.name).slice(0, sizes.litmusScenarios);
  for (const name of names) {
    const id = scenarioProgramId(name, 'default');
    onProgress?.(`litmus ${id}: dfs, delay bound 1`);
    const search = {
      strategy: 'dfs',
      depth: 1,
      dfsBound: 'delay',
      runs: sizes.litmusBudget,
      seed: 1,
      shrink: false,
    } as const;
    const t0 = now();
    const r = await explore(resolve(id), search);
    const elapsedMs = now() - t0;
    const c = buildCertificate(r, { interrupted: false });
    if (c === null) throw new Error(`bench: ${id}: a dfs search without a certificate`);
    onProgress?.(`litmus ${id}: dfs, delay bound 1, with reduction (--por)`);
    const t1 = now();
    const rp = await explore(resolve(id), { ...search, dfsPor: true });
    const porMs = now() - t1;
    out.push({
      program: id,
      bound: 'delay',
      depth: 1,
      branchWindow: c.bounds.branchWindow,
      budget: sizes.litmusBudget,
      schedules: c.schedules,
      exhausted: c.exhausted,
      truncated: c.truncated,
      distinctStates: c.distinctStates,
      verdict: c.verdict,
      invariants: [...new Set(c.failures.map((f) => f.invariant))].sort(),
      elapsedMs,
      schedulesPerSec: perSec(c.schedules, elapsedMs),
      por: {
        schedules: rp.totals.runs,
        prunedRuns: rp.dfs?.prunedRuns ?? 0,
        exhausted: rp.exhausted === true,
        footprints: rp.dfs?.footprints ?? null,
        sameStates: sameOutcomesAndStates(r.dfs, rp.dfs),
        elapsedMs: porMs,
      },
    });
  }
  return out;
}
