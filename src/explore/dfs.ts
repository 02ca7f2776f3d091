/**
 * Bounded systematic DFS over the decision tree (stateless model checking in the style of
 * CHESS, Musuvathi and Qadeer, PLDI 2007).
 *
 * The strategy is stateful across runs: it keeps the path of the previous run (one frame per
 * decision: how many options there were, which one was taken, which alternatives are left).
 * Each new run replays the path up to the deepest decision that still has an untried
 * alternative within the bounds, takes that alternative, and continues with default choices
 * from there. When no frame has an alternative left, `done` is true: every schedule within the
 * bounds has been run exactly once. Re-executing from the start instead of snapshotting state
 * is what makes this cheap to write for async model code, and it is affordable because the
 * programs it is meant for are small.
 *
 * Bounds (both are needed: the tree of a real scenario is astronomically large):
 * - A preemption bound. A preemption is choosing a task other than `prev` while `prev` is
 *   still runnable. Firing a timed event ahead of runnable tasks also counts as one: it delays
 *   every runnable task, which is what a preemption by a timer interrupt does. Most
 *   concurrency bugs need very few preemptions, and the number of schedules grows polynomially
 *   in the program length for a fixed bound, instead of exponentially.
 * - A depth bound: decisions beyond `maxDepth` take the default choice without branching.
 *   `truncated` says whether that ever cut off an alternative the preemption bound allowed,
 *   in which case `done` means "exhausted within the bounds" and not "exhausted".
 * - A branch window (`branchWindow`): decisions met outside an interval of virtual time take
 *   the default choice. A litmus scenario's race is decided in its active phase, and most of a
 *   whole-run tree is the free choices of the setup and of the liveness phase after it
 *   (window@default at preemption bound 0: about 2·10^8 schedules over the whole run, 1 080
 *   in its race window); a declared bound, named in the certificate (docs/explorer.md §13).
 *
 * The bound's kind (`bound`): `preemption` counts what CHESS counts (above); `delay` counts
 * every departure from the default schedule, the free choices too (delay-bounded scheduling,
 * Emmi, Qadeer and Rakamarić, POPL 2011): at a decision where `prev` blocked, running any task
 * but the first in FIFO order is one delay. Preemption bounding leaves those choices free, so
 * its tree still grows exponentially in the number of times a task blocks with two or more
 * others runnable, which on a real scenario is in the tens; a delay bound of d makes the tree
 * polynomial in the program length (about (decisions × options)^d / d!), small enough to
 * exhaust at d = 1 or 2 on a litmus. It searches a different, smaller set of schedules: every
 * schedule within d delays is within d preemptions, not the other way round.
 *
 * The default choice continues `prev` when it is runnable (no preemption) and is the FIFO
 * choice 0 otherwise; alternatives are tried in index order after it. Every run must see the
 * same program: the same seed and the same faults (explore.ts arranges that). If a replayed
 * prefix meets a different number of options, the program is not deterministic, and that is
 * reported through `host.diverged`.
 *
 * Frames live in parallel number arrays that are grown once and reused across runs, so a
 * decision allocates nothing.
 *
 * Reduction (`por`): the kernel hashes each run's steps by their dependencies (hb.ts), which
 * gives every decision a key that is the same for two prefixes that are one trace (the same
 * steps, dependent ones in the same order) and so reached the same state, with the same run
 * queue. The strategy keeps, per key, the largest budget (bound minus what the prefix spent)
 * and the smallest depth with which that state was reached. A new decision whose key is there
 * with at least its budget and at most its depth has nothing left to search: every schedule
 * below it, within the bounds, has an equivalent below the earlier one, with the same
 * outcome. The run ends there (outcome `pruned`; it is not a schedule) and the search
 * backtracks. This is sound for the bounded search because the earlier state's subtree was
 * searched with at least the same budget and depth left (a tree search visits a state's
 * subtree completely before any later node, and a state reached again is never an ancestor:
 * every step adds to the trace), and the cost of each choice depends only on the state, the
 * run queue and `prev`, all in the key. It merges only what the footprints tell apart: with
 * `conservative` footprints (the driver model) every two steps are dependent, no two prefixes
 * are one trace, nothing could be pruned, and so the cache is not consulted at all (the kernel
 * keeps no tracker; docs/explorer.md §11).
 *
 * Sleep sets (`sleep`, with `por` under a preemption bound): once a choice has been searched
 * at a node, a later choice there whose step commutes with it puts it to sleep below, while
 * every step that runs commutes with it and the costs allow (`sleepAllowed`); an asleep task
 * is not tried. They need the same complete footprints (hb.ts `takeSpan`), and do nothing on a
 * conservative program (docs/explorer.md §11, *Sleep sets*).
 */
import { dependent, type Footprint, type FootprintMode } from '../kernel/hb.js';
import type { Strategy, StrategyHost } from '../kernel/strategy.js';
import { interchangeable, type Task } from '../kernel/task.js';

/** An interval of virtual time [fromNs, untilNs) (ns). */
export interface BranchWindow {
  readonly fromNs: number;
  readonly untilNs: number;
}

/** Throws a RangeError unless `w` is a non-empty interval of non-negative integer times. */
export function checkBranchWindow(w: BranchWindow): void {
  if (
    !Number.isSafeInteger(w.fromNs) ||
    !Number.isSafeInteger(w.untilNs) ||
    w.fromNs < 0 ||
    w.untilNs <= w.fromNs
  ) {
    throw new RangeError(
      `dfs: a branch window must be integer times 0 <= from < until, got [${w.fromNs}, ${w.untilNs})`,
    );
  }
}

/** "[5 ms, 125 ms)": how reports name a branch window (null: the whole run). */
export function branchWindowText(w: BranchWindow | null): string {
  if (w === null) return 'the whole run';
  const t = (ns: number) => (ns % 1_000_000 === 0 ? `${ns / 1_000_000} ms` : `${ns} ns`);
  return `[${t(w.fromNs)}, ${t(w.untilNs)})`;
}

/** How a table of searches names where they branched (`race`: each program's race window). */
export function branchWindowPhrase(w: BranchWindow | null | 'race' | undefined): string {
  if (w === 'race') return "branching in each litmus scenario's race window";
  if (w === null || w === undefined) return 'branching over the whole run';
  return `branching in ${branchWindowText(w)}`;
}

/** What the bound counts (see the file comment). */
export type DfsBoundKind = 'preemption' | 'delay';
export const DFS_BOUND_KINDS: readonly DfsBoundKind[] = ['preemption', 'delay'];

export interface DfsOptions {
  /** Maximum preemptions (or delays, with `bound: 'delay'`) per schedule (default 2). */
  preemptionBound?: number;
  /** What the bound counts (default `preemption`). */
  bound?: DfsBoundKind;
  /** Decisions explored systematically per run; later ones take the default (default 10_000). */
  maxDepth?: number;
  /**
   * Where in virtual time the search branches (default null: the whole run). A decision met
   * before `fromNs` is a frame with no alternative (the default choice); one met at or after
   * `untilNs` takes the default choice without a frame, as beyond `maxDepth`. It is a declared
   * bound, not a truncation: the search is "every schedule within the bound that departs from
   * the default schedule only inside the window" (docs/explorer.md §13).
   */
  branchWindow?: BranchWindow | null;
  /** Offer "fire the next event" as an alternative (costs one preemption; default true). */
  timeJumps?: boolean;
  /**
   * A fixed decision prefix (ordinals, as `path()` returns them): every run replays it and the
   * search never backtracks into it, so the strategy enumerates exactly the subtree below it.
   * This is how a tree is cut into disjoint pieces for worker threads and shards (frontier.ts).
   */
  prefix?: readonly number[];
  /**
   * Continue a search that stopped after this schedule (its path, ordinals as `path()`
   * returned them; it extends `prefix`): the first run replays it to rebuild the frames and is
   * not a new schedule (explore.ts does not count it), every later run is the next
   * schedule after it in DFS order. This is how a subtree cut by its budget is continued with
   * more instead of searched again from its start (campaign.ts `rebudget`). The happens-before
   * cache starts empty: what the stopped search had cached is not merged again, which can only
   * cost schedules, never lose one (docs/explorer.md §10).
   */
  resumeAfter?: readonly number[];
  /** Merge equivalent states (see the file comment). Default false. */
  por?: boolean;
  /**
   * Sleep sets (`SleepEntry`, docs/explorer.md §11): with `por`, under a preemption bound, a
   * task whose step was searched at a node and commutes with the step taken instead is not
   * tried again below it while nothing dependent on it has run, where that is sound within
   * the bound. Default: `por` with a preemption bound over the whole run; never under a delay
   * bound or in a branch window (`dfsSleepOf`).
   */
  sleep?: boolean;
  /** Try one of each run of interchangeable fresh workers (see `symmetryMask`). Default false. */
  symmetry?: boolean;
}

/**
 * What a dfs run reduced by (certificate `reduction`): `hb-cache` merges equivalent states,
 * `symmetry` leaves out choices that only rename interchangeable workers; `--por` uses both.
 */
export type DfsReduction =
  | 'none'
  | 'hb-cache'
  | 'symmetry'
  | 'hb-cache+symmetry'
  | 'hb-cache+sleep'
  | 'hb-cache+sleep+symmetry';
export const DFS_REDUCTIONS: readonly DfsReduction[] = [
  'none',
  'hb-cache',
  'symmetry',
  'hb-cache+symmetry',
  'hb-cache+sleep',
  'hb-cache+sleep+symmetry',
];

/**
 * Whether a search uses sleep sets: asked for (by default with `por`), only under a preemption
 * bound and only when it branches over the whole run. With a branch window, the choices after
 * its end are the default ones, which depend on `prev`, and a skipped schedule and its twin
 * leave the window with different `prev`s (docs/explorer.md §11, *Sleep sets*).
 */
export function dfsSleepOf(
  por: boolean,
  kind: DfsBoundKind,
  wholeRun: boolean,
  sleep?: boolean,
): boolean {
  return por && kind === 'preemption' && wholeRun && (sleep ?? true);
}

export function dfsReduction(por: boolean, symmetry: boolean, sleep = false): DfsReduction {
  if (!por) return symmetry ? 'symmetry' : 'none';
  const base = sleep ? 'hb-cache+sleep' : 'hb-cache';
  return symmetry ? `${base}+symmetry` : base;
}

/**
 * A task asleep at a node (a sleep set's member): its next step was searched at an ancestor,
 * at which the step taken instead commuted with it, and every step since did too; running it
 * here would give a schedule equivalent to one already searched within the bound.
 */
interface SleepEntry {
  /** The task's happens-before id (hb.ts: the same in every schedule that shares the prefix). */
  readonly id: number;
  /** Its step's footprint, null: dependent on every step (hb.ts `takeSpan`). */
  readonly fp: Footprint | null;
  /** Whether it was still runnable after that step (a preemption's cost depends on it). */
  readonly ru: boolean;
  /** What choosing it cost at the node it was searched at. */
  readonly cost: number;
  /** Its ordinal there. */
  readonly ord: number;
  /**
   * Whether it may stay asleep at a node whose `prev` is blocked (`sleepAllowed`): it was free
   * there, blocked after its step, and the choice it sleeps below was a preemption. Set when it
   * joins a sleep set.
   */
  readonly strong?: boolean;
}

/** Whether `e`'s step wrote the timed-event queue `q` (added or cancelled an event). */
function writesQueue(e: SleepEntry, q: number): boolean {
  return e.fp === null || e.fp.writes.includes(q);
}

/**
 * Whether `e`, searched at a node before the choice that cost `cur`, may sleep below that
 * choice without losing a schedule within the preemption bound. A schedule that runs the
 * choice t, more steps, then e's task u, then goes on with some x, is one trace with the
 * schedule that runs u first and then the rest (u commutes with each of them); the two differ
 * in cost only at t (after u instead of `prev`), at u (after the last step instead of `prev`)
 * and at x (after that step instead of u), which comes to: u must cost no more than t at the
 * node, and if u is still runnable after its step (so x may be u itself, free after u and not
 * after the other), u must be free there and t a preemption. When x fires an event, `prev`
 * stays what it was (u, against the last step's task in the twin), and the event may wake that
 * task: then the choice after it may cost one more in the twin. That can only happen where the
 * last step's task is blocked when u would run, so at such a node only a `strong` entry stays
 * asleep (u free and blocked after its step, t a preemption), or one whose step adds no event
 * when none is pending (then no event can follow it). docs/explorer.md §11.
 */
function sleepAllowed(e: SleepEntry, cur: number): boolean {
  return e.cost <= cur && (!e.ru || (e.cost === 0 && cur === 1));
}

/**
 * Symmetry reduction: bit i is set when running `runq[i]` is the same as running `runq[i - 1]`
 * up to renaming two fresh workers of one pool (task.ts `interchangeable`), so that its subtree
 * is the other's, renamed, and need not be searched. Only positions below 31 are looked at (a
 * longer run queue is searched in full past them). Sound within both bounds: the renamed
 * subtree has every queue position and every `prev` of the other, so each choice in it costs
 * what its image costs; and `runq[i]` itself costs at least what `runq[i - 1]` does (it is never
 * `prev`, which has run, and is not the FIFO head). docs/explorer.md §12.
 */
export function symmetryMask(runq: readonly Task[]): number {
  let mask = 0;
  const n = Math.min(runq.length, 31);
  for (let i = 1; i < n; i++) {
    if (interchangeable(runq[i - 1] as Task, runq[i] as Task)) mask |= 1 << i;
  }
  return mask;
}

export interface DfsStrategy extends Strategy {
  readonly preemptionBound: number;
  readonly bound: DfsBoundKind;
  readonly maxDepth: number;
  /** Where in virtual time the search branches (`DfsOptions.branchWindow`), null: everywhere. */
  readonly branchWindow: BranchWindow | null;
  /** Every schedule within the bounds has been run (valid after at least one run). */
  readonly done: boolean;
  /** Runs started so far. */
  readonly runs: number;
  /** Whether the depth bound ever cut off an alternative. */
  readonly truncated: boolean;
  /** The ordinals taken at each decision of the last run (0 = the default choice). */
  path(): number[];
  readonly reduction: DfsReduction;
  /** Runs ended at a state already searched (not schedules). */
  readonly pruned: number;
  /** The footprint mode of the last run (hb.ts), null without reduction. */
  readonly footprintMode: FootprintMode | null;
}

export const MAX_DFS_DEPTH = 1_000_000;

const NO_SLEEP: SleepEntry[] = [];

/** States the reduction remembers at most; past it, new states are searched, not stored. */
export const MAX_CACHED_STATES = 4_000_000;
/** A cache entry: budget * DEPTH_SPAN + depth. */
const DEPTH_SPAN = 2 ** 21;

/** "preemption bound 2", "delay bound 1": how reports name a bound. */
export function boundText(kind: DfsBoundKind, n: number): string {
  return `${kind} bound ${n}`;
}

/**
 * The choice index of ordinal `t` at a decision where `prev` is at `prevIdx` (-1: not
 * runnable): the default first (continue `prev`, else FIFO 0), then the others in order.
 * Exported for the tree-size probes (tree-estimate.ts), which must walk the same tree.
 */
export function dfsChoice(prevIdx: number, t: number): number {
  const d = Math.max(prevIdx, 0);
  if (t === 0) return d;
  return t - 1 < d ? t - 1 : t;
}

/**
 * What choice `c` costs against the bound. Preemptions: the event option (last index) always,
 * another task than a runnable prev. Delays: anything but the default choice (prev when
 * runnable, else FIFO 0); the event option is never the default.
 */
export function dfsCost(
  prevIdx: number,
  c: number,
  runnable: number,
  kind: DfsBoundKind = 'preemption',
): number {
  if (c === runnable) return 1;
  if (kind === 'delay') return c === Math.max(prevIdx, 0) ? 0 : 1;
  return prevIdx >= 0 && c !== prevIdx ? 1 : 0;
}

export function dfsStrategy(opts: DfsOptions = {}): DfsStrategy {
  const bound = opts.preemptionBound ?? 2;
  const kind = opts.bound ?? 'preemption';
  if (!DFS_BOUND_KINDS.includes(kind)) {
    throw new RangeError(`dfs: bound must be one of ${DFS_BOUND_KINDS.join(', ')}, got ${kind}`);
  }
  const maxDepth = opts.maxDepth ?? 10_000;
  const branchWindow = opts.branchWindow ?? null;
  if (branchWindow !== null) checkBranchWindow(branchWindow);
  const fromNs = branchWindow?.fromNs ?? 0;
  const untilNs = branchWindow?.untilNs ?? Number.POSITIVE_INFINITY;
  const timeJumps = opts.timeJumps ?? true;
  const prefix = opts.prefix ?? [];
  const resumeAfter = opts.resumeAfter ?? null;
  if (resumeAfter !== null) {
    if (!resumeAfter.every((t) => Number.isInteger(t) && t >= 0)) {
      throw new RangeError('dfs: resumeAfter must be a path of non-negative integer ordinals');
    }
    if (resumeAfter.length < prefix.length || prefix.some((t, j) => resumeAfter[j] !== t)) {
      throw new RangeError('dfs: resumeAfter must extend the prefix');
    }
  }
  const por = opts.por ?? false;
  const symmetry = opts.symmetry ?? false;
  const sleep = dfsSleepOf(por, kind, branchWindow === null, opts.sleep);
  if (!Number.isInteger(bound) || bound < 0) {
    throw new RangeError(`dfs: preemption bound must be a non-negative integer, got ${bound}`);
  }
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DFS_DEPTH) {
    throw new RangeError(`dfs: maxDepth must be an integer in [1, ${MAX_DFS_DEPTH}]`);
  }
  // One frame per decision of the current path.
  const options: number[] = [];
  /** Index of `prev` in the run queue at that decision, or -1 when it was not runnable. */
  const prevIdx: number[] = [];
  /** Ordinal of the alternative taken: 0 = default, then the other indices in order. */
  const tried: number[] = [];
  /** Preemptions on the path before this decision. */
  const preBefore: number[] = [];
  /** Whether the last option at that decision was "fire the next event". */
  const hasEvent: boolean[] = [];
  /** Choices left out by symmetry at that decision (`symmetryMask`). */
  const symMask: number[] = [];
  /** Whether that decision came before the branch window: no alternative is tried there. */
  const early: boolean[] = [];
  // Sleep sets (`sleepOn`): per frame, the tasks asleep there (and their run-queue positions),
  // the choices searched there so far with their steps' footprints, in ordinal order (the last
  // one says whether the current choice's step is recorded yet), and the task the current
  // choice runs.
  const sleepMask: number[] = [];
  const asleep: SleepEntry[][] = [];
  const searched: SleepEntry[][] = [];
  const chosen: (Task | null)[] = [];
  let len = 0;
  let pos = 0;
  let runs = 0;
  let truncated = false;
  let doneCache: boolean | null = null;
  let host: StrategyHost | null = null;
  /** State key -> best (budget, depth) it was searched with (see the file comment). */
  const seen = new Map<number, number>();
  /** With sleep sets: state key -> its visits' budgets, depths and sleep sets (`cachedAsleep`). */
  const seenAsleep = new Map<number, { left: number; depth: number; ids: number[] }[]>();
  let pruned = 0;
  let footprints: FootprintMode | null = null;
  /** Sleep sets in force on this run: asked for, and the footprints complete. */
  let sleepOn = false;

  /**
   * Whether the state `key` was searched with at least `left` budget at at most depth `j`
   * (then true: prune), else remembers this visit.
   */
  function cached(key: number, left: number, j: number): boolean {
    const had = seen.get(key);
    if (had !== undefined) {
      const hadLeft = Math.floor(had / DEPTH_SPAN);
      const hadDepth = had - hadLeft * DEPTH_SPAN;
      if (hadLeft >= left && hadDepth <= j) return true;
      if (left > hadLeft || (left === hadLeft && j < hadDepth)) {
        seen.set(key, left * DEPTH_SPAN + j);
      }
    } else if (seen.size < MAX_CACHED_STATES) {
      seen.set(key, left * DEPTH_SPAN + j);
    }
    return false;
  }

  /**
   * `cached` with sleep sets: a node searched with sleep set Z left out only the schedules
   * that begin with a task in Z (each has a twin searched before it), so it answers for a
   * node of the same state whose sleep set contains Z, not for one with fewer tasks asleep
   * (the subset condition of state caching with sleep sets, Godefroid 1996). Each state keeps
   * the visits no other visit of it dominates.
   */
  function cachedAsleep(key: number, left: number, j: number, z: readonly SleepEntry[]): boolean {
    const ids = z.map((e) => e.id);
    const had = seenAsleep.get(key);
    if (had !== undefined) {
      for (const v of had) {
        if (v.left >= left && v.depth <= j && v.ids.every((id) => ids.includes(id))) return true;
      }
      const kept = had.filter(
        (v) => !(left >= v.left && j <= v.depth && ids.every((id) => v.ids.includes(id))),
      );
      kept.push({ left, depth: j, ids });
      seenAsleep.set(key, kept);
    } else if (seenAsleep.size < MAX_CACHED_STATES) {
      seenAsleep.set(key, [{ left, depth: j, ids }]);
    }
    return false;
  }

  /** The footprint of the step(s) since the previous decision (`noteStep`). */
  let lastSpan: Footprint | null = null;

  /**
   * At a decision: what ran since the previous one is the step of the previous decision's
   * choice. If that decision is a frame whose current choice has not been recorded yet, its
   * footprint joins the frame's searched choices, for the sleep sets of its later siblings.
   */
  function noteStep(j: number, runq: readonly Task[]): void {
    if (host === null) return;
    const span = host.takeSpan();
    lastSpan = span;
    const f = j - 1;
    if (f < 0 || f >= len) return;
    const ord = tried[f] as number;
    const done = searched[f] as SleepEntry[];
    if (done.length > 0 && (done[done.length - 1] as SleepEntry).ord === ord) return;
    const t = chosen[f] ?? null;
    done.push({
      id: t === null ? -1 : host.objectId(t),
      fp: t === null ? null : span,
      ru: t !== null && runq.includes(t),
      cost: cost(f, choiceAt(f, ord)),
      ord,
    });
  }

  /**
   * The sleep set of new frame `j` (below frame j - 1's current choice): the tasks asleep at
   * j - 1 and the choices searched there before the current one that may sleep (`sleepAllowed`),
   * each kept only if its step commutes with the step just taken.
   */
  function sleepSetAt(j: number, prevRunnable: boolean): SleepEntry[] {
    const f = j - 1;
    const span = lastSpan;
    if (f < 0 || span === null) return NO_SLEEP;
    const ord = tried[f] as number;
    const cur = cost(f, choiceAt(f, ord));
    const z: SleepEntry[] = [];
    for (const e of asleep[f] as SleepEntry[]) {
      if (e.fp !== null && !dependent(e.fp, span)) z.push(e);
    }
    for (const e of searched[f] as SleepEntry[]) {
      if (e.ord === ord || e.fp === null || !sleepAllowed(e, cur)) continue;
      if (!dependent(e.fp, span)) z.push({ ...e, strong: e.cost === 0 && !e.ru && cur === 1 });
    }
    // At a node whose `prev` is blocked, only the strong stay asleep (`sleepAllowed`), and those
    // whose step adds no timed event when none is pending: then no event can follow it.
    if (!prevRunnable && z.length > 0) {
      const quiet = host !== null && host.pendingEvents === 0;
      const q = quiet && host !== null ? host.eventQueueId() : -1;
      const kept = z.filter((e) => e.strong === true || (quiet && !writesQueue(e, q)));
      return kept.length === 0 ? NO_SLEEP : kept;
    }
    return z.length === 0 ? NO_SLEEP : z;
  }

  /** The choice for ordinal `t` at frame `j`: the default first, then the others in order. */
  function choiceAt(j: number, t: number): number {
    return dfsChoice(prevIdx[j] as number, t);
  }

  /** Preemptions a choice costs at frame `j` (the event option is the last index). */
  function cost(j: number, c: number): number {
    return dfsCost(
      prevIdx[j] as number,
      c,
      (options[j] as number) - (eventOption(j) ? 1 : 0),
      kind,
    );
  }

  function eventOption(j: number): boolean {
    return hasEvent[j] as boolean;
  }

  /** The next ordinal after `t` at frame `j` within the preemption bound, or -1. */
  function nextAlternative(j: number, t: number): number {
    // The fixed prefix is not this search's to vary: another piece of the tree owns it.
    if (j < prefix.length || early[j] === true) return -1;
    const n = options[j] as number;
    const budget = bound - (preBefore[j] as number);
    const mask = (symMask[j] as number) | (sleepMask[j] as number);
    for (let u = t + 1; u < n; u++) {
      const c = choiceAt(j, u);
      if (c < 31 && ((mask >>> c) & 1) === 1) continue;
      if (cost(j, c) <= budget) return u;
    }
    return -1;
  }

  function hasNext(): boolean {
    for (let j = len - 1; j >= 0; j--) {
      if (nextAlternative(j, tried[j] as number) >= 0) return true;
    }
    return false;
  }

  /** Moves the path to the next schedule; false when the tree is exhausted. */
  function backtrack(): boolean {
    while (len > 0) {
      const j = len - 1;
      const u = nextAlternative(j, tried[j] as number);
      if (u >= 0) {
        tried[j] = u;
        return true;
      }
      len--;
    }
    return false;
  }

  return {
    name: 'dfs',
    timeJumps,
    footprints: por,
    reduction: dfsReduction(por, symmetry, sleep),
    get pruned() {
      return pruned;
    },
    get footprintMode() {
      return footprints;
    },
    preemptionBound: bound,
    bound: kind,
    maxDepth,
    branchWindow,
    get runs() {
      return runs;
    },
    get truncated() {
      return truncated;
    },
    path() {
      return tried.slice(0, len);
    },
    get done() {
      if (runs === 0) return false;
      if (doneCache === null) doneCache = !hasNext();
      return doneCache;
    },
    start(h: StrategyHost) {
      host = h;
      if (por) footprints = h.footprintMode;
      // The last frame's step ended with the run: it is not recorded, so its siblings never
      // sleep (a run's end is not a decision at which to see what the step left runnable).
      sleepOn = sleep && footprints === 'complete';
      lastSpan = null;
      if (runs > 0 && !backtrack()) {
        // Exhausted: run the default path again rather than fail; callers check `done`.
        len = 0;
      }
      runs++;
      pos = 0;
      doneCache = null;
    },
    onSpawn() {},
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      const n = runq.length;
      const opts = n + (eventOffered ? 1 : 0);
      const j = pos++;
      if (sleepOn) noteStep(j, runq);
      if (j < len) {
        if (options[j] !== opts || hasEvent[j] !== eventOffered) {
          host?.diverged(
            `dfs: decision ${j} had ${options[j]} options on an earlier run, now ${opts}`,
          );
          return 0;
        }
        const c = choiceAt(j, tried[j] as number);
        if (sleepOn) chosen[j] = c < n ? (runq[c] as Task) : null;
        return c;
      }
      let p = -1;
      if (prev !== null) {
        for (let i = 0; i < n; i++) {
          if (runq[i] === prev) {
            p = i;
            break;
          }
        }
      }
      // Past the branching window: the default schedule, a declared bound (virtual time never
      // goes back, so no later decision of this run branches either). A fixed prefix past it
      // belongs to another window's tree.
      const now = host === null ? 0 : host.nowNs;
      if (now >= untilNs) {
        if (j < prefix.length) {
          host?.diverged(`dfs: prefix decision ${j} is past the branch window's end ${untilNs} ns`);
        }
        return Math.max(p, 0);
      }
      if (j >= maxDepth) {
        // Cut off only if the bounds would have allowed an alternative here: any alternative
        // costs at most one, and one with none left is free only when prev is not runnable
        // and the bound counts preemptions (beyond the depth bound every choice is the
        // default, which costs nothing).
        if (!truncated && opts > 1 && now >= fromNs) {
          const k = len - 1;
          const used =
            k < 0 ? 0 : (preBefore[k] as number) + cost(k, choiceAt(k, tried[k] as number));
          if (used < bound || (kind === 'preemption' && p < 0 && n > 1)) truncated = true;
        }
        return Math.max(p, 0);
      }
      // A new frame on the path, taking the default choice (or the prefix's, or on the run
      // that resumes a stopped search, the choice its last schedule took).
      const fixed =
        j < prefix.length
          ? (prefix[j] as number)
          : resumeAfter !== null && runs === 1 && j < resumeAfter.length
            ? (resumeAfter[j] as number)
            : 0;
      if (fixed >= opts) {
        host?.diverged(`dfs: fixed decision ${j} wants ordinal ${fixed} of ${opts} options`);
        return 0;
      }
      if (fixed !== 0 && now < fromNs) {
        host?.diverged(`dfs: fixed decision ${j} departs from the default before the window`);
        return 0;
      }
      const spent =
        j === 0
          ? 0
          : (preBefore[j - 1] as number) + cost(j - 1, choiceAt(j - 1, tried[j - 1] as number));
      // Who is asleep here, and where they are in the run queue.
      const z = sleepOn ? sleepSetAt(j, p >= 0) : NO_SLEEP;
      let zMask = 0;
      if (z.length > 0 && host !== null) {
        const m = Math.min(n, 31);
        for (let i = 0; i < m; i++) {
          const id = host.objectId(runq[i] as Task);
          if (z.some((e) => e.id === id)) zMask |= 1 << i;
        }
      }
      // Conservative footprints: no key can repeat in a tree (hb.ts), the kernel keeps none.
      if (por && footprints === 'complete' && j >= prefix.length && host !== null) {
        // A preemption's cost depends on who ran last, not on where it is in the run queue; a
        // delay's on the FIFO head too, and so does the choice past a branch window's end (the
        // default: `prev`, else the FIFO head), so a windowed search keys the queue's order.
        const key = host.stateKey(eventOffered ? 1 : 0, kind === 'delay' || branchWindow !== null);
        if (key < 0) throw new Error('dfs: complete footprints but no state key');
        const left = bound - spent;
        if (sleepOn ? cachedAsleep(key, left, j, z) : cached(key, left, j)) {
          pruned++;
          len = j;
          host.prune();
          return 0;
        }
      }
      options[j] = opts;
      hasEvent[j] = eventOffered;
      // A worker whose twin before it is asleep is not left out for the twin's sake: the twin
      // is not searched here (sleep and symmetry each leave out what another node searches).
      symMask[j] = symmetry ? symmetryMask(runq) & ~(zMask << 1) : 0;
      sleepMask[j] = zMask;
      early[j] = now < fromNs;
      prevIdx[j] = p;
      tried[j] = fixed;
      preBefore[j] = spent;
      len = j + 1;
      if (sleepOn) {
        asleep[j] = z;
        searched[j] = [];
        const d = choiceAt(j, 0);
        if (fixed === 0 && d < 31 && ((zMask >>> d) & 1) === 1) {
          // The default choice is asleep: take the first choice awake within the bound, or, if
          // there is none, everything below is searched elsewhere (a sleep-set-blocked node).
          const alt = nextAlternative(j, 0);
          if (alt < 0) {
            pruned++;
            len = j;
            host?.prune();
            return 0;
          }
          tried[j] = alt;
          const c = choiceAt(j, alt);
          chosen[j] = c < n ? (runq[c] as Task) : null;
          return c;
        }
        const c = choiceAt(j, fixed);
        chosen[j] = c < n ? (runq[c] as Task) : null;
      }
      // A resumed path must be one this search could have taken (within the bound, not left
      // out by the symmetry): else it is another search's, or the program changed.
      if (fixed !== 0 && j >= prefix.length && nextAlternative(j, fixed - 1) !== fixed) {
        host?.diverged(`dfs: resumed decision ${j} takes ordinal ${fixed}, outside this search`);
        return 0;
      }
      return choiceAt(j, fixed);
    },
  };
}
