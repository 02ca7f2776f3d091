/**
 * The fault plane: named hardware misbehaviours that a scenario or the explorer arms, and that
 * take effect at their natural *opportunity* inside the model (a RUN instruction, an interrupt
 * assertion, a firmware acknowledgement, a reset request, a boot, an AS command). Nothing in the
 * hardware is hard-coded to fail; a fault only changes what happens at one such point, so every
 * symptom the driver sees (a timeout, a stale bit, a page fault) comes out of the model.
 *
 * An armed fault has the explorer's `FaultSpec` shape: it becomes live at `atNs`, fires at most
 * `count` times (0 = unlimited, an "always" fault), and at each opportunity fires with
 * probability `rate`. The draws come from a dedicated PRNG stream (`Stream.faults`), so that
 * arming a fault never shifts the latency jitter of the rest of the run. Every fault that takes
 * effect is appended to `fired` and traced as an instant on the GPU's 'faults' lane.
 *
 * | name                    | opportunity                         | effect                                  |
 * |-------------------------|-------------------------------------|-----------------------------------------|
 * | `job-hang`              | a RUN instruction starts            | the RUN never completes                 |
 * | `lost-irq`              | an IRQ line would go high           | the line stays low; RAWSTAT has the bit  |
 * | `late-ack`              | the firmware schedules an ack       | it arrives after `lateAckNs` (~1 s)      |
 * | `reset-timeout`         | GPU_CMD soft reset                  | the reset never completes               |
 * | `fw-boot-fail`          | a boot that would succeed           | MCU_STATUS=FATAL, no boot interrupt      |
 * | `as-active-stuck`       | an AS_COMMAND                       | AS_ACTIVE never clears                  |
 * | `stale-reset-completed` | arm time                            | RESET_COMPLETED set without a reset     |
 * | `fw-hang`               | arm time (MCU running); GLB doorbell | the firmware stops answering anything   |
 *
 * Rejected: faults as scripted events at fixed times ("at 3 ms, drop IRQ 7"). They break as
 * soon as the driver's timing changes, which is exactly what exploration changes.
 */
import type { TimedEvent } from '../kernel/events.js';
import type { Kernel } from '../kernel/kernel.js';
import { Prng, Stream } from '../kernel/prng.js';
import type { Lane } from '../kernel/trace.js';

export const FAULT_NAMES = [
  'job-hang',
  'lost-irq',
  'late-ack',
  'reset-timeout',
  'fw-boot-fail',
  'as-active-stuck',
  'stale-reset-completed',
  'fw-hang',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

export function isFaultName(s: string): s is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(s);
}

/** The explorer's `FaultSpec` (src/explore/program.ts) shape. */
export interface HwFaultSpec {
  name: string;
  atNs: number;
  count: number;
  rate: number;
}

/**
 * Returns null when `spec` is a valid hardware fault, or a message naming the problem. Scenario
 * loaders call this to reject bad input with exit code 2 instead of failing deep in a run.
 */
export function validateFaultSpec(spec: HwFaultSpec): string | null {
  if (!isFaultName(spec.name)) {
    return `unknown hardware fault '${spec.name}' (known: ${FAULT_NAMES.join(', ')})`;
  }
  if (!(Number.isFinite(spec.atNs) && spec.atNs >= 0)) {
    return `fault '${spec.name}': atNs must be a non-negative number, got ${spec.atNs}`;
  }
  if (!(Number.isInteger(spec.count) && spec.count >= 0)) {
    return `fault '${spec.name}': count must be a non-negative integer, got ${spec.count}`;
  }
  if (!(spec.rate >= 0 && spec.rate <= 1)) {
    return `fault '${spec.name}': rate must be in [0, 1], got ${spec.rate}`;
  }
  return null;
}

export interface FiredFault {
  name: FaultName;
  atNs: number;
  detail: string;
}

interface Armed {
  readonly name: FaultName;
  readonly atNs: number;
  /** Remaining firings; Infinity for count 0. */
  remaining: number;
  readonly unlimited: boolean;
  readonly rate: number;
  /** The "becomes live" event, for faults whose opportunity is their arm time. */
  liveEvent: TimedEvent | null;
}

/** Faults that also have an opportunity at the moment they become live. */
const TIMED: readonly FaultName[] = ['fw-hang', 'stale-reset-completed'];

const MAX_FIRED_LOG = 10_000;

export class FaultPlane {
  static readonly NAMES = FAULT_NAMES;
  /** Every fault that took effect, in order. */
  readonly fired: FiredFault[] = [];
  /** Firings beyond the log limit (still traced). */
  firedDropped = 0;
  private armed: Armed[] = [];
  private readonly rng: Prng;
  private readonly lane: Lane;
  /** Set by the GPU: called when an armed fault reaches its `atNs` (for time opportunities). */
  onLive: ((name: FaultName) => void) | null = null;

  constructor(private readonly k: Kernel) {
    this.rng = new Prng(k.seed, Stream.faults);
    this.lane = k.trace.lane('gpu', 'fault injector');
  }

  /** Arms a fault. Throws a clear error for an invalid spec (validate input first). */
  arm(spec: HwFaultSpec): void {
    const err = validateFaultSpec(spec);
    if (err !== null) throw new RangeError(err);
    const name = spec.name as FaultName;
    const entry: Armed = {
      name,
      atNs: spec.atNs,
      remaining: spec.count === 0 ? Number.POSITIVE_INFINITY : spec.count,
      unlimited: spec.count === 0,
      rate: spec.rate,
      liveEvent: null,
    };
    this.armed.push(entry);
    // Only faults with a time opportunity get an event: any other event would keep the run
    // alive until `atNs` and change its virtual end time.
    if (TIMED.includes(name)) {
      entry.liveEvent = this.k.at(spec.atNs - this.k.nowNs, `fault-live:${name}`, () => {
        entry.liveEvent = null;
        if (this.armed.includes(entry) && entry.remaining > 0) this.onLive?.(name);
      });
    }
  }

  /** Disarms every fault (the explorer's liveness phase). Effects already in place remain. */
  disarmAll(): void {
    for (const a of this.armed) this.cancelLive(a);
    this.armed = [];
  }

  /** Disarms the "always" (count 0) faults, except those a workload causes (cold reset). */
  disarmUnlimited(keep: readonly FaultName[]): void {
    const kept: Armed[] = [];
    for (const a of this.armed) {
      if (!a.unlimited || keep.includes(a.name)) kept.push(a);
      else this.cancelLive(a);
    }
    this.armed = kept;
  }

  private cancelLive(a: Armed): void {
    if (a.liveEvent !== null) {
      this.k.cancelEvent(a.liveEvent);
      a.liveEvent = null;
    }
  }

  /** Whether a fault of this name is armed and live now (no draw, nothing consumed). */
  live(name: FaultName): boolean {
    const now = this.k.nowNs;
    for (const a of this.armed) {
      if (a.name === name && a.atNs <= now && a.remaining > 0) return true;
    }
    return false;
  }

  /**
   * An opportunity for `name`: returns true when the fault takes effect now (and records it).
   * Cheap when nothing is armed, which is the common case on hot paths.
   */
  take(name: FaultName, detail: string): boolean {
    if (this.armed.length === 0) return false;
    const now = this.k.nowNs;
    for (const a of this.armed) {
      if (a.name !== name || a.atNs > now || a.remaining <= 0) continue;
      if (!this.rng.chance(a.rate)) continue;
      a.remaining--;
      if (this.fired.length < MAX_FIRED_LOG) this.fired.push({ name, atNs: now, detail });
      else this.firedDropped++;
      this.k.trace.instant(this.lane, 'fault', name, { detail });
      return true;
    }
    return false;
  }
}
