/**
 * Differential replay: run a failure found on one design on another, with the same faults and
 * seed and, as far as it can, the same interleaving.
 *
 * A recorded schedule is a list of run-queue *indices*, which mean nothing on another design:
 * its gate blocks other tasks, its reset spawns other work, so the run queue at decision 57 has
 * other tasks in another order. So the failing run is first replayed on its own design with a
 * recorder that writes down, at every decision, the *name* of the task that ran (or that the
 * next timed event fired); task names are stable and meaningful (`client:renderer`,
 * `panthor-reset-wq/0`, `panthor-csf-sched/1`). The other design is then run with a strategy
 * anchored on those names:
 *
 * - at each decision it looks for the next recorded choice, within a window of `window`
 *   recorded decisions, that is possible now (a runnable task of that name, or the event when
 *   one is offered), takes it and moves past it; recorded decisions it had to pass over are
 *   *skipped*;
 * - when none of them is possible it runs the default (FIFO) choice, a decision the recording
 *   does not have (*inserted*), and stays where it was in the recording;
 * - once the recording is used up the run goes on FIFO.
 *
 * The first divergences (decision, what the recording wanted, what ran) are kept for the report,
 * so a reader sees where the two designs parted. Nothing here is a proof that the other design
 * survives every interleaving: it survives *this* one, as closely as the two designs allow.
 */
import { fifoStrategy } from '../kernel/fifo.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import type { Task } from '../kernel/task.js';

/** What ran at one decision: a task's name, or EVENT for "fire the next timed event". */
export const EVENT = '<timed event>';

export interface Divergence {
  /** Decision index in the new run. */
  decision: number;
  /** What the recording wanted next, or null when it was used up. */
  wanted: string | null;
  /** What ran instead. */
  ran: string;
  /** Recorded decisions passed over to get back in step (0 for an inserted decision). */
  skipped: number;
}

export interface AnchoredStrategy extends Strategy {
  /** Recorded decisions followed exactly. */
  readonly followed: number;
  /** Recorded decisions passed over. */
  readonly skipped: number;
  /** Decisions the recording did not have (run FIFO). */
  readonly inserted: number;
  /** Decisions after the recording was used up (run FIFO). */
  readonly after: number;
  /** The first divergences, at most `keep`. */
  readonly divergences: readonly Divergence[];
}

function chosenName(runq: readonly Task[], i: number): string {
  return i === runq.length ? EVENT : (runq[i] as Task).name;
}

/** Wraps a strategy and records the name of what it chose at every decision. */
export function namingRecorder(inner: Strategy, out: string[]): Strategy {
  return {
    name: inner.name,
    timeJumps: inner.timeJumps,
    start(h: StrategyHost) {
      out.length = 0;
      inner.start(h);
    },
    onSpawn(t: Task) {
      inner.onSpawn(t);
    },
    pick(runq, eventOffered, prev) {
      const i = inner.pick(runq, eventOffered, prev);
      out.push(chosenName(runq, i));
      return i;
    },
  };
}

export interface AnchorOptions {
  /** How far ahead in the recording to look for a choice possible now. */
  window?: number;
  /** Must match the recording's time jumps (see replay.ts). */
  timeJumps: boolean;
  /** Divergences kept for the report. */
  keep?: number;
}

export function anchoredStrategy(recorded: readonly string[], o: AnchorOptions): AnchoredStrategy {
  const window = o.window ?? 64;
  const keep = o.keep ?? 10;
  const fifo = fifoStrategy();
  let pos = 0;
  let decision = 0;
  let followed = 0;
  let skipped = 0;
  let inserted = 0;
  let after = 0;
  const divergences: Divergence[] = [];
  const note = (d: Divergence) => {
    if (divergences.length < keep) divergences.push(d);
  };
  const indexOf = (name: string, runq: readonly Task[], eventOffered: boolean): number => {
    if (name === EVENT) return eventOffered ? runq.length : -1;
    return runq.findIndex((t) => t.name === name);
  };
  return {
    name: 'anchored',
    timeJumps: o.timeJumps,
    get followed() {
      return followed;
    },
    get skipped() {
      return skipped;
    },
    get inserted() {
      return inserted;
    },
    get after() {
      return after;
    },
    get divergences() {
      return divergences;
    },
    start(h: StrategyHost) {
      pos = 0;
      decision = 0;
      followed = skipped = inserted = after = 0;
      divergences.length = 0;
      fifo.start(h);
    },
    onSpawn(t: Task) {
      fifo.onSpawn(t);
    },
    pick(runq, eventOffered, prev) {
      const d = decision++;
      if (pos >= recorded.length) {
        after++;
        return fifo.pick(runq, eventOffered, prev);
      }
      const end = Math.min(recorded.length, pos + window);
      for (let k = pos; k < end; k++) {
        const i = indexOf(recorded[k] as string, runq, eventOffered);
        if (i < 0) continue;
        if (k > pos) {
          skipped += k - pos;
          note({
            decision: d,
            wanted: recorded[pos] as string,
            ran: chosenName(runq, i),
            skipped: k - pos,
          });
        }
        followed++;
        pos = k + 1;
        return i;
      }
      inserted++;
      const i = fifo.pick(runq, eventOffered, prev);
      note({ decision: d, wanted: recorded[pos] as string, ran: chosenName(runq, i), skipped: 0 });
      return i;
    },
  };
}
