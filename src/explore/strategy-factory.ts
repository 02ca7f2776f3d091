/**
 * Strategies by name, for the command line, failure files and worker threads (which receive
 * a name and options, never a strategy object).
 *
 * `depth` is the one knob the command line exposes (`--depth N`), and it means the bound that
 * matters for each strategy: the bug depth d for pct (d - 1 priority change points, and the
 * deeper pct member of a portfolio), the preemption bound for dfs. random and fifo have none.
 *
 * Bad input is a `StrategyOptionsError` naming the field and, for names, the allowed values:
 * the caller turns it into a usage message, never a stack trace.
 */

import { fifoStrategy } from '../kernel/fifo.js';
import type { Strategy } from '../kernel/strategy.js';
import {
  type BranchWindow,
  checkBranchWindow,
  DFS_BOUND_KINDS,
  type DfsBoundKind,
  dfsStrategy,
} from './dfs.js';
import { DEFAULT_PCT_STEPS, MAX_PCT_DEPTH, pctStrategy } from './pct.js';
import { portfolioStrategy } from './portfolio.js';
import { randomStrategy } from './random.js';

export const STRATEGY_NAMES = ['random', 'pct', 'dfs', 'portfolio', 'fifo'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyFactoryOptions {
  /** pct: bug depth; dfs: preemption bound; portfolio: depth of its pct members. */
  depth?: number;
  /** pct: contested decisions per run (k). */
  steps?: number;
  /** dfs: decisions explored systematically per run. */
  maxDepth?: number;
  /** dfs: what the bound (`depth`) counts, preemptions or delays (dfs.ts). */
  bound?: DfsBoundKind;
  /** dfs: where in virtual time the search branches (dfs.ts `branchWindow`; null: everywhere). */
  branchWindow?: BranchWindow | null;
  /** dfs: a fixed decision prefix: explore only the subtree below it (frontier.ts). */
  prefix?: readonly number[];
  /** dfs: continue a search stopped after this path (dfs.ts `resumeAfter`). */
  resumeAfter?: readonly number[];
  /** dfs: merge equivalent states (dfs.ts `por`). */
  por?: boolean;
  /** dfs: leave out choices that only rename fresh pool workers (dfs.ts `symmetry`). */
  symmetry?: boolean;
  /** dfs: sleep sets (dfs.ts `sleep`; default: `por` under a preemption bound). */
  sleep?: boolean;
  /** random: probability of firing an event early. */
  eventRate?: number;
  /** Override the strategy's default for firing events ahead of runnable tasks. */
  timeJumps?: boolean;
}

export class StrategyOptionsError extends Error {
  constructor(
    readonly field: 'name' | keyof StrategyFactoryOptions,
    message: string,
    readonly allowed: readonly string[] = [],
  ) {
    super(message);
    this.name = 'StrategyOptionsError';
  }
}

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

/** The depth a strategy uses when none is given (reported in failures). */
export function defaultDepth(name: StrategyName): number {
  switch (name) {
    case 'pct':
    case 'portfolio':
      return 3;
    case 'dfs':
      return 2;
    default:
      return 0;
  }
}

export function strategyFromName(name: string, opts: StrategyFactoryOptions = {}): Strategy {
  if (!isStrategyName(name)) {
    throw new StrategyOptionsError(
      'name',
      `unknown strategy '${name}'; allowed: ${STRATEGY_NAMES.join(', ')}`,
      STRATEGY_NAMES,
    );
  }
  const depth = opts.depth ?? defaultDepth(name);
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_PCT_DEPTH) {
    throw new StrategyOptionsError(
      'depth',
      `depth must be an integer in [0, ${MAX_PCT_DEPTH}], got ${depth}`,
    );
  }
  const steps = opts.steps ?? DEFAULT_PCT_STEPS;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new StrategyOptionsError('steps', `steps must be a positive integer, got ${steps}`);
  }
  if (opts.eventRate !== undefined && !(opts.eventRate >= 0 && opts.eventRate <= 1)) {
    throw new StrategyOptionsError('eventRate', `eventRate must be in [0, 1]`);
  }
  const tj = opts.timeJumps === undefined ? {} : { timeJumps: opts.timeJumps };
  switch (name) {
    case 'fifo':
      return fifoStrategy();
    case 'random':
      return randomStrategy(
        opts.eventRate !== undefined
          ? { eventRate: opts.eventRate }
          : opts.timeJumps === false
            ? { eventRate: 0 }
            : {},
      );
    case 'pct':
      if (depth < 1) throw new StrategyOptionsError('depth', 'pct needs depth >= 1');
      return pctStrategy({ depth, steps, ...tj });
    case 'dfs': {
      const maxDepth = opts.maxDepth ?? 10_000;
      if (!Number.isInteger(maxDepth) || maxDepth < 1) {
        throw new StrategyOptionsError('maxDepth', 'maxDepth must be a positive integer');
      }
      if (opts.bound !== undefined && !DFS_BOUND_KINDS.includes(opts.bound)) {
        throw new StrategyOptionsError(
          'bound',
          `bound must be one of ${DFS_BOUND_KINDS.join(', ')}`,
          DFS_BOUND_KINDS,
        );
      }
      if (opts.branchWindow !== undefined && opts.branchWindow !== null) {
        try {
          checkBranchWindow(opts.branchWindow);
        } catch (e) {
          throw new StrategyOptionsError('branchWindow', (e as Error).message);
        }
      }
      return dfsStrategy({
        preemptionBound: depth,
        maxDepth,
        ...(opts.bound !== undefined ? { bound: opts.bound } : {}),
        ...tj,
        ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
        ...(opts.resumeAfter !== undefined ? { resumeAfter: opts.resumeAfter } : {}),
        ...(opts.branchWindow !== undefined ? { branchWindow: opts.branchWindow } : {}),
        ...(opts.por !== undefined ? { por: opts.por } : {}),
        ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
        ...(opts.sleep !== undefined ? { sleep: opts.sleep } : {}),
      });
    }
    case 'portfolio': {
      const d = Math.max(2, depth);
      return portfolioStrategy([
        pctStrategy({ depth: d, steps, ...tj }),
        randomStrategy(opts.eventRate !== undefined ? { eventRate: opts.eventRate } : {}),
        pctStrategy({ depth: Math.min(MAX_PCT_DEPTH, d + 1), steps, ...tj }),
        // PCT with few change points but at the shallow end: most races are depth 2.
        pctStrategy({ depth: 2, steps, ...tj }),
      ]);
    }
  }
}

/** Whether a strategy must see consecutive runs of one program with one seed (dfs). */
export function isSystematic(name: string): boolean {
  return name === 'dfs';
}
