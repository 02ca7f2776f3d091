/**
 * Power domains inside the GPU: the L2 cache, the tiler and the shader cores, each with
 * PRESENT / READY / PWRTRANS and PWRON / PWROFF registers (64-bit LO/HI pairs).
 *
 * Writing PWRON (PWROFF) with a mask of present units starts a transition: the units appear in
 * PWRTRANS, and `l2PowerNs` later they are in (out of) READY, PWRTRANS clears, and the GPU
 * interrupt POWER_CHANGED is raised, with POWER_CHANGED_ALL once no transition is left. The MCU
 * needs the L2 powered to boot (mcu.ts); a soft reset or power-off turns everything off.
 *
 * The platform power domain (runtime PM: the whole GPU on or off) is not here; it is
 * `VirtualGpu.setPower`, because it wipes every block, not just these registers.
 *
 * Not modelled: the dependency of shader cores on the L2 (the MCU manages cores itself in
 * MCU_CONTROL_AUTO mode on CSF parts, and Panthor only powers the L2), and power-transition
 * failures; shader and tiler transitions use the L2's latency.
 */
import type { TimedEvent } from '../kernel/events.js';
import { type HwContext, HwEvents } from './context.js';
import type { IrqRegs } from './irq-regs.js';
import {
  GPU_IRQ_POWER_CHANGED,
  GPU_IRQ_POWER_CHANGED_ALL,
  GPU_L2_PRESENT,
  GPU_SHADER_PRESENT,
  GPU_TILER_PRESENT,
  L2_PWROFF,
  L2_PWRON,
  L2_PWRTRANS,
  L2_READY,
  SHADER_PWROFF,
  SHADER_PWRON,
  SHADER_PWRTRANS,
  SHADER_READY,
  TILER_PWROFF,
  TILER_PWRON,
  TILER_PWRTRANS,
  TILER_READY,
} from './regs.js';

interface Domain {
  readonly name: string;
  readonly present: number;
  ready: number;
  /** What READY will be when the transition in flight completes. */
  target: number;
  trans: number;
  event: TimedEvent | null;
}

export class Power {
  private readonly domains: Domain[];
  private readonly byOffset = new Map<number, { d: Domain; reg: string }>();
  private readonly events: HwEvents;

  constructor(
    private readonly ctx: HwContext,
    private readonly gpuIrq: IrqRegs,
  ) {
    this.events = new HwEvents(ctx.k);
    const cfg = ctx.cfg;
    const mk = (name: string, present: number): Domain => ({
      name,
      present: present >>> 0,
      ready: 0,
      target: 0,
      trans: 0,
      event: null,
    });
    const shader = mk('shader', cfg.shaderPresent);
    const tiler = mk('tiler', cfg.tilerPresent);
    const l2 = mk('l2', cfg.l2Present);
    this.domains = [shader, tiler, l2];
    const map = (d: Domain, regs: Record<string, number>): void => {
      for (const [reg, off] of Object.entries(regs)) {
        this.byOffset.set(off, { d, reg });
        this.byOffset.set(off + 4, { d, reg: `${reg}_HI` });
      }
    };
    map(shader, {
      PRESENT: GPU_SHADER_PRESENT,
      READY: SHADER_READY,
      PWRON: SHADER_PWRON,
      PWROFF: SHADER_PWROFF,
      PWRTRANS: SHADER_PWRTRANS,
    });
    map(tiler, {
      PRESENT: GPU_TILER_PRESENT,
      READY: TILER_READY,
      PWRON: TILER_PWRON,
      PWROFF: TILER_PWROFF,
      PWRTRANS: TILER_PWRTRANS,
    });
    map(l2, {
      PRESENT: GPU_L2_PRESENT,
      READY: L2_READY,
      PWRON: L2_PWRON,
      PWROFF: L2_PWROFF,
      PWRTRANS: L2_PWRTRANS,
    });
  }

  handles(offset: number): boolean {
    return this.byOffset.has(offset);
  }

  /** Whether every present L2 slice is powered (the MCU's boot precondition). */
  get l2Ready(): boolean {
    const l2 = this.domains[2] as Domain;
    return l2.ready === l2.present && l2.trans === 0;
  }

  /** Any transition in progress (GPU_STATUS.PWR_ACTIVE). */
  get transitioning(): boolean {
    return this.domains.some((d) => d.trans !== 0);
  }

  read(offset: number): number {
    const r = this.byOffset.get(offset);
    if (r === undefined) return 0;
    switch (r.reg) {
      case 'PRESENT':
        return r.d.present;
      case 'READY':
        return r.d.ready;
      case 'PWRTRANS':
        return r.d.trans;
      default:
        // PWRON/PWROFF are write-only; all _HI halves are 0 (at most 32 units per domain).
        return 0;
    }
  }

  write(offset: number, value: number): void {
    const r = this.byOffset.get(offset);
    if (r === undefined) return;
    if (r.reg === 'PWRON') this.transition(r.d, value & r.d.present & ~r.d.target, true);
    else if (r.reg === 'PWROFF') this.transition(r.d, value & r.d.target, false);
  }

  private transition(d: Domain, bits: number, on: boolean): void {
    if (bits === 0) return;
    d.trans = (d.trans | bits) >>> 0;
    d.target = (on ? d.target | bits : d.target & ~bits) >>> 0;
    this.ctx.k.trace.instant(this.ctx.lanes.gpu, 'power', `${d.name} ${on ? 'on' : 'off'}`, {
      bits,
    });
    // One completion event per domain: a new request while one is in flight joins it (the
    // latency restarts and the domain then settles on the latest target).
    this.events.cancel(d.event);
    d.event = this.events.at(this.ctx.latency(this.ctx.cfg.l2PowerNs), `power:${d.name}`, () => {
      d.event = null;
      d.ready = d.target;
      d.trans = 0;
      let irq = GPU_IRQ_POWER_CHANGED;
      if (!this.transitioning) irq |= GPU_IRQ_POWER_CHANGED_ALL;
      this.gpuIrq.raise(irq);
    });
  }

  /** A GPU reset was requested: transitions in flight never finish. */
  quiesce(): void {
    this.events.cancelAll();
    for (const d of this.domains) d.event = null;
  }

  /** State loss: everything off, no transition. */
  reset(): void {
    this.events.cancelAll();
    for (const d of this.domains) {
      d.ready = 0;
      d.target = 0;
      d.trans = 0;
      d.event = null;
    }
  }
}
