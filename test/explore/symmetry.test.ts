/**
 * Symmetry reduction (src/kernel/task.ts `interchangeable`, src/explore/dfs.ts `symmetryMask`):
 * a DFS that leaves out the choices that only rename two fresh workers of one workqueue pool
 * reaches exactly the outcomes and final states of plain DFS within the same bounds, with fewer
 * schedules where a pool starts workers together; and the comparison notices a program whose
 * claim of interchangeable tasks is false (so that the litmus check can fail).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { symmetryMask } from '../../src/explore/dfs.js';
import type { Program } from '../../src/explore/program.js';
import { getProgram } from '../../src/explore/registry.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Strategy } from '../../src/kernel/strategy.js';
import { Work, Workqueue } from '../../src/kernel/workqueue.js';
import '../../src/scenarios/register.js';
import { kernelProgram } from './programs.js';
import { assertSameSearch, type SearchResult, searchBoth } from './reduced.js';

type Result = SearchResult;

async function both(
  p: Program,
  bound: 'preemption' | 'delay',
  depth: number,
): Promise<{ plain: Result; sym: Result }> {
  const { plain, reduced } = await searchBoth(p, bound, depth, { dfsSymmetry: true });
  return { plain, sym: reduced };
}

function assertSame({ plain, sym }: { plain: Result; sym: Result }, what: string): void {
  assertSameSearch({ plain, reduced: sym }, what);
}

/**
 * The run queue's names and symmetry mask at a kernel's first decision (taken there: the run
 * goes on, and a worker that runs is no longer fresh).
 */
function atFirstDecision(setup: (k: Kernel) => void): Promise<{ names: string[]; mask: number }> {
  return new Promise((resolve) => {
    let seen = false;
    const s: Strategy = {
      name: 'look',
      timeJumps: false,
      start() {},
      onSpawn() {},
      pick(runq) {
        if (!seen) resolve({ names: runq.map((t) => t.name), mask: symmetryMask(runq) });
        seen = true;
        return 0;
      },
    };
    const k = new Kernel({ strategy: s, record: false });
    setup(k);
    void k.run();
  });
}

test('symmetry: a pool’s fresh workers are interchangeable neighbours until they run', async () => {
  let pool: Workqueue | null = null;
  const { names, mask } = await atFirstDecision((k) => {
    pool = new Workqueue(k, 'pool', 3);
    const other = new Workqueue(k, 'other', 2);
    const q = pool;
    k.spawn('queuer', async () => {
      for (let i = 0; i < 3; i++)
        q.enqueue(
          new Work(k, `w${i}`, async () => {
            await k.point();
          }),
        );
      other.enqueue(
        new Work(k, 'x', async () => {
          await k.point();
        }),
      );
      other.enqueue(
        new Work(k, 'y', async () => {
          await k.point();
        }),
      );
      await k.point();
    });
  });
  // The queuer yielded after queueing: it is behind the workers it started.
  assert.deepEqual(names, ['pool/0', 'pool/1', 'pool/2', 'other/0', 'other/1', 'queuer']);
  // pool/1 and pool/2 repeat pool/0, other/1 repeats other/0; the first of each pool is kept,
  // and so is a worker next to a worker of another pool.
  assert.equal(mask, (1 << 1) | (1 << 2) | (1 << 4));
  assert.ok(pool !== null);
});

test('symmetry: a worker that has run, or a worker not next to its sibling, is kept', async () => {
  const { names, mask } = await atFirstDecision((k) => {
    const q = new Workqueue(k, 'pool', 3);
    k.spawn('queuer', async () => {
      q.enqueue(
        new Work(k, 'w0', async () => {
          await k.point();
        }),
      );
      // Another task between the pool's workers: the swap would move it.
      k.spawn('between', async () => {});
      q.enqueue(
        new Work(k, 'w1', async () => {
          await k.point();
        }),
      );
      await k.point();
    });
  });
  assert.deepEqual(names, ['pool/0', 'between', 'pool/1', 'queuer']);
  assert.equal(mask, 0);
});

/** A pool of 3 workers running 3 items that each log their steps into the final state. */
function poolProgram(): Program {
  return kernelProgram('pool@test', [], (k) => {
    const q = new Workqueue(k, 'pool', 3);
    const log: number[] = [];
    k.spawn('queuer', async () => {
      for (let i = 0; i < 3; i++) {
        q.enqueue(
          new Work(k, `w${i}`, async () => {
            log.push(i);
            await k.point();
            log.push(i + 3);
          }),
        );
      }
      await k.point();
    });
    return () => ({ order: log.reduce((h, x) => h * 7 + x, 1) });
  });
}

test('symmetry: the same outcomes and final states as plain dfs on a pool, fewer schedules', async () => {
  let plainRuns = 0;
  let symRuns = 0;
  for (const bound of ['preemption', 'delay'] as const) {
    for (const depth of [0, 1, 2, 3]) {
      const r = await both(poolProgram(), bound, depth);
      assertSame(r, `pool, ${bound} bound ${depth}`);
      assert.equal(r.sym.dfs?.reduction, 'symmetry');
      plainRuns += r.plain.totals.runs;
      symRuns += r.sym.totals.runs;
    }
  }
  assert.ok(symRuns < plainRuns, `${symRuns} schedules with symmetry, ${plainRuns} without`);
});

/** Tasks that claim to be interchangeable but behave by their rank: the claim is false. */
function falseClaimProgram(): Program {
  return kernelProgram('false-peers@test', [], (k) => {
    const pool = {};
    const log: number[] = [];
    for (let r = 0; r < 2; r++) {
      k.spawn(
        `p${r}`,
        async () => {
          log.push(r);
          await k.point();
        },
        { peers: { pool, rank: r } },
      );
    }
    return () => ({ first: log[0] ?? -1 });
  });
}

test('symmetry: a false claim of interchangeable tasks loses states, and the comparison says so', async () => {
  const r = await both(falseClaimProgram(), 'preemption', 1);
  assert.ok((r.sym.dfs?.states.length ?? 0) < (r.plain.dfs?.states.length ?? 0));
  assert.throws(() => assertSame(r, 'false peers'), /final states/);
});

test('symmetry on a litmus scenario: the same outcomes and states as plain dfs, fewer schedules', async () => {
  // One litmus at full depth (its pool starts four workers at once); the whole matrix, every
  // litmus on every design, is scripts/por-soundness.ts (--por includes symmetry).
  const program = getProgram('window@default') as Program;
  const r = await both(program, 'delay', 1);
  assertSame(r, 'window@default, delay bound 1');
  assert.ok(
    r.sym.totals.runs < r.plain.totals.runs,
    `${r.sym.totals.runs} schedules with symmetry, ${r.plain.totals.runs} without`,
  );
});
