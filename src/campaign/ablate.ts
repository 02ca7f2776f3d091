/**
 * `resetlab ablate <design>`: which of a design's mechanisms each guarantee needs. For every
 * factor of the design, and every other value of that factor, the design with that one factor
 * switched (`<design>+<factor>=<value>`) is explored on every scenario with the same strategy,
 * seed and number of runs as the design itself, and the harm invariants it breaks are reported
 * with their first failing run (1-based, lowest over scenarios, as in `compare`).
 *
 *   {design, runs, strategy, seed, scenarios, baseline: {violated},
 *    factors: [{factor, from, to, violated: {<invariant>: firstRun}, scenarios, skipped?}]}
 *
 * Only harms are reported: a rule is the design's own claim, and switching a factor changes
 * which rules a design claims, so rules cannot tell two variants apart fairly. A switch that
 * makes no sense with the design's other factors takes the fewest companion changes back to
 * the kernel's values that make it valid (`gate=none` with `refused=fail`; listed in `with`),
 * and is `skipped`, with the reason, only when none does. Runs are not shrunk: the point is which guarantees break,
 * and `explore <scenario> --design <variant>` gives a shrunk, replayable failure for any cell.
 */

import type { DesignSpec } from '../driver/reset/design.js';
import { DesignRefError, resolveDesign, withFactors } from '../driver/reset/designs/index.js';
import { FACTORS, type Factors, MAINLINE_FACTORS } from '../driver/reset/factors.js';
import { invariantFamily } from '../kernel/violations.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { runTasks } from './task-pool.js';
import type { CellResult, CellTask } from './tasks.js';

export interface AblateOptions {
  design: string;
  /** Only these factors (default: every factor). */
  factors?: readonly string[];
  scenarios: readonly string[];
  runs: number;
  seed: number;
  strategy: string;
  jobs: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface AblationRow {
  factor: string;
  from: string;
  to: string;
  /** Harm invariant → 1-based first failing run (lowest over scenarios). */
  violated: Record<string, number>;
  /** Harm invariant → the scenario of that first failing run. */
  scenarios: Record<string, string>;
  /**
   * Other factors that had to go back to the kernel's value for the switch to mean anything
   * (`gate=none` takes `refused=fail` with it: nothing is refused without a gate).
   */
  with?: Record<string, string>;
  /** Why the variant was not run (no such companion change makes it mean anything). */
  skipped?: string;
}

export interface AblateJson {
  design: string;
  runs: number;
  strategy: string;
  seed: number;
  scenarios: string[];
  /** What the design itself breaks under the same runs (it should be nothing). */
  baseline: { violated: Record<string, number>; scenarios: Record<string, string> };
  factors: AblationRow[];
  /** Model exceptions anywhere (always a bug in resetlab). */
  modelErrors: { variant: string; scenario: string; message: string }[];
  totalRuns: number;
  elapsedMs: number;
  jobs: number;
  interrupted: boolean;
}

interface Variant {
  ref: string;
  row: AblationRow | null;
}

/** Every one-factor switch of `design`, in factor order; invalid combinations are skipped. */
export function ablationVariants(design: string, only?: readonly string[]): Variant[] {
  const spec = resolveDesign(design);
  const out: Variant[] = [];
  for (const f of FACTORS) {
    if (only !== undefined && !only.includes(f.name)) continue;
    const from = spec.factors[f.name];
    for (const v of f.values) {
      if (v.value === from) continue;
      const row: AblationRow = { factor: f.name, from, to: v.value, violated: {}, scenarios: {} };
      const change: [string, string] = [f.name, v.value];
      const companions = companionsFor(spec.factors, change);
      if (typeof companions === 'string') {
        row.skipped = companions;
        out.push({ ref: '', row });
        continue;
      }
      if (companions.length > 0) row.with = Object.fromEntries(companions);
      out.push({
        ref: [design, ...[change, ...companions].map(([k, x]) => `${k}=${x}`)].join('+'),
        row,
      });
    }
  }
  return out;
}

const valid = (spec: DesignSpec, changes: [string, string][]): string | null => {
  try {
    withFactors(spec, changes);
    return null;
  } catch (e) {
    if (e instanceof DesignRefError) return e.message;
    throw e;
  }
};

/**
 * The fewest other factors (at most two) that must return to the kernel's value for `change` to
 * be a valid design, or the reason none will do.
 */
function companionsFor(factors: Factors, change: [string, string]): [string, string][] | string {
  const spec: DesignSpec = { name: 'x', follows: '', factors };
  const first = valid(spec, [change]);
  if (first === null) return [];
  const back = FACTORS.filter(
    (f) => f.name !== change[0] && factors[f.name] !== MAINLINE_FACTORS[f.name],
  ).map((f): [string, string] => [f.name, MAINLINE_FACTORS[f.name]]);
  for (const a of back) if (valid(spec, [change, a]) === null) return [a];
  for (const [i, a] of back.entries())
    for (const b of back.slice(i + 1)) if (valid(spec, [change, a, b]) === null) return [a, b];
  return first;
}

export async function runAblation(o: AblateOptions): Promise<AblateJson> {
  const t0 = performance.now();
  const variants: Variant[] = [
    { ref: o.design, row: null },
    ...ablationVariants(o.design, o.factors),
  ];
  const tasks: CellTask[] = [];
  const where: { variant: number; scenario: string }[] = [];
  variants.forEach((v, i) => {
    if (v.row?.skipped !== undefined) return;
    for (const scenario of o.scenarios) {
      tasks.push({
        kind: 'cell',
        program: scenarioProgramId(scenario, v.ref),
        options: { strategy: o.strategy, runs: o.runs, seed: o.seed, shrink: false },
        metricSeeds: [],
      });
      where.push({ variant: i, scenario });
    }
  });
  let done = 0;
  o.onProgress?.(0, tasks.length);
  const results = (await runTasks(tasks, {
    jobs: o.jobs,
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    onDone: () => o.onProgress?.(++done, tasks.length),
  })) as (CellResult | null)[];

  const baseline: AblateJson['baseline'] = { violated: {}, scenarios: {} };
  const modelErrors: AblateJson['modelErrors'] = [];
  let totalRuns = 0;
  results.forEach((c, i) => {
    if (c === null) return;
    const w = where[i] as { variant: number; scenario: string };
    const v = variants[w.variant] as Variant;
    const into = v.row ?? baseline;
    totalRuns += c.result.totals.runs;
    for (const f of c.result.failures) {
      if (f.invariant === 'model-error')
        modelErrors.push({ variant: v.ref, scenario: w.scenario, message: f.message });
      if (invariantFamily(f.invariant) !== 'harm') continue;
      const run = f.run;
      const prev = into.violated[f.invariant];
      if (prev === undefined || run < prev) {
        into.violated[f.invariant] = run;
        into.scenarios[f.invariant] = w.scenario;
      }
    }
  });
  return {
    design: o.design,
    runs: o.runs,
    strategy: o.strategy,
    seed: o.seed,
    scenarios: [...o.scenarios],
    baseline,
    factors: variants.flatMap((v) => (v.row === null ? [] : [v.row])),
    modelErrors,
    totalRuns,
    elapsedMs: Math.round(performance.now() - t0),
    jobs: o.jobs,
    interrupted: o.signal?.aborted === true || results.some((r) => r === null),
  };
}
