/**
 * Bounded DFS: it enumerates exactly the schedules within its preemption bound (checked
 * against an independent brute-force count), each once, says when it is done, finds a bug
 * that needs one preemption only when the bound allows one, and reports a program that is
 * not deterministic.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { dfsStrategy } from '../../src/explore/dfs.js';
import { explore } from '../../src/explore/explore.js';
import {
  lostUpdateProgram,
  nondeterministicProgram,
  sliceLogProgram,
  timeoutRaceProgram,
} from './programs.js';

/** Interleavings of two tasks with `slices` slices each that use at most `bound` preemptions. */
function bruteForce(slices: number, bound: number): number {
  const go = (r0: number, r1: number, last: number, used: number): number => {
    if (r0 === 0 && r1 === 0) return 1;
    let n = 0;
    const rem = [r0, r1];
    for (const t of [0, 1]) {
      if ((rem[t] as number) === 0) continue;
      const cost = last >= 0 && last !== t && (rem[last] as number) > 0 ? 1 : 0;
      if (used + cost > bound) continue;
      n += go(t === 0 ? r0 - 1 : r0, t === 1 ? r1 - 1 : r1, t, used + cost);
    }
    return n;
  };
  return go(slices, slices, -1, 0);
}

/** Preemptions in a slice log: switches away from a task that had slices left. */
function preemptions(log: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < log.length; i++) {
    const prev = log[i - 1] as number;
    if (log[i] !== prev && log.indexOf(prev, i) >= 0) n++;
  }
  return n;
}

test('dfs enumerates exactly the schedules within the preemption bound, each once', async () => {
  const points = 3;
  for (const bound of [0, 1, 2, 3, 10]) {
    const log: number[][] = [];
    const r = await explore(sliceLogProgram(points, log), {
      strategy: 'dfs',
      depth: bound,
      runs: 10_000,
      seed: 1,
      shrink: false,
      selfCheckEvery: 1_000_000,
    });
    const expected = bruteForce(points + 1, bound);
    assert.equal(r.exhausted, true, `bound ${bound}: exhausted`);
    assert.equal(r.totals.runs, expected, `bound ${bound}: runs`);
    assert.equal(new Set(log.map((l) => l.join(''))).size, expected, `bound ${bound}: distinct`);
    for (const l of log) assert.ok(preemptions(l) <= bound, `bound ${bound}: ${l.join('')}`);
    if (bound > 0 && bound <= 3) {
      assert.ok(
        log.some((l) => preemptions(l) === bound),
        `bound ${bound} is reached`,
      );
    }
  }
  // A bound above the largest possible count is no bound: every interleaving of 4 + 4 slices.
  assert.equal(bruteForce(4, 10), 70);
});

/**
 * Schedules of `tasks` tasks with `slices` slices each within `bound` delays, by brute force
 * over the kernel's run queue as the model has it: tasks queue in spawn order, a task that
 * ran a slice and has more goes to the back. The default choice is the task that ran last if
 * it is still runnable, else the head of the queue; any other choice is one delay, and a
 * decision with one option costs nothing (the kernel asks no strategy then).
 */
function bruteForceDelays(tasks: number, slices: number, bound: number): Set<string> {
  const out = new Set<string>();
  const go = (rem: number[], queue: number[], prev: number, used: number, log: number[]) => {
    if (queue.length === 0) {
      out.add(log.join(''));
      return;
    }
    const prevRunnable = prev >= 0 && queue.includes(prev);
    const def = prevRunnable ? prev : (queue[0] as number);
    for (const t of queue) {
      const cost = queue.length > 1 && t !== def ? 1 : 0;
      if (used + cost > bound) continue;
      const r = [...rem];
      r[t] = (r[t] as number) - 1;
      const q = queue.filter((x) => x !== t);
      if ((r[t] as number) > 0) q.push(t);
      go(r, q, t, used + cost, [...log, t]);
    }
  };
  go(
    Array.from({ length: tasks }, () => slices),
    Array.from({ length: tasks }, (_, i) => i),
    -1,
    0,
    [],
  );
  return out;
}

test('dfs with a delay bound enumerates exactly the schedules within that many delays, each once', async () => {
  const points = 2;
  let previous = 0;
  for (const bound of [0, 1, 2, 3]) {
    const log: number[][] = [];
    const r = await explore(sliceLogProgram(points, log, 3), {
      strategy: 'dfs',
      depth: bound,
      dfsBound: 'delay',
      runs: 10_000,
      seed: 1,
      shrink: false,
      selfCheckEvery: 1_000_000,
    });
    const expected = bruteForceDelays(3, points + 1, bound);
    const got = log.map((l) => l.join(''));
    assert.equal(r.exhausted, true, `delay bound ${bound}: exhausted`);
    assert.equal(r.dfs?.bound, 'delay');
    assert.equal(r.totals.runs, expected.size, `delay bound ${bound}: runs`);
    assert.equal(new Set(got).size, expected.size, `delay bound ${bound}: distinct`);
    for (const l of got) assert.ok(expected.has(l), `delay bound ${bound}: ${l} not expected`);
    assert.ok(expected.size > previous, `delay bound ${bound} reaches more than ${bound - 1}`);
    previous = expected.size;
    // Every schedule within d delays is within d preemptions (the reverse does not hold).
    const pre: number[][] = [];
    await explore(sliceLogProgram(points, pre, 3), {
      strategy: 'dfs',
      depth: bound,
      runs: 100_000,
      seed: 1,
      shrink: false,
      selfCheckEvery: 1_000_000,
    });
    const preSet = new Set(pre.map((l) => l.join('')));
    for (const l of got) assert.ok(preSet.has(l), `delay bound ${bound}: ${l} within preemptions`);
    if (bound < 3) assert.ok(preSet.size > expected.size, `bound ${bound}: delays search less`);
  }
});

test('dfs finds a lost update with one preemption and not with none', async () => {
  const none = await explore(lostUpdateProgram(), {
    strategy: 'dfs',
    depth: 0,
    runs: 1000,
    seed: 1,
  });
  assert.equal(none.exhausted, true);
  assert.equal(none.failures.length, 0);
  const one = await explore(lostUpdateProgram(), {
    strategy: 'dfs',
    depth: 1,
    runs: 1000,
    seed: 1,
  });
  assert.equal(one.exhausted, true);
  assert.equal(one.failures.length, 1);
  const f = one.failures[0];
  assert.equal(f?.invariant, 'refcount-underflow');
  assert.equal(f?.selfCheck?.ok, true);
  assert.equal(f?.shrunk?.verified, true);
  assert.ok(one.totals.runs < 1000, 'stopped when done, before the run budget');
});

test('dfs counts firing a timer early as a preemption', async () => {
  const zero = await explore(timeoutRaceProgram(), {
    strategy: 'dfs',
    depth: 0,
    runs: 100,
    seed: 1,
  });
  assert.equal(zero.exhausted, true);
  assert.equal(zero.failures.length, 0);
  const one = await explore(timeoutRaceProgram(), {
    strategy: 'dfs',
    depth: 1,
    runs: 100,
    seed: 1,
  });
  assert.equal(one.failures[0]?.invariant, 'fence-signalled');
});

test('dfs: done is false before the tree is exhausted, and runs stop at the budget', async () => {
  const log: number[][] = [];
  const r = await explore(sliceLogProgram(3, log), {
    strategy: 'dfs',
    depth: 10,
    runs: 5,
    seed: 1,
  });
  assert.equal(r.totals.runs, 5);
  assert.equal(r.exhausted, false);
});

test('dfs reports a program that changes between runs as a divergence', async () => {
  const p = nondeterministicProgram();
  const s = dfsStrategy({ preemptionBound: 2 });
  const messages: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await p.run({ seed: 1, strategy: s, faults: [], record: true });
    for (const v of r.violations) messages.push(v.message);
  }
  assert.ok(
    messages.some((m) => /replay diverged: dfs: decision/.test(m)),
    messages.join('\n'),
  );
});

test('dfs: other shards run nothing, so a merge equals shard 0', async () => {
  const r = await explore(lostUpdateProgram(), {
    strategy: 'dfs',
    depth: 1,
    runs: 100,
    seed: 1,
    shard: { index: 1, count: 2 },
  });
  assert.equal(r.totals.runs, 0);
  assert.equal(r.failures.length, 0);
});
