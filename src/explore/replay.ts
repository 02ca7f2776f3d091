/**
 * Replay: follows a recorded list of choices. A recorded choice that is not valid at its
 * decision point means the run diverged from the recording (a determinism bug, or a schedule
 * from another version of the model), which is reported through the host, never ignored.
 *
 * When the recording runs out, the run continues with `fallback` (FIFO by default) and
 * `exhausted` becomes true: the shrinker uses this to try shorter schedules.
 */
import { decodeSchedule } from '../kernel/schedule.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';
import { fifoStrategy } from './fifo.js';

export interface ReplayStrategy extends Strategy {
  /** True once the recorded choices were used up. */
  readonly exhausted: boolean;
  /** Choices consumed so far. */
  readonly used: number;
}

export function replayStrategy(
  schedule: string | readonly number[],
  opts: { fallback?: Strategy; timeJumps?: boolean } = {},
): ReplayStrategy {
  const choices = typeof schedule === 'string' ? decodeSchedule(schedule) : schedule;
  const fallback = opts.fallback ?? fifoStrategy();
  let pos = 0;
  let host: StrategyHost | null = null;
  return {
    name: 'replay',
    // Replays must offer events exactly where the recording did; recordings come from
    // strategies that offer them, so offering is the default.
    timeJumps: opts.timeJumps ?? true,
    get exhausted() {
      return pos >= choices.length;
    },
    get used() {
      return pos;
    },
    start(h: StrategyHost) {
      host = h;
      pos = 0;
      fallback.start(h);
    },
    onSpawn(t: Task) {
      fallback.onSpawn(t);
    },
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      if (pos >= choices.length) return fallback.pick(runq, eventOffered, prev);
      const c = choices[pos++] as number;
      const options = runq.length + (eventOffered ? 1 : 0);
      if (c >= options) {
        host?.diverged(`choice ${c} at decision ${pos - 1} has only ${options} options`);
        return 0;
      }
      return c;
    },
  };
}
