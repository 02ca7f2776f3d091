/**
 * How big is a bounded DFS tree? Knuth's estimator (Knuth 1975, "Estimating the efficiency of
 * backtrack programs"): walk one random path from the root, choosing among the children
 * allowed by the bounds at each decision, and multiply the inverse probabilities of the
 * choices taken (the branching factors, when the choice is uniform); the product is an
 * unbiased estimate of the number of leaves (schedules), and the mean of several probes is
 * too. The choices lean towards the children that keep the budget, which hold most of the
 * leaves (docs/explorer.md §10, "The tree-size estimate").
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
 * One random path below `prefix`: its choices are among those the bounds allow, weighted
 * towards the children that keep the budget (see `pick`), uniform when the budget is spent.
 * `lastLength` is the decision count of the previous probe (0 for none), `lastAhead` its
 * `costlyAhead` ([] for none).
 */
function probeStrategy(
  o: EstimateOptions,
  prefix: readonly number[],
  rng: Prng,
  lastLength: number,
  lastAhead: readonly number[],
): Strategy & { product: number; readonly decisions: number; readonly costlyAhead: number[] } {
  let j = 0;
  let used = 0;
  let host: StrategyHost | null = null;
  const fromNs = o.branchWindow?.fromNs ?? 0;
  const untilNs = o.branchWindow?.untilNs ?? Number.POSITIVE_INFINITY;
  /** Decisions up to the last one inside the window: the delay weighting's run length. */
  let branching = 0;
  /** Per decision inside the window: the options that cost against the bound (any budget). */
  const costlyAt: number[] = [];
  /**
   * The probability of taking a free child (one that keeps the budget) at decision `at`, or
   * null for a uniform choice (no budget left, or nothing to weigh). A free child's subtree
   * holds most of the leaves, and uniform probes almost never stay on it: they spend the budget
   * at once and undercount by orders of magnitude (window, delay bound 1: 9 against 664;
   * window@default at preemption bound 1 in its race window: 65 480 against 521 388 searched).
   * - Delay bound (one free child, the default): L/(L+b), L the decisions still ahead (the
   *   previous probe's length says how many) and b the budget left, about the ratio of the
   *   subtrees' sizes.
   * - Preemption bound (free: prev continues, or any task when prev blocked): with A the
   *   costly options still ahead (the previous probe's count), a subtree with budget b has
   *   about C(A, b) ways to place its preemptions and one with b-1 about C(A, b-1); their
   *   ratio r = max(1, (A-b+1)/b) weights each free child against each costly one.
   * Any positive probabilities keep the estimate unbiased.
   */
  const freeShare = (nFree: number, nCostly: number, left: number, at: number): number | null => {
    if (nFree === 0 || nCostly === 0 || left <= 0) return null;
    if (o.bound === 'delay') {
      const ahead = Math.max(1, lastLength - at);
      return ahead / (ahead + left);
    }
    if (lastAhead.length === 0) return null;
    const r = Math.max(1, ((lastAhead[at + 1] ?? 0) - left + 1) / left);
    return (nFree * r) / (nFree * r + nCostly);
  };
  const s = {
    name: 'dfs-probe',
    timeJumps: o.timeJumps,
    product: 1,
    get decisions() {
      return branching;
    },
    /**
     * After the run: element i is the number of costly options at decisions i, i+1, … of this
     * probe (the next probe's guess at what lies ahead; see the preemption weighting in `pick`).
     */
    get costlyAhead(): number[] {
      const out = new Array<number>(costlyAt.length + 1).fill(0);
      for (let i = costlyAt.length - 1; i >= 0; i--)
        out[i] = (out[i + 1] as number) + (costlyAt[i] ?? 0);
      return out;
    },
    start(h: StrategyHost) {
      host = h;
      j = 0;
      branching = 0;
      costlyAt.length = 0;
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
      const left = o.preemptionBound - used;
      let c: number;
      if (now < fromNs && at >= prefix.length) {
        c = Math.max(p, 0);
      } else {
        // The children the search would try here, split by what they cost: free ones keep the
        // budget, costly ones spend it (dfs.ts `dfsCost`); symmetric ones are left out as the
        // search leaves them out.
        const free: number[] = [];
        const costly: number[] = [];
        let costlyAll = 0;
        const mask = o.symmetry === true ? symmetryMask(runq) : 0;
        for (let t = 0; t < opts; t++) {
          const ch = dfsChoice(p, t);
          if (ch < 31 && ((mask >>> ch) & 1) === 1) continue;
          const cost = dfsCost(p, ch, n, o.bound);
          if (cost === 0) free.push(ch);
          else {
            costlyAll++;
            if (cost <= left) costly.push(ch);
          }
        }
        costlyAt[at] = costlyAll;
        const qFree = at < prefix.length ? null : freeShare(free.length, costly.length, left, at);
        if (at < prefix.length) {
          c = dfsChoice(p, Math.min(prefix[at] as number, opts - 1));
        } else if (qFree !== null) {
          // The free children together with probability qFree, each then uniformly; the
          // product divides by the probability taken, as Knuth's argument allows.
          if (rng.unit() < qFree) {
            c = free[rng.below(free.length)] as number;
            s.product /= qFree / free.length;
          } else {
            c = costly[rng.below(costly.length)] as number;
            s.product /= (1 - qFree) / costly.length;
          }
        } else {
          const allowed = free.concat(costly);
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
  /** The last probe's costly options from each decision on (a later estimate's `knownAhead`). */
  costlyAhead: number[];
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
  /** A run's costly options ahead when already known (a preemption bound's weighting), or []. */
  knownAhead: readonly number[] = [],
): Promise<TreeEstimate> {
  const perSubtree: number[] = [];
  const perSubtreeVariance: number[] = [];
  let variance = 0;
  let probes = 0;
  const per = Math.max(1, probesPerSubtree);
  let lastLength = knownLength;
  let lastAhead: readonly number[] = knownAhead;
  const delay = o.bound === 'delay';
  if (prefixes.length > 0 && (delay ? knownLength === 0 : knownAhead.length === 0)) {
    // One probe only to learn how long a run is and how many departures it offers (the
    // weightings need what lies ahead); it is not a sample, and draws from a stream no
    // subtree's samples use.
    const warm = probeStrategy(
      o,
      prefixes[0] as readonly number[],
      new Prng(mix32(o.seed), PROBE_STREAM),
      0,
      [],
    );
    await searchRun(program, o, warm);
    lastLength = warm.decisions;
    lastAhead = warm.costlyAhead;
    probes++;
  }
  for (let k = 0; k < prefixes.length; k++) {
    const samples: number[] = [];
    // One stream per subtree, its probes drawn one after another from it (seeds made by xor
    // of the probe number would give every campaign seed below 16 the same set of probes).
    const rng = new Prng(mix32(mix32(o.seed) + k + streamBase), PROBE_STREAM);
    for (let i = 0; i < per; i++) {
      const s = probeStrategy(o, prefixes[k] as readonly number[], rng, lastLength, lastAhead);
      await searchRun(program, o, s);
      lastLength = s.decisions;
      lastAhead = s.costlyAhead;
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
    costlyAhead: [...lastAhead],
  };
}
