/**
 * The story of one failing run, for `resetlab explain` (docs/cli.md, "explain"): a few lines a
 * kernel developer can paste into a mailing-list reply, from the failure file and the trace of
 * its replay.
 *
 * Which steps "matter" is decided by a rule, not by hand per scenario, so that the story of a
 * new bug is as good as that of an old one. From the replayed trace, in time order:
 *
 *   1. every injected fault that fired (category `fault`);
 *   2. the reset flow, the causal chain from a problem to the hardware coming back: job
 *      timeouts (`job timeout ...`), reset requests and reset sequences (category `reset`),
 *      with the phases of a sequence on one line (category `reset-phase`);
 *   3. the device's life cycle: probe, unplug, suspend, resume, uevents, wedging
 *      (categories `device`, `pm`, `uevent`, `wedge`);
 *   4. the objects the violation names (in its message and its report): acquisitions and
 *      releases of the locks it names, queueing and runs of the works, signals of the fences,
 *      hand-offs of the jobs and groups;
 *   5. for each task the violation names (in its message and report), its last event before
 *      the violation (where it stopped);
 *   6. the violation.
 *
 * Then repeats are folded (`×3`), and the boot (rule-3 steps before any step of another rule:
 * probe, resume, bind) is dropped. When more than `MAX_STEPS` remain, steps are left out by
 * rule, least telling first (3, then 4, then 5; earliest first), and the story says how many;
 * faults, the reset flow and the violation stay. A story that still does not fit keeps its
 * first and last steps: the end of a story is where it breaks.
 */
import type { FaultSpec } from '../explore/program.js';
import type { Lane, TraceEvent } from '../kernel/trace.js';
import { INVARIANT_INFO, isInvariantId } from '../kernel/violations.js';
import { formatNs } from './escape.js';

/** Steps shown at most; the story must fit 40 lines. */
export const MAX_STEPS = 18;
/** Report lines quoted at most (fewer when the story would not fit). */
export const MAX_REPORT_LINES = 12;
/** Width of every line. */
export const STORY_WIDTH = 100;

export interface StoryStep {
  atNs: number;
  /** The lane (task, reset worker, fault plane) the step happened on. */
  who: string;
  what: string;
  /** Which rule of the header comment chose it (1-6). */
  rule: number;
}

export interface StoryInput {
  file: string;
  program: string;
  scenario: string;
  design: string | null;
  invariant: string;
  message: string;
  report: readonly string[] | null;
  /** The task that reported the violation. */
  task: string | null;
  run: number;
  seed: number;
  faults: readonly FaultSpec[];
  /** Decisions of the replayed schedule, and of the original one. */
  decisions: number;
  originalDecisions: number;
  shrunk: boolean;
  events: readonly TraceEvent[];
  lanes: readonly Lane[];
  /** The replay command. */
  replay: string;
}

export interface Story {
  steps: StoryStep[];
  /** Steps left out by the cap. */
  omitted: number;
  lines: string[];
}

const LIFECYCLE = new Set(['device', 'pm', 'uevent', 'wedge']);

/**
 * What the violation names: the tasks (lane names written as the kernel's reports write a
 * task: `comm/pid`, `comm:pid`, or after `task`, `in`, `by`) and the text, in which objects
 * are looked up.
 */
function namedIn(message: string, report: readonly string[] | null, lanes: readonly Lane[]) {
  const text = [message, ...(report ?? [])].join('\n');
  const names = new Set(lanes.map((l) => l.name));
  const tasks = new Set<string>();
  for (const m of text.matchAll(/(\b(?:task|in|by) )?([\w:./-]+)/g)) {
    const tok = (m[2] ?? '').replace(/[:.]+$/, '');
    const comm = tok.replace(/[/:]\d+$/, '');
    if (comm !== tok && names.has(comm)) tasks.add(comm);
    else if (m[1] !== undefined && names.has(tok)) tasks.add(tok);
  }
  return { text, tasks };
}

/** The object an event is about: a job's name, or `<object>` in a `<verb> <object>` name. */
function objectOf(ev: TraceEvent): string | null {
  if (ev.cat === 'job' && typeof ev.args?.name === 'string') return ev.args.name;
  const m = /^(?:lock|unlock|down_write|up_write|queue|run|signal) (.+)$/.exec(ev.name);
  return m?.[1] ?? null;
}

function mentions(text: string, obj: string): boolean {
  // A group or a queue of it is named by a job of it (`group3/q0#2` names `group3`).
  const base = obj.replace(/#\d+$/, '');
  return text.includes(obj) || (base !== obj && text.includes(base));
}

function describe(ev: TraceEvent): string {
  if (ev.cat === 'fault') {
    const d = ev.args?.detail;
    return `fault ${ev.name} fires${typeof d === 'string' && d !== '' ? ` (${d})` : ''}`;
  }
  if (ev.cat === 'reset' && (ev.ph === 'b' || ev.ph === 'B')) return `${ev.name}: reset begins`;
  if (ev.cat === 'reset' && (ev.ph === 'e' || ev.ph === 'E')) {
    const ok = ev.args?.ok;
    return `${ev.name}: reset ends${ok === false ? ' (failed)' : ok === true ? ' (ok)' : ''}`;
  }
  if (ev.cat === 'fence') {
    const err = ev.args?.error;
    return typeof err === 'number' && err !== 0 ? `${ev.name} (error ${err})` : ev.name;
  }
  if (ev.cat === 'violation') return `VIOLATION ${ev.name}`;
  if (ev.cat === 'job' && typeof ev.args?.name === 'string') {
    const client = typeof ev.args.client === 'string' ? ` (${ev.args.client})` : '';
    const err = ev.args.error;
    const end = typeof err === 'number' && err !== 0 ? ` with error ${err}` : '';
    return `job ${ev.args.name}${client} ${ev.name === 'submit' ? 'handed to the GPU' : `done${end}`}`;
  }
  return ev.name;
}

/** Chooses the steps by the rule of the header comment. */
export function chooseSteps(
  s: StoryInput,
  maxSteps = MAX_STEPS,
): { steps: StoryStep[]; omitted: number } {
  const laneName = (id: number) => s.lanes[id]?.name ?? `lane ${id}`;
  const { text, tasks } = namedIn(s.message, s.report, s.lanes);
  const events = s.events;
  const vIdx = events.findIndex((e) => e.cat === 'violation' && e.name === s.invariant);
  const end = vIdx < 0 ? events.length : vIdx + 1;
  const picked: StoryStep[] = [];
  const lastOf = new Map<string, number>();
  let phases: StoryStep | null = null;
  for (let i = 0; i < end; i++) {
    const ev = events[i] as TraceEvent;
    // Run slices, counters and flow arrows are not steps; of the ends, only a reset's is.
    if (ev.cat === 'sched' || ev.ph === 'C' || ev.ph === 's' || ev.ph === 't' || ev.ph === 'f') {
      continue;
    }
    const ending = ev.ph === 'E' || ev.ph === 'e';
    if (ending && ev.cat !== 'reset') continue;
    const who = laneName(ev.lane);
    if (tasks.has(who) && !ending) lastOf.set(who, i);
    const step = (rule: number): StoryStep => ({ atNs: ev.ts, who, what: describe(ev), rule });
    if (ev.cat === 'reset-phase') {
      if (ev.ph !== 'b' && ev.ph !== 'B') continue;
      if (phases !== null && phases.who === who) phases.what += `, ${ev.name}`;
      else {
        phases = { atNs: ev.ts, who, what: `reset phases: ${ev.name}`, rule: 2 };
        picked.push(phases);
      }
      continue;
    }
    if (ev.cat === 'fault') picked.push(step(1));
    else if (ev.cat === 'reset' || (ev.cat === 'job' && ev.name.startsWith('job timeout'))) {
      picked.push(step(2));
      phases = null;
    } else if (LIFECYCLE.has(ev.cat)) picked.push(step(3));
    else if (ev.cat === 'violation') picked.push(step(6));
    else {
      const obj = objectOf(ev);
      if (obj !== null && mentions(text, obj)) picked.push(step(4));
    }
  }
  // Rule 5: where each named task stopped, if that step is not shown already.
  const shown = new Set(picked.map((p) => `${p.atNs}\u0000${p.who}\u0000${p.what}`));
  for (const [who, i] of lastOf) {
    const ev = events[i] as TraceEvent;
    const step: StoryStep = { atNs: ev.ts, who, what: `last: ${describe(ev)}`, rule: 5 };
    if (!shown.has(`${ev.ts}\u0000${who}\u0000${describe(ev)}`)) picked.push(step);
  }
  picked.sort((a, b) => a.atNs - b.atNs || (a.rule === 6 ? 1 : 0) - (b.rule === 6 ? 1 : 0));
  // Fold repeats of the same action by the same lane.
  const folded: (StoryStep & { times: number })[] = [];
  for (const p of picked) {
    const prev = folded[folded.length - 1];
    if (prev !== undefined && prev.who === p.who && prev.what === p.what) prev.times++;
    else folded.push({ ...p, times: 1 });
  }
  let steps = folded.map(({ times, ...p }) =>
    times > 1 ? { ...p, what: `${p.what} (×${times})` } : p,
  );
  // The boot: life-cycle steps before anything else happened.
  const firstOther = steps.findIndex((p) => p.rule !== 3);
  if (firstOther > 0) steps = steps.slice(firstOther);
  return capSteps(steps, maxSteps);
}

/** Leaves steps out by rule (3, 4, 5; earliest first) until at most `max` remain. */
function capSteps(all: StoryStep[], max: number): { steps: StoryStep[]; omitted: number } {
  let steps = all;
  for (const rule of [3, 4, 5]) {
    while (steps.length > max) {
      const i = steps.findIndex((p) => p.rule === rule);
      if (i < 0) break;
      steps = [...steps.slice(0, i), ...steps.slice(i + 1)];
    }
  }
  if (steps.length > max) {
    const head = Math.min(4, max >> 2);
    steps = [...steps.slice(0, head), ...steps.slice(steps.length - (max - head))];
  }
  return { steps, omitted: all.length - steps.length };
}

function fit(line: string, rest: string): string[] {
  if (line.length <= STORY_WIDTH) return [line];
  const out: string[] = [];
  let cur = line;
  while (cur.length > STORY_WIDTH) {
    let cut = cur.lastIndexOf(' ', STORY_WIDTH);
    if (cut <= rest.length) cut = STORY_WIDTH;
    out.push(cur.slice(0, cut));
    cur = rest + cur.slice(cut).trimStart();
  }
  out.push(cur);
  return out;
}

function faultText(f: FaultSpec): string {
  const times = f.count === 0 ? 'every time' : f.count === 1 ? 'once' : `${f.count} times`;
  const rate = f.rate < 1 ? `, p=${f.rate}` : '';
  return `${f.name} armed at ${formatNs(f.atNs)} (${times}${rate})`;
}

/** Lines a story may take (docs/cli.md: at most 40 for a shrunk failure). */
export const MAX_STORY_LINES = 40;

/**
 * The story as lines of at most 100 columns, and at most 40: when the text around the steps
 * is long (many faults, a long message), fewer steps are shown.
 */
export function buildStory(s: StoryInput): Story {
  // Fewer steps first (down to 8), then fewer report lines, then fewer steps again.
  let steps = MAX_STEPS;
  let quote = MAX_REPORT_LINES;
  let story = storyWith(s, steps, quote);
  while (story.lines.length > MAX_STORY_LINES && (steps > 4 || quote > 2)) {
    if (steps > 8 || quote <= 2) steps--;
    else quote--;
    story = storyWith(s, steps, quote);
  }
  return story;
}

function storyWith(s: StoryInput, maxSteps: number, maxQuote: number): Story {
  const { steps, omitted } = chooseSteps(s, maxSteps);
  const lines: string[] = [];
  const design = s.design ?? '(no design)';
  const family = isInvariantId(s.invariant) ? INVARIANT_INFO[s.invariant].family : null;
  lines.push(
    ...fit(
      `${s.invariant}${family === null ? '' : ` (${family})`} on ${design}, scenario ${s.scenario}: ` +
        `run ${s.run}, seed ${s.seed}`,
      '  ',
    ),
  );
  const how = s.shrunk
    ? `shrunk from ${s.originalDecisions} to ${s.decisions} scheduling decisions`
    : `not shrunk: ${s.decisions} scheduling decisions`;
  lines.push(...fit(`  ${how}; virtual times below are from its replay.`, '  '));
  lines.push('');
  if (s.faults.length === 0) lines.push('Faults: none; the interleaving alone breaks it.');
  else {
    lines.push('Faults:');
    for (const f of s.faults.slice(0, 4)) lines.push(...fit(`  ${faultText(f)}`, '    '));
    if (s.faults.length > 4) lines.push(`  ... and ${s.faults.length - 4} more`);
  }
  lines.push('');
  lines.push('What happens (virtual time, task, step):');
  const whoW = Math.min(22, Math.max(4, ...steps.map((p) => p.who.length)));
  const stepLine = (p: StoryStep) => {
    const who = p.who.length > whoW ? `${p.who.slice(0, whoW - 1)}…` : p.who.padEnd(whoW);
    return `  ${formatNs(p.atNs).padStart(10)}  ${who}  ${p.what}`;
  };
  for (const p of steps) {
    // One line per step: a long step is cut rather than wrapped, to keep the story short.
    const l = stepLine(p);
    lines.push(l.length <= STORY_WIDTH ? l : `${l.slice(0, STORY_WIDTH - 1)}…`);
  }
  if (omitted > 0) {
    const n = omitted === 1 ? '1 less telling step' : `${omitted} less telling steps`;
    lines.push(`  (${n} left out; all of them: resetlab replay --trace)`);
  }
  lines.push('');
  const holds = isInvariantId(s.invariant) ? INVARIANT_INFO[s.invariant].holds : null;
  lines.push(
    ...fit(`Broken: ${s.invariant}${holds === null ? '' : `, which holds when ${holds}`}.`, '  '),
  );
  lines.push(...fit(`  ${s.message}`, '    '));
  if (s.report !== null && s.report.length > 0) {
    const quoted = s.report.filter((l) => l.trim() !== '' && !/^[=-]+$/.test(l.trim()));
    // The whole report when it fits; else its head, which names the bug and where.
    const n = quoted.length <= maxQuote + 1 ? quoted.length : maxQuote;
    for (const l of quoted.slice(0, n)) {
      lines.push(l.length + 2 <= STORY_WIDTH ? `  ${l}` : `  ${l.slice(0, STORY_WIDTH - 3)}…`);
    }
    if (quoted.length > n) {
      lines.push(`  ... (${quoted.length - n} more report lines: resetlab replay)`);
    }
  }
  lines.push('');
  // A command must survive copy and paste: a long one is split with a shell continuation,
  // never wrapped in the middle.
  const replay = `Replay: ${s.replay}`;
  const cut = s.replay.lastIndexOf(' ');
  if (replay.length <= STORY_WIDTH || cut < 0) lines.push(replay);
  else lines.push(`Replay: ${s.replay.slice(0, cut)} \\`, `  ${s.replay.slice(cut + 1)}`);
  return { steps, omitted, lines };
}
