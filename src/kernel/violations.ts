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
 * *Harm*: what a user or the system loses or suffers; the comparison of designs leads with these.
 * *Rule*: a design's own claim about how it keeps code off the hardware, checked only against the
 * designs whose factors make the claim (src/driver/reset/claims.ts).
 */
export type InvariantFamily = 'harm' | 'rule';

export interface InvariantInfo {
  readonly family: InvariantFamily;
  /** Holds when ... */
  readonly holds: string;
}

export const INVARIANT_INFO: Readonly<Record<InvariantId, InvariantInfo>> = {
  'hw-access-during-reset': {
    family: 'rule',
    holds:
      'no code outside the reset path touches GPU registers or rings a doorbell while the reset sequence runs',
  },
  'submit-after-fault': {
    family: 'rule',
    holds:
      'no new job is handed to the hardware between a reset request and the end of the reset that serves it',
  },
  'reset-dedup': {
    family: 'harm',
    holds:
      'at most one reset runs at a time per device; no reset request is lost; no reset repeats one already done',
  },
  'refcount-underflow': { family: 'harm', holds: 'no reference count drops below zero' },
  'teardown-page-fault': {
    family: 'harm',
    holds: "no GPU page fault is caused by the driver's own teardown order",
  },
  'stale-reset-irq': {
    family: 'harm',
    holds: 'the driver never believes a reset completed that the hardware did not do',
  },
  'fence-signalled': {
    family: 'harm',
    holds: 'every fence is signalled exactly once, within a bound after faults stop',
  },
  'fence-error-code': { family: 'harm', holds: 'killed jobs carry the error that names the cause' },
  'innocent-survives': {
    family: 'harm',
    holds: 'work of groups that did not cause a reset completes, or is reported INNOCENT',
  },
  'wedge-protocol': {
    family: 'rule',
    holds:
      'the wedged event is sent once, only after quiescing; ioctls are then refused; mappings hit the dummy page',
  },
  'perfcnt-continuity': {
    family: 'harm',
    holds:
      'a perfcnt dump after a reset is restored and says samples were lost; never silently wrong (Panfrost semantics)',
  },
  deadlock: {
    family: 'harm',
    holds: 'no lock-order cycle and no state where every task is blocked for ever',
  },
  'use-after-free': {
    family: 'harm',
    holds: 'no object used after its last reference; no work runs after it was disabled',
  },
  'powered-off-access': {
    family: 'harm',
    holds:
      'no register is read or written while the GPU has no power (on hardware: an external abort)',
  },
  'atomic-sleep': { family: 'harm', holds: 'nothing sleeps in hard-IRQ or timer context' },
  'alloc-in-signalling': {
    family: 'harm',
    holds: 'no memory allocation inside a fence-signalling critical section',
  },
  isolation: {
    family: 'harm',
    holds: "a file cannot reach another file's handles; a VM cannot reach another VM's memory",
  },
  recovery: {
    family: 'harm',
    holds:
      'after faults stop the device serves new work again within a bound (after a wedge and the daemon, or an unplug and a re-probe, counted as recovered)',
  },
};

export function invariantFamily(id: string): InvariantFamily | null {
  return isInvariantId(id) ? INVARIANT_INFO[id].family : null;
}

/**
 * Outcomes that are not invariants of the driver but still end a run badly: an exception
 * escaping model code (`model-error`, always a bug in resetlab or in a scenario), and a run
 * that hit its step or virtual-time limit (`limit`).
 */
export type FailureKind = InvariantId | 'model-error' | 'limit';

export interface Violation {
  invariant: FailureKind;
  /** The one-line summary. */
  message: string;
  atNs: number;
  step: number;
  task: string | null;
  /**
   * The multi-line report in the kernel's own format, when the detector has one: a lockdep
   * splat, a hung-task list, __might_resched's BUG, a refcount WARN with the counter's
   * history, a use-after-free with where the object was freed, what was stuck when the
   * recovery bound expired. Lines without newlines; absent when there is nothing to add.
   */
  report?: string[];
}

export function isInvariantId(s: string): s is InvariantId {
  return (INVARIANTS as readonly string[]).includes(s);
}
