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
 * PCT needs k, the number of contested decisions per run. It is estimated per kernel from a
 * few random runs (the largest count seen), the way an exploration campaign calibrates it.
 */
import { pctStrategy } from '../../explore/pct.js';
import { randomStrategy } from '../../explore/random.js';
import { Kernel } from '../../kernel/kernel.js';
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

  constructor(
    private readonly faultRate: number,
    private readonly maxSteps: number,
  ) {}

  private get kern(): Kernel {
    if (this.k === null) throw new Error('bench kernel API used outside an execution');
    return this.k;
  }

  readonly spawn = (name: string, fn: () => Promise<void>): void => {
    this.kern.spawn(name, fn);
  };

  // The kernel's own promises, handed out directly: an async wrapper would add a promise and
  // a microtask hop per yield (their `false` results are hidden by the `void` type).
  readonly yieldPoint = (): Promise<void> => this.kern.point() as Promise<unknown> as Promise<void>;

  readonly sleep = (ns: number): Promise<void> => this.kern.sleep(ns);

  readonly fault = (): boolean => {
    this.faults ??= new Prng(this.seed, Stream.faults);
    return this.faults.chance(this.faultRate);
  };

  readonly assert = (cond: boolean, invariant: InvariantId): void => {
    if (!cond) this.kern.violation(invariant, `${this.kernel?.name}: ${invariant}`);
  };

  /** One execution; true when the kernel's invariant was violated. */
  async execute(kernel: BenchKernel, strategy: Strategy, seed: number): Promise<boolean> {
    const k = new Kernel({
      seed,
      strategy,
      record: false,
      stopOnViolation: true,
      maxSteps: this.maxSteps,
    });
    this.k = k;
    this.kernel = kernel;
    this.seed = seed;
    this.faults = null;
    try {
      kernel.setup(this);
      const r = await k.run();
      let hit = false;
      for (const v of r.violations) {
        if (v.invariant === 'model-error') throw new Error(`${kernel.name}: ${v.message}`);
        if (v.invariant === kernel.invariant) hit = true;
      }
      return hit;
    } finally {
      this.k = null;
      this.kernel = null;
    }
  }
}

const calibrated = new Map<string, number>();

/** The largest number of decisions seen in a few random executions (at least 1). */
async function calibrateSteps(kernel: BenchKernel, maxSteps: number): Promise<number> {
  const known = calibrated.get(kernel.name);
  if (known !== undefined) return known;
  let most = 1;
  for (let i = 0; i < 32; i++) {
    const seed = executionSeed(0x5eed, i);
    const k = new Kernel({ seed, strategy: randomStrategy(), record: false, maxSteps });
    kernel.setup({
      spawn: (name, fn) => {
        k.spawn(name, fn);
      },
      yieldPoint: async () => {
        await k.point();
      },
      sleep: (ns) => k.sleep(ns),
      // Calibrate with every fault on: the longest runs are the ones with the bug's setting.
      fault: () => true,
      assert: () => {},
    });
    most = Math.max(most, (await k.run()).decisions);
  }
  calibrated.set(kernel.name, most);
  return most;
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
