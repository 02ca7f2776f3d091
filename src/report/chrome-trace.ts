/**
 * Chrome trace-event export: the JSON Object Format that Perfetto (ui.perfetto.dev) and
 * chrome://tracing open.
 *
 * Layout: one process per lane kind (CPU tasks, IRQ lines, workqueues, the reset worker, GPU
 * engines, CSG slots, AS slots, firmware, user space, checker) plus one for the derived
 * counters, and one thread per lane (two when a task lane also carries spans; see
 * trace-normalize.ts). Every process and thread is named by `M` events. Timestamps are in µs
 * with the nanoseconds as decimals (`displayTimeUnit: 'ns'`).
 *
 * Clocks. The simulated kernel does not advance time while tasks run, so most scheduling
 * steps happen at the same virtual nanosecond: a run slice often begins and ends at the same
 * time as the next one. Importers do not promise to keep the file order of equal timestamps
 * (Perfetto's sorter puts every end before any begin at equal times once the file contains a
 * complete `X` event), which would unpair zero-length slices and unbind flows. The default
 * clock therefore gives every event its own nanosecond: an event is drawn at its virtual time,
 * or 1 ns after the previous event if that is later. The skew is bounded by the longest burst
 * of same-instant events and resets whenever virtual time moves on; every begin and instant
 * that was moved carries its exact virtual time in `args.vtNs`. `exact` keeps virtual time
 * as is (fine for chrome://tracing and Perfetto, which keep file order at equal times when no
 * `X` event is present); `logical` puts events 1 µs apart, which reads an interleaving step by
 * step.
 *
 * For the same reason the exporter writes B/E pairs and never merges them into `X` events:
 * merging would switch Perfetto to the sorting mode above, and Perfetto parses an `X`
 * duration as a floating-point number of µs and truncates it, so a parent could end 1 ns
 * before its last child.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunReport } from '../explore/program.js';
import type { Lane, LaneKind, TraceArgs, TraceEvent } from '../kernel/trace.js';
import { LANE_KINDS } from './conventions.js';
import { COUNTER_LANE, type NormEvent, normalizeTrace, type Repairs } from './trace-normalize.js';

export type TraceClock = 'virtual' | 'exact' | 'logical';

export interface ChromeTraceMeta {
  /** Shown in the trace metadata (e.g. `hang@rwsem seed 42`). */
  title?: string;
  /** End of the run in virtual ns; unterminated slices close here. */
  endNs?: number;
  clock?: TraceClock;
  /** Add derived counters and reset flows (default true). */
  derive?: boolean;
  /** Anything identifying the run (scenario, design, seed, schedule, replay command). */
  run?: Record<string, string | number | boolean | null>;
}

export type ChromeArgs = Record<string, string | number | boolean | null>;

export interface ChromeTraceEvent {
  name: string;
  ph: 'B' | 'E' | 'i' | 'C' | 's' | 't' | 'f' | 'b' | 'e' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  cat?: string;
  args?: ChromeArgs;
  id?: number;
  /** Instant scope: thread, process or global. */
  s?: 't' | 'p' | 'g';
  /** Flow binding point: `e` binds to the enclosing slice. */
  bp?: 'e';
}

export interface ChromeTraceMetadata {
  generatedBy: string;
  title: string | null;
  clock: TraceClock;
  endNs: number;
  /** Largest distance between a drawn timestamp and its virtual time, in ns. */
  maxSkewNs: number;
  repairs: Repairs;
  run: Record<string, string | number | boolean | null>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ns';
  metadata: ChromeTraceMetadata;
}

/** Process id of each lane kind; the derived counters come last. */
const PID_OF_KIND = new Map<LaneKind, number>(LANE_KINDS.map((k, i) => [k.kind, i + 1]));
const COUNTER_PID = LANE_KINDS.length + 1;

export function toChromeTrace(
  events: readonly TraceEvent[],
  lanes: readonly Lane[],
  meta: ChromeTraceMeta = {},
): ChromeTrace {
  const clock = meta.clock ?? 'virtual';
  const norm = normalizeTrace(events, lanes, {
    ...(meta.endNs !== undefined ? { endNs: meta.endNs } : {}),
    ...(meta.derive !== undefined ? { derive: meta.derive } : {}),
  });

  // Thread ids: two per lane (runs, spans), unique across processes; the counters after.
  const sortedLanes = [...norm.lanes.values()].sort((a, b) => a.id - b.id);
  const maxLane = sortedLanes.reduce((m, l) => Math.max(m, l.id), 0);
  const tidOf = (lane: number, track: 0 | 1): number =>
    lane === COUNTER_LANE ? 2 * maxLane + 3 : 2 * lane + 1 + track;
  const pidOf = (lane: number): number => {
    if (lane === COUNTER_LANE) return COUNTER_PID;
    const kind = norm.lanes.get(lane)?.kind ?? 'cpu';
    return PID_OF_KIND.get(kind) ?? 1;
  };

  const out: ChromeTraceEvent[] = [];
  const usedPids = new Set<number>();
  for (const l of sortedLanes) usedPids.add(pidOf(l.id));
  if (norm.hasCounters) usedPids.add(COUNTER_PID);

  // Metadata first: names and sort order of every process and thread.
  for (const [i, k] of LANE_KINDS.entries()) {
    const pid = i + 1;
    if (!usedPids.has(pid)) continue;
    out.push(meta1('process_name', pid, 0, { name: k.title }));
    out.push(meta1('process_sort_index', pid, 0, { sort_index: pid }));
  }
  if (norm.hasCounters) {
    out.push(meta1('process_name', COUNTER_PID, 0, { name: 'Counters' }));
    out.push(meta1('process_sort_index', COUNTER_PID, 0, { sort_index: COUNTER_PID }));
    const tid = tidOf(COUNTER_LANE, 0);
    out.push(meta1('thread_name', COUNTER_PID, tid, { name: 'derived counters' }));
  }
  for (const l of sortedLanes) {
    const pid = pidOf(l.id);
    out.push(meta1('thread_name', pid, tidOf(l.id, 0), { name: l.name }));
    out.push(meta1('thread_sort_index', pid, tidOf(l.id, 0), { sort_index: 2 * l.id }));
    if (norm.spanLanes.has(l.id)) {
      out.push(meta1('thread_name', pid, tidOf(l.id, 1), { name: `${l.name} (spans)` }));
      out.push(meta1('thread_sort_index', pid, tidOf(l.id, 1), { sort_index: 2 * l.id + 1 }));
    }
  }

  const drawn = drawClock(clock, norm.events);
  let maxSkewNs = 0;
  norm.events.forEach((e, i) => {
    const at = drawn[i] as number;
    maxSkewNs = Math.max(maxSkewNs, at - e.vt);
    out.push(toChrome(e, at, pidOf(e.lane), tidOf(e.lane, e.track)));
  });

  return {
    traceEvents: out,
    displayTimeUnit: 'ns',
    metadata: {
      generatedBy: 'resetlab',
      title: meta.title ?? null,
      clock,
      endNs: norm.endNs,
      maxSkewNs: clock === 'logical' ? 0 : maxSkewNs,
      repairs: norm.repairs,
      run: meta.run ?? {},
    },
  };
}

/** Exports a run's stored trace; the run must have been made with `trace: true`. */
export function chromeTraceFromRun(run: RunReport, meta: ChromeTraceMeta = {}): ChromeTrace {
  if (run.trace === undefined || run.lanes === undefined) {
    throw new Error('chromeTraceFromRun: the run has no stored trace (run it with trace: true)');
  }
  return toChromeTrace(run.trace, run.lanes, { endNs: run.virtualTimeNs, ...meta });
}

/**
 * Writes the trace as JSON, one event per line, without building the whole file as one
 * string (long runs have millions of events).
 */
export function writeChromeTrace(
  path: string,
  events: readonly TraceEvent[],
  lanes: readonly Lane[],
  meta: ChromeTraceMeta = {},
): ChromeTrace {
  const trace = toChromeTrace(events, lanes, meta);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, '{"displayTimeUnit":"ns","traceEvents":[\n');
    const batch: string[] = [];
    trace.traceEvents.forEach((e, i) => {
      batch.push((i > 0 ? ',\n' : '') + JSON.stringify(e));
      if (batch.length >= 4096) {
        writeSync(fd, batch.join(''));
        batch.length = 0;
      }
    });
    batch.push(`\n],\n"metadata":${JSON.stringify(trace.metadata)}}\n`);
    writeSync(fd, batch.join(''));
  } finally {
    closeSync(fd);
  }
  return trace;
}

/** Drawn time in ns of each event under the clock. */
function drawClock(clock: TraceClock, events: readonly NormEvent[]): number[] {
  const drawn = new Array<number>(events.length);
  let prev = Number.NEGATIVE_INFINITY;
  events.forEach((e, i) => {
    let at: number;
    if (clock === 'exact') at = e.vt;
    else if (clock === 'logical') at = i * 1000;
    else at = Math.max(e.vt, prev + 1);
    drawn[i] = at;
    prev = at;
  });
  return drawn;
}

function meta1(name: string, pid: number, tid: number, args: ChromeArgs): ChromeTraceEvent {
  return { name, ph: 'M', pid, tid, args };
}

function toChrome(e: NormEvent, atNs: number, pid: number, tid: number): ChromeTraceEvent {
  const ts = atNs / 1000;
  let args: ChromeArgs | undefined = e.args === undefined ? undefined : { ...e.args };
  const moved = atNs !== e.vt;
  const addArg = (k: string, v: string | number | boolean): void => {
    args ??= {};
    args[k] = v;
  };
  if (moved && (e.ph === 'B' || e.ph === 'b' || e.ph === 'i' || e.ph === 'g')) {
    addArg('vtNs', e.vt);
  }
  if (e.note === 'unterminated') addArg('unterminated', true);
  else if (e.note === 'truncated') addArg('truncated', true);
  else if (e.note === 'reopened') addArg('continued', true);
  else if (e.note === 'wrapper') addArg('synthetic', true);

  const ev: ChromeTraceEvent = { name: e.name, ph: 'i', pid, tid, ts, cat: e.cat };
  switch (e.ph) {
    case 'g':
      ev.ph = 'i';
      ev.s = 'g';
      ev.name = `violation: ${e.name}`;
      break;
    case 'i':
      ev.s = 't';
      break;
    case 'C':
      ev.ph = 'C';
      break;
    case 's':
    case 't':
    case 'f':
      ev.ph = e.ph;
      ev.bp = 'e';
      break;
    default:
      ev.ph = e.ph;
  }
  if (e.id !== undefined) ev.id = e.id;
  if (args !== undefined) ev.args = args as TraceArgs;
  return ev;
}

export { validateChromeTrace } from './chrome-trace-validate.js';
