/**
 * `stale-reset-irq`: the driver never believes a reset completed when the hardware did not
 * reset. Each time the driver concludes a soft reset is done, some hardware reset requested at
 * or after the driver issued its command must have completed by then.
 */
import type { PanthorDevice } from '../driver/device.js';
import type { CheckContext, Oracle } from './oracle.js';

export class StaleResetOracle implements Oracle {
  readonly name = 'stale-reset-irq';
  private readonly cursors = new Map<PanthorDevice, number>();
  /** `step` acts on new entries of each device's `log.resetBeliefs` only. */
  readonly logsOnly = true;

  constructor(private readonly ctx: CheckContext) {}

  step(): void {
    const hw = this.ctx.sys.hw;
    for (const dev of this.ctx.sys.platform.devices) {
      const beliefs = dev.log.resetBeliefs;
      let i = this.cursors.get(dev) ?? 0;
      for (; i < beliefs.length; i++) {
        const b = beliefs[i];
        if (b === undefined) continue;
        const real = hw.resets.some(
          (r) =>
            r.kind !== 'cold' &&
            r.requestedAtNs >= b.issuedNs &&
            r.completedAtNs !== null &&
            r.completedAtNs <= b.believedNs,
        );
        if (!real) {
          this.ctx.report(
            'stale-reset-irq',
            `${dev.name} believed the soft reset issued at ${b.issuedNs} ns completed at ${b.believedNs} ns, but the GPU had not reset`,
          );
        }
      }
      this.cursors.set(dev, i);
    }
  }
}
