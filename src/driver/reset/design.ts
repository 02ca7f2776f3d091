/**
 * A reset design: one value per factor (`factors.ts`), and the gate object its `gate` factor
 * names. The driver asks the design questions ("may this section run?", "is a timeout that
 * fires now put off?", "what does a failed reset do?"), never its name: no code outside
 * `designs/` tests which design it is running (a test checks that).
 *
 * How the reset itself is carried out (the orchestrated sequence on the reset workqueue, or a
 * full unbind and probe) is the `recovery` factor; the order of the Resettable blocks and which
 * results count are `order` and `success` (`resettable.ts`).
 */
import type { PanthorDevice } from '../device.js';
import { delta } from '../fidelity.js';
import { deltasOfFactors, type Factors } from './factors.js';
import type { Gate, GateKind, GateToken } from './gates/gate.js';
import { NoGate } from './gates/none.js';
import { RequestGate } from './gates/request.js';
import { RwsemGate } from './gates/rwsem.js';
import { SrcuEpochGate } from './gates/srcu-epoch.js';
import { type ResetStep, resetSteps } from './resettable.js';

export type { GateKind, GateToken } from './gates/gate.js';

/** A design as data: what `--design`, a design file and the presets produce. */
export interface DesignSpec {
  /** A preset name, or the composition it was written as (`rwsem+failure=wedge`). */
  readonly name: string;
  /** What it follows: the kernel release, the patch series or the proposal. */
  readonly follows: string;
  readonly factors: Factors;
  /**
   * The design claims to hold every harm invariant (`default` does): a violation of one, or a
   * model error, is then a failure of the run (exit code 1), not a finding about the design.
   * A design changed by `+factor=value` claims nothing.
   */
  readonly claimsHarm?: boolean;
  /**
   * A gate of the design's own (a TypeScript design file's class), used instead of the one the
   * `gate` factor names; the factor then says which rules it claims (claims.ts), so a custom
   * gate should keep the factor that describes when it closes.
   */
  readonly gateClass?: GateClass;
}

/** What a custom gate's constructor receives: the device and the `refused` factor's answer. */
export type GateClass = new (dev: PanthorDevice, refusedWaits: boolean) => Gate;

/** The deltas of the fidelity ledger a design uses (docs/fidelity.md). */
export function designDeltas(spec: DesignSpec): string[] {
  const ids = deltasOfFactors(spec.factors);
  for (const id of ids) if (delta(id) === undefined) throw new Error(`unknown delta ${id}`);
  return ids;
}

export class ResetDesign {
  readonly gate!: Gate;
  readonly factors: Factors;
  /** The reset sequence: which block is called when, and which results count. */
  readonly steps: readonly ResetStep[];

  constructor(
    protected readonly dev: PanthorDevice,
    readonly spec: DesignSpec,
  ) {
    const f = spec.factors;
    this.factors = f;
    const waits = f.refused === 'wait';
    if (spec.gateClass !== undefined) this.gate = new spec.gateClass(dev, waits);
    else
      switch (f.gate) {
        case 'none':
          this.gate = new NoGate(dev);
          break;
        case 'rwsem':
          this.gate = new RwsemGate(dev, waits);
          break;
        case 'srcu-epoch':
          this.gate = new SrcuEpochGate(dev, waits);
          break;
        case 'request':
          this.gate = new RequestGate(dev, waits);
          break;
      }
    this.steps = resetSteps(f.order, f.perfcnt !== 'none');
  }

  get name(): string {
    return this.spec.name;
  }

  /** Synchronous; any context. */
  onRequest(): void {
    this.gate.onRequest();
  }

  /** A token, or a negative errno when the section must not run now. */
  enter(kind: GateKind): Promise<GateToken | number> {
    return this.gate.enter(kind);
  }

  exit(token: GateToken): void {
    this.gate.exit(token);
  }

  allowsHandoff(): boolean {
    return this.gate.allowsHandoff();
  }

  /** `recovery=rebind`: requests are served by an unbind and probe. */
  get recoversByRebind(): boolean {
    return this.factors.recovery === 'rebind';
  }

  /** `timeouts=defer`: a job timeout that fires while a reset is pending is put off. */
  defersTimeouts(): boolean {
    const dev = this.dev;
    if (this.factors.timeouts !== 'defer' || dev.unplugged || dev.wedge.wedged) return false;
    return dev.reset.isPending() || dev.reset.inProgress;
  }

  /** `blame=ping`: a timeout rules out a silent firmware and lost events before blaming. */
  get checksBeforeBlame(): boolean {
    return this.factors.blame === 'ping';
  }

  /** `resuming=requeue`. */
  get requeueAfterResume(): boolean {
    return this.factors.resuming === 'requeue';
  }

  /** `resumefail=wedge`. */
  get wedgesOnResumeFailure(): boolean {
    return this.factors.resumefail === 'wedge';
  }

  /** How many slow-reset retries follow a failed reset. */
  get retries(): number {
    return Number(this.factors.retry);
  }

  async beginReset(): Promise<void> {
    await this.gate.beginReset(this.factors.drain === 'wait');
  }

  endReset(): void {
    this.gate.endReset();
  }

  suspended(): void {
    this.gate.suspended();
  }

  unplug(): void {
    this.gate.unplug();
  }
}
