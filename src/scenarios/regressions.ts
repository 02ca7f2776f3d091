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
    bug: 'stale-reset-irq',
    scenario: 'fw-hang',
    invariant: 'stale-reset-irq',
    budget: 100,
    faults: [
      // The firmware hangs at 300 ms; the reset it causes (its soft reset around 700 ms)
      // completes, but the firmware then fails to boot, so the reset is retried, and the
      // retry's soft reset never completes. RESET_COMPLETED is still set from the first one
      // (and set spuriously once more at 400 ms): only a driver that clears it first notices.
      { name: 'fw-hang', atNs: 300 * MS, count: 1, rate: 1 },
      { name: 'stale-reset-completed', atNs: 400 * MS, count: 1, rate: 1 },
      { name: 'fw-boot-fail', atNs: 750 * MS, count: 1, rate: 1 },
      { name: 'reset-timeout', atNs: 750 * MS, count: 1, rate: 1 },
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
    invariant: 'use-after-free',
    budget: 300,
  },
  {
    bug: 'reset-in-timeout-handler',
    scenario: 'reset-storm',
    invariant: 'reset-dedup',
    budget: 200,
  },
  { bug: 'duplicate-reset', scenario: 'fw-hang', invariant: 'reset-dedup', budget: 200 },
  { bug: 'timeout-job-leak', scenario: 'hang', invariant: 'fence-signalled', budget: 50 },
  // The first thing that goes wrong is the remove path programming the interrupt masks while
  // the reset work it did not wait for resets the GPU; the same runs go on to the reset work
  // using the released I/O mapping (use-after-free), but a campaign stops at the first.
  {
    bug: 'reset-work-after-unbind',
    scenario: 'unbind',
    invariant: 'hw-access-during-reset',
    budget: 300,
  },
  { bug: 'wedge-before-quiesce', scenario: 'reset-fail', invariant: 'wedge-protocol', budget: 50 },
];

export function regressionCase(bug: string): RegressionCase | undefined {
  return REGRESSIONS.find((r) => r.bug === bug);
}
