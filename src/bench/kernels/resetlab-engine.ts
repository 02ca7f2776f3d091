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

  const once = async (kernel: BenchKernel, strategy: Strategy, seed: number): Promise<boolean> =>
    execute(kernel, strategy, seed, faultRate, maxSteps);

  return {
    name: opts.name,
    async untilBug(kernel, seed, budget): Promise<UntilBug> {
      const strategy = await strategyFor(kernel);
      for (let i = 0; i < budget; i++) {
        if (await once(kernel, strategy, executionSeed(seed, i))) {
          return { executions: i + 1, found: true };
        }
      }
      return { executions: budget, found: false };
    },
    async runMany(kernel, seed, count): Promise<Batch> {
      const strategy = await strategyFor(kernel);
      let violations = 0;
      for (let i = 0; i < count; i++) {
        if (await once(kernel, strategy, executionSeed(seed, i))) violations++;
      }
      return { executions: count, violations };
    },
  };
}

/** One execution; true when the kernel's invariant was violated. */
async function execute(
  kernel: BenchKernel,
  strategy: Strategy,
  seed: number,
  faultRate: number,
  maxSteps: number,
): Promise<boolean> {
  const k = new Kernel({ seed, strategy, record: false, stopOnViolation: true, maxSteps });
  const faults = new Prng(seed, Stream.faults);
  const api: KernelApi = {
    spawn: (name, fn) => {
      k.spawn(name, fn);
    },
    yieldPoint: async () => {
      await k.point();
    },
    sleep: (ns) => k.sleep(ns),
    fault: () => faults.chance(faultRate),
    assert: (cond, invariant) => {
      if (!cond) k.violation(invariant, `${kernel.name}: ${invariant}`);
    },
  };
  kernel.setup(api);
  const r = await k.run();
  const modelError = r.violations.find((v) => v.invariant === 'model-error');
  if (modelError !== undefined) throw new Error(`${kernel.name}: ${modelError.message}`);
  return r.violations.some((v) => v.invariant === kernel.invariant);
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
