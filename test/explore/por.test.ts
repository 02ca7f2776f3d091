/**
 * Partial-order reduction (src/kernel/hb.ts, src/explore/dfs.ts `por`): the happens-before
 * fingerprint is the same for two orders of independent steps and differs for dependent ones;
 * a reducing DFS reaches exactly the outcomes and final states of plain DFS within the same
 * bounds on every program with complete footprints, with fewer executions; with conservative
 * footprints the kernel keeps no tracker and nothing is pruned; and the comparison notices a program whose footprint claim is
 * false (so that the litmus check in scripts/por-soundness.ts can fail).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { BranchWindow, DfsBoundKind } from '../../src/explore/dfs.js';
import type { Program } from '../../src/explore/program.js';
import { getProgram } from '../../src/explore/registry.js';
import { type FootprintMode, HbTracker } from '../../src/kernel/hb.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { StrategyHost } from '../../src/kernel/strategy.js';
import type { Task } from '../../src/kernel/task.js';
import '../../src/scenarios/register.js';
import {
  depth2Program,
  depth3Program,
  handoffProgram,
  independentProgram,
  kernelProgram,
  lostUpdateProgram,
  noisyProgram,
  randomCompleteProgram,
  timeoutRaceProgram,
} from './programs.js';
import { assertSameSearch, type SearchResult, searchBoth } from './reduced.js';

const fakeTask = () => ({ runnableSinceNs: 0, state: 'runnable' }) as unknown as Task;

/** Runs two one-step tasks' steps in the given order; returns the key of the state after. */
function keyAfter(order: ('a' | 'b')[], touch: Record<'a' | 'b', [object, boolean][]>): number {
  const hb = new HbTracker();
  const tasks = { a: fakeTask(), b: fakeTask() };
  hb.idOf(tasks.a);
  hb.idOf(tasks.b);
  // Created before the steps (as a program's objects are, registered: Kernel.register).
  for (const who of ['a', 'b'] as const) for (const [obj] of touch[who]) hb.idOf(obj);
  for (const who of order) {
    hb.beginTask(tasks[who]);
    for (const [obj, write] of touch[who]) hb.access(obj, write);
    hb.end();
  }
  return hb.key([tasks.a, tasks.b], null, 0, false);
}

test('hb: independent steps commute, a write orders against reads and writes, reads commute', () => {
  const x = {};
  const y = {};
  const disjoint = { a: [[x, true]], b: [[y, true]] } as Record<'a' | 'b', [object, boolean][]>;
  assert.equal(keyAfter(['a', 'b'], disjoint), keyAfter(['b', 'a'], disjoint));
  const reads = { a: [[x, false]], b: [[x, false]] } as Record<'a' | 'b', [object, boolean][]>;
  assert.equal(keyAfter(['a', 'b'], reads), keyAfter(['b', 'a'], reads));
  const rw = { a: [[x, true]], b: [[x, false]] } as Record<'a' | 'b', [object, boolean][]>;
  assert.notEqual(keyAfter(['a', 'b'], rw), keyAfter(['b', 'a'], rw));
  const ww = { a: [[x, true]], b: [[x, true]] } as Record<'a' | 'b', [object, boolean][]>;
  assert.notEqual(keyAfter(['a', 'b'], ww), keyAfter(['b', 'a'], ww));
});

/** The footprint mode and the state keys a strategy that asks for footprints is given. */
async function keysSeen(
  footprints: FootprintMode,
  observe: boolean,
): Promise<{ mode: FootprintMode | null; keys: number[] }> {
  const keys: number[] = [];
  let mode: FootprintMode | null = null;
  let host: StrategyHost | null = null;
  const k = new Kernel({
    seed: 1,
    footprints,
    strategy: {
      name: 'keys',
      timeJumps: false,
      footprints: true,
      start(h) {
        host = h;
        mode = h.footprintMode;
      },
      onSpawn() {},
      pick() {
        keys.push(host?.stateKey(0, false) ?? -2);
        return 0;
      },
    },
  });
  for (const name of ['a', 'b']) {
    k.spawn(name, async () => {
      for (let i = 0; i < 3; i++) await k.point();
    });
  }
  if (observe) k.observe(() => {});
  await k.run();
  return { mode, keys };
}

test('hb: a conservative kernel (declared, or complete with observers) keeps no tracker: no key', async () => {
  // Every two steps of a conservative program are dependent, so no key could repeat in a tree
  // and the kernel does not hash at all (kernel.ts `hb`); a complete one gives a key each time.
  const complete = await keysSeen('complete', false);
  assert.equal(complete.mode, 'complete');
  assert.ok(complete.keys.length > 0 && complete.keys.every((x) => x >= 0));
  for (const [footprints, observe] of [
    ['conservative', false],
    ['complete', true],
  ] as const) {
    const r = await keysSeen(footprints, observe);
    assert.equal(r.mode, 'conservative', `${footprints}, observers ${observe}`);
    assert.ok(r.keys.length > 0 && r.keys.every((x) => x === -1), `${footprints}, ${observe}`);
  }
});

interface Pair {
  plain: SearchResult;
  por: SearchResult;
}

async function both(
  p: Program,
  bound: DfsBoundKind,
  depth: number,
  extra: { dfsMaxDepth?: number; dfsBranchWindow?: BranchWindow } = {},
): Promise<Pair> {
  const { plain, reduced } = await searchBoth(p, bound, depth, { dfsPor: true }, extra);
  return { plain, por: reduced };
}

function assertSame({ plain, por }: Pair, what: string): void {
  assertSameSearch({ plain, reduced: por }, what);
}

test('por: the same outcomes and final states as plain dfs on every complete program and bound', async () => {
  const programs: [string, () => Program][] = [
    ['depth2', () => depth2Program(4)],
    ['depth3', () => depth3Program(4)],
    ['lost-update/3', () => lostUpdateProgram(3)],
    ['independent', () => independentProgram(3, 2)],
    ['timeout', () => timeoutRaceProgram()],
    ['handoff', () => handoffProgram()],
  ];
  let pruned = 0;
  for (const [name, make] of programs) {
    for (const bound of ['preemption', 'delay'] as const) {
      for (const depth of [0, 1, 2, 3]) {
        const r = await both(make(), bound, depth);
        assertSame(r, `${name}, ${bound} bound ${depth}`);
        assert.equal(r.por.dfs?.footprints, 'complete');
        assert.equal(
          r.por.dfs?.reduction,
          bound === 'preemption' ? 'hb-cache+sleep+symmetry' : 'hb-cache+symmetry',
        );
        pruned += r.por.dfs?.prunedRuns ?? 0;
      }
    }
  }
  assert.ok(pruned > 0, 'the reduction pruned something');
  // A program with a fault vocabulary, at one bound (its tree is large).
  assertSame(await both(noisyProgram(), 'delay', 1), 'noisy, delay bound 1');
});

test('por: the same final states as plain dfs on 60 random programs over every reporting primitive', async () => {
  let plainRuns = 0;
  let porRuns = 0;
  for (let seed = 1; seed <= 60; seed++) {
    for (const bound of ['preemption', 'delay'] as const) {
      for (const depth of [1, 2]) {
        const r = await both(randomCompleteProgram(seed), bound, depth);
        assertSame(r, `random program ${seed}, ${bound} bound ${depth}`);
        plainRuns += r.plain.totals.runs;
        porRuns += r.por.totals.runs;
      }
      // In a branch window too: past its end the choices follow the run queue's order.
      const window = { dfsBranchWindow: { fromNs: 0, untilNs: 2500 } };
      const w = await both(randomCompleteProgram(seed), bound, 2, window);
      assertSame(w, `random program ${seed}, ${bound} bound 2, window [0, 2.5 µs)`);
    }
  }
  assert.ok(porRuns < plainRuns, `${porRuns} schedules with reduction, ${plainRuns} without`);
});

test('por: independent work is searched once: at least 4x fewer executions at preemption bound 3', async () => {
  const { plain, por } = await both(independentProgram(3, 3), 'preemption', 3);
  assertSame({ plain, por }, 'independent 3x3');
  const executions = por.totals.runs + (por.dfs?.prunedRuns ?? 0);
  assert.ok(
    executions * 4 <= plain.totals.runs,
    `${executions} executions with reduction against ${plain.totals.runs} schedules without`,
  );
});

/** Two tasks that log each slice into an array they never report: every order is a state. */
function slicesProgram(footprints: 'complete' | 'conservative'): Program {
  return kernelProgram(
    `slices-${footprints}@test`,
    [],
    (k) => {
      const log: number[] = [];
      for (let t = 0; t < 2; t++) {
        k.spawn(`t${t}`, async () => {
          for (let i = 0; i < 3; i++) {
            log.push(t);
            await k.point();
          }
        });
      }
      return () => ({ order: log.reduce((h, t) => h * 2 + t, 1) });
    },
    footprints,
  );
}

test('por: with conservative footprints nothing is pruned and the search is plain dfs', async () => {
  const r = await both(slicesProgram('conservative'), 'preemption', 2);
  assertSame(r, 'slices, conservative');
  assert.equal(r.por.dfs?.prunedRuns, 0);
  assert.equal(r.por.dfs?.footprints, 'conservative');
  assert.equal(r.por.totals.runs, r.plain.totals.runs);
});

test('por: a false claim of complete footprints loses states, and the comparison says so', async () => {
  const { plain, por } = await both(slicesProgram('complete'), 'preemption', 2);
  assert.ok((por.dfs?.states.length ?? 0) < (plain.dfs?.states.length ?? 0));
  assert.throws(() => assertSame({ plain, por }, 'slices, false claim'), /final states/);
});

test('por on a litmus scenario: the driver model is conservative, the same search as plain dfs', async () => {
  const program = getProgram('perfcnt-reset@default') as Program;
  // The first 40 decisions searched (the rest take the default): the whole matrix at the full
  // depth is scripts/por-soundness.ts.
  const r = await both(program, 'delay', 1, { dfsMaxDepth: 40 });
  assertSame(r, 'perfcnt-reset@default, delay bound 1, depth 40');
  assert.equal(r.por.dfs?.footprints, 'conservative');
  assert.equal(r.por.dfs?.prunedRuns, 0);
});
