/**
 * The trace conventions that the report layer reads (see docs/report.md).
 *
 * The kernel already records task run slices, locks, workqueue and IRQ activity, fence signals
 * and violations. Three things a report needs cannot be inferred from those alone, so the
 * driver emits them with fixed categories and names, and this file is the one place that
 * spells them out:
 *
 * - jobs handed to the hardware and their end (`job`/`submit`, `job`/`done`), from which the
 *   "jobs in flight" counter is derived;
 * - reset requests (`reset`/`request`) and the reset sequence as a `reset`/`reset` slice with
 *   its phases as nested `reset` slices, from which the "resets" counter and the flow arrows
 *   from each request to the phases of the reset that served it are derived;
 * - violations (`violation` instants on the checker lane), which the kernel emits itself.
 *
 * Names rather than structured records keep the hot path of the trace recorder unchanged: the
 * driver calls `trace.instant` / `trace.begin` as for any other event.
 */
import type { LaneKind } from '../kernel/trace.js';

export const Cat = {
  /** Task run slices, emitted by the kernel for every dispatch. */
  sched: 'sched',
  job: 'job',
  reset: 'reset',
  fence: 'fence',
  violation: 'violation',
} as const;

/** Instant names in category `job`. */
export const JobEvent = {
  /** A job is handed to the hardware. Args: `{job: number, group?, queue?}`. */
  submit: 'submit',
  /** A job left the hardware (completed, faulted or killed). Args: `{job: number, error?: number}`. */
  done: 'done',
} as const;

/** Event names in category `reset`. */
export const ResetEvent = {
  /** Instant: `ResetHandle.schedule(reason)` was called. Args: `{reason: string, req?: number}`. */
  request: 'request',
  /**
   * Slice: one whole reset sequence, on the reset lane. Its phases are nested `reset` slices.
   * Optional args `{reqs: '3,4'}` name the requests it serves; without them, a request is
   * served by the first reset slice that begins after it (coalescing).
   */
  sequence: 'reset',
} as const;

/** Display order and names of the lane kinds, one trace process each. */
export const LANE_KINDS: readonly { kind: LaneKind; title: string }[] = [
  { kind: 'user', title: 'User space' },
  { kind: 'cpu', title: 'CPU tasks' },
  { kind: 'irq', title: 'IRQ lines' },
  { kind: 'wq', title: 'Workqueues' },
  { kind: 'reset', title: 'Reset worker' },
  { kind: 'fw', title: 'Firmware' },
  { kind: 'gpu', title: 'GPU engines' },
  { kind: 'csg', title: 'CSG slots' },
  { kind: 'as', title: 'AS slots' },
  { kind: 'checker', title: 'Checker' },
];

/** Names of the counters derived from the conventions above. */
export const DerivedCounter = {
  jobsInFlight: 'jobs in flight',
  jobsCompleted: 'jobs completed',
  resetRequests: 'reset requests',
  resets: 'resets',
} as const;
