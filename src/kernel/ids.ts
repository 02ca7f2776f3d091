/**
 * Per-kernel id counters (device uids, file ids, group and VM uids, BO ids).
 *
 * Ids appear in names, traces and violation messages. Counting them per simulated machine,
 * not per process, keeps a run's output a function of its seed alone: a campaign that runs
 * many programs in one worker thread, or the same program twice, prints the same messages.
 */
import type { Kernel } from './kernel.js';

const counters = new WeakMap<Kernel, Map<string, number>>();

/** The next id of `kind` on this kernel, starting at 1. */
export function nextId(k: Kernel, kind: string): number {
  let m = counters.get(k);
  if (m === undefined) {
    m = new Map();
    counters.set(k, m);
  }
  const id = (m.get(kind) ?? 0) + 1;
  m.set(kind, id);
  return id;
}
