/**
 * The timeline of one failing run, drawn as inline SVG for the HTML report: lanes as rows,
 * slices as bars, instants as ticks, reset flows as arrows, and the violation as a red line
 * across every row.
 *
 * Two drawings of the same window are produced. In *step order* every event gets its own
 * column: the simulated kernel does not advance time while tasks run, so hundreds of steps
 * can share one virtual nanosecond, and only an ordinal axis shows who ran before whom, which
 * is the point of a concurrency trace. In *virtual time* the x axis is time, which shows
 * latencies and timeouts. The page toggles between them.
 *
 * A run may have 10^4 to 10^6 events; a drawing of all of them is neither readable nor small.
 * The window is a fixed number of events before and after the violation (the end of the run
 * when there is none); slices that cross its edges are clipped and marked. The SVG is built
 * on the server side so that the page needs no script to show it and tests can inspect it.
 *
 * Each drawing is two SVGs side by side: the lane labels, which the page pins to the left
 * edge while the plot scrolls under them, and the plot. Violation labels get a band of their
 * own above the axis, one line per label that would overlap another, and turn to the left of
 * their line where they would run off the right edge. Locks are held intervals on a `(locks)`
 * row of the task that held them (`lock`..`unlock`, `down_write`..`up_write`), preceded by a
 * hatched interval while the task waited for the lock (`wait`, traced on contention only).
 */
import type { Lane, TraceArgs, TraceEvent } from '../kernel/trace.js';
import { LANE_KINDS } from './conventions.js';
import { escapeHtml, formatNs } from './escape.js';
import { COUNTER_LANE, type NormEvent, normalizeTrace } from './trace-normalize.js';

export interface TimelineOptions {
  /** Events shown before the violation (default 240). */
  before?: number;
  /** Events shown after it (default 80). */
  after?: number;
  /** Width of one event column in step-order mode, px (default 6). */
  columnPx?: number;
  /** Width of the plot in virtual-time mode, px (default 1100). */
  timePx?: number;
}

export interface TimelineInput {
  events: readonly TraceEvent[];
  lanes: readonly Lane[];
  /** The violated invariant, to find its marker (the first violation otherwise). */
  invariant?: string;
  /** Virtual time of the violation, used when the trace has no violation event. */
  atNs?: number;
  endNs?: number;
  /** Makes SVG ids unique within a page. */
  uid: string;
}

export interface CounterSeries {
  name: string;
  /** [virtual ns, value], ascending in time, the last value at each instant. */
  points: [number, number][];
}

export interface Timeline {
  /** Labels and plot of the step-order drawing, side by side (see the file comment). */
  orderSvg: string;
  timeSvg: string;
  /** Window, as positions in the event sequence, and the sequence length. */
  from: number;
  to: number;
  total: number;
  fromNs: number;
  toNs: number;
  /** Whether a violation event was found in the trace. */
  violationFound: boolean;
  rows: number;
  counters: CounterSeries[];
}

interface Row {
  key: string;
  label: string;
  title: string;
  order: number;
  depth: number;
}

interface Bar {
  row: string;
  depth: number;
  from: number;
  to: number;
  fromNs: number;
  toNs: number;
  name: string;
  cat: string;
  args?: TraceArgs;
  clippedLeft: boolean;
  clippedRight: boolean;
  note?: string;
}

interface Tick {
  row: string;
  pos: number;
  vt: number;
  name: string;
  cat: string;
  args?: TraceArgs;
}

interface FlowPoint {
  row: string;
  depth: number;
  pos: number;
  vt: number;
}

const ROW_PX = 16;
const LABEL_PX = 200;
/** Left margin of the plot (the labels are a separate, pinned SVG). */
const PLOT_X0 = 8;
const AXIS_PX = 26;
/** Height of one line of violation labels, and the width of a character of their font. */
const VLABEL_PX = 13;
const VLABEL_CHAR_PX = 7;
const MAX_DEPTH = 4;
const KIND_ORDER = new Map(LANE_KINDS.map((k, i) => [k.kind, i]));

export function renderTimeline(input: TimelineInput, opts: TimelineOptions = {}): Timeline {
  const before = opts.before ?? 240;
  const after = opts.after ?? 80;
  const columnPx = opts.columnPx ?? 6;
  const timePx = opts.timePx ?? 1100;

  const norm = normalizeTrace(input.events, input.lanes, {
    ...(input.endNs !== undefined ? { endNs: input.endNs } : {}),
  });
  const counters = counterSeries(norm.events);
  const seq = norm.events.filter((e) => e.ph !== 'C');
  const total = seq.length;

  // Centre on the violation: the named invariant's marker, any marker, the time, or the end.
  let at = seq.findIndex((e) => e.ph === 'g' && e.name === input.invariant);
  if (at < 0) at = seq.findIndex((e) => e.ph === 'g');
  const violationFound = at >= 0;
  if (at < 0 && input.atNs !== undefined) {
    const t = input.atNs;
    at = seq.findIndex((e) => e.vt >= t);
  }
  if (at < 0) at = Math.max(0, total - 1);
  const from = Math.max(0, at - before);
  const to = Math.min(Math.max(0, total - 1), at + after);

  const laneOf = (id: number): Lane =>
    norm.lanes.get(id) ?? { id, kind: 'cpu', name: `lane ${id}` };
  const rows = new Map<string, Row>();
  const useRow = (e: NormEvent, sub: 0 | 1 | 2 | 3, depth: number): string => {
    const lane = laneOf(e.lane);
    const key = `${lane.id}:${sub}`;
    let row = rows.get(key);
    if (row === undefined) {
      const suffix = sub === 1 ? ' (spans)' : sub === 2 ? ' (async)' : sub === 3 ? ' (locks)' : '';
      const kindOrder = KIND_ORDER.get(lane.kind) ?? LANE_KINDS.length;
      row = {
        key,
        label: `${lane.name}${suffix}`,
        title: `${lane.kind} lane ${lane.id}: ${lane.name}${suffix}`,
        order: kindOrder * 1e7 + lane.id * 4 + sub,
        depth: 0,
      };
      rows.set(key, row);
    }
    row.depth = Math.max(row.depth, Math.min(depth, MAX_DEPTH - 1));
    return key;
  };

  // Pair begins and ends over the whole run, so that slices crossing the window are drawn.
  const bars: Bar[] = [];
  const ticks: Tick[] = [];
  const flows = new Map<string, FlowPoint[]>();
  const open = new Map<string, { e: NormEvent; pos: number }[]>();
  const asyncOpen = new Map<string, { e: NormEvent; pos: number }[]>();
  const inWindow = (a: number, b: number): boolean => b >= from && a <= to;
  const addBar = (
    b: { e: NormEvent; pos: number },
    endPos: number,
    end: NormEvent,
    sub: 0 | 1 | 2 | 3,
    depth: number,
    as?: { name: string; cat: string; note?: string },
  ): void => {
    if (!inWindow(b.pos, endPos)) return;
    const row = useRow(b.e, sub, depth);
    const bar: Bar = {
      row,
      depth: Math.min(depth, MAX_DEPTH - 1),
      from: Math.max(b.pos, from),
      to: Math.min(endPos, to),
      fromNs: b.e.vt,
      toNs: end.vt,
      name: as?.name ?? b.e.name,
      cat: as?.cat ?? b.e.cat,
      clippedLeft: b.pos < from,
      clippedRight: endPos > to,
    };
    if (b.e.args !== undefined) bar.args = b.e.args;
    const note = as?.note ?? end.note ?? b.e.note;
    if (note !== undefined && note !== 'derived') bar.note = note;
    bars.push(bar);
  };

  // Locks: per lane and lock, the wait (if any) and the hold, as intervals.
  const waiting = new Map<string, { e: NormEvent; pos: number }>();
  const holding = new Map<string, { e: NormEvent; pos: number; depth: number }>();
  const heldOn = new Map<number, number>();
  const lockEvent = (e: NormEvent, pos: number): boolean => {
    const m = /^(wait|lock|down_write|unlock|up_write) (.+)$/.exec(e.name);
    if (m === null) return false;
    const [, op, lock] = m as unknown as [string, string, string];
    const key = `${e.lane}|${lock}`;
    if (op === 'wait') {
      waiting.set(key, { e, pos });
    } else if (op === 'lock' || op === 'down_write') {
      const depth = heldOn.get(e.lane) ?? 0;
      const w = waiting.get(key);
      if (w !== undefined) {
        waiting.delete(key);
        addBar(w, pos, e, 3, depth, { name: `waits for ${lock}`, cat: 'lock-wait' });
      }
      holding.set(key, { e, pos, depth });
      heldOn.set(e.lane, depth + 1);
    } else {
      const h = holding.get(key);
      if (h === undefined) return true;
      holding.delete(key);
      heldOn.set(e.lane, Math.max(0, (heldOn.get(e.lane) ?? 1) - 1));
      addBar(h, pos, e, 3, h.depth, { name: `holds ${lock}`, cat: 'lock' });
    }
    return true;
  };

  seq.forEach((e, pos) => {
    switch (e.ph) {
      case 'B': {
        const key = `${e.lane}:${e.track}`;
        const stack = open.get(key) ?? [];
        stack.push({ e, pos });
        open.set(key, stack);
        break;
      }
      case 'E': {
        const stack = open.get(`${e.lane}:${e.track}`);
        const b = stack?.pop();
        if (stack !== undefined && b !== undefined) addBar(b, pos, e, e.track, stack.length);
        break;
      }
      case 'b': {
        const key = `${e.cat}:${e.id ?? ''}`;
        const stack = asyncOpen.get(key) ?? [];
        stack.push({ e, pos });
        asyncOpen.set(key, stack);
        break;
      }
      case 'e': {
        const stack = asyncOpen.get(`${e.cat}:${e.id ?? ''}`);
        const b = stack?.pop();
        if (stack !== undefined && b !== undefined) addBar(b, pos, e, 2, stack.length);
        break;
      }
      case 'i':
        if (e.cat === 'lock' && lockEvent(e, pos)) break;
        if (pos >= from && pos <= to) {
          const tick: Tick = { row: useRow(e, 0, 0), pos, vt: e.vt, name: e.name, cat: e.cat };
          if (e.args !== undefined) tick.args = e.args;
          ticks.push(tick);
        }
        break;
      case 's':
      case 't':
      case 'f': {
        const key = `${e.cat}:${e.name}:${e.id ?? ''}`;
        const list = flows.get(key) ?? [];
        const depth = (open.get(`${e.lane}:${e.track}`)?.length ?? 1) - 1;
        list.push({ row: `${e.lane}:${e.track}`, depth, pos, vt: e.vt });
        flows.set(key, list);
        break;
      }
      default:
        break;
    }
  });

  // Still held or still waited for at the end of the run: open to the end.
  const last = seq[total - 1];
  if (last !== undefined) {
    for (const [key, h] of holding) {
      const lock = key.slice(key.indexOf('|') + 1);
      addBar(h, total - 1, last, 3, h.depth, {
        name: `holds ${lock}`,
        cat: 'lock',
        note: 'unterminated',
      });
    }
    for (const [key, w] of waiting) {
      const lock = key.slice(key.indexOf('|') + 1);
      addBar(w, total - 1, last, 3, heldOn.get(w.e.lane) ?? 0, {
        name: `waits for ${lock}`,
        cat: 'lock-wait',
        note: 'unterminated',
      });
    }
  }

  const violations = seq
    .map((e, pos) => ({ e, pos }))
    .filter(({ e, pos }) => e.ph === 'g' && pos >= from && pos <= to);

  const sortedRows = [...rows.values()].sort((a, b) => a.order - b.order);
  const rowY = new Map<string, number>();
  let y = AXIS_PX;
  for (const r of sortedRows) {
    rowY.set(r.key, y);
    y += (r.depth + 1) * ROW_PX + 4;
  }
  const height = y + 8;

  const fromNs = seq[from]?.vt ?? 0;
  const toNs = Math.max(seq[to]?.vt ?? fromNs, fromNs);
  const span = toNs > fromNs ? toNs - fromNs : 1;

  const orderX = (pos: number): number => PLOT_X0 + (pos - from) * columnPx;
  const timeX = (vt: number): number => PLOT_X0 + ((vt - fromNs) / span) * timePx;
  const orderWidth = PLOT_X0 + (to - from + 1) * columnPx + 40;
  const timeWidth = PLOT_X0 + timePx + 40;

  const common = {
    uid: input.uid,
    rows: sortedRows,
    rowY,
    bars,
    ticks,
    flows,
    violations,
    height,
  };
  const orderSvg = drawSvg({
    ...common,
    mode: 'order',
    width: orderWidth,
    barX: (b) => [orderX(b.from), orderX(b.to) + (b.to === b.from ? columnPx : 0)],
    pointX: (pos) => orderX(pos) + columnPx / 2,
    axis: orderAxis(seq, from, to, orderX, columnPx),
  });
  const timeSvg = drawSvg({
    ...common,
    mode: 'time',
    width: timeWidth,
    barX: (b) => {
      const x0 = timeX(Math.max(b.fromNs, fromNs));
      const x1 = timeX(Math.min(b.toNs, toNs));
      return [x0, Math.max(x1, x0 + 1.5)];
    },
    pointX: (_pos, vt) => timeX(vt),
    axis: timeAxis(fromNs, toNs, timeX),
  });

  return {
    orderSvg,
    timeSvg,
    from,
    to,
    total,
    fromNs,
    toNs,
    violationFound,
    rows: sortedRows.length,
    counters,
  };
}

interface DrawInput {
  uid: string;
  mode: 'order' | 'time';
  width: number;
  height: number;
  rows: Row[];
  rowY: Map<string, number>;
  bars: Bar[];
  ticks: Tick[];
  flows: Map<string, FlowPoint[]>;
  violations: { e: NormEvent; pos: number }[];
  barX: (b: Bar) => [number, number];
  pointX: (pos: number, vt: number) => number;
  axis: string;
}

/**
 * Where each violation label goes: right of its line, or left of it when it would run off the
 * right edge; on the first line of the band where it overlaps no other label.
 */
export function placeViolationLabels(
  xs: readonly { x: number; text: string }[],
  width: number,
): { x: number; anchor: 'start' | 'end'; level: number; x0: number; x1: number }[] {
  const ends: number[] = [];
  return xs.map(({ x, text }) => {
    const w = text.length * VLABEL_CHAR_PX + 2;
    let x0 = x + 4;
    let anchor: 'start' | 'end' = 'start';
    if (x0 + w > width - 2) {
      anchor = 'end';
      x0 = Math.max(0, x - 4 - w);
    }
    const x1 = x0 + w;
    let level = ends.findIndex((end) => end + 6 <= x0);
    if (level < 0) {
      level = ends.length;
      ends.push(x1);
    } else ends[level] = x1;
    return { x: anchor === 'start' ? x0 : x1, anchor, level, x0, x1 };
  });
}

function drawSvg(d: DrawInput): string {
  const marker = `arrow-${d.uid}-${d.mode}`;
  const vlabels = d.violations.map((v) => ({
    x: d.pointX(v.pos, v.e.vt),
    text: `✗ ${v.e.name}`,
  }));
  // Violations in order of x, so that the band fills left to right.
  const order = vlabels
    .map((_, i) => i)
    .sort((a, b) => (vlabels[a]?.x ?? 0) - (vlabels[b]?.x ?? 0));
  const placedSorted = placeViolationLabels(
    order.map((i) => vlabels[i] as { x: number; text: string }),
    d.width,
  );
  const placed = new Array<(typeof placedSorted)[number]>(vlabels.length);
  order.forEach((i, k) => {
    placed[i] = placedSorted[k] as (typeof placedSorted)[number];
  });
  const levels = placed.reduce((n, p) => Math.max(n, p.level + 1), 0);
  const band = levels * VLABEL_PX + (levels > 0 ? 4 : 0);
  const height = d.height + band;

  const labels: string[] = [
    `<svg class="lane-labels" data-mode="${d.mode}" xmlns="http://www.w3.org/2000/svg" width="${LABEL_PX}" height="${r1(height)}" viewBox="0 0 ${LABEL_PX} ${r1(height)}">`,
    `<g transform="translate(0,${band})">`,
  ];
  const parts: string[] = [
    `<svg class="timeline" data-mode="${d.mode}" xmlns="http://www.w3.org/2000/svg" width="${r1(d.width)}" height="${r1(height)}" viewBox="0 0 ${r1(d.width)} ${r1(height)}" role="img" aria-label="timeline (${d.mode === 'order' ? 'step order' : 'virtual time'})">`,
    `<defs><marker id="${marker}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="flow-head"/></marker></defs>`,
    `<g transform="translate(0,${band})">`,
    d.axis,
  ];
  d.rows.forEach((r, i) => {
    const y = d.rowY.get(r.key) ?? 0;
    const h = (r.depth + 1) * ROW_PX;
    const bg = `<rect class="row-bg${i % 2 ? ' odd' : ''}" x="0" y="${y - 2}" width="WIDTH" height="${h + 4}"/>`;
    parts.push(
      `<g class="row" data-row="${escapeHtml(r.key)}">`,
      bg.replace('WIDTH', r1(d.width)),
      `</g>`,
    );
    labels.push(
      `<g class="lane" data-row="${escapeHtml(r.key)}">`,
      bg.replace('WIDTH', String(LABEL_PX)),
      `<text class="row-label" x="6" y="${y + 12}">${escapeHtml(clip(r.label, 30))}<title>${escapeHtml(r.title)}</title></text>`,
      `</g>`,
    );
  });
  labels.push('</g></svg>');
  for (const b of d.bars) {
    const y = (d.rowY.get(b.row) ?? 0) + b.depth * ROW_PX;
    const [x0, x1] = d.barX(b);
    const w = Math.max(1, x1 - x0);
    const cls = `slice cat-${catClass(b.cat)}${b.note ? ` note-${b.note}` : ''}${b.clippedLeft ? ' clip-l' : ''}${b.clippedRight ? ' clip-r' : ''}`;
    const tip = `${b.name} [${b.cat}] ${formatNs(b.fromNs)} → ${formatNs(b.toNs)}${b.note ? ` (${b.note})` : ''}${argsText(b.args)}`;
    parts.push(
      `<rect class="${cls}" x="${r1(x0)}" y="${y}" width="${r1(w)}" height="${ROW_PX - 3}"><title>${escapeHtml(tip)}</title></rect>`,
    );
    if (w > 46) {
      parts.push(
        `<text class="slice-label" x="${r1(x0 + 3)}" y="${y + 10}">${escapeHtml(clip(b.name, Math.floor(w / 6)))}</text>`,
      );
    }
  }
  for (const t of d.ticks) {
    const y = d.rowY.get(t.row) ?? 0;
    const x = d.pointX(t.pos, t.vt);
    const tip = `${t.name} [${t.cat}] at ${formatNs(t.vt)}${argsText(t.args)}`;
    parts.push(
      `<path class="tick cat-${catClass(t.cat)}" d="M${r1(x - 3)},${y + ROW_PX - 2} L${r1(x)},${y + 2} L${r1(x + 3)},${y + ROW_PX - 2} z"><title>${escapeHtml(tip)}</title></path>`,
    );
  }
  for (const [key, points] of d.flows) {
    for (let k = 1; k < points.length; k++) {
      const a = points[k - 1] as FlowPoint;
      const b = points[k] as FlowPoint;
      const ay = d.rowY.get(a.row);
      const by = d.rowY.get(b.row);
      if (ay === undefined || by === undefined) continue;
      const x0 = d.pointX(a.pos, a.vt);
      const x1 = d.pointX(b.pos, b.vt);
      const y0 = ay + a.depth * ROW_PX + ROW_PX / 2;
      const y1 = by + b.depth * ROW_PX + ROW_PX / 2;
      parts.push(
        `<path class="flow" d="M${r1(x0)},${r1(y0)} C${r1(x0 + 20)},${r1(y0)} ${r1(x1 - 20)},${r1(y1)} ${r1(x1)},${r1(y1)}" marker-end="url(#${marker})"><title>${escapeHtml(key.replace(/:/g, ' '))}</title></path>`,
      );
    }
  }
  parts.push('</g>');
  d.violations.forEach((v, i) => {
    const x = d.pointX(v.pos, v.e.vt);
    const p = placed[i] as (typeof placed)[number];
    const msg = typeof v.e.args?.message === 'string' ? v.e.args.message : '';
    const ty = p.level * VLABEL_PX + 10;
    parts.push(
      `<g class="violation-marker" data-invariant="${escapeHtml(v.e.name)}">`,
      `<line x1="${r1(x)}" x2="${r1(x)}" y1="${r1(ty + 2)}" y2="${r1(height - 4)}"/>`,
      `<text class="violation-label" x="${r1(p.x)}" y="${ty}" text-anchor="${p.anchor}" data-x0="${r1(p.x0)}" data-x1="${r1(p.x1)}">${escapeHtml(vlabels[i]?.text ?? '')}</text>`,
      `<title>${escapeHtml(`${v.e.name} at ${formatNs(v.e.vt)}: ${msg}`)}</title>`,
      `</g>`,
    );
  });
  parts.push('</svg>');
  return `<div class="tl-inner">${labels.join('')}${parts.join('')}</div>`;
}

function orderAxis(
  seq: readonly NormEvent[],
  from: number,
  to: number,
  x: (pos: number) => number,
  columnPx: number,
): string {
  const every = Math.max(1, Math.round(120 / columnPx));
  const parts = [`<g class="axis">`];
  for (let pos = from; pos <= to; pos += every) {
    const vt = seq[pos]?.vt ?? 0;
    parts.push(
      `<line x1="${r1(x(pos))}" x2="${r1(x(pos))}" y1="14" y2="${AXIS_PX - 4}"/>`,
      `<text x="${r1(x(pos) + 2)}" y="12">#${pos} · ${escapeHtml(formatNs(vt))}</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

function timeAxis(fromNs: number, toNs: number, x: (vt: number) => number): string {
  const parts = [`<g class="axis">`];
  const n = 6;
  for (let k = 0; k <= n; k++) {
    const vt = fromNs + ((toNs - fromNs) * k) / n;
    parts.push(
      `<line x1="${r1(x(vt))}" x2="${r1(x(vt))}" y1="14" y2="${AXIS_PX - 4}"/>`,
      `<text x="${r1(x(vt) + 2)}" y="12">${escapeHtml(formatNs(Math.round(vt)))}</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

/** The derived counters of a trace as step series. */
function counterSeries(events: readonly NormEvent[]): CounterSeries[] {
  const byName = new Map<string, [number, number][]>();
  for (const e of events) {
    if (e.ph !== 'C' || e.lane !== COUNTER_LANE) continue;
    const v = e.args?.value;
    if (typeof v !== 'number') continue;
    let pts = byName.get(e.name);
    if (pts === undefined) {
      pts = [];
      byName.set(e.name, pts);
    }
    const last = pts[pts.length - 1];
    if (last !== undefined && last[0] === e.vt) last[1] = v;
    else pts.push([e.vt, v]);
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

function argsText(args: TraceArgs | undefined): string {
  if (args === undefined) return '';
  const parts = Object.entries(args).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? `\n${parts.join(', ')}` : '';
}

function catClass(cat: string): string {
  const c = cat.toLowerCase().replace(/[^a-z0-9-]/g, '');
  return c === '' ? 'other' : c;
}

function clip(s: string, n: number): string {
  if (n <= 1) return '';
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function r1(v: number): string {
  return String(Math.round(v * 10) / 10);
}
