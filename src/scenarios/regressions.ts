/**
 * The historical bug corpus as explorer programs: for each bug of docs/design.md §3, the scenario that
 * exercises it, the invariant that must catch it, and the search budget within which the
 * explorer must catch it (`resetlab regress`). The bug switch is on; the design is `default`,
 * so that the only thing wrong is the bug.
 *
 * `faults`, when given, fixes the injected faults (no swarm): the bug needs a specific mix (a
 * stale RESET_COMPLETED bit *and* a reset that never completes, say) and drawing it at random
 * would only waste runs.
 */
import type { BugId } from '../driver/bugs.js';
import type { FaultSpec } from '../explore/program.js';
import type { FailureKind } from '../kernel/violations.js';

export interface RegressionCase {
  bug: BugId;
  /**
   * The design the bug is re-introduced in: `default`, unless the fixed code is a mechanism
   * `default` does not use (Tyr's polled soft reset, Tyr's reset work without drm_dev_enter).
   */
  design?: string;
  scenario: string;
  invariant: FailureKind;
  /** Runs the explorer may use to catch it. */
  budget: number;
  faults?: FaultSpec[];
}

const MS = 1_000_000;

export const REGRESSIONS: readonly RegressionCase[] = [
  {
    bug: 'vm-destroy-no-evict',
    scenario: 'vm-teardown',
    invariant: 'teardown-page-fault',
    budget: 200,
  },
  { bug: 'perfcnt-as-underflow', scenario: 'perfcnt', invariant: 'refcount-underflow', budget: 50 },
  {
    // Tyr's polled soft reset without the reset series' patch 1/4 (no clear first).
    bug: 'stale-reset-irq',
    design: 'tyr',
    scenario: 'fw-hang',
    invariant: 'stale-reset-irq',
    budget: 100,
    faults: [
      // The firmware hangs at 300 ms; a RESET_COMPLETED appears in RAWSTAT without a reset at
      // 400 ms (Tyr has no interrupt handler that would clear it), and the next soft reset
      // never completes. Only a driver that clears the bit before the command notices.
      { name: 'fw-hang', atNs: 300 * MS, count: 1, rate: 1 },
      { name: 'stale-reset-completed', atNs: 400 * MS, count: 1, rate: 1 },
      { name: 'reset-timeout', atNs: 400 * MS, count: 1, rate: 1 },
    ],
  },
  {
    bug: 'reset-lost-across-suspend',
    scenario: 'suspend',
    invariant: 'submit-after-fault',
    budget: 200,
  },
  {
    bug: 'irq-unmasked-after-unplug',
    scenario: 'unbind',
    invariant: 'powered-off-access',
    budget: 300,
  },
  {
    bug: 'reset-in-timeout-handler',
    scenario: 'reset-storm',
    invariant: 'reset-dedup',
    budget: 200,
  },
  { bug: 'duplicate-reset', scenario: 'fw-hang', invariant: 'reset-dedup', budget: 400 },
  { bug: 'timeout-job-leak', scenario: 'hang', invariant: 'fence-signalled', budget: 50 },
  // cancel_work_sync instead of disable_work_sync at unbind (65c22519cf68), on Tyr's reset
  // work, which has no drm_dev_enter: a request made after the cancel runs the reset on the
  // removed device (its I/O mapping released).
  {
    bug: 'reset-work-after-unbind',
    design: 'tyr',
    scenario: 'unbind',
    invariant: 'use-after-free',
    budget: 300,
  },
  { bug: 'wedge-before-quiesce', scenario: 'reset-fail', invariant: 'wedge-protocol', budget: 50 },
];

/** The design a case runs on. */
export function regressionDesign(c: RegressionCase): string {
  return c.design ?? 'default';
}

export function regressionCase(bug: string): RegressionCase | undefined {
  return REGRESSIONS.find((r) => r.bug === bug);
}
