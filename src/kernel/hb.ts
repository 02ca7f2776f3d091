/**
 * Happens-before hashing: a fingerprint of the state a run has reached that is the same for
 * every interleaving of the same steps in which no two *dependent* steps were swapped (one
 * Mazurkiewicz trace), so that the explorer can tell that two different schedules have led to
 * the same state and search what follows it only once (src/explore/dfs.ts `por`; the idea is
 * the happens-before-graph state caching of stateless model checkers, CHESS among them).
 *
 * A *step* is what a task runs between two decision points, or one fired timed event. While a
 * step runs, the model reports the shared objects it touches (`Kernel.access`: the kernel's
 * primitives do it for their own objects). When the step ends, its hash is computed from the
 * step's identity (its task and the task's own previous step) and, for each object touched, the
 * steps it depends on: for a read, the object's last write; for a write, the last write and
 * every read since. The fingerprint is the sum of all step hashes: a sum, so that the order of
 * two independent steps does not matter, and two lanes of 32 bits, so that a collision is about
 * as likely as in a 64-bit hash.
 *
 * What makes equal fingerprints mean equal states: every task is a deterministic function of
 * what it observed, so a step with the same dependencies does the same thing; two schedules
 * whose steps have the same dependencies are one trace and end in the same state, provided
 * that *every* access to state shared between steps was reported. That last condition is the
 * footprint mode, which the program declares (`KernelOptions.footprints`):
 * - `complete`: the program promises it (only the kernel's primitives and `Kernel.access`
 *   touch shared state, and nothing observes the state between steps). Every task step also
 *   reads the clock (it may look at `nowNs`) and every fired event writes it, so an event is
 *   ordered against every step. Only then does the kernel keep a tracker.
 * - `conservative` (what the driver model gets: its shared fields are plain properties and
 *   its invariant checkers look at the whole system after every step): as if every step
 *   wrote one object, the world, so that every two steps are dependent and the fingerprint
 *   told apart every two different sequences of steps. No two nodes of a search tree could
 *   then have the same key, so the kernel keeps no tracker at all: nothing is merged, nothing
 *   can be merged wrongly, and nothing is spent on hashing.
 *
 * Spans (`takeSpan`): the footprint of what ran between two decisions, for sleep sets
 * (src/explore/dfs.ts `sleep`), which compare a step recorded in one run with the steps of
 * another by object id; a span that is not one task step over objects already named counts as
 * dependent on every step (docs/explorer.md §11, *Sleep sets*).
 *
 * Object identities: an object gets its id when it is first touched, derived from the
 * identity of the step that touched it (its task, that task's causal history and how many new
 * objects the step met before it), so that the same object gets the same id in every schedule
 * of one trace. Objects first touched outside any step (set-up) are numbered in order, which is
 * the same in every run.
 */
import { mix32 } from './prng.js';
import type { Task } from './task.js';

export type FootprintMode = 'complete' | 'conservative';

/** The objects one step read (only) and wrote, by id (`HbTracker.takeSpan`). */
export interface Footprint {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/** Whether two steps' footprints conflict: one writes what the other reads or writes. */
export function dependent(a: Footprint, b: Footprint): boolean {
  for (const w of a.writes) if (b.writes.includes(w) || b.reads.includes(w)) return true;
  for (const w of b.writes) if (a.reads.includes(w)) return true;
  return false;
}

/** The fixed object every step may touch: the clock. */
const CLOCK = 1;

/** One object's last write and the reads since it, two lanes each. */
interface Slot {
  w1: number;
  w2: number;
  r1: number;
  r2: number;
}

function mix(h: number, x: number): number {
  let k = Math.imul(x | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let y = (h ^ k) | 0;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

export class HbTracker {
  /** The fingerprint, two lanes. */
  private f1 = 0;
  private f2 = 0;
  private readonly ids = new WeakMap<object, number>();
  private readonly slots = new Map<number, Slot>();
  private setupIds = 16;
  private events = 0;
  /** The open step: its identity, the objects it touched and whether it wrote each. */
  private open = false;
  private stepKey = 0;
  private stepNew = 0;
  private readonly accIds: number[] = [];
  private readonly accWrite: boolean[] = [];
  private accLen = 0;
  /** Whether the open step met an object no step had touched before and no one registered. */
  private stepFresh = false;
  /**
   * What ran since the last `takeSpan` (the steps between two decisions, for sleep sets:
   * dfs.ts `sleep`): how many steps ended, the objects they touched (written or only read),
   * and whether one of them was an event or met an unregistered object for the first time,
   * which makes the span dependent on every step (`takeSpan`).
   */
  private spanSteps = 0;
  private spanWorld = false;
  /** Spans are kept only once someone asks for one (a search without sleep sets never does). */
  private spans = false;
  private readonly spanIds: number[] = [];
  private readonly spanWrite: boolean[] = [];
  private spanLen = 0;

  /** The id of `obj` (see the file comment). */
  idOf(obj: object): number {
    let id = this.ids.get(obj);
    if (id === undefined) {
      id = this.open ? mix32(mix(mix(this.stepKey, 0x51ed27), this.stepNew++)) : this.setupIds++;
      this.ids.set(obj, id);
    }
    return id;
  }

  /** Records that the open step touched `obj` (nothing outside a step: set-up is the same in every run). */
  access(obj: object, write: boolean): void {
    if (!this.open) return;
    // An object first met here has an id derived from this step: another schedule in which
    // another step meets it first names it differently, so a step's footprint recorded in one
    // run could not be compared with another run's steps by id (`takeSpan`).
    if (!this.stepFresh && !this.ids.has(obj)) this.stepFresh = true;
    this.touch(this.idOf(obj), write);
  }

  private touch(id: number, write: boolean): void {
    const ids = this.accIds;
    for (let i = 0; i < this.accLen; i++) {
      if (ids[i] === id) {
        if (write) this.accWrite[i] = true;
        return;
      }
    }
    ids[this.accLen] = id;
    this.accWrite[this.accLen] = write;
    this.accLen++;
  }

  private slot(id: number): Slot {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = { w1: 0, w2: 0, r1: 0, r2: 0 };
      this.slots.set(id, s);
    }
    return s;
  }

  /** A step of `task` begins. */
  beginTask(task: Task): void {
    const self = this.idOf(task);
    this.open = true;
    this.accLen = 0;
    this.stepNew = 0;
    this.stepFresh = false;
    this.stepKey = mix(self, this.slot(self).w1);
    this.touch(self, true);
    this.touch(CLOCK, false);
  }

  /** A fired timed event begins: it may move the clock, so it is ordered against every step. */
  beginEvent(): void {
    this.open = true;
    this.accLen = 0;
    this.stepNew = 0;
    this.stepFresh = true;
    this.stepKey = mix(0x7e1e7e, this.events++);
    this.touch(CLOCK, true);
  }

  /** The open step ends: its hash joins the fingerprint and its objects' histories. */
  end(): void {
    if (!this.open) return;
    this.open = false;
    let a = mix32(mix(this.stepKey, 0x3c6ef372));
    let b = mix32(mix(this.stepKey, 0x1f83d9ab));
    for (let i = 0; i < this.accLen; i++) {
      const id = this.accIds[i] as number;
      const w = this.accWrite[i] as boolean;
      const s = this.slot(id);
      const p1 = w ? (s.w1 + s.r1) | 0 : s.w1;
      const p2 = w ? (s.w2 + s.r2) | 0 : s.w2;
      const tag = w ? id ^ 0x5bd1e995 : id;
      a = (a + mix32(mix(mix(0x2545f491, tag), p1))) | 0;
      b = (b + mix32(mix(mix(0x27d4eb2f, tag), p2))) | 0;
    }
    a = mix32(a);
    b = mix32(b ^ 0x165667b1);
    for (let i = 0; i < this.accLen; i++) {
      const s = this.slot(this.accIds[i] as number);
      if (this.accWrite[i]) {
        s.w1 = a;
        s.w2 = b;
        s.r1 = 0;
        s.r2 = 0;
      } else {
        s.r1 = (s.r1 + a) | 0;
        s.r2 = (s.r2 + b) | 0;
      }
    }
    this.f1 = (this.f1 + a) | 0;
    this.f2 = (this.f2 + b) | 0;
    if (!this.spans) return;
    this.spanSteps++;
    if (this.stepFresh) this.spanWorld = true;
    for (let i = 0; i < this.accLen; i++) {
      const id = this.accIds[i] as number;
      const w = this.accWrite[i] as boolean;
      let k = 0;
      while (k < this.spanLen && this.spanIds[k] !== id) k++;
      if (k === this.spanLen) {
        this.spanIds[k] = id;
        this.spanWrite[k] = w;
        this.spanLen++;
      } else if (w) {
        this.spanWrite[k] = true;
      }
    }
  }

  /**
   * The steps that ended since the last call, as one footprint, and a new span begins. `null`
   * when they were not exactly one task step whose every object was known before it: an event
   * writes the clock every step reads, and an object first met in the step has an id that
   * depends on who met it first, so the same step in another schedule might not name it the
   * same; such a span counts as dependent on every step. Otherwise the ids the step only read
   * and those it wrote.
   */
  takeSpan(): Footprint | null {
    // The first call begins the first span: steps before it were not kept.
    const kept = this.spans;
    this.spans = true;
    let f: Footprint | null = null;
    if (kept && this.spanSteps === 1 && !this.spanWorld) {
      const reads: number[] = [];
      const writes: number[] = [];
      for (let i = 0; i < this.spanLen; i++) {
        ((this.spanWrite[i] as boolean) ? writes : reads).push(this.spanIds[i] as number);
      }
      f = { reads, writes };
    }
    this.spanSteps = 0;
    this.spanWorld = false;
    this.spanLen = 0;
    return f;
  }

  /**
   * A key for the state of the run at a decision: the fingerprint together with what the
   * fingerprint leaves out and the search depends on: which tasks are runnable, which task ran
   * last (`prev`, runnable or not) and the caller's `extra`. With `ordered`,
   * the run queue's order too (a search whose choices cost by FIFO position needs it); without,
   * each runnable task with the instant it became runnable, in any order (two independent
   * steps that end by yielding leave the run queue in their order, and nothing but the FIFO
   * position depends on that: the event horizon depends on the earliest of those instants).
   * A 53-bit number (a JavaScript integer), so that the caller can keep it in a Map cheaply.
   */
  key(runq: readonly Task[], prev: Task | null, extra: number, ordered: boolean): number {
    let h1 = mix(this.f1, extra);
    let h2 = mix(this.f2, ~extra);
    h1 = mix(h1, prev === null ? 0 : this.idOf(prev));
    h2 = mix(h2, prev === null ? 0 : ~this.idOf(prev));
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < runq.length; i++) {
      const t = runq[i] as Task;
      const id = this.idOf(t);
      // The instant, in two 26-bit halves: virtual ns exceed 32 bits after 4 s.
      const lo = t.runnableSinceNs % 0x4000000;
      const hi = Math.floor(t.runnableSinceNs / 0x4000000);
      const e1 = mix32(mix(mix(mix(0x6a09e667, id), lo), hi));
      const e2 = mix32(mix(mix(mix(0x3c6ef372, id), hi), lo));
      if (ordered) {
        h1 = mix(h1, e1);
        h2 = mix(h2, e2);
      } else {
        s1 = (s1 + e1) | 0;
        s2 = (s2 + e2) | 0;
      }
    }
    h1 = mix32(mix(mix(h1, s1), runq.length));
    h2 = mix32(mix(mix(h2, s2), runq.length));
    return (h2 & 0x1fffff) * 0x100000000 + (h1 >>> 0);
  }
}
