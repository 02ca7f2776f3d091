/**
 * The Chrome trace exporter and its validator, without a browser: real kernel traces export
 * to traces that pass the import rules under every clock; a broken event list (slices never
 * closed, ends without begins, overlapping slices, an unnamed lane, half a flow) is repaired;
 * a broken Chrome trace is flagged, rule by rule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { randomStrategy } from '../../src/explore/random.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import type { Lane, TraceEvent } from '../../src/kernel/trace.js';
import {
  type ChromeTrace,
  type ChromeTraceEvent,
  type TraceClock,
  toChromeTrace,
  validateChromeTrace,
  writeChromeTrace,
} from '../../src/report/chrome-trace.js';
import { runWorkload } from './workload.js';

const timed = (t: ChromeTrace): ChromeTraceEvent[] => t.traceEvents.filter((e) => e.ph !== 'M');

test('a real kernel trace exports to a valid Chrome trace under every clock', async () => {
  const w = await runWorkload(3);
  assert.ok(w.events.length > 100);
  for (const clock of ['virtual', 'exact', 'logical'] as TraceClock[]) {
    const trace = toChromeTrace(w.events, w.lanes, { endNs: w.endNs, clock });
    assert.deepEqual(validateChromeTrace(trace), [], `clock ${clock}`);
    // What goes to disk is plain JSON and still valid once parsed back.
    assert.deepEqual(validateChromeTrace(JSON.stringify(trace)), [], `clock ${clock} as JSON`);
    assert.equal(trace.displayTimeUnit, 'ns');
    assert.equal(trace.metadata.clock, clock);
  }
});

test('the export names every process and thread and keeps the run readable', async () => {
  const w = await runWorkload(3);
  const trace = toChromeTrace(w.events, w.lanes, { endNs: w.endNs, title: 'workload' });
  const meta = trace.traceEvents.filter((e) => e.ph === 'M');
  const processes = new Map(
    meta.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args?.name]),
  );
  assert.equal(processes.get(2), 'CPU tasks');
  assert.equal(processes.get(5), 'Reset worker');
  assert.equal(processes.get(10), 'Checker');
  assert.equal(processes.get(11), 'Counters');
  const threads = new Set(meta.filter((e) => e.name === 'thread_name').map((e) => e.args?.name));
  for (const lane of w.lanes) assert.ok(threads.has(lane.name), `lane ${lane.name} is named`);

  const events = timed(trace);
  // The default clock draws events in recording order, 1 ns apart at least, and says where
  // it moved one.
  for (let i = 1; i < events.length; i++) {
    assert.ok((events[i]?.ts ?? 0) > (events[i - 1]?.ts ?? 0), `event ${i} drawn after ${i - 1}`);
  }
  const moved = events.find((e) => e.ph === 'B' && e.args?.vtNs !== undefined);
  assert.ok(moved, 'moved begins carry their virtual time');
  assert.ok(trace.metadata.maxSkewNs > 0 && trace.metadata.maxSkewNs < 1000);

  // The violation is a global instant.
  const violation = events.find((e) => e.cat === 'violation');
  assert.equal(violation?.s, 'g');
  assert.equal(violation?.name, 'violation: submit-after-fault');

  // One flow per reset request: start at the request, finish at the last phase, bound to
  // enclosing slices, all under one name.
  const flows = events.filter((e) => e.ph === 's' || e.ph === 't' || e.ph === 'f');
  assert.deepEqual(
    flows.map((e) => e.ph),
    ['s', 't', 't', 't', 'f'],
  );
  assert.ok(flows.every((e) => e.id === 1 && e.bp === 'e' && e.name === 'reset request'));

  // Counters derived from job and reset events; in flight never goes below zero.
  const inFlight = events.filter((e) => e.ph === 'C' && e.name === 'jobs in flight');
  const values = inFlight.map((e) => Number(e.args?.value));
  assert.ok(Math.max(...values) >= 2);
  assert.ok(Math.min(...values) >= 0);
  const resets = events.filter((e) => e.ph === 'C' && e.name === 'resets');
  assert.equal(resets.at(-1)?.args?.value, 1);

  // Async fence slices end on the process of their begin, even when another lane ends them.
  const asyncs = events.filter((e) => e.ph === 'b' || e.ph === 'e');
  for (const e of asyncs.filter((x) => x.ph === 'e')) {
    const b = asyncs.find((x) => x.ph === 'b' && x.id === e.id && x.cat === e.cat);
    assert.equal(e.pid, b?.pid);
    assert.equal(e.tid, b?.tid);
  }
});

test('the same run exports to the same bytes', async () => {
  const a = toChromeTrace((await runWorkload(5)).events, (await runWorkload(5)).lanes);
  const w = await runWorkload(5);
  const b = toChromeTrace(w.events, w.lanes);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

test('a run cut off by its step limit still exports to a valid trace', async () => {
  for (const maxSteps of [3, 17, 40]) {
    const k = new Kernel({ seed: 9, strategy: randomStrategy(), trace: true, maxSteps });
    const m = new Mutex(k, 'm');
    const lane = k.trace.lane('reset', 'reset');
    for (let i = 0; i < 4; i++) {
      k.spawn(`t${i}`, async () => {
        k.trace.begin(lane, 'reset', `phase ${i}`);
        await m.lock();
        await k.sleep(100);
        m.unlock();
        k.trace.end(lane, 'reset', `phase ${i}`);
      });
    }
    const r = await k.run();
    const events = k.trace.events ?? [];
    const trace = toChromeTrace(events, k.trace.lanes, { endNs: r.nowNs });
    assert.deepEqual(validateChromeTrace(trace), [], `maxSteps ${maxSteps}`);
  }
});

test('a broken event list is repaired into a valid trace', () => {
  const lanes: Lane[] = [
    { id: 0, kind: 'cpu', name: 'task' },
    { id: 1, kind: 'reset', name: 'reset' },
  ];
  const ev = (e: TraceEvent): TraceEvent => e;
  const events: TraceEvent[] = [
    ev({ ts: 0, ph: 'E', lane: 0, cat: 'sched', name: 'task' }), // end without begin
    ev({ ts: 0, ph: 'B', lane: 0, cat: 'sched', name: 'task' }),
    ev({ ts: 5, ph: 'B', lane: 1, cat: 'reset', name: 'outer' }),
    ev({ ts: 6, ph: 'B', lane: 1, cat: 'reset', name: 'inner' }),
    ev({ ts: 7, ph: 'E', lane: 1, cat: 'reset', name: 'outer' }), // closes below the top
    ev({ ts: 8, ph: 'E', lane: 1, cat: 'reset', name: 'inner' }),
    ev({ ts: 9, ph: 'i', lane: 99, cat: 'job', name: 'on an unnamed lane' }),
    ev({ ts: 10, ph: 's', lane: 1, cat: 'x', name: 'half a flow', id: 7 }), // outside any slice, never finished
    ev({ ts: 11, ph: 'e', lane: 0, cat: 'fence', name: 'f', id: 3 }), // async end without begin
    ev({ ts: 12, ph: 'b', lane: 0, cat: 'fence', name: 'g', id: 4 }), // never ends
    ev({ ts: 13, ph: 'B', lane: 1, cat: 'reset', name: 'never ends' }),
    ev({ ts: Number.NaN, ph: 'i', lane: 0, cat: 'x', name: 'bad time' }),
  ];
  const trace = toChromeTrace(events, lanes, { endNs: 100 });
  assert.deepEqual(validateChromeTrace(trace), []);
  assert.deepEqual(trace.metadata.repairs, {
    unterminated: 3,
    orphanEnds: 2,
    reopened: 1,
    incompleteFlows: 1,
    wrappedFlows: 1,
    unnamedLanes: 1,
    badTimestamps: 1,
  });
  const out = timed(trace);
  const closing = out.filter((e) => e.ph === 'E' && e.args?.unterminated === true);
  assert.deepEqual(
    closing.map((e) => e.name),
    ['task', 'never ends'],
  );
  assert.ok(
    closing.every((e) => (e.ts ?? 0) >= 0.1),
    'closed at the end of the run',
  );
  assert.ok(out.some((e) => e.ph === 'B' && e.name === 'inner' && e.args?.continued === true));
  assert.ok(!out.some((e) => e.ph === 's'), 'the unfinished flow is dropped');
  const named = trace.traceEvents.filter((e) => e.ph === 'M' && e.args?.name === 'lane 99');
  assert.equal(named.length, 1, 'the unnamed lane gets a name');
});

test('the validator flags each broken rule', () => {
  const M = (name: string, pid: number, tid: number, n: string): ChromeTraceEvent => ({
    name,
    ph: 'M',
    pid,
    tid,
    args: { name: n },
  });
  const named = [M('process_name', 1, 0, 'p'), M('thread_name', 1, 1, 't')];
  const check = (events: unknown[]): string[] => validateChromeTrace({ traceEvents: events });
  const one = (events: unknown[], pattern: RegExp): void => {
    const problems = check(events);
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `expected ${pattern} in ${JSON.stringify(problems)}`,
    );
  };

  assert.deepEqual(
    check([
      ...named,
      { name: 'a', ph: 'B', pid: 1, tid: 1, ts: 1 },
      { name: 'a', ph: 'E', pid: 1, tid: 1, ts: 2 },
    ]),
    [],
  );
  one([...named, { name: 'a', ph: 'B', pid: 1, tid: 1, ts: 1 }], /B "a" on 1:1 has no E/);
  one([...named, { name: 'a', ph: 'E', pid: 1, tid: 1, ts: 1 }], /without an open B/);
  one(
    [
      ...named,
      { name: 'a', ph: 'B', pid: 1, tid: 1, ts: 1 },
      { name: 'b', ph: 'B', pid: 1, tid: 1, ts: 2 },
      { name: 'a', ph: 'E', pid: 1, tid: 1, ts: 3 },
      { name: 'b', ph: 'E', pid: 1, tid: 1, ts: 4 },
    ],
    /do not nest/,
  );
  one(
    [
      ...named,
      { name: 'a', ph: 'X', pid: 1, tid: 1, ts: 1, dur: 5 },
      { name: 'b', ph: 'X', pid: 1, tid: 1, ts: 3, dur: 5 },
    ],
    /overlaps/,
  );
  one(
    [named[0], { name: 'a', ph: 'i', s: 't', pid: 1, tid: 2, ts: 1 }],
    /tid 2 has no thread_name/,
  );
  one([{ name: 'c', ph: 'C', pid: 3, tid: 1, ts: 1, args: { v: 1 } }], /pid 3 has no process_name/);
  one([...named, { name: 'c', ph: 'C', pid: 1, tid: 1, ts: 1, args: { v: 'x' } }], /numeric/);
  one([...named, { name: 'a', ph: 'B', pid: 1, tid: 1, ts: Number.NaN }], /not representable/);
  one([...named, { name: 'f', ph: 'f', bp: 'e', pid: 1, tid: 1, ts: 1, id: 1 }], /without a start/);
  one([...named, { name: 'f', ph: 's', pid: 1, tid: 1, ts: 1, id: 1 }], /no enclosing slice/);
  one(
    [
      ...named,
      { name: 'a', ph: 'B', pid: 1, tid: 1, ts: 1 },
      { name: 'f', cat: 'c', ph: 's', pid: 1, tid: 1, ts: 2, id: 1 },
      { name: 'a', ph: 'E', pid: 1, tid: 1, ts: 3 },
    ],
    /never finishes/,
  );
  one(
    [...named, { name: 'a', ph: 'e', cat: 'c', id: 1, pid: 1, tid: 1, ts: 1 }],
    /without a begin/,
  );
  one([...named, { name: 'a', ph: 'i', s: 'x', pid: 1, tid: 1, ts: 1 }], /scope/);
  assert.match(validateChromeTrace('{"traceEvents": [').join(), /not valid JSON/);
  assert.match(validateChromeTrace({ events: [] }).join(), /no traceEvents/);
});

test('writeChromeTrace writes a file that parses and validates', async () => {
  const w = await runWorkload(2);
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-trace-'));
  try {
    const path = join(dir, 'sub', 'run.json');
    const written = writeChromeTrace(path, w.events, w.lanes, {
      endNs: w.endNs,
      run: { scenario: 'workload', seed: 2 },
    });
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ChromeTrace;
    assert.deepEqual(validateChromeTrace(parsed), []);
    assert.equal(parsed.traceEvents.length, written.traceEvents.length);
    assert.equal(parsed.metadata.run.scenario, 'workload');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
