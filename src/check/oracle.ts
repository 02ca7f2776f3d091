/**
 * The oracle interface and the context oracles observe.
 *
 * Oracles only observe: they read hardware logs, driver logs and the ledger, and report
 * violations through the kernel. They never change the model. `step()` runs after every step of
 * the run (keep it incremental: cursors over append-only logs); `final()` runs once, at the end
 * of the liveness phase.
 */
import type { InvariantId } from '../kernel/violations.js';
import type { JobLedger } from '../scenarios/ledger.js';
import type { System } from '../system.js';
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
  step?(): void;
  final?(): void;
}
