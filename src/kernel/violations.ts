/**
 * Invariant ids (docs/design.md §2) and the violation record.
 *
 * The ids are stable: JSON outputs, failure files and regression tests refer to them. The
 * runtime itself detects `deadlock`, `atomic-sleep`, `alloc-in-signalling`,
 * `refcount-underflow`, `use-after-free` and the exactly-once part of `fence-signalled`; the
 * oracles in `src/check/` detect the rest by observing the model.
 */
export const INVARIANTS = [
  'hw-access-during-reset',
  'submit-after-fault',
  'reset-dedup',
  'refcount-underflow',
  'teardown-page-fault',
  'stale-reset-irq',
  'fence-signalled',
  'fence-error-code',
  'innocent-survives',
  'wedge-protocol',
  'perfcnt-continuity',
  'deadlock',
  'use-after-free',
  'powered-off-access',
  'atomic-sleep',
  'alloc-in-signalling',
  'isolation',
  'recovery',
] as const;

export type InvariantId = (typeof INVARIANTS)[number];

/**
 * Outcomes that are not invariants of the driver but still end a run badly: an exception
 * escaping model code (`model-error`, always a bug in resetlab or in a scenario), and a run
 * that hit its step or virtual-time limit (`limit`).
 */
export type FailureKind = InvariantId | 'model-error' | 'limit';

export interface Violation {
  invariant: FailureKind;
  message: string;
  atNs: number;
  step: number;
  task: string | null;
}

export function isInvariantId(s: string): s is InvariantId {
  return (INVARIANTS as readonly string[]).includes(s);
}
