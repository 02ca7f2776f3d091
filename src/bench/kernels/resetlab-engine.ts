/**
 * Runs a benchmark kernel on resetlab's simulated kernel under one scheduling strategy.
 *
 * The neutral API maps onto the runtime directly: tasks are kernel tasks, `yieldPoint` is a
 * decision point, `sleep` is a virtual-time sleep, a fault is a coin from the run's fault
 * stream (probability one half, as fast-check's boolean), and a failed assertion is a
 * violation, which ends the run (`stopOnViolation`) exactly as an exploration campaign does.
 * Every execution builds a fresh `Kernel`, so the measured cost includes what a campaign
 * pays per run.
 *
 * PCT needs k, the number of contested decisions per run. It is estimated per kernel the way
 * an exploration campaign estimates it (src/explore/calibrate.ts).
 */
import { estimateContestedSteps } from '../../explore/calibrate.js';
import { pctStrategy } from '../../explore/pct.js';
import type { Program, RunInput, RunReport } from '../../explore/program.js';
import { randomStrategy } from '../../explore/random.js';
import { Kernel, type RunResult } from '../../kernel/kernel.js';
import { mix32, Prng, Stream } from '../../kernel/prng.js';
import type { Strategy } from '../../kernel/strategy.js';
import type { InvariantId } from '../../kernel/violations.js';
import type { BenchKernel, KernelApi } from './api.js';
import type { Batch, Engine, UntilBug } from './engine.js';

export interface ResetlabEngineOptions {
  name: string;
  /** Builds the strategy for a kernel; `steps` is the calibrated decisions per run. */
  strategy: (kernel: BenchKernel, steps: number) => Strategy;
  /** Probability that a fault happens when asked (default 0.5). */
  faultRate?: number;
  /** Step limit per execution (default 10 000; the kernels need a few dozen). */
  maxSteps?: number;
}

/** The seed of execution `i` of a series started from `seed`. */
export function executionSeed(seed: number, i: number): number {
  return mix32(mix32(seed) ^ i);
}

export function resetlabEngine(opts: ResetlabEngineOptions): Engine {
  const faultRate = opts.faultRate ?? 0.5;
  const maxSteps = opts.maxSteps ?? 10_000;
  const strategies = new Map<string, Strategy>();

  const strategyFor = async (kernel: BenchKernel): Promise<Strategy> => {
    let s = strategies.get(kernel.name);
    if (s === undefined) {
      s = opts.strategy(kernel, await calibrateSteps(kernel, maxSteps));
      strategies.set(kernel.name, s);
    }
    return s;
  };

  const binding = new KernelBinding(faultRate, maxSteps);

  return {
    name: opts.name,
    async untilBug(kernel, seed, budget): Promise<UntilBug> {
      const strategy = await strategyFor(kernel);
      for (let i = 0; i < budget; i++) {
        if (await binding.execute(kernel, strategy, executionSeed(seed, i))) {
          return { executions: i + 1, found: true };
        }
      }
      return { executions: budget, found: false };
    },
    async runMany(kernel, seed, count): Promise<Batch> {
      const strategy = await strategyFor(kernel);
      let violations = 0;
      for (let i = 0; i < count; i++) {
        if (await binding.execute(kernel, strategy, executionSeed(seed, i))) violations++;
      }
      return { executions: count, violations };
    },
  };
}

/**
 * The neutral API on resetlab's kernel. One object per engine, pointed at each execution's
 * kernel in turn (executions run one at a time): for a kernel this small, a set of closures
 * per execution would be a good part of what an execution allocates. The methods are arrow
 * properties, so a kernel may pass them around detached.
 */
class KernelBinding implements KernelApi {
  private k: Kernel | null = null;
  private kernel: BenchKernel | null = null;
  private seed = 0;
  /** The run's fault stream, created when the kernel first asks for a fault. */
  private faults: Prng | null = null;
  /** Tasks spawned and faults asked for in the current (or last) execution. */
  spawned = 0;
  faultsAsked = 0;
  sleeps = 0;

  constructor(
    private readonly faultRate: number,
    private readonly maxSteps: number,
  ) {}

  private get kern(): Kernel {
    if (this.k === null) throw new Error('bench kernel API used outside an execution');
    return this.k;
  }

  readonly spawn = (name: string, fn: () => Promise<void>): void => {
    this.spawned++;
    this.kern.spawn(name, fn);
  };

  // The kernel's own promises, handed out directly: an async wrapper would add a promise and
  // a microtask hop per yield (their `false` results are hidden by the `void` type).
  readonly yieldPoint = (): Promise<void> => this.kern.point() as Promise<unknown> as Promise<void>;

  readonly sleep = (ns: number): Promise<void> => {
    this.sleeps++;
    return this.kern.sleep(ns);
  };

  readonly fault = (): boolean => {
    this.faultsAsked++;
    if (this.faultRate >= 1) return true;
    this.faults ??= new Prng(this.seed, Stream.faults);
    return this.faults.chance(this.faultRate);
  };

  readonly assert = (cond: boolean, invariant: InvariantId): void => {
    if (!cond) this.kern.violation(invariant, `${this.kernel?.name}: ${invariant}`);
  };

  /** One execution; true when the kernel's invariant was violated. */
  async execute(kernel: BenchKernel, strategy: Strategy, seed: number): Promise<boolean> {
    const r = await this.run(kernel, strategy, seed, { record: false, stopOnViolation: true });
    let hit = false;
    for (const v of r.violations) {
      if (v.invariant === 'model-error') throw new Error(`${kernel.name}: ${v.message}`);
      if (v.invariant === kernel.invariant) hit = true;
    }
    return hit;
  }

  /** One execution on a fresh kernel. */
  async run(
    kernel: BenchKernel,
    strategy: Strategy,
    seed: number,
    o: { record: boolean; stopOnViolation: boolean; maxSteps?: number },
  ): Promise<RunResult> {
    const k = new Kernel({
      seed,
      strategy,
      record: o.record,
      stopOnViolation: o.stopOnViolation,
      maxSteps: o.maxSteps ?? this.maxSteps,
    });
    this.k = k;
    this.kernel = kernel;
    this.seed = seed;
    this.faults = null;
    this.spawned = 0;
    this.faultsAsked = 0;
    this.sleeps = 0;
    try {
      kernel.setup(this);
      return await k.run();
    } finally {
      this.k = null;
      this.kernel = null;
    }
  }
}

const calibrated = new Map<string, number>();

/**
 * k for PCT, estimated as an exploration campaign estimates it (src/explore/calibrate.ts):
 * twice the most contested decisions seen over runs alternating random and strict-priority
 * scheduling, every fault on. (The first version took the most decisions of 32 random runs:
 * random runs let tasks finish together and undercount the decisions of the starved schedules
 * that find deep bugs, so PCT's change points could not reach them.)
 */
async function calibrateSteps(kernel: BenchKernel, maxSteps: number): Promise<number> {
  const known = calibrated.get(kernel.name);
  if (known !== undefined) return known;
  const k = await estimateContestedSteps(kernelProgram(kernel, { maxSteps, faults: 'all' }), {
    seed: 0x5eed,
    runs: CALIBRATION_RUNS,
  });
  calibrated.set(kernel.name, k);
  return k;
}

export interface KernelShape {
  /**
   * n: the most tasks an execution spawned (every fault on), plus one when the kernel sleeps:
   * PCT then also ranks "fire the next timer now" as a task of its own (src/explore/pct.ts).
   */
  tasks: number;
  /** k: contested decisions per run as calibrated for PCT. */
  contestedSteps: number;
  /** Whether the kernel asks for a fault (its bug then needs the fault to happen). */
  usesFaults: boolean;
}

/** n and k of PCT's bound for a kernel, measured as the engine calibrates. */
export async function kernelShape(kernel: BenchKernel, maxSteps = 10_000): Promise<KernelShape> {
  const binding = new KernelBinding(1, maxSteps);
  let tasks = 0;
  let usesFaults = false;
  let sleeps = false;
  for (let i = 0; i < CALIBRATION_RUNS; i++) {
    await binding.run(kernel, randomStrategy(), executionSeed(0x5eed, i), {
      record: false,
      stopOnViolation: false,
    });
    tasks = Math.max(tasks, binding.spawned);
    usesFaults ||= binding.faultsAsked > 0;
    sleeps ||= binding.sleeps > 0;
  }
  return {
    tasks: tasks + (sleeps ? 1 : 0),
    contestedSteps: await calibrateSteps(kernel, maxSteps),
    usesFaults,
  };
}

/** Runs per calibration: a kernel run costs microseconds, so more than a campaign's 4. */
const CALIBRATION_RUNS = 32;

/**
 * A kernel as an explorer program (for calibration, and for anyone who wants to run the
 * kernels through `explore`). `faults: 'all'` turns every fault on; otherwise each is a coin
 * with probability `faultRate` from the run's fault stream, as in the engine.
 */
export function kernelProgram(
  kernel: BenchKernel,
  opts: { maxSteps?: number; faults?: 'all' | 'coin'; faultRate?: number } = {},
): Program {
  const binding = new KernelBinding(
    opts.faults === 'all' ? 1 : (opts.faultRate ?? 0.5),
    opts.maxSteps ?? 10_000,
  );
  return {
    id: `bench-kernel:${kernel.name}`,
    faults: [],
    async run(input: RunInput): Promise<RunReport> {
      const r = await binding.run(kernel, input.strategy, input.seed, {
        record: input.record ?? true,
        stopOnViolation: input.stopOnViolation ?? false,
        ...(input.maxSteps !== undefined ? { maxSteps: input.maxSteps } : {}),
      });
      return {
        outcome: r.outcome,
        steps: r.steps,
        decisions: r.decisions,
        schedule: r.schedule,
        traceHash: r.traceHash,
        virtualTimeNs: r.nowNs,
        violations: r.violations,
        metrics: {},
      };
    },
  };
}

/** resetlab's engines: uniform random, and PCT at the kernel's bug depth. */
export function resetlabEngines(): Engine[] {
  return [
    resetlabEngine({ name: 'resetlab-random', strategy: () => randomStrategy() }),
    resetlabEngine({
      name: 'resetlab-pct',
      strategy: (kernel, steps) => pctStrategy({ depth: kernel.depth, steps }),
    }),
  ];
}
