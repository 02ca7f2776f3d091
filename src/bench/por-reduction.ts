/**
 * Measurement 10, `ratios.porReduction`: how many fewer executions the reducing dfs (`--por`:
 * the happens-before cache and the symmetry of fresh pool workers, docs/explorer.md §11-§12)
 * needs than plain dfs to exhaust each litmus tree on `default`, at preemption bound 0 in each
 * scenario's race window (docs/explorer.md §13).
 *
 * Why that bound: it is the bound at which a preemption-bounded search of every litmus
 * scenario can be exhausted with the reduction (docs/explorer.md §9), and a preemption bound
 * is what the goals are stated in. Its trees are the free choices where a task blocks,
 * which is where interchangeable fresh workers meet; at delay bound 1 (measurement 8) every
 * departure is costed, the trees are small, and the reduction saves about a tenth.
 *
 * What is measured, per litmus scenario: the reducing search first, with the budget; if it
 * does not exhaust the tree within it, the cell is "not measured" (plain dfs would need more).
 * Then plain dfs with the same budget. Both exhausted: the ratio of their executions, and they
 * must reach the same outcomes and final states. Plain dfs stopped at the budget: the ratio is
 * a lower bound (plain dfs needs at least the budget), and what it reached must be among what
 * the reducing search reached. The geometric mean over the measured cells is a lower bound as
 * soon as one cell's is. A full plain search of the larger trees takes up to 17 minutes on 2
 * cores (docs/explorer.md §12), which is why the benchmark stops it at the budget.
 *
 * The searches are independent, so they run as tasks on 2 worker threads (task-pool.ts; one
 * in a quick run): this measures executions, not time.
 */
import { runTasks } from '../campaign/task-pool.js';
import type { CellTask } from '../campaign/tasks.js';
import type { ExploreResult } from '../explore/result.js';
import { sameOutcomesAndStates } from '../explore/result.js';
import { LITMUS_SCENARIOS } from '../scenarios/litmus.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { type BenchSizes, geomean, ratio } from './common.js';
import type { PorReduction, PorReductionCell } from './result.js';

export const POR_REDUCTION_BOUND = { bound: 'preemption', depth: 0 } as const;

function search(program: string, budget: number, por: boolean): CellTask {
  return {
    kind: 'cell',
    program,
    metricSeeds: [],
    options: {
      strategy: 'dfs',
      depth: POR_REDUCTION_BOUND.depth,
      dfsBound: POR_REDUCTION_BOUND.bound,
      runs: budget,
      seed: 1,
      shrink: false,
      dfsPor: por,
    },
  };
}

async function runAll(tasks: CellTask[], jobs: number): Promise<ExploreResult[]> {
  const out = await runTasks(tasks, { jobs });
  return out.map((r, i) => {
    if (r === null || r.kind !== 'cell') {
      throw new Error(`bench: the search of ${tasks[i]?.program} did not finish`);
    }
    return r.result;
  });
}

/** Whether everything `part` reached (outcomes, final states) is among what `whole` reached. */
function within(part: ExploreResult, whole: ExploreResult): boolean {
  const outcomes = new Set(Object.keys(whole.dfs?.outcomes ?? {}));
  const states = new Set(whole.dfs?.states ?? []);
  return (
    Object.keys(part.dfs?.outcomes ?? {}).every((k) => outcomes.has(k)) &&
    (part.dfs?.states ?? []).every((s) => states.has(s))
  );
}

/** The programs measured: every litmus scenario on `default`, as many as the sizes say. */
export function porReductionPrograms(sizes: BenchSizes): string[] {
  return LITMUS_SCENARIOS.map((l) => scenarioProgramId(l.name, 'default')).slice(
    0,
    sizes.litmusScenarios,
  );
}

export async function measurePorReduction(
  sizes: BenchSizes,
  jobs: number,
  onProgress?: (message: string) => void,
  programs: readonly string[] = porReductionPrograms(sizes),
): Promise<PorReduction> {
  const budget = sizes.porReductionBudget;
  onProgress?.(`por reduction: ${programs.length} litmus, dfs --por, preemption bound 0`);
  const reduced = await runAll(
    programs.map((p) => search(p, budget, true)),
    jobs,
  );
  const measured = programs.filter((_, i) => reduced[i]?.exhausted === true);
  onProgress?.(`por reduction: ${measured.length} litmus, plain dfs, preemption bound 0`);
  const plainResults = await runAll(
    measured.map((p) => search(p, budget, false)),
    jobs,
  );
  const plainOf = new Map(measured.map((p, i) => [p, plainResults[i] as ExploreResult]));
  const cells: PorReductionCell[] = programs.map((program, i) => {
    const r = reduced[i] as ExploreResult;
    const porExecutions = r.totals.runs + (r.dfs?.prunedRuns ?? 0);
    const plain = plainOf.get(program);
    if (plain === undefined) {
      return {
        program,
        porExecutions,
        porExhausted: false,
        plainSchedules: null,
        plainExhausted: false,
        ratio: null,
        lowerBound: false,
        statesAgree: null,
      };
    }
    const plainExhausted = plain.exhausted === true;
    return {
      program,
      porExecutions,
      porExhausted: true,
      plainSchedules: plain.totals.runs,
      plainExhausted,
      ratio: ratio(plain.totals.runs, porExecutions),
      lowerBound: !plainExhausted,
      statesAgree: plainExhausted ? sameOutcomesAndStates(plain.dfs, r.dfs) : within(plain, r),
    };
  });
  const ratios = cells.filter((c) => c.ratio !== null).map((c) => c.ratio as number);
  return {
    ...POR_REDUCTION_BOUND,
    branchWindow: 'race',
    budget,
    jobs,
    cells,
    geomean: ratios.length === 0 ? null : geomean(ratios),
    lowerBound: cells.some((c) => c.lowerBound),
  };
}
