/**
 * `resetlab regress`: the historical bug corpus (docs/design.md §3, src/scenarios/regressions.ts).
 * For each bug, its scenario runs on its design (`default`, or `tyr` for Tyr's own code) with
 * the bug switched on, explored with a
 * systematic strategy until the bug's invariant is violated or the bug's budget of runs is
 * spent; the runs it took are reported. The same program without the bug is then explored
 * with the same strategy, seed, faults and budget, and must not violate that invariant
 * (`cleanWithoutBug`): otherwise the "catch" would not be the bug's doing.
 *
 * A case with fixed faults runs with swarm off (those faults in every run); the others draw
 * faults per run from the scenario's vocabulary, as a campaign does.
 *
 * Exit code 1 when a bug is not caught, or `default` without the bug violates anything (or the
 * model threw). Nothing is hidden: each entry says what was violated instead.
 */

import { designClaimsHarm } from '../driver/config.js';
import { scenarioProgramId } from '../scenarios/program.js';
import { REGRESSIONS, type RegressionCase, regressionDesign } from '../scenarios/regressions.js';
import { writeFailure } from './failure-file.js';
import { runTasks } from './task-pool.js';
import type { SearchResult, SearchTask } from './tasks.js';

export interface RegressOptions {
  bugs: readonly string[] | null;
  /** Override every case's budget. */
  runs?: number;
  strategy: string;
  depth?: number;
  seed: number;
  jobs: number;
  /** Also explore the program without the bug (default true). */
  clean: boolean;
  /** Write the failing run that caught each bug here (a failure file for `replay`). */
  out?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface RegressBug {
  id: string;
  caught: boolean;
  invariant: string;
  /** The design the bug was re-introduced in. */
  design: string;
  /** Runs to the first violation of the invariant when caught; the runs made otherwise. */
  runs: number;
  budget: number;
  scenario: string;
  program: string;
  strategy: string;
  fixedFaults: boolean;
  /** Invariants the bug's runs violated (first violation of each run), with 1-based first runs. */
  violations: Record<string, number>;
  /** The program without the bug did not violate the invariant within the budget (null: not checked). */
  cleanWithoutBug: boolean | null;
  cleanRuns: number | null;
  /** What the program without the bug violated, with 1-based first runs. */
  cleanViolations: Record<string, number> | null;
  /** The failing run that caught it: seed and schedule (replayable with `explore`). */
  seed: number | null;
  schedule: string | null;
  /** The failure file of that run (with --out), and the command that replays it. */
  file: string | null;
  replay: string | null;
}

export interface RegressJson {
  bugs: RegressBug[];
  strategy: string;
  seed: number;
  caught: number;
  total: number;
  elapsedMs: number;
  interrupted: boolean;
}

export function selectCases(bugs: readonly string[] | null): RegressionCase[] {
  return bugs === null ? [...REGRESSIONS] : REGRESSIONS.filter((r) => bugs.includes(r.bug));
}

const CHUNK = 8;

function firstRuns(r: SearchResult | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of r?.result.failures ?? []) out[f.invariant] = f.run;
  return out;
}

export async function runRegress(o: RegressOptions): Promise<RegressJson> {
  const t0 = performance.now();
  const cases = selectCases(o.bugs);
  const tasks: SearchTask[] = [];
  for (const c of cases) {
    const budget = o.runs ?? c.budget;
    const common = {
      kind: 'search' as const,
      strategy: o.strategy,
      seed: o.seed,
      budget,
      chunk: CHUNK,
      ...(o.depth !== undefined ? { depth: o.depth } : {}),
      ...(c.faults !== undefined ? { faults: c.faults } : {}),
    };
    tasks.push({
      ...common,
      program: scenarioProgramId(c.scenario, regressionDesign(c), [c.bug]),
      target: c.invariant,
    });
    if (o.clean) {
      // Without the bug the whole budget runs: the invariant must not appear anywhere in it.
      tasks.push({
        ...common,
        program: scenarioProgramId(c.scenario, regressionDesign(c)),
        target: null,
      });
    }
  }
  let done = 0;
  o.onProgress?.(0, tasks.length);
  const results = (await runTasks(tasks, {
    jobs: o.jobs,
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    onDone: () => o.onProgress?.(++done, tasks.length),
  })) as (SearchResult | null)[];

  const per = o.clean ? 2 : 1;
  const bugs: RegressBug[] = cases.map((c, i) => {
    const hit = results[i * per] ?? null;
    const clean = o.clean ? (results[i * per + 1] ?? null) : null;
    const caughtBy = hit?.result.failures.find((f) => f.invariant === c.invariant) ?? null;
    const cleanViolations = clean === null ? null : firstRuns(clean);
    const file = caughtBy !== null && o.out !== undefined ? writeFailure(o.out, caughtBy) : null;
    return {
      id: c.bug,
      caught: hit?.runsToTarget != null,
      invariant: c.invariant,
      runs: hit?.runsToTarget ?? hit?.result.totals.runs ?? 0,
      budget: o.runs ?? c.budget,
      scenario: c.scenario,
      program: scenarioProgramId(c.scenario, regressionDesign(c), [c.bug]),
      design: regressionDesign(c),
      strategy: o.strategy,
      fixedFaults: c.faults !== undefined,
      violations: firstRuns(hit),
      cleanWithoutBug: cleanViolations === null ? null : cleanViolations[c.invariant] === undefined,
      cleanRuns: clean?.result.totals.runs ?? null,
      cleanViolations,
      seed: caughtBy?.seed ?? null,
      schedule: caughtBy?.schedule ?? null,
      file,
      replay: file === null ? null : `resetlab replay ${file}`,
    };
  });
  return {
    bugs,
    strategy: o.strategy,
    seed: o.seed,
    caught: bugs.filter((b) => b.caught).length,
    total: bugs.length,
    elapsedMs: Math.round(performance.now() - t0),
    interrupted: o.signal?.aborted === true || results.some((r) => r === null),
  };
}

/**
 * Exit 1 when a bug is not caught, or `default` without the bug violated anything (the bug's
 * invariant makes the catch meaningless; any other is a violation of `default` all the same),
 * or the model threw.
 */
export function regressExitCode(j: RegressJson): number {
  const bad = j.bugs.some(
    (b) =>
      !b.caught ||
      b.violations['model-error'] !== undefined ||
      b.cleanWithoutBug === false ||
      (designClaimsHarm(b.design) &&
        b.cleanViolations !== null &&
        Object.keys(b.cleanViolations).length > 0),
  );
  return bad ? 1 : 0;
}
