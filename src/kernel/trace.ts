/**
 * The trace recorder.
 *
 * Every task switch, lock operation, IRQ, register access, fence and reset phase is reported
 * here with its virtual timestamp and lane. Two things happen to each event:
 *
 * - it is folded into a running 64-bit hash (always), so that every run has a stable
 *   `traceHash` that proves determinism, and
 * - it is stored (only when recording is on), so that it can be exported as a Chrome
 *   trace-event file for Perfetto.
 *
 * The hash covers the phase, lane, timestamp and an interned id of the name; it does not hash
 * free-form argument objects, so that a hash costs a few integer multiplications per event
 * and no string work on the hot path (names are interned once in a Map).
 *
 * Lanes are the tracks of the exported trace: one per CPU task, IRQ line, workqueue, GPU
 * engine, CSG slot and AS slot.
 */

export type LaneKind =
  | 'cpu'
  | 'irq'
  | 'wq'
  | 'reset'
  | 'gpu'
  | 'csg'
  | 'as'
  | 'fw'
  | 'user'
  | 'checker';

export interface Lane {
  readonly id: number;
  readonly kind: LaneKind;
  readonly name: string;
}

/** Chrome trace-event phases: duration (B/E), instant, counter, flow (s/t/f), async (b/e). */
export type Phase = 'B' | 'E' | 'i' | 'C' | 's' | 't' | 'f' | 'b' | 'e';

export type TraceArgs = Record<string, string | number | boolean | null>;

export interface TraceEvent {
  ts: number;
  ph: Phase;
  lane: number;
  cat: string;
  name: string;
  args?: TraceArgs;
  /** Flow id for `s`/`t`/`f` events. */
  id?: number;
}

const PHASE_CODE: Record<Phase, number> = { B: 1, E: 2, i: 3, C: 4, s: 5, t: 6, f: 7, b: 8, e: 9 };

/** Two hex digits per byte value. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

/** A 32-bit value as 8 lowercase hex digits. */
function hex32(v: number): string {
  return (
    (HEX_BYTE[(v >>> 24) & 0xff] as string) +
    (HEX_BYTE[(v >>> 16) & 0xff] as string) +
    (HEX_BYTE[(v >>> 8) & 0xff] as string) +
    (HEX_BYTE[v & 0xff] as string)
  );
}

export class Trace {
  /** Stored events, or null when recording is off (the hash is still computed). */
  readonly events: TraceEvent[] | null;
  readonly lanes: Lane[] = [];
  /**
   * Lanes by name; a name used by lanes of two kinds has its other kinds in `laneByKey`.
   * One map, and no key string per lookup (tasks spawn often, and a small program makes a
   * fresh kernel, so a fresh trace, per run).
   */
  private readonly laneByName = new Map<string, Lane>();
  private laneByKey: Map<string, Lane> | null = null;
  /** Interned event names, created at the first event. */
  private names: Map<string, number> | null = null;
  private h1 = 0x811c9dc5;
  private h2 = 0x2545f491;
  /** Virtual time source; set by the kernel. */
  now: () => number = () => 0;

  constructor(record: boolean) {
    this.events = record ? [] : null;
  }

  get recording(): boolean {
    return this.events !== null;
  }

  /** Returns the lane for (kind, name), creating it on first use. */
  lane(kind: LaneKind, name: string): Lane {
    const first = this.laneByName.get(name);
    if (first !== undefined && first.kind === kind) return first;
    if (first === undefined) {
      const lane: Lane = { id: this.lanes.length, kind, name };
      this.lanes.push(lane);
      this.laneByName.set(name, lane);
      return lane;
    }
    const key = kind + '\u0000' + name;
    this.laneByKey ??= new Map();
    let lane = this.laneByKey.get(key);
    if (lane === undefined) {
      lane = { id: this.lanes.length, kind, name };
      this.lanes.push(lane);
      this.laneByKey.set(key, lane);
    }
    return lane;
  }

  /** Folds a 32-bit value into the hash. */
  mix(v: number): void {
    this.h1 = Math.imul(this.h1 ^ v, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ (v + 0x7f4a7c15), 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }

  private nameId(name: string): number {
    this.names ??= new Map();
    const names = this.names;
    let id = names.get(name);
    if (id === undefined) {
      id = names.size + 1;
      names.set(name, id);
    }
    return id;
  }

  private add(
    ph: Phase,
    lane: Lane,
    cat: string,
    name: string,
    args?: TraceArgs,
    id?: number,
  ): void {
    const ts = this.now();
    this.mix(PHASE_CODE[ph]);
    this.mix(lane.id);
    this.mix(ts % 0x100000000);
    this.mix(Math.floor(ts / 0x100000000));
    this.mix(this.nameId(name));
    if (this.events !== null) {
      const ev: TraceEvent = { ts, ph, lane: lane.id, cat, name };
      if (args !== undefined) ev.args = args;
      if (id !== undefined) ev.id = id;
      this.events.push(ev);
    }
  }

  begin(lane: Lane, cat: string, name: string, args?: TraceArgs): void {
    this.add('B', lane, cat, name, args);
  }

  end(lane: Lane, cat: string, name: string, args?: TraceArgs): void {
    this.add('E', lane, cat, name, args);
  }

  instant(lane: Lane, cat: string, name: string, args?: TraceArgs): void {
    this.add('i', lane, cat, name, args);
  }

  counter(lane: Lane, name: string, value: number): void {
    this.mix(value | 0);
    this.add('C', lane, 'counter', name, { value });
  }

  /** Flow arrows (Perfetto draws them between slices): start, step, finish. */
  flow(ph: 's' | 't' | 'f', lane: Lane, cat: string, name: string, id: number): void {
    this.mix(id);
    this.add(ph, lane, cat, name, undefined, id);
  }

  /**
   * Async slices (Perfetto shows them on their own track, and they may overlap): used for
   * things held across task switches, such as a lock, a pending fence or a reset.
   */
  asyncBegin(lane: Lane, cat: string, name: string, id: number, args?: TraceArgs): void {
    this.mix(id);
    this.add('b', lane, cat, name, args, id);
  }

  asyncEnd(lane: Lane, cat: string, name: string, id: number, args?: TraceArgs): void {
    this.mix(id);
    this.add('e', lane, cat, name, args, id);
  }

  /** The hash as 16 hex digits (once per run; a table instead of toString and padStart). */
  hash(): string {
    return hex32(this.h1) + hex32(this.h2);
  }
}
