/**
 * The checker: one oracle per invariant of docs/design.md §2 that the runtime does not check itself,
 * run after every step (after every step that appended to a log it reads, see
 * `watchedLogSize`) and once at the end. The runtime checks `deadlock`, `atomic-sleep`,
 * `alloc-in-signalling`, `refcount-underflow`, `use-after-free` (object lifetimes, disabled
 * work) and the exactly-once part of `fence-signalled`. `recovery` is decided by the scenario
 * runner's liveness probe.
 */

import { ruleClaims } from '../driver/reset/claims.js';
import type { InvariantId } from '../kernel/violations.js';
import type { JobLedger } from '../scenarios/ledger.js';
import type { System } from '../system/system.js';
import type { RecoveryDaemon } from '../userspace/daemon.js';
import { FenceOracle } from './fences.js';
import { HwAccessOracle } from './hw-access.js';
import { InnocentOracle } from './innocent.js';
import { IsolationOracle } from './isolation.js';
import type { CheckContext, Oracle } from './oracle.js';
import { PerfcntOracle } from './perfcnt.js';
import { ResetDedupOracle } from './reset-dedup.js';
import { StaleResetOracle } from './stale-reset.js';
import { SubmitAfterFaultOracle } from './submit-after-fault.js';
import { TeardownFaultOracle } from './teardown-fault.js';
import { WedgeOracle } from './wedge.js';

export class Checker implements CheckContext {
  readonly oracles: Oracle[];
  private readonly stepping: Oracle[];
  readonly explicitUnbinds: number[] = [];
  faultsStoppedNs = -1;
  readonly innocent: InnocentOracle;
  /** The rule invariants the machine's design claims (and so is checked against). */
  readonly claims: ReadonlySet<InvariantId>;

  constructor(
    readonly sys: System,
    readonly ledger: JobLedger,
    readonly daemon: RecoveryDaemon | null,
    culprits: ReadonlyMap<string, 'hang' | 'fault' | 'other'>,
  ) {
    this.innocent = new InnocentOracle(this);
    // Rules are checked only against the designs that claim them (src/driver/reset/claims.ts).
    this.claims = new Set(ruleClaims(sys.cfg.design.factors));
    const oracles: Oracle[] = [new HwAccessOracle(this, this.claims.has('hw-access-during-reset'))];
    if (this.claims.has('submit-after-fault')) oracles.push(new SubmitAfterFaultOracle(this));
    oracles.push(
      new ResetDedupOracle(this),
      new TeardownFaultOracle(this),
      new StaleResetOracle(this),
      new FenceOracle(this, culprits),
      this.innocent,
    );
    if (this.claims.has('wedge-protocol')) oracles.push(new WedgeOracle(this));
    oracles.push(new PerfcntOracle(this), new IsolationOracle(this));
    this.oracles = oracles;
    this.stepping = this.oracles.filter((o) => o.step !== undefined);
    const stepping = this.stepping;
    const allLogsOnly = stepping.every((o) => o.logsOnly === true);
    let seen = -1;
    sys.k.observe(() => {
      const size = watchedLogSize(sys);
      const changed = size !== seen;
      seen = size;
      if (!changed && allLogsOnly) return;
      // In registration order, so that violations of one step are reported in the same order.
      for (const o of stepping) if (changed || o.logsOnly !== true) o.step?.();
    });
  }

  report(invariant: InvariantId, message: string): void {
    this.sys.k.violation(invariant, message);
  }

  final(): void {
    for (const o of this.stepping) o.step?.();
    for (const o of this.oracles) o.final?.();
  }
}

/**
 * The total length of the append-only logs that `logsOnly` oracles consume: the hardware's
 * power-off, freed-page and page-fault logs, and each device's hand-offs, resets, reset
 * beliefs and wedges. Entries are only ever appended (or dropped when a bounded log is full),
 * so an unchanged total means that no oracle has anything new to look at.
 */
export function watchedLogSize(sys: System): number {
  const hw = sys.hw;
  let n = hw.offAccesses.length + hw.freedAccesses.length + hw.pageFaults.length;
  const devices = sys.platform.devices;
  for (let i = 0; i < devices.length; i++) {
    const log = (devices[i] as (typeof devices)[number]).log;
    n += log.handoffs.length + log.resets.length + log.resetBeliefs.length + log.wedges.length;
  }
  return n;
}
