/**
 * A portfolio: several strategies taking turns, run `i` using member `i mod m`. Different
 * strategies find different bugs (random is good at shallow races with many tasks, PCT at
 * deep orderings, PCT with a high event priority at timeout races), and a campaign rarely
 * knows in advance which one it needs, so round robin spends the budget evenly.
 *
 * The member is chosen from the run index (`beginRun`), not from a counter of runs seen, so
 * that run `i` behaves the same whether it is run alone, in a chunk on a worker thread or in
 * a shard on another machine. Without `beginRun` (outside the explorer) each `start` moves to
 * the next member.
 *
 * Members must be stateless across runs: a systematic strategy (dfs) needs consecutive runs
 * of its own and is rejected.
 */
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';

/** Strategies that want to know which run of a campaign is about to start. */
export interface RunAware {
  beginRun(index: number): void;
}

export function isRunAware(s: Strategy): s is Strategy & RunAware {
  return typeof (s as Partial<RunAware>).beginRun === 'function';
}

export interface PortfolioStrategy extends Strategy, RunAware {
  readonly members: readonly Strategy[];
  /** The member used by the current (or next) run. */
  readonly current: Strategy;
}

export const MAX_PORTFOLIO_MEMBERS = 32;

export function portfolioStrategy(members: readonly Strategy[]): PortfolioStrategy {
  if (members.length === 0 || members.length > MAX_PORTFOLIO_MEMBERS) {
    throw new RangeError(`portfolio: needs 1..${MAX_PORTFOLIO_MEMBERS} members`);
  }
  for (const m of members) {
    if (m.name === 'dfs') throw new RangeError('portfolio: dfs cannot share runs with others');
  }
  let index = 0;
  let chosen = false;
  let current = members[0] as Strategy;
  return {
    members,
    get current() {
      return current;
    },
    get name() {
      return `portfolio:${current.name}`;
    },
    // Read by the kernel at every dispatch, so it must follow the current member.
    get timeJumps() {
      return current.timeJumps;
    },
    beginRun(i: number) {
      index = i;
      current = members[i % members.length] as Strategy;
      chosen = true;
    },
    start(host: StrategyHost) {
      if (!chosen) {
        current = members[index % members.length] as Strategy;
        index++;
      }
      chosen = false;
      current.start(host);
    },
    onSpawn(t: Task) {
      current.onSpawn(t);
    },
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      return current.pick(runq, eventOffered, prev);
    },
  };
}
