/**
 * Measurement 9, `ratios.runsPerSecVsBase`: full-model runs/s (hang@default, random) of this
 * build over a base build's, measured side by side in this run.
 *
 * The base is a compiled tree of another revision (`--base-dist DIR`: the `dist` directory
 * `npm run build` writes in a checkout of that revision, or the one `bench/ab.ts <rev>
 * --build-only` prints). Its modules are imported next to this build's, so each side has its
 * own functions, JIT feedback and program registry; they share the heap and the garbage
 * collector, which `bench/ab.ts` (two processes, CPU time) does not, and which is why the
 * figures of docs/performance.md §5 come from ab.ts. The two sides take turns, campaign by
 * campaign, the order swapped at every repetition, on the same seeds, so that the load of the
 * machine and the warm-up hit both alike; the ratio is the median of the per-repetition
 * ratios (above 1: this build is faster).
 *
 * Without a base the measurement is absent and the ratio null: it is never estimated.
 */
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExploreResult } from '../explore/result.js';
import { type BenchSizes, type Clock, median, perSec } from './common.js';
import type { VsBase } from './result.js';

export const VS_BASE_PROGRAM = 'hang@default';
const STRATEGY = 'random';
const SEED = 7;

/** What the base build must export: enough of the explorer's API to run one campaign. */
interface BaseApi {
  registerBuiltinPrograms: () => void;
  getProgram: (id: string) => unknown;
  explore: (program: unknown, opts: Record<string, unknown>) => Promise<ExploreResult>;
}

/** The modules of a tree that the measurement imports (compiled `.js`, or `.ts` under tsx). */
const BASE_MODULES = ['scenarios/program', 'explore/registry', 'explore/explore'];

function moduleFile(dir: string, m: string): string | null {
  for (const ext of ['.js', '.ts']) if (existsSync(join(dir, m + ext))) return join(dir, m + ext);
  return null;
}

/** Why `dir` cannot be a base build, or null when it can (for the CLI's exit 2). */
export function baseDistProblem(dir: string): string | null {
  if (!existsSync(dir)) return `no such directory: ${dir}`;
  for (const m of BASE_MODULES) {
    if (moduleFile(dir, m) === null) return `${dir} is not a resetlab tree (no ${m}.js)`;
  }
  return null;
}

async function loadBase(dir: string): Promise<BaseApi> {
  const api: Record<string, unknown> = {};
  for (const m of BASE_MODULES) {
    const file = moduleFile(resolvePath(dir), m) as string;
    Object.assign(api, await import(pathToFileURL(file).href));
  }
  for (const name of ['registerBuiltinPrograms', 'getProgram', 'explore']) {
    if (typeof api[name] !== 'function')
      throw new Error(`bench --base-dist: ${dir} has no ${name}`);
  }
  return api as unknown as BaseApi;
}

export async function measureVsBase(
  baseDist: string,
  head: { program: unknown; explore: BaseApi['explore'] },
  sizes: BenchSizes,
  now: Clock,
  progress: (message: string) => void,
): Promise<VsBase> {
  const problem = baseDistProblem(baseDist);
  if (problem !== null) throw new Error(`bench --base-dist: ${problem}`);
  const base = await loadBase(baseDist);
  base.registerBuiltinPrograms();
  const baseProgram = base.getProgram(VS_BASE_PROGRAM);
  if (baseProgram === undefined) {
    throw new Error(`bench --base-dist: the base has no program ${VS_BASE_PROGRAM}`);
  }
  const sides = [
    { name: 'head', program: head.program, explore: head.explore },
    { name: 'base', program: baseProgram, explore: base.explore },
  ] as const;
  const campaign = async (side: (typeof sides)[number], runs: number, seed: number) => {
    const t0 = now();
    const r = await side.explore(side.program, { strategy: STRATEGY, runs, seed, shrink: false });
    return { runs: r.totals.runs, ms: now() - t0 };
  };
  for (const side of sides) await campaign(side, sizes.vsBaseWarmup, SEED);
  const perRep: number[] = [];
  const totals = { head: { runs: 0, ms: 0 }, base: { runs: 0, ms: 0 } };
  for (let rep = 0; rep < sizes.vsBaseReps; rep++) {
    progress(`${VS_BASE_PROGRAM} ${STRATEGY} against the base, repetition ${rep + 1}`);
    const order = rep % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    const got: Record<string, { runs: number; ms: number }> = {};
    for (const side of order) got[side.name] = await campaign(side, sizes.vsBaseRuns, SEED + rep);
    const h = got.head as { runs: number; ms: number };
    const b = got.base as { runs: number; ms: number };
    totals.head.runs += h.runs;
    totals.head.ms += h.ms;
    totals.base.runs += b.runs;
    totals.base.ms += b.ms;
    perRep.push(perSec(h.runs, h.ms) / Math.max(perSec(b.runs, b.ms), 1e-9));
  }
  return {
    baseDist: resolvePath(baseDist),
    program: VS_BASE_PROGRAM,
    strategy: STRATEGY,
    runsPerRep: sizes.vsBaseRuns,
    reps: sizes.vsBaseReps,
    headRunsPerSec: perSec(totals.head.runs, totals.head.ms),
    baseRunsPerSec: perSec(totals.base.runs, totals.base.ms),
    perRep,
    ratio: median(perRep),
  };
}
