/**
 * Replay: follows a recorded list of choices. A recorded choice that is not valid at its
 * decision point means the run diverged from the recording (a determinism bug, or a schedule
 * from another version of the model), which is reported through the host, never ignored.
 *
 * When the recording runs out, the run continues with `fallback` (FIFO by default) and
 * `exhausted` becomes true: the shrinker uses this to try shorter schedules.
 *
 * The shrinker also edits schedules (it replaces preemptions by the default choice), after
 * which a later recorded choice may name an option that no longer exists. In `lenient` mode
 * such a choice is replaced by the default choice 0 and counted in `clamped` instead of being
 * reported as a divergence: the edited run is a new, valid run, and the shrinker keeps the
 * choices it actually made (the run's own recorded schedule), not the edited input.
 */

import { fifoStrategy } from '../kernel/fifo.js';
import { decodeSchedule } from '../kernel/schedule.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';

export interface ReplayStrategy extends Strategy {
  /** True once the recorded choices were used up. */
  readonly exhausted: boolean;
  /** Choices consumed so far. */
  readonly used: number;
  /** The first divergence of this run, or null (strict mode only). */
  readonly divergence: string | null;
  /** Out-of-range choices replaced by 0 in this run (lenient mode only). */
  readonly clamped: number;
}

export interface ReplayOptions {
  /** Strategy used once the recording is exhausted (FIFO by default). */
  fallback?: Strategy;
  /**
   * Must equal the recording strategy's `timeJumps`: the kernel only asks the strategy when
   * an event could fire early if this is true, so a mismatch shifts every later choice.
   */
  timeJumps?: boolean;
  /** Replace impossible choices by 0 instead of reporting a divergence (for the shrinker). */
  lenient?: boolean;
}

export function replayStrategy(
  schedule: string | readonly number[],
  opts: ReplayOptions = {},
): ReplayStrategy {
  const choices = typeof schedule === 'string' ? decodeSchedule(schedule) : schedule;
  const fallback = opts.fallback ?? fifoStrategy();
  const lenient = opts.lenient ?? false;
  let pos = 0;
  let host: StrategyHost | null = null;
  let divergence: string | null = null;
  let clamped = 0;
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
    get divergence() {
      return divergence;
    },
    get clamped() {
      return clamped;
    },
    start(h: StrategyHost) {
      host = h;
      pos = 0;
      divergence = null;
      clamped = 0;
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
        if (lenient) {
          clamped++;
          return 0;
        }
        const msg = `choice ${c} at decision ${pos - 1} has only ${options} options`;
        if (divergence === null) divergence = msg;
        host?.diverged(msg);
        return 0;
      }
      return c;
    },
  };
}
