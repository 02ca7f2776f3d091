/**
 * The branch window (src/explore/dfs.ts `branchWindow`, docs/explorer.md §13): a DFS that
 * branches only in [fromNs, untilNs) of virtual time enumerates exactly the schedules of the
 * whole-run DFS, within the same bound, that take the default choice at every decision met
 * outside the window; the tree-size probes walk the same tree; and a search split at the
 * frontier is the unsplit one.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { type BranchWindow, type DfsBoundKind, dfsStrategy } from '../../src/explore/dfs.js';
import { dfsFrontier } from '../../src/explore/frontier.js';
import type { Program } from '../../src/explore/program.js';
import { estimateTreeSize } from '../../src/explore/tree-estimate.js';
import { Atomic } from '../../src/kernel/atomic.js';
import type { Strategy, StrategyHost } from '../../src/kernel/strategy.js';
import type { Task } from '../../src/kernel/task.js';
import { kernelProgram } from './programs.js';

/**
 * Three tasks in three phases of virtual time (0, 1 µs, 2 µs): a few steps each, a sleep
 * between phases, and a shared counter, so that every phase has decisions of its own.
 */
function phasedProgram(): Program {
  return kernelProgram('phased@test', [], (k) => {
    const x = new Atomic(k, 'x');
    for (const name of ['a', 'b', 'c']) {
      k.spawn(name, async () => {
        for (let phase = 0; phase < 3; phase++) {
          await x.add(1);
          await k.point();
          if (phase < 2) await k.sleep(1000);
        }
      });
    }
  });
}

interface Decision {
  atNs: number;
  /** The choice taken was the default (continue prev when runnable, else the FIFO head). */
  isDefault: boolean;
}

/** Wraps a strategy to record, per decision, its instant and whether it took the default. */
function recording(inner: Strategy): Strategy & { log: Decision[]; names: string[] } {
  let host: StrategyHost | null = null;
  const s = {
    name: inner.name,
    timeJumps: inner.timeJumps,
    log: [] as Decision[],
    names: [] as string[],
    start(h: StrategyHost) {
      host = h;
      s.log = [];
      s.names = [];
      inner.start(h);
    },
    onSpawn(t: Task) {
      inner.onSpawn(t);
    },
    pick(runq: readonly Task[], eventOffered: boolean, prev: Task | null): number {
      const c = inner.pick(runq, eventOffered, prev);
      const p = prev === null ? -1 : runq.indexOf(prev);
      s.log.push({ atNs: host?.nowNs ?? 0, isDefault: c === Math.max(p, 0) });
      s.names.push(c < runq.length ? (runq[c] as Task).name : 'event');
      return c;
    },
  };
  return s;
}

/** Every schedule of a search (as its task names), each with its decisions. */
async function enumerate(
  program: Program,
  bound: DfsBoundKind,
  n: number,
  window: BranchWindow | null,
): Promise<Map<string, Decision[]>> {
  const dfs = dfsStrategy({ preemptionBound: n, bound, branchWindow: window });
  const rec = recording(dfs);
  const out = new Map<string, Decision[]>();
  for (let i = 0; i < 100_000 && !(i > 0 && dfs.done); i++) {
    const r = await program.run({ seed: 1, strategy: rec, faults: [] });
    assert.equal(r.outcome, 'idle', 'every task ended');
    const key = rec.names.join(' ');
    assert.ok(!out.has(key), `schedule ${key} searched twice`);
    out.set(key, rec.log);
  }
  assert.ok(dfs.done);
  assert.equal(dfs.truncated, false);
  return out;
}

const WINDOW: BranchWindow = { fromNs: 1000, untilNs: 2000 };
const inside = (d: Decision, w: BranchWindow) => d.atNs >= w.fromNs && d.atNs < w.untilNs;

for (const [bound, n] of [
  ['preemption', 0],
  ['preemption', 1],
  ['delay', 1],
  ['delay', 2],
] as const) {
  test(`branch window, ${bound} bound ${n}: exactly the whole-run schedules that are default outside it`, async () => {
    const program = phasedProgram();
    const whole = await enumerate(program, bound, n, null);
    const windowed = await enumerate(program, bound, n, WINDOW);
    const expected = [...whole]
      .filter(([, log]) => log.every((d) => d.isDefault || inside(d, WINDOW)))
      .map(([k]) => k)
      .sort();
    assert.deepEqual([...windowed.keys()].sort(), expected);
    assert.ok(expected.length > 1, 'the window branches');
    assert.ok(expected.length < whole.size, 'and leaves something out');
    for (const log of windowed.values()) {
      assert.ok(log.every((d) => d.isDefault || inside(d, WINDOW)));
    }
  });
}

test('branch window: the frontier and the probes walk the windowed tree', async () => {
  const program = phasedProgram();
  const o = {
    seed: 1,
    faults: [],
    preemptionBound: 1,
    bound: 'preemption' as const,
    maxDepth: 10_000,
    timeJumps: true,
    branchWindow: WINDOW,
  };
  const size = (await enumerate(program, 'preemption', 1, WINDOW)).size;
  const frontier = await dfsFrontier(program, { ...o, target: 8 });
  // Each subtree searched alone, concatenated: the whole windowed tree, no schedule twice.
  let schedules = 0;
  for (const prefix of frontier.prefixes) {
    const s = dfsStrategy({ preemptionBound: 1, branchWindow: WINDOW, prefix });
    do {
      await program.run({ seed: 1, strategy: s, faults: [] });
      schedules++;
    } while (!s.done);
  }
  assert.equal(schedules, size);
  // Knuth's estimator is unbiased: many probes land near the true size.
  const est = await estimateTreeSize(program, o, [[]], 400);
  assert.ok(
    Math.abs(est.total - size) < 4 * est.standardError + 1,
    `estimate ${est.total} ± ${est.standardError} for ${size}`,
  );
});

test('branch window: a bad window is refused', () => {
  assert.throws(
    () => dfsStrategy({ branchWindow: { fromNs: 5, untilNs: 5 } }),
    /branch window must be integer times 0 <= from < until/,
  );
  assert.throws(() => dfsStrategy({ branchWindow: { fromNs: -1, untilNs: 5 } }), RangeError);
});
