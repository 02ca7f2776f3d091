/**
 * The oracle interface and the context oracles observe.
 *
 * Oracles only observe: they read hardware logs, driver logs and the ledger, and report
 * violations through the kernel. They never change the model. `step()` runs after every step of
 * the run (keep it incremental: cursors over append-only logs, and say so with `logsOnly`);
 * `final()` runs once, at the end of the liveness phase.
 */
import type { InvariantId } from '../kernel/violations.js';
import type { JobLedger } from '../scenarios/ledger.js';
import type { System } from '../system/system.js';
import type { RecoveryDaemon } from '../userspace/daemon.js';

export interface CheckContext {
  readonly sys: System;
  readonly ledger: JobLedger;
  readonly daemon: RecoveryDaemon | null;
  /** Virtual times of unbinds the scenario asked for (not recovery). */
  readonly explicitUnbinds: number[];
  /** When faults stopped (the liveness phase began), or -1. */
  faultsStoppedNs: number;
  report(invariant: InvariantId, message: string): void;
}

export interface Oracle {
  readonly name: string;
  /**
   * True when `step()` does nothing unless one of the append-only logs summed by
   * `watchedLogSize` (checker.ts) grew since its previous call. The checker then skips it
   * after steps that appended to none of them, which is most steps: the oracles cost one sum
   * per step instead of one pass per oracle. An oracle that reads anything else per step
   * leaves this unset and runs after every step.
   */
  readonly logsOnly?: boolean;
  step?(): void;
  final?(): void;
}
