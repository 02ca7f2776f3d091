/**
 * The benchmark kernels are honest: every kernel's bug is found by every engine (resetlab's
 * random strategy, its PCT strategy when present, fast-check's scheduler), and it is a
 * concurrency bug, i.e. some executions of the same kernel do not hit it. Also checks the
 * percentile summary that the benchmark reports. No wall-clock assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allEngines } from '../../src/bench/kernels/engines.js';
import { BENCH_KERNELS } from '../../src/bench/kernels/index.js';
import { measureTimeToBug, percentile } from '../../src/bench/kernels/measure.js';

test('every engine finds every kernel bug, and not in every execution', async () => {
  const engines = allEngines();
  assert.ok(engines.some((e) => e.name === 'resetlab-random'));
  assert.ok(engines.some((e) => e.name === 'fast-check'));
  for (const kernel of BENCH_KERNELS) {
    for (const engine of engines) {
      const found = await engine.untilBug(kernel, 1, 5_000);
      assert.ok(found.found, `${engine.name} finds ${kernel.name}`);
      const batch = await engine.runMany(kernel, 2, 300);
      assert.equal(batch.executions, 300);
      assert.ok(batch.violations > 0, `${engine.name}: ${kernel.name} is reachable in a batch`);
      assert.ok(
        batch.violations < batch.executions,
        `${engine.name}: ${kernel.name} depends on the schedule`,
      );
    }
  }
});

test('the kernels cover bug depths 1, 2 and 3', () => {
  const depths = new Set(BENCH_KERNELS.map((k) => k.depth));
  assert.deepEqual([...depths].sort(), [1, 2, 3]);
  assert.equal(new Set(BENCH_KERNELS.map((k) => k.name)).size, BENCH_KERNELS.length);
});

test('executions to first bug are summarised by seed, deterministically', async () => {
  const [engine] = allEngines();
  const kernel = BENCH_KERNELS[0];
  assert.ok(engine !== undefined && kernel !== undefined);
  const a = await measureTimeToBug(engine, kernel, { seeds: 50, budget: 2_000 });
  const b = await measureTimeToBug(engine, kernel, { seeds: 50, budget: 2_000 });
  assert.deepEqual(a, b);
  assert.equal(a.perSeed.length, 50);
  assert.equal(a.found, 50);
  assert.ok(a.median !== null && a.p90 !== null && a.median <= a.p90);
});

test('percentiles rank "not found" above every count', () => {
  assert.equal(percentile([3, 1, 2], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
  assert.equal(percentile([1, null, 2], 0.5), 2);
  assert.equal(percentile([1, null, null], 0.5), null);
  assert.equal(percentile([], 0.5), null);
});
