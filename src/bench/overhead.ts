/**
 * Measurement 2: what controlled exploration costs over a free run of the same scenario and
 * seeds.
 *
 * - `free`: FIFO order (the task that became runnable first runs), nothing recorded, never a
 *   timer fired early, run to the end: the model running by itself.
 * - `same-schedule`: the exploration machinery on the free run's own schedule. The strategy is
 *   asked at every decision and at every "fire a timer early?" question (and always says
 *   "first task, no"), every choice is recorded. The run is the same run, step for step: its
 *   trace hash must equal the free run's, and the time ratio is the machinery's cost alone.
 * - `random` and `pct`: what `explore` does per run (recorded, stop at the first violation,
 *   timers fired early as the strategy chooses). These runs differ from the free run, so
 *   their cost is compared per step.
 *
 * The variants take turns, seed batch by seed batch, over several rounds, so that machine
 * noise and JIT warm-up hit them alike. The checker's oracles are part of the scenario and run
 * in every variant.
 */
import { estimateContestedSteps } from '../explore/calibrate.js';
import { faultsFor, runSeed } from '../explore/explore.js';
import { pctStrategy } from '../explore/pct.js';
import type { FaultSpec, Program } from '../explore/program.js';
import { randomStrategy } from '../explore/random.js';
import { fifoStrategy } from '../kernel/fifo.js';
import type { Strategy } from '../kernel/strategy.js';
import { type BenchSizes, type Clock, perSec } from './common.js';
import type { OverheadProgram, VariantTiming } from './result.js';

export const OVERHEAD_PROGRAMS = ['hang@default', 'mixed@default'] as const;

const SEED = 7;

/** Says "run the first task, do not fire the timer" to every question it is asked. */
function alwaysFirst(): Strategy {
  return {
    name: 'same-schedule',
    timeJumps: true,
    start() {},
    onSpawn() {},
    pick() {
      return 0;
    },
  };
}

interface Variant {
  variant: VariantTiming['variant'];
  how: string;
  strategy: () => Strategy;
  record: boolean;
  stopOnViolation: boolean;
}

interface Tally {
  runs: number;
  steps: number;
  decisions: number;
  elapsedMs: number;
  virtualNs: number;
}

export async function measureOverhead(
  resolve: (id: string) => Program,
  sizes: BenchSizes,
  now: Clock,
  progress: (message: string) => void,
): Promise<OverheadProgram[]> {
  const out: OverheadProgram[] = [];
  for (const id of OVERHEAD_PROGRAMS) {
    const program = resolve(id);
    // k as a campaign would calibrate it (once, not timed).
    const pctSteps = await estimateContestedSteps(program, {
      seed: SEED,
      faultsFor: (s) => faultsFor(program, { strategy: 'pct', runs: 1, seed: SEED }, s),
    });
    const variants: Variant[] = [
      {
        variant: 'free',
        how: 'FIFO, nothing recorded, no early timers, run to the end',
        strategy: fifoStrategy,
        record: false,
        stopOnViolation: false,
      },
      {
        variant: 'same-schedule',
        how: 'strategy asked at every decision and timer question, choices recorded, same run as free',
        strategy: alwaysFirst,
        record: true,
        stopOnViolation: false,
      },
      {
        variant: 'random',
        how: 'random as explore runs it: recorded, early timers, stop at the first violation',
        strategy: randomStrategy,
        record: true,
        stopOnViolation: true,
      },
      {
        variant: 'pct',
        how: 'pct (depth 3) as explore runs it',
        strategy: () => pctStrategy({ depth: 3, steps: pctSteps }),
        record: true,
        stopOnViolation: true,
      },
    ];
    const seeds: { seed: number; faults: FaultSpec[] }[] = [];
    for (let i = 0; i < sizes.overheadSeeds; i++) {
      const seed = runSeed(SEED, i);
      seeds.push({ seed, faults: faultsFor(program, { strategy: 'random', runs: 1, seed }, seed) });
    }
    const tallies = new Map<Variant, Tally>();
    for (const v of variants) {
      tallies.set(v, { runs: 0, steps: 0, decisions: 0, elapsedMs: 0, virtualNs: 0 });
    }
    const freeHashes = new Map<number, string>();
    const sameHashes = new Map<number, string>();
    let identical = 0;
    const runOne = async (v: Variant, s: { seed: number; faults: FaultSpec[] }) =>
      program.run({
        seed: s.seed,
        strategy: v.strategy(),
        faults: s.faults,
        record: v.record,
        stopOnViolation: v.stopOnViolation,
      });
    // Warm-up: one seed per variant, untimed.
    const first = seeds[0];
    if (first !== undefined) for (const v of variants) await runOne(v, first);
    for (let round = 0; round < sizes.overheadRounds; round++) {
      progress(`free run vs controlled: ${id}, round ${round + 1}/${sizes.overheadRounds}`);
      // Rotate the order each round so that no variant always runs first.
      const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
      for (const v of order) {
        const t = tallies.get(v) as Tally;
        for (const s of seeds) {
          const t0 = now();
          const r = await runOne(v, s);
          t.elapsedMs += now() - t0;
          t.runs++;
          t.steps += r.steps;
          t.decisions += r.decisions;
          t.virtualNs += r.virtualTimeNs;
          if (round === 0 && v.variant === 'free') freeHashes.set(s.seed, r.traceHash);
          if (round === 0 && v.variant === 'same-schedule') sameHashes.set(s.seed, r.traceHash);
        }
      }
    }
    for (const s of seeds) {
      const a = freeHashes.get(s.seed);
      if (a !== undefined && a === sameHashes.get(s.seed)) identical++;
    }
    out.push({
      program: id,
      seeds: seeds.length,
      rounds: sizes.overheadRounds,
      sameScheduleIdentical: identical,
      variants: variants.map((v) => {
        const t = tallies.get(v) as Tally;
        return {
          variant: v.variant,
          how: v.how,
          runs: t.runs,
          steps: t.steps,
          decisions: t.decisions,
          elapsedMs: t.elapsedMs,
          virtualNs: t.virtualNs,
          schedulesPerSec: perSec(t.runs, t.elapsedMs),
          stepsPerSec: perSec(t.steps, t.elapsedMs),
          nsPerStep: t.steps > 0 ? (t.elapsedMs * 1e6) / t.steps : 0,
        };
      }),
    });
  }
  return out;
}
