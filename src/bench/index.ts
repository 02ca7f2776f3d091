/**
 * `resetlab bench`: every measurement of issue 7 in one process run, as one `BenchResult`
 * (docs/design.md §4 `bench` shape plus the rest; see result.ts), and `formatBench` for the terminal.
 *
 * 1. full-model exploration throughput (explore-bench.ts),
 * 2. controlled exploration against a free run (overhead.ts),
 * 3. the small kernels against fast-check's scheduler (kernel-bench.ts),
 * 4. scaling with --jobs 1 and 2 (scaling.ts),
 * 5. determinism (determinism.ts),
 * 6. runs to catch each historical bug (corpus.ts),
 * 7. virtual time simulated per wall second (from 1 and 2),
 * 8. a delay-bounded DFS certificate per litmus scenario on default (litmus-bench.ts),
 * 9. with a base build (`baseDist`), runs/s against that build side by side (vs-base.ts),
 * 10. plain dfs against the reducing dfs on every litmus tree at preemption bound 0
 *     (por-reduction.ts; `ratios.porReduction`),
 * and the scheduler's own cost per decision (kernel-micro.ts).
 *
 * Every figure comes from this run, so ratios between them are measured under the same load.
 * Wall time is read only through `opts.now`, so a test can run the whole thing with a fake
 * clock and check the shape, never a speed. The full run takes a few minutes; `quick` takes
 * seconds and is for tests (its figures are too small to judge goals by).
 */
import { arch, availableParallelism, cpus, loadavg, platform } from 'node:os';
import { type ExploreOptions, explore as exploreCampaign } from '../explore/explore.js';
import type { Program } from '../explore/program.js';
import { getProgram } from '../explore/registry.js';
import { BUILTIN_SCENARIOS } from '../scenarios/builtin.js';
import { registerBuiltinPrograms, scenarioProgramId } from '../scenarios/program.js';
import { type BenchSizes, type Clock, FULL_SIZES, perSec, QUICK_SIZES } from './common.js';
import { measureCorpus } from './corpus.js';
import { addChecks, measureDeterminism } from './determinism.js';
import { measureExplore } from './explore-bench.js';
import { computeRatios, evaluateGoals } from './goals.js';
import { measureKernels } from './kernel-bench.js';
import { kernelMicro } from './kernel-micro.js';
import { measureLitmus } from './litmus-bench.js';
import { measureOverhead } from './overhead.js';
import { measurePorReduction } from './por-reduction.js';
import type { BenchOptions, BenchPhase, BenchResult, Simulation } from './result.js';
import { measureScaling } from './scaling.js';
import { measureVsBase, VS_BASE_PROGRAM } from './vs-base.js';

export { formatBench } from './format.js';
export { renderBenchHtml } from './html.js';
export type {
  BenchGoal,
  BenchOptions,
  BenchPhase,
  BenchProgress,
  BenchRatios,
  BenchResult,
} from './result.js';
export { baseDistProblem } from './vs-base.js';

const PHASES: readonly BenchPhase[] = [
  'kernels',
  'scheduler',
  'explore',
  'free-run',
  'scaling',
  'determinism',
  'corpus',
  'litmus',
  'por-reduction',
  'vs-base',
];

function resolveProgram(id: string) {
  const p = getProgram(id);
  if (p === undefined) throw new Error(`bench: unknown program ${id}`);
  return p;
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  registerBuiltinPrograms();
  const quick = opts.quick ?? false;
  const sizes: BenchSizes = quick ? QUICK_SIZES : FULL_SIZES;
  const now: Clock = opts.now ?? (() => performance.now());
  const started = now();
  const loadAverage = loadavg()[0] ?? 0;
  // Measurement 9 runs only against a base build.
  const phases = PHASES.filter((p) => p !== 'vs-base' || opts.baseDist !== undefined);
  const phase = (p: BenchPhase) => (message: string) =>
    opts.onProgress?.({ phase: p, phaseIndex: phases.indexOf(p), phases: phases.length, message });

  // The kernels first: their executions take microseconds, so their rate depends most on the
  // state of the JIT, which every later measurement makes more polymorphic (more strategies
  // and programs through the same scheduler code). First is what a user running one kernel
  // or one campaign gets.
  const kernels = await measureKernels(sizes, now, phase('kernels'));
  phase('scheduler')('scheduler micro-benchmark');
  const scheduler = await kernelMicro({
    perTask: sizes.microPerTask,
    reps: sizes.microReps,
    now,
  });
  const explore = await measureExplore(resolveProgram, sizes, now, phase('explore'));
  const overhead = await measureOverhead(resolveProgram, sizes, now, phase('free-run'));
  const scaling = await measureScaling(sizes, now, phase('scaling'));
  const determinismIds = BUILTIN_SCENARIOS.map((s) => scenarioProgramId(s.name, 'default'));
  let determinism = await measureDeterminism(
    determinismIds,
    resolveProgram,
    sizes,
    phase('determinism'),
  );
  determinism = addChecks(
    determinism,
    overhead.reduce((a, p) => a + p.seeds, 0),
    overhead.reduce((a, p) => a + p.sameScheduleIdentical, 0),
    'free run and its same-schedule twin (measurement 2)',
  );
  determinism = addChecks(
    determinism,
    1,
    scaling.resultsIdentical ? 1 : 0,
    'campaign results with --jobs 1 and --jobs 2 (measurement 4)',
  );
  const corpus = await measureCorpus(resolveProgram, sizes, phase('corpus'));
  const litmus = await measureLitmus(resolveProgram, sizes, now, phase('litmus'));
  const porReduction = await measurePorReduction(
    sizes,
    quick ? 1 : Math.min(2, availableParallelism()),
    phase('por-reduction'),
  );
  const vsBase =
    opts.baseDist === undefined
      ? null
      : await measureVsBase(
          opts.baseDist,
          {
            program: resolveProgram(VS_BASE_PROGRAM),
            explore: (p, o) => exploreCampaign(p as Program, o as unknown as ExploreOptions),
          },
          sizes,
          now,
          phase('vs-base'),
        );

  const mixed = explore.find((e) => e.program === 'mixed@default' && e.strategy === 'random');
  const freeMixed = overhead
    .find((p) => p.program === 'mixed@default')
    ?.variants.find((v) => v.variant === 'free');
  const simulation: Simulation = {
    program: 'mixed@default',
    strategy: 'random',
    virtualNsPerSec: mixed?.virtualNsPerSec ?? 0,
    virtualSecondsPerSecond: (mixed?.virtualNsPerSec ?? 0) / 1e9,
    freeRunVirtualSecondsPerSecond:
      freeMixed === undefined ? 0 : perSec(freeMixed.virtualNs, freeMixed.elapsedMs) / 1e9,
  };
  const ratios = computeRatios({
    explore,
    overhead,
    throughput: kernels.throughput,
    timeToBug: kernels.timeToBug,
    scaling,
    determinism,
    simulation,
    litmus,
    porReduction,
    vsBase,
  });
  const goals = evaluateGoals(ratios, {
    scaling,
    quick,
    timeToBug: kernels.timeToBug,
    porReduction,
  });

  const sum = (f: (e: (typeof explore)[number]) => number) => explore.reduce((a, e) => a + f(e), 0);
  const exploreMs = sum((e) => e.elapsedMs);
  const engineRate = (engine: string) => {
    const xs = kernels.throughput.filter((t) => t.engine === engine);
    return perSec(
      xs.reduce((a, t) => a + t.executions, 0),
      xs.reduce((a, t) => a + t.elapsedMs, 0),
    );
  };
  const free = overhead.flatMap((p) => p.variants.filter((v) => v.variant === 'free'));
  const freeMs = free.reduce((a, v) => a + v.elapsedMs, 0);
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown';
  return {
    schema: 1,
    quick,
    node: process.version,
    cpu: cpuModel,
    env: {
      node: process.version,
      v8: process.versions.v8,
      cpu: cpuModel,
      cpus: availableParallelism(),
      loadAverage,
      platform: platform(),
      arch: arch(),
    },
    elapsedMs: now() - started,
    explore: {
      schedulesPerSec: perSec(
        sum((e) => e.runs),
        exploreMs,
      ),
      decisionsPerSec: perSec(
        sum((e) => e.decisions),
        exploreMs,
      ),
      stepsPerSec: perSec(
        sum((e) => e.steps),
        exploreMs,
      ),
      campaigns: explore,
    },
    freeRun: {
      schedulesPerSec: perSec(
        free.reduce((a, v) => a + v.runs, 0),
        freeMs,
      ),
      stepsPerSec: perSec(
        free.reduce((a, v) => a + v.steps, 0),
        freeMs,
      ),
      programs: overhead,
    },
    fastCheck: {
      executionsPerSec: engineRate('fast-check'),
      resetlabRandomExecutionsPerSec: engineRate('resetlab-random'),
      resetlabPctExecutionsPerSec: engineRate('resetlab-pct'),
      kernels: kernels.kernels,
      throughput: kernels.throughput,
      pctBounds: kernels.pctBounds,
    },
    scaling,
    determinism,
    timeToBug: {
      kernels: kernels.timeToBug,
      corpus,
      corpusCaught: {
        random: corpus.filter((c) => c.random.caught).length,
        pct: corpus.filter((c) => c.pct.caught).length,
        total: corpus.length,
      },
    },
    simulation,
    scheduler,
    litmus,
    porReduction,
    vsBase,
    ratios,
    goals,
  };
}
