/**
 * How big is a bounded DFS tree? Knuth's estimator (Knuth 1975, "Estimating the efficiency of
 * backtrack programs"): walk one random path from the root, choosing uniformly among the
 * children allowed by the bounds at each decision, and multiply the branching factors met on
 * the way; the product is an unbiased estimate of the number of leaves (schedules), and the
 * mean of several probes is too.
 *
 * Stratified by the frontier (frontier.ts): the probes are spread over the subtrees, each
 * probe replays its subtree's prefix (factor 1: the prefix is fixed) and the estimate of the
 * tree is the sum of the subtrees' means. That is unbiased as well and has less variance than
 * probes from the root, because the top of the tree, where branching factors differ the most,
 * is counted exactly. A subtree that was exhausted is counted exactly by the explorer instead.
 *
 * The probes use the project's PRNG seeded from the campaign seed, so the estimate is a pure
 * function of (program, seed, faults, bounds, probes): every shard computes the same one.
 */
import { mix32, Prng } from '../kernel/prng.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';
import { type BranchWindow, type DfsBoundKind, dfsChoice, dfsCost, symmetryMask } from './dfs.js';
import type { FaultSpec, Program } from './program.js';

export interface EstimateOptions {
  seed: number;
  faults: readonly FaultSpec[];
  preemptionBound: number;
  /** What the bound counts (dfs.ts; default preemptions). */
  bound?: DfsBoundKind;
  maxDepth: number;
  /** The search's branching window (dfs.ts `branchWindow`); absent or null: the whole run. */
  branchWindow?: BranchWindow | null;
  timeJumps: boolean;
  maxSteps?: number;
  /** The search leaves out symmetric choices (dfs.ts `symmetryMask`): so do the probes. */
  symmetry?: boolean;
}

/**
 * One run of `program` under `strategy` with the search's seed and faults, as the split and the
 * probes make them: unrecorded, stopping at the first violation.
 */
export async function searchRun(
  program: Program,
  o: EstimateOptions,
  strategy: Strategy,
): Promise<void> {
  await program.run({
    seed: o.seed,
    strategy,
    faults: o.faults,
    record: false,
    stopOnViolation: true,
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
  });
}

/** A stream of its own, so that probes never shift another consumer's numbers. */
const PROBE_STREAM = 0x6b6e7468;

/**
 * One random path below `prefix`: its choices are uniform among those the bounds allow (under
 * a delay bound, weighted towards the default; see `pick`). `lastLength` is the decision count
 * of the previous probe (0 for none).
 */
function probeStrategy(
  o: EstimateOptions,
  prefix: readonly number[],
  rng: Prng,
  lastLength: number,
): Strategy & { product: number; readonly decisions: number } {
  let j = 0;
  let used = 0;
  let host: StrategyHost | null = null;
  const fromNs = o.branchWindow?.fromNs ?? 0;
  const untilNs = o.branchWindow?.untilNs ?? Number.POSITIVE_INFINITY;
  /** Decisions up to the last one inside the window: the delay weighting's run length. */
  let branching = 0;
  const s = {
    name: 'dfs-probe',
    timeJumps: o.timeJumps,
    product: 1,
    get decisions() {
      return branching;
    },
    start(h: StrategyHost) {
      host = h;
      j = 0;
      branching = 0;
      used = 0;
      s.product = 1;
    },
    onSpawn() {},
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      const n = runq.length;
      const opts = n + (eventOffered ? 1 : 0);
      const p = prev === null ? -1 : runq.indexOf(prev);
      const at = j++;
      if (at >= o.maxDepth) return Math.max(p, 0);
      // Outside the branching window the search takes the default (dfs.ts): factor 1.
      const now = host === null ? 0 : host.nowNs;
      if (now >= untilNs) return Math.max(p, 0);
      branching = at + 1;
      let c: number;
      if (at < prefix.length) {
        c = dfsChoice(p, Math.min(prefix[at] as number, opts - 1));
      } else if (now < fromNs) {
        c = Math.max(p, 0);
      } else {
        const allowed: number[] = [];
        const mask = o.symmetry === true ? symmetryMask(runq) : 0;
        for (let t = 0; t < opts; t++) {
          const ch = dfsChoice(p, t);
          if (ch < 31 && ((mask >>> ch) & 1) === 1) continue;
          if (dfsCost(p, ch, n, o.bound) <= o.preemptionBound - used) allowed.push(ch);
        }
        const left = o.preemptionBound - used;
        if (o.bound === 'delay' && allowed.length > 1 && left > 0) {
          // Under a delay bound the default child holds most of the leaves (its subtree keeps
          // the whole budget for the rest of the run), and uniform probes almost never stay on
          // it: they spend the budget at once and undercount by orders of magnitude (window,
          // delay bound 1: 9 against 664). Choosing the default with probability L/(L+b),
          // L the decisions still ahead (the previous probe's length says how many) and b the
          // budget left, follows the ratio of the subtrees' sizes; dividing by the probability
          // taken keeps the estimate unbiased, as Knuth's is for any positive probabilities.
          const ahead = Math.max(1, lastLength - at);
          const pDefault = ahead / (ahead + left);
          if (rng.unit() < pDefault) {
            c = allowed[0] as number;
            s.product /= pDefault;
          } else {
            c = allowed[1 + rng.below(allowed.length - 1)] as number;
            s.product /= (1 - pDefault) / (allowed.length - 1);
          }
        } else {
          s.product *= allowed.length;
          c = allowed[rng.below(allowed.length)] as number;
        }
      }
      used += dfsCost(p, c, n, o.bound);
      return c;
    },
  };
  return s;
}

export interface TreeEstimate {
  /** Estimated schedules in the whole tree within the bounds (the sum of `perSubtree`). */
  total: number;
  /** The estimate of each subtree, in frontier order. */
  perSubtree: number[];
  /** Probe runs spent. */
  probes: number;
  /** The standard error of `total` (from the spread of the probes within each subtree). */
  standardError: number;
  /** The variance of each subtree's estimate (its part of `standardError`²). */
  perSubtreeVariance: number[];
  /** Decisions of the last probe (a later estimate's `knownLength`). */
  runLength: number;
}

/**
 * Estimates the tree below each prefix with `probesPerSubtree` probes. Deterministic: the
 * probes of subtree k draw from a PRNG seeded by (seed, k).
 */
export async function estimateTreeSize(
  program: Program,
  o: EstimateOptions,
  prefixes: readonly (readonly number[])[],
  probesPerSubtree = 4,
  /** Added to k in the probe streams' seeds (frontier.ts refines subtrees with fresh streams). */
  streamBase = 0,
  /** A run's decision count when already known (a delay bound's weighting needs it), or 0. */
  knownLength = 0,
): Promise<TreeEstimate> {
  const perSubtree: number[] = [];
  const perSubtreeVariance: number[] = [];
  let variance = 0;
  let probes = 0;
  const per = Math.max(1, probesPerSubtree);
  let lastLength = knownLength;
  if (o.bound === 'delay' && prefixes.length > 0 && knownLength === 0) {
    // One probe only to learn how long a run is (the weighting needs the decisions ahead);
    // it is not a sample, and draws from a stream no subtree's samples use.
    const warm = probeStrategy(
      o,
      prefixes[0] as readonly number[],
      new Prng(mix32(o.seed), PROBE_STREAM),
      0,
    );
    await searchRun(program, o, warm);
    lastLength = warm.decisions;
    probes++;
  }
  for (let k = 0; k < prefixes.length; k++) {
    const samples: number[] = [];
    // One stream per subtree, its probes drawn one after another from it (seeds made by xor
    // of the probe number would give every campaign seed below 16 the same set of probes).
    const rng = new Prng(mix32(mix32(o.seed) + k + streamBase), PROBE_STREAM);
    for (let i = 0; i < per; i++) {
      const s = probeStrategy(o, prefixes[k] as readonly number[], rng, lastLength);
      await searchRun(program, o, s);
      lastLength = s.decisions;
      samples.push(s.product);
      probes++;
    }
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    perSubtree.push(mean);
    let v = 0;
    if (samples.length > 1) {
      v = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1) / samples.length;
    }
    perSubtreeVariance.push(v);
    variance += v;
  }
  return {
    total: perSubtree.reduce((a, b) => a + b, 0),
    perSubtree,
    probes,
    standardError: Math.sqrt(variance),
    perSubtreeVariance,
    runLength: lastLength,
  };
}
