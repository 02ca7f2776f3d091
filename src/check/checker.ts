/**
 * The checker: one oracle per invariant of DESIGN §2 that the runtime does not check itself,
 * run after every step and once at the end. The runtime checks `deadlock`, `atomic-sleep`,
 * `alloc-in-signalling`, `refcount-underflow`, `use-after-free` (object lifetimes, disabled
 * work) and the exactly-once part of `fence-signalled`. `recovery` is decided by the scenario
 * runner's liveness probe.
 */
import type { InvariantId } from '../kernel/violations.js';
import type { JobLedger } from '../scenarios/ledger.js';
import type { System } from '../system.js';
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

  constructor(
    readonly sys: System,
    readonly ledger: JobLedger,
    readonly daemon: RecoveryDaemon | null,
    culprits: ReadonlyMap<string, 'hang' | 'fault' | 'other'>,
  ) {
    this.innocent = new InnocentOracle(this);
    this.oracles = [
      new HwAccessOracle(this),
      new SubmitAfterFaultOracle(this),
      new ResetDedupOracle(this),
      new TeardownFaultOracle(this),
      new StaleResetOracle(this),
      new FenceOracle(this, culprits),
      this.innocent,
      new WedgeOracle(this),
      new PerfcntOracle(this),
      new IsolationOracle(this),
    ];
    this.stepping = this.oracles.filter((o) => o.step !== undefined);
    sys.k.observe(() => {
      for (const o of this.stepping) o.step?.();
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
