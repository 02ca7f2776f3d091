/**
 * `wedge-protocol`: a wedged device sends its uevent once, and only after it quiesced
 * (interrupts masked, DMA stopped, every fence signalled, mappings redirected); while wedged,
 * ioctls are refused and user mappings read the dummy page.
 */
import type { CheckContext, Oracle } from './oracle.js';

export class WedgeOracle implements Oracle {
  readonly name = 'wedge-protocol';
  private readonly seen = new Map<number, number>();
  /** `step` acts on new entries of each device's `log.wedges` only. */
  readonly logsOnly = true;

  constructor(private readonly ctx: CheckContext) {}

  step(): void {
    for (const dev of this.ctx.sys.platform.devices) {
      const wedges = dev.log.wedges;
      const seen = this.seen.get(dev.uid) ?? 0;
      if (wedges.length === seen) continue;
      for (let i = seen; i < wedges.length; i++) {
        const w = wedges[i];
        if (w === undefined) continue;
        if (i > 0)
          this.ctx.report('wedge-protocol', `${dev.name}: WEDGED uevent sent ${i + 1} times`);
        const missing: string[] = [];
        if (!w.irqsMasked) missing.push('interrupts still enabled');
        if (!w.dmaStopped) missing.push('DMA not stopped');
        if (w.unsignalledFences > 0) missing.push(`${w.unsignalledFences} fence(s) not signalled`);
        if (!w.mappingsRedirected) missing.push('user mappings not redirected');
        if (missing.length > 0) {
          this.ctx.report(
            'wedge-protocol',
            `${dev.name}: WEDGED uevent sent before quiescing: ${missing.join(', ')}`,
          );
        }
      }
      this.seen.set(dev.uid, wedges.length);
    }
  }
}
