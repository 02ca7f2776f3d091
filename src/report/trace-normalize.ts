/**
 * Turns a recorded event list into a well-formed timeline that every consumer (the Chrome
 * trace exporter, the HTML timeline) can trust, whatever state the run ended in.
 *
 * A run can stop anywhere: at a violation, a step limit or a model error. Its trace then has
 * slices that never end, and driver code may open a phase slice on a task's lane and keep it
 * open while the task blocks, so that the phase and the task's run slices overlap without
 * nesting. Perfetto drops or misplaces such slices silently, which is the worst outcome for a
 * tool whose point is to show the exact interleaving. So the repairs happen here, once, and
 * are counted:
 *
 * - each lane has up to two tracks: track 0 holds the kernel's run slices (`sched`), instants
 *   and flows; other slices of a lane that also has run slices go to track 1, its "spans", so
 *   a phase that spans several dispatches is drawn beside them instead of breaking them;
 * - an end without a matching begin on its track is dropped; an end that matches a begin
 *   below the top closes the slices above it and reopens them right after (marked), so the
 *   result nests and no time is lost; slices still open at the end close at the end time;
 * - async slices (`b`/`e`) are matched by (category, id) across lanes, and an end is drawn on
 *   the lane of its begin (a fence created by an ioctl and signalled from an IRQ is one slice);
 * - flows get one name per chain (Perfetto matches flow steps by id, category and name), a
 *   chain without its finish ends at its last step or is dropped, and a flow event outside
 *   any slice gets a one-event wrapper slice, because flows bind to enclosing slices;
 * - events on a lane that the lane list does not name get a fallback lane.
 *
 * Derived events (see conventions.ts) are added here as well: the counters (jobs in flight,
 * resets) and, when the driver did not emit reset flows itself, the flow from each reset
 * request to the phases of the reset that served it.
 *
 * The output is in recording order (a stable sort by virtual time); timestamps stay virtual.
 * How they are displayed is the exporter's business.
 */
import type { Lane, TraceArgs, TraceEvent } from '../kernel/trace.js';
import { Cat, DerivedCounter, JobEvent, ResetEvent } from './conventions.js';

/** The pseudo-lane that carries derived counters. */
export const COUNTER_LANE = -1;

export type NormPhase = 'B' | 'E' | 'i' | 'g' | 'C' | 's' | 't' | 'f' | 'b' | 'e';

/** Why the normaliser added or changed an event (absent for recorded events). */
export type NormNote = 'unterminated' | 'truncated' | 'reopened' | 'wrapper' | 'derived';

export interface NormEvent {
  /** `g` is a global instant (a violation); the rest are Chrome phases. */
  ph: NormPhase;
  /** Virtual time in ns. */
  vt: number;
  /** Lane id, or `COUNTER_LANE`. */
  lane: number;
  /** 0: the lane's runs, instants and flows; 1: its spans (see the file comment). */
  track: 0 | 1;
  cat: string;
  name: string;
  args?: TraceArgs;
  /** Async or flow id. */
  id?: number;
  /** Index of the source event in the sorted input, or -1 when added here. */
  src: number;
  note?: NormNote;
}

export interface Repairs {
  /** Slices (sync or async) still open at the end, closed at the end time. */
  unterminated: number;
  /** Ends without a begin, dropped. */
  orphanEnds: number;
  /** Slices closed early and reopened so that an outer end could nest. */
  reopened: number;
  /** Flow chains without a finish: ended at their last step, or dropped. */
  incompleteFlows: number;
  /** Flow events that had no enclosing slice and got a wrapper. */
  wrappedFlows: number;
  /** Events naming a lane that the lane list lacks. */
  unnamedLanes: number;
  /** Events with a non-finite or negative timestamp (dropped or clamped). */
  badTimestamps: number;
}

export interface NormalizedTrace {
  events: NormEvent[];
  /** The input lanes plus fallback lanes, indexed by id. */
  lanes: Map<number, Lane>;
  /** Lanes whose spans are on track 1. */
  spanLanes: Set<number>;
  /** Virtual time of the end of the run. */
  endNs: number;
  repairs: Repairs;
  /** Whether derived counters exist (the counter pseudo-lane is used). */
  hasCounters: boolean;
}

export interface NormalizeOptions {
  /** End of the run in virtual ns (defaults to the last event). */
  endNs?: number;
  /** Add the derived counters and reset flows (default true). */
  derive?: boolean;
}

interface Open {
  name: string;
  cat: string;
  lane: number;
  track: 0 | 1;
  args?: TraceArgs;
  id?: number;
}

interface Chain {
  name: string;
  /** Index in `out` of the start event. */
  start: number;
  /** Index in `out` of the last step, or -1. */
  lastStep: number;
}

/** A planned derived event, emitted after the source event at the given index. */
type Planned = Omit<NormEvent, 'vt' | 'src'>;

export function normalizeTrace(
  input: readonly TraceEvent[],
  inputLanes: readonly Lane[],
  opts: NormalizeOptions = {},
): NormalizedTrace {
  const repairs: Repairs = {
    unterminated: 0,
    orphanEnds: 0,
    reopened: 0,
    incompleteFlows: 0,
    wrappedFlows: 0,
    unnamedLanes: 0,
    badTimestamps: 0,
  };
  const events = sortedEvents(input, repairs);
  const lanes = new Map<number, Lane>();
  for (const l of inputLanes) lanes.set(l.id, l);
  const hasSched = new Set<number>();
  for (const ev of events) {
    if (!lanes.has(ev.lane)) {
      lanes.set(ev.lane, { id: ev.lane, kind: 'cpu', name: `lane ${ev.lane}` });
      repairs.unnamedLanes++;
    }
    if ((ev.ph === 'B' || ev.ph === 'E') && ev.cat === Cat.sched) hasSched.add(ev.lane);
  }
  const spanLanes = new Set<number>();
  const trackOf = (ev: TraceEvent): 0 | 1 => {
    if (ev.cat === Cat.sched || !hasSched.has(ev.lane)) return 0;
    spanLanes.add(ev.lane);
    return 1;
  };

  const lastTs = events.length > 0 ? (events[events.length - 1] as TraceEvent).ts : 0;
  const endNs = Math.max(opts.endNs ?? 0, lastTs);
  const derive = opts.derive ?? true;
  const plan = derive ? planDerived(events, trackOf) : new Map<number, Planned[]>();
  const hasCounters = derive && [...plan.values()].some((p) => p.some((e) => e.ph === 'C'));

  const out: (NormEvent | null)[] = [];
  const stacks = new Map<string, Open[]>();
  const asyncStacks = new Map<string, Open[]>();
  const chains = new Map<string, Chain>();

  const stackOf = (lane: number, track: 0 | 1): Open[] => {
    const key = `${lane}:${track}`;
    let s = stacks.get(key);
    if (s === undefined) {
      s = [];
      stacks.set(key, s);
    }
    return s;
  };

  const push = (e: NormEvent): number => {
    out.push(e);
    return out.length - 1;
  };

  /** Closes `stack[j]`, closing and later reopening everything above it. */
  const closeAt = (
    stack: Open[],
    j: number,
    vt: number,
    ph: 'E' | 'e',
    args: TraceArgs | undefined,
    src: number,
  ): void => {
    const above = stack.splice(j + 1);
    for (let k = above.length - 1; k >= 0; k--) {
      const o = above[k] as Open;
      push(endOf(o, ph, vt, -1, 'truncated'));
      repairs.reopened++;
    }
    const o = stack.pop() as Open;
    const end = endOf(o, ph, vt, src);
    if (args !== undefined) end.args = args;
    push(end);
    for (const o2 of above) {
      stack.push(o2);
      const b: NormEvent = {
        ph: ph === 'E' ? 'B' : 'b',
        vt,
        lane: o2.lane,
        track: o2.track,
        cat: o2.cat,
        name: o2.name,
        src: -1,
        note: 'reopened',
      };
      if (o2.args !== undefined) b.args = o2.args;
      if (o2.id !== undefined) b.id = o2.id;
      push(b);
    }
  };

  /** Emits a flow event, inside a wrapper slice when nothing encloses it on its track. */
  const flow = (e: NormEvent): number => {
    if (stackOf(e.lane, e.track).length > 0) return push(e);
    repairs.wrappedFlows++;
    const wrap = { vt: e.vt, lane: e.lane, track: e.track, cat: e.cat, name: e.name, src: -1 };
    push({ ...wrap, ph: 'B', note: 'wrapper' });
    const at = push(e);
    push({ ...wrap, ph: 'E', note: 'wrapper' });
    return at;
  };

  const finishChain = (c: Chain): void => {
    repairs.incompleteFlows++;
    if (c.lastStep >= 0) {
      const step = out[c.lastStep];
      if (step) step.ph = 'f';
    } else {
      out[c.start] = null;
    }
  };

  const emitPlanned = (idx: number, vt: number): void => {
    const planned = plan.get(idx);
    if (planned === undefined) return;
    for (const p of planned) {
      const e: NormEvent = { ...p, vt, src: -1, note: 'derived' };
      if (p.ph === 's' || p.ph === 't' || p.ph === 'f') flow(e);
      else push(e);
    }
  };

  // Counters start at zero, so that their graphs have a baseline.
  if (hasCounters) emitPlanned(-1, events[0]?.ts ?? 0);

  for (let idx = 0; idx < events.length; idx++) {
    const ev = events[idx] as TraceEvent;
    const base = { vt: ev.ts, lane: ev.lane, cat: ev.cat, name: ev.name, src: idx };
    switch (ev.ph) {
      case 'B': {
        const track = trackOf(ev);
        const open: Open = { name: ev.name, cat: ev.cat, lane: ev.lane, track };
        if (ev.args !== undefined) open.args = ev.args;
        stackOf(ev.lane, track).push(open);
        push(withArgs({ ...base, ph: 'B', track }, ev.args));
        break;
      }
      case 'E': {
        const track = trackOf(ev);
        const stack = stackOf(ev.lane, track);
        const j = findOpen(stack, ev.name, ev.cat);
        if (j < 0) {
          repairs.orphanEnds++;
          break;
        }
        closeAt(stack, j, ev.ts, 'E', ev.args, idx);
        break;
      }
      case 'i':
        push(withArgs({ ...base, ph: ev.cat === Cat.violation ? 'g' : 'i', track: 0 }, ev.args));
        break;
      case 'C':
        push(withArgs({ ...base, ph: 'C', track: 0 }, ev.args));
        break;
      case 'b': {
        if (ev.id === undefined) {
          repairs.orphanEnds++;
          break;
        }
        const key = `${ev.cat}\u0000${ev.id}`;
        let stack = asyncStacks.get(key);
        if (stack === undefined) {
          stack = [];
          asyncStacks.set(key, stack);
        }
        const open: Open = { name: ev.name, cat: ev.cat, lane: ev.lane, track: 0, id: ev.id };
        if (ev.args !== undefined) open.args = ev.args;
        stack.push(open);
        push(withArgs({ ...base, ph: 'b', track: 0, id: ev.id }, ev.args));
        break;
      }
      case 'e': {
        const stack = ev.id === undefined ? undefined : asyncStacks.get(`${ev.cat}\u0000${ev.id}`);
        const j = stack === undefined ? -1 : findOpen(stack, ev.name, ev.cat);
        if (stack === undefined || j < 0) {
          repairs.orphanEnds++;
          break;
        }
        closeAt(stack, j, ev.ts, 'e', ev.args, idx);
        break;
      }
      case 's':
      case 't':
      case 'f': {
        if (ev.id === undefined) {
          repairs.incompleteFlows++;
          break;
        }
        const key = `${ev.cat}\u0000${ev.id}`;
        const chain = chains.get(key);
        if (ev.ph === 's') {
          if (chain !== undefined) finishChain(chain);
          const at = flow({ ...base, ph: 's', track: 0, id: ev.id });
          chains.set(key, { name: ev.name, start: at, lastStep: -1 });
        } else if (chain === undefined) {
          repairs.incompleteFlows++;
        } else {
          const at = flow({ ...base, name: chain.name, ph: ev.ph, track: 0, id: ev.id });
          if (ev.ph === 'f') chains.delete(key);
          else chain.lastStep = at;
        }
        break;
      }
    }
    emitPlanned(idx, ev.ts);
  }

  for (const c of chains.values()) finishChain(c);
  for (const stack of stacks.values()) {
    while (stack.length > 0) {
      const o = stack.pop() as Open;
      push(endOf(o, 'E', endNs, -1, 'unterminated'));
      repairs.unterminated++;
    }
  }
  for (const stack of asyncStacks.values()) {
    while (stack.length > 0) {
      const o = stack.pop() as Open;
      push(endOf(o, 'e', endNs, -1, 'unterminated'));
      repairs.unterminated++;
    }
  }

  return {
    events: out.filter((e): e is NormEvent => e !== null),
    lanes,
    spanLanes,
    endNs,
    repairs,
    hasCounters,
  };
}

/** The input, stably sorted by time, without events whose time is unusable. */
function sortedEvents(input: readonly TraceEvent[], repairs: Repairs): TraceEvent[] {
  const events: TraceEvent[] = [];
  let sorted = true;
  let prev = 0;
  for (const ev of input) {
    if (!Number.isFinite(ev.ts)) {
      repairs.badTimestamps++;
      continue;
    }
    let e = ev;
    if (ev.ts < 0) {
      repairs.badTimestamps++;
      e = { ...ev, ts: 0 };
    }
    if (e.ts < prev) sorted = false;
    prev = e.ts;
    events.push(e);
  }
  // Array.prototype.sort is stable, so events at the same instant keep their recorded order.
  if (!sorted) events.sort((a, b) => a.ts - b.ts);
  return events;
}

function findOpen(stack: readonly Open[], name: string, cat: string): number {
  for (let j = stack.length - 1; j >= 0; j--) {
    const o = stack[j] as Open;
    if (o.name === name && o.cat === cat) return j;
  }
  return -1;
}

function endOf(o: Open, ph: 'E' | 'e', vt: number, src: number, note?: NormNote): NormEvent {
  const e: NormEvent = { ph, vt, lane: o.lane, track: o.track, cat: o.cat, name: o.name, src };
  if (o.id !== undefined) e.id = o.id;
  if (note !== undefined) e.note = note;
  return e;
}

function withArgs(e: NormEvent, args: TraceArgs | undefined): NormEvent {
  if (args !== undefined) e.args = args;
  return e;
}

// -----------------------------------------------------------------------------------------
// Derived events

interface Sequence {
  /** Indices of the begin events: the sequence slice, then its phases. */
  phases: number[];
  lane: number;
  /** Requests named by the sequence (`args.reqs`), or null to serve "the next" ones. */
  reqs: Set<number> | null;
}

/**
 * Plans the derived counters and reset flows: for each source index, the events to emit right
 * after it (index -1: before everything).
 */
function planDerived(
  events: readonly TraceEvent[],
  trackOf: (ev: TraceEvent) => 0 | 1,
): Map<number, Planned[]> {
  const plan = new Map<number, Planned[]>();
  const add = (idx: number, p: Planned): void => {
    let list = plan.get(idx);
    if (list === undefined) {
      list = [];
      plan.set(idx, list);
    }
    list.push(p);
  };
  const counter = (idx: number, name: string, value: number): void =>
    add(idx, { ph: 'C', lane: COUNTER_LANE, track: 0, cat: 'derived', name, args: { value } });

  const inFlight = new Set<number>();
  /** In-flight jobs by the name their `submit` gave (`args.name`), whose fence is named so. */
  const byName = new Map<string, number>();
  let completed = 0;
  let requestCount = 0;
  let resetCount = 0;
  let sawJobs = false;
  let sawResets = false;
  let explicitResetFlows = false;
  const requests: { idx: number; id: number; lane: number }[] = [];
  const sequences: Sequence[] = [];
  const openSeq = new Map<number, Sequence[]>();

  const jobDone = (idx: number, job: number, err: unknown): void => {
    counter(idx, DerivedCounter.jobsInFlight, inFlight.size);
    if (err === undefined || err === 0 || err === null) {
      completed++;
      counter(idx, DerivedCounter.jobsCompleted, completed);
    }
    for (const [n, j] of byName) if (j === job) byName.delete(n);
  };

  for (let idx = 0; idx < events.length; idx++) {
    const ev = events[idx] as TraceEvent;
    if (ev.cat === Cat.job && ev.ph === 'i') {
      const job = ev.args?.job;
      if (typeof job !== 'number') continue;
      if (ev.name === JobEvent.submit && !inFlight.has(job)) {
        sawJobs = true;
        inFlight.add(job);
        const name = ev.args?.name;
        if (typeof name === 'string') byName.set(name, job);
        counter(idx, DerivedCounter.jobsInFlight, inFlight.size);
      } else if (ev.name === JobEvent.done && inFlight.delete(job)) {
        jobDone(idx, job, ev.args?.error);
      }
    } else if (ev.cat === Cat.fence && ev.ph === 'i' && ev.name.startsWith(SIGNAL_PREFIX)) {
      // A job's fence signalled without a `done` (a wedge signals every fence): it is done.
      const job = byName.get(ev.name.slice(SIGNAL_PREFIX.length));
      if (job !== undefined && inFlight.delete(job)) jobDone(idx, job, ev.args?.error);
    } else if (ev.cat === Cat.reset) {
      if (ev.ph === 's' || ev.ph === 't' || ev.ph === 'f') explicitResetFlows = true;
      if (ev.ph === 'b') {
        // A reset sequence drawn as an async slice (sequences may overlap): counted only.
        sawResets = true;
        resetCount++;
        counter(idx, DerivedCounter.resets, resetCount);
      }
      if (ev.ph === 'i' && isRequest(ev.name)) {
        sawResets = true;
        requestCount++;
        const req = ev.args?.req;
        requests.push({ idx, id: typeof req === 'number' ? req : requestCount, lane: ev.lane });
        counter(idx, DerivedCounter.resetRequests, requestCount);
      } else if (ev.ph === 'B') {
        const open = openSeq.get(ev.lane) ?? [];
        if (ev.name === ResetEvent.sequence) {
          sawResets = true;
          resetCount++;
          counter(idx, DerivedCounter.resets, resetCount);
          const reqs = ev.args?.reqs;
          const seq: Sequence = {
            phases: [idx],
            lane: ev.lane,
            reqs: typeof reqs === 'string' || typeof reqs === 'number' ? parseReqs(reqs) : null,
          };
          sequences.push(seq);
          open.push(seq);
          openSeq.set(ev.lane, open);
        } else {
          open[open.length - 1]?.phases.push(idx);
        }
      } else if (ev.ph === 'E' && ev.name === ResetEvent.sequence) {
        openSeq.get(ev.lane)?.pop();
      }
    }
  }

  if (sawJobs) {
    counter(-1, DerivedCounter.jobsInFlight, 0);
    counter(-1, DerivedCounter.jobsCompleted, 0);
  }
  if (sawResets) {
    counter(-1, DerivedCounter.resetRequests, 0);
    counter(-1, DerivedCounter.resets, 0);
  }
  if (!explicitResetFlows) planResetFlows(events, requests, sequences, trackOf, add);
  return plan;
}

function planResetFlows(
  events: readonly TraceEvent[],
  requests: readonly { idx: number; id: number; lane: number }[],
  sequences: readonly Sequence[],
  trackOf: (ev: TraceEvent) => 0 | 1,
  add: (idx: number, p: Planned) => void,
): void {
  const name = 'reset request';
  for (const r of requests) {
    let seq = sequences.find((s) => s.reqs?.has(r.id) === true);
    // Coalescing: without an explicit list, a request is served by the next reset to begin.
    seq ??= sequences.find((s) => s.reqs === null && (s.phases[0] as number) > r.idx);
    if (seq === undefined) continue;
    add(r.idx, { ph: 's', lane: r.lane, track: 0, cat: Cat.reset, name, id: r.id });
    seq.phases.forEach((p, k) => {
      const ev = events[p] as TraceEvent;
      const ph = k === seq.phases.length - 1 ? 'f' : 't';
      add(p, { ph, lane: ev.lane, track: trackOf(ev), cat: Cat.reset, name, id: r.id });
    });
  }
}

/** The kernel's fence-signal instants: `signal <fence name>` (src/kernel/fence.ts). */
const SIGNAL_PREFIX = 'signal ';

/** A reset request: `request`, or `request <reason>...` as the driver names it. */
function isRequest(name: string): boolean {
  return name === ResetEvent.request || name.startsWith(`${ResetEvent.request} `);
}

function parseReqs(v: string | number): Set<number> {
  if (typeof v === 'number') return new Set([v]);
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const n = Number(part.trim());
    if (part.trim() !== '' && Number.isInteger(n)) out.add(n);
  }
  return out;
}
