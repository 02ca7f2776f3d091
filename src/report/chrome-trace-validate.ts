/**
 * A checker for the rules that Perfetto's JSON importer and chrome://tracing rely on, so that
 * tests can prove an exported trace opens cleanly without a browser.
 *
 * Importers process events in timestamp order, keeping the file order of equal timestamps, so
 * the checks replay the events that way: every `B` has its `E` on the same pid/tid and they
 * nest; no duration is negative; complete (`X`) slices do not overlap partially; async slices
 * are closed with their id and category; every flow chain has a start, optional steps and a
 * finish, each bound to an enclosing slice on its thread; every pid and pid/tid that carries
 * an event has a name; counters carry numbers; the whole value is plain JSON.
 *
 * The result is a list of human-readable problems; an empty list means the trace is valid.
 */

const MAX_PROBLEMS = 200;

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'C', 'b', 'e', 'n', 's', 't', 'f', 'M']);
const THREAD_SCOPED = new Set(['B', 'E', 'X', 's', 't', 'f']);

interface Ev {
  index: number;
  ph: string;
  name: string | undefined;
  cat: string | undefined;
  pid: number;
  tid: number;
  ts: number;
  raw: Record<string, unknown>;
}

interface Slice {
  name: string | undefined;
  ts: number;
  index: number;
}

export function validateChromeTrace(input: unknown): string[] {
  const problems: string[] = [];
  const report = (msg: string): void => {
    problems.push(msg);
  };

  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      return [`not valid JSON: ${(err as Error).message}`];
    }
  }
  checkPlainJson(value, '$', report);

  let list: unknown;
  if (Array.isArray(value)) list = value;
  else if (isObject(value)) list = value.traceEvents;
  if (!Array.isArray(list)) return [...problems, 'no traceEvents array'];

  const processNames = new Set<number>();
  const threadNames = new Set<string>();
  const events: Ev[] = [];
  list.forEach((raw: unknown, index) => {
    const ev = parseEvent(raw, index, report);
    if (ev === null) return;
    if (ev.ph === 'M') {
      const argName = isObject(ev.raw.args) ? ev.raw.args.name : undefined;
      if (ev.name === 'process_name') {
        if (typeof argName === 'string' && argName !== '') processNames.add(ev.pid);
        else report(`event ${index}: process_name without args.name`);
      } else if (ev.name === 'thread_name') {
        if (typeof argName === 'string' && argName !== '') threadNames.add(`${ev.pid}:${ev.tid}`);
        else report(`event ${index}: thread_name without args.name`);
      }
      return;
    }
    events.push(ev);
  });

  // Importers sort by timestamp; Array.prototype.sort is stable, as their order of equal
  // timestamps is.
  events.sort((a, b) => a.ts - b.ts);

  const stacks = new Map<string, Slice[]>();
  const completes = new Map<string, { ts: number; end: number; index: number }[]>();
  const asyncStacks = new Map<string, Slice[]>();
  const flows = new Map<string, { started: number; finished: boolean }>();
  const pendingNextSlice = new Map<string, number[]>();
  const unnamedPid = new Set<number>();
  const unnamedTid = new Set<string>();

  const stackOf = (key: string): Slice[] => {
    let s = stacks.get(key);
    if (s === undefined) {
      s = [];
      stacks.set(key, s);
    }
    return s;
  };
  const enclosed = (key: string, ts: number): boolean => {
    if ((stacks.get(key)?.length ?? 0) > 0) return true;
    return (completes.get(key) ?? []).some((c) => c.ts <= ts && ts <= c.end);
  };
  const sliceBegins = (key: string): void => {
    const waiting = pendingNextSlice.get(key);
    if (waiting !== undefined) pendingNextSlice.delete(key);
  };

  for (const ev of events) {
    const track = `${ev.pid}:${ev.tid}`;
    const globalInstant = (ev.ph === 'i' || ev.ph === 'I') && ev.raw.s === 'g';
    if (!globalInstant && !processNames.has(ev.pid) && !unnamedPid.has(ev.pid)) {
      unnamedPid.add(ev.pid);
      report(`pid ${ev.pid} has no process_name (first used by event ${ev.index})`);
    }
    const threadScoped =
      THREAD_SCOPED.has(ev.ph) ||
      ((ev.ph === 'i' || ev.ph === 'I') && (ev.raw.s === undefined || ev.raw.s === 't'));
    if (threadScoped && !threadNames.has(track) && !unnamedTid.has(track)) {
      unnamedTid.add(track);
      report(`pid ${ev.pid} tid ${ev.tid} has no thread_name (first used by event ${ev.index})`);
    }

    switch (ev.ph) {
      case 'B':
        stackOf(track).push({ name: ev.name, ts: ev.ts, index: ev.index });
        sliceBegins(track);
        break;
      case 'E': {
        const stack = stackOf(track);
        const top = stack.pop();
        if (top === undefined) {
          report(`event ${ev.index}: E "${ev.name ?? ''}" on ${track} without an open B`);
        } else {
          if (ev.name !== undefined && top.name !== undefined && ev.name !== top.name) {
            report(
              `event ${ev.index}: E "${ev.name}" on ${track} closes "${top.name}" (event ${top.index}): slices do not nest`,
            );
          }
          if (ev.ts < top.ts) report(`event ${ev.index}: negative duration on ${track}`);
        }
        break;
      }
      case 'X': {
        const dur = ev.raw.dur;
        if (typeof dur !== 'number' || !Number.isFinite(dur) || dur < 0) {
          report(`event ${ev.index}: X without a non-negative dur`);
          break;
        }
        let list = completes.get(track);
        if (list === undefined) {
          list = [];
          completes.set(track, list);
        }
        list.push({ ts: ev.ts, end: ev.ts + dur, index: ev.index });
        sliceBegins(track);
        break;
      }
      case 'i':
      case 'I': {
        const s = ev.raw.s;
        if (s !== undefined && s !== 'g' && s !== 'p' && s !== 't') {
          report(`event ${ev.index}: instant scope "${String(s)}" is not g, p or t`);
        }
        break;
      }
      case 'C': {
        const args = ev.raw.args;
        const numeric =
          isObject(args) &&
          Object.values(args).length > 0 &&
          Object.values(args).every((v) => typeof v === 'number' && Number.isFinite(v));
        if (!numeric) report(`event ${ev.index}: counter "${ev.name ?? ''}" without numeric args`);
        break;
      }
      case 'b':
      case 'e':
      case 'n': {
        const id = idOf(ev.raw);
        if (id === undefined || ev.cat === undefined) {
          report(`event ${ev.index}: async event without id and cat`);
          break;
        }
        const key = `${ev.pid}:${ev.cat}:${id}`;
        if (ev.ph === 'n') break;
        let stack = asyncStacks.get(key);
        if (stack === undefined) {
          stack = [];
          asyncStacks.set(key, stack);
        }
        if (ev.ph === 'b') {
          stack.push({ name: ev.name, ts: ev.ts, index: ev.index });
          break;
        }
        const top = stack.pop();
        if (top === undefined) {
          report(`event ${ev.index}: async end "${ev.name ?? ''}" (${key}) without a begin`);
        } else {
          if (ev.name !== undefined && top.name !== undefined && ev.name !== top.name) {
            report(
              `event ${ev.index}: async end "${ev.name}" closes "${top.name}" (${key}): slices do not nest`,
            );
          }
          if (ev.ts < top.ts) report(`event ${ev.index}: negative async duration (${key})`);
        }
        break;
      }
      case 's':
      case 't':
      case 'f': {
        const id = idOf(ev.raw);
        if (id === undefined) {
          report(`event ${ev.index}: flow event without id`);
          break;
        }
        const key = `${ev.cat ?? ''}:${ev.name ?? ''}:${id}`;
        const chain = flows.get(key);
        if (ev.ph === 's') {
          if (chain !== undefined && !chain.finished) {
            report(`event ${ev.index}: flow ${key} starts again before it finished`);
          }
          flows.set(key, { started: ev.index, finished: false });
        } else if (chain === undefined || chain.finished) {
          report(`event ${ev.index}: flow ${ev.ph} for ${key} without a start`);
        } else if (ev.ph === 'f') {
          chain.finished = true;
        }
        const bindsNext = ev.ph === 'f' && ev.raw.bp !== 'e';
        if (bindsNext) {
          const waiting = pendingNextSlice.get(track) ?? [];
          waiting.push(ev.index);
          pendingNextSlice.set(track, waiting);
        } else if (!enclosed(track, ev.ts)) {
          report(`event ${ev.index}: flow ${ev.ph} for ${key} has no enclosing slice on ${track}`);
        }
        break;
      }
    }
  }

  for (const [track, stack] of stacks) {
    for (const s of stack) {
      report(`event ${s.index}: B "${s.name ?? ''}" on ${track} has no E`);
    }
  }
  for (const [key, stack] of asyncStacks) {
    for (const s of stack)
      report(`event ${s.index}: async begin "${s.name ?? ''}" (${key}) has no end`);
  }
  for (const [key, chain] of flows) {
    if (!chain.finished) report(`event ${chain.started}: flow ${key} never finishes`);
  }
  for (const [track, waiting] of pendingNextSlice) {
    for (const i of waiting) report(`event ${i}: flow end on ${track} has no following slice`);
  }
  for (const [track, list] of completes) checkLaminar(track, list, report);

  if (problems.length > MAX_PROBLEMS) {
    const more = problems.length - MAX_PROBLEMS;
    return [...problems.slice(0, MAX_PROBLEMS), `... and ${more} more`];
  }
  return problems;
}

function parseEvent(raw: unknown, index: number, report: (m: string) => void): Ev | null {
  if (!isObject(raw)) {
    report(`event ${index}: not an object`);
    return null;
  }
  const ph = raw.ph;
  if (typeof ph !== 'string' || !PHASES.has(ph)) {
    report(`event ${index}: unknown phase ${JSON.stringify(ph)}`);
    return null;
  }
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  if (raw.name !== undefined && name === undefined) report(`event ${index}: name is not a string`);
  if (name === undefined && ph !== 'E' && ph !== 'e')
    report(`event ${index}: ${ph} without a name`);
  const cat = typeof raw.cat === 'string' ? raw.cat : undefined;
  const globalInstant = (ph === 'i' || ph === 'I') && raw.s === 'g';
  const pid = raw.pid;
  if (!globalInstant && !(typeof pid === 'number' && Number.isInteger(pid))) {
    report(`event ${index}: ${ph} without an integer pid`);
    return null;
  }
  const tid = raw.tid ?? pid;
  if (ph !== 'M' && !globalInstant && !(typeof tid === 'number' && Number.isInteger(tid))) {
    report(`event ${index}: ${ph} without an integer tid`);
    return null;
  }
  let ts = 0;
  if (ph !== 'M') {
    if (typeof raw.ts !== 'number' || !Number.isFinite(raw.ts) || raw.ts < 0) {
      report(`event ${index}: ${ph} without a finite, non-negative ts`);
      return null;
    }
    ts = raw.ts;
  }
  return {
    index,
    ph,
    name,
    cat,
    pid: typeof pid === 'number' ? pid : -1,
    tid: typeof tid === 'number' ? tid : -1,
    ts,
    raw,
  };
}

function idOf(raw: Record<string, unknown>): string | undefined {
  const id = raw.id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id !== '') return id;
  const id2 = raw.id2;
  if (isObject(id2)) {
    const v = id2.global ?? id2.local;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
}

/** Complete slices on one track must nest: no partial overlap. */
function checkLaminar(
  track: string,
  list: { ts: number; end: number; index: number }[],
  report: (m: string) => void,
): void {
  const sorted = [...list].sort((a, b) => a.ts - b.ts || b.end - a.end);
  const stack: { end: number; index: number }[] = [];
  for (const s of sorted) {
    while (stack.length > 0 && (stack[stack.length - 1] as { end: number }).end <= s.ts) {
      stack.pop();
    }
    const top = stack[stack.length - 1];
    if (top !== undefined && s.end > top.end) {
      report(`event ${s.index}: X slice on ${track} overlaps event ${top.index} without nesting`);
    }
    stack.push(s);
  }
}

function checkPlainJson(v: unknown, path: string, report: (m: string) => void, depth = 0): void {
  if (depth > 64) {
    report(`${path}: nested too deeply`);
    return;
  }
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) report(`${path}: ${String(v)} is not representable in JSON`);
      return;
    case 'object':
      if (v === null) return;
      if (Array.isArray(v)) {
        v.forEach((x, i) => {
          checkPlainJson(x, `${path}[${i}]`, report, depth + 1);
        });
        return;
      }
      for (const [k, x] of Object.entries(v)) checkPlainJson(x, `${path}.${k}`, report, depth + 1);
      return;
    default:
      report(`${path}: a ${typeof v} is not JSON`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
