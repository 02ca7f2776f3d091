/**
 * The strategy factory and the portfolio: names are validated with a typed error that lists
 * the allowed names, and a portfolio picks its member from the run index.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore } from '../../src/explore/explore.js';
import { pctStrategy } from '../../src/explore/pct.js';
import { portfolioStrategy } from '../../src/explore/portfolio.js';
import { randomStrategy } from '../../src/explore/random.js';
import {
  STRATEGY_NAMES,
  StrategyOptionsError,
  strategyFromName,
} from '../../src/explore/strategy-factory.js';
import { depth2Program } from './programs.js';

test('strategyFromName builds every allowed strategy', () => {
  for (const name of STRATEGY_NAMES) {
    const s = strategyFromName(name, { depth: 2 });
    assert.ok(s.name.startsWith(name), `${name} -> ${s.name}`);
  }
});

test('strategyFromName: an unknown name is a typed error naming the allowed names', () => {
  try {
    strategyFromName('bfs');
    assert.fail('no error');
  } catch (err) {
    assert.ok(err instanceof StrategyOptionsError);
    assert.equal(err.field, 'name');
    assert.deepEqual([...err.allowed], [...STRATEGY_NAMES]);
    for (const n of STRATEGY_NAMES) assert.match(err.message, new RegExp(n));
  }
});

test('strategyFromName: a bad depth names the field', () => {
  assert.throws(
    () => strategyFromName('pct', { depth: 1.5 }),
    (e: unknown) => e instanceof StrategyOptionsError && e.field === 'depth',
  );
  assert.throws(
    () => strategyFromName('pct', { depth: 0 }),
    (e: unknown) => e instanceof StrategyOptionsError && e.field === 'depth',
  );
});

test('portfolio: run i uses member i mod m, whatever ran before', async () => {
  const p = depth2Program(4);
  const mk = () => portfolioStrategy([pctStrategy({ depth: 2, steps: 8 }), randomStrategy()]);
  const a = mk();
  const b = mk();
  a.beginRun(3);
  const ra = await p.run({ seed: 9, strategy: a, faults: [], record: true });
  assert.equal(a.name, 'portfolio:random');
  // b runs other indices first; run 3 must still be the same run.
  for (const i of [0, 1, 2]) {
    b.beginRun(i);
    await p.run({ seed: 100 + i, strategy: b, faults: [], record: true });
  }
  b.beginRun(3);
  const rb = await p.run({ seed: 9, strategy: b, faults: [], record: true });
  assert.equal(ra.traceHash, rb.traceHash);
  b.beginRun(4);
  assert.equal(b.name, 'portfolio:pct');
});

test('portfolio rejects dfs as a member', () => {
  assert.throws(() => portfolioStrategy([strategyFromName('dfs')]), /dfs/);
});

test('portfolio campaigns record the member that produced each failure', async () => {
  const r = await explore(depth2Program(4), {
    strategy: 'portfolio',
    depth: 2,
    runs: 200,
    seed: 1,
    pctSteps: 8,
    shrink: false,
  });
  assert.ok(r.failures.length > 0);
  assert.match(r.failures[0]?.strategy ?? '', /^portfolio:(pct|random)$/);
});
