/**
 * The benchmark kernels are honest: every kernel's bug is found by every engine (resetlab's
 * random strategy, its PCT strategy, fast-check's scheduler), it is a concurrency bug (some
 * executions of the same kernel do not hit it), and its depth is what it claims: PCT with
 * d - 1 change points never finds it, PCT with d does. Also checks the percentile summary that
 * the benchmark reports. No wall-clock assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchKernel } from '../../src/bench/kernels/api.js';
import type { Engine } from '../../src/bench/kernels/engine.js';
import { allEngines } from '../../src/bench/kernels/engines.js';
import { BENCH_KERNELS } from '../../src/bench/kernels/index.js';
import { measureTimeToBug, percentile } from '../../src/bench/kernels/measure.js';
import { kernelShape, resetlabEngine } from '../../src/bench/kernels/resetlab-engine.js';
import { pctStrategy } from '../../src/explore/pct.js';

/** The first of `seeds` that finds the bug within `budget` executions, or null. */
async function reachable(
  engine: Engine,
  kernel: BenchKernel,
  budget: number,
  seeds: readonly number[],
) {
  for (const seed of seeds) {
    if ((await engine.untilBug(kernel, seed, budget)).found) return seed;
  }
  return null;
}

/**
 * Seeds that reach every bug on every engine within 8000 executions (found by scanning seeds
 * 1-12). Any seed gets there eventually; on the deep kernels a uniform random scheduler may
 * need tens of thousands of executions, which is their point and not worth test time.
 */
const QUICK_SEEDS = [8, 9];

test('every engine finds every kernel bug, and not in every execution', async () => {
  const engines = allEngines();
  assert.deepEqual(
    engines.map((e) => e.name),
    ['resetlab-random', 'resetlab-pct', 'fast-check'],
  );
  for (const kernel of BENCH_KERNELS) {
    for (const engine of engines) {
      const seed = await reachable(engine, kernel, 8_000, QUICK_SEEDS);
      assert.ok(seed !== null, `${engine.name} finds ${kernel.name}`);
      const batch = await engine.runMany(kernel, 2, 200);
      assert.equal(batch.executions, 200);
      assert.ok(
        batch.violations < batch.executions,
        `${engine.name}: ${kernel.name} depends on the schedule`,
      );
    }
  }
});

test('each kernel has the depth it claims: pct with d - 1 change points never finds it', async () => {
  for (const kernel of BENCH_KERNELS) {
    const at = (d: number) =>
      resetlabEngine({
        name: `pct-${d}`,
        strategy: (_k, steps) => pctStrategy({ depth: d, steps }),
      });
    const found = await reachable(at(kernel.depth), kernel, 8_000, QUICK_SEEDS);
    assert.ok(found !== null, `pct at depth ${kernel.depth} finds ${kernel.name}`);
    if (kernel.depth > 1) {
      const shallow = await at(kernel.depth - 1).runMany(kernel, 1, 3_000);
      assert.equal(shallow.violations, 0, `pct at depth ${kernel.depth - 1} on ${kernel.name}`);
    }
  }
});

test('the kernels cover bug depths 1, 2 and 3', async () => {
  const depths = new Set(BENCH_KERNELS.map((k) => k.depth));
  assert.deepEqual([...depths].sort(), [1, 2, 3]);
  assert.equal(new Set(BENCH_KERNELS.map((k) => k.name)).size, BENCH_KERNELS.length);
  for (const kernel of BENCH_KERNELS) {
    const shape = await kernelShape(kernel);
    assert.ok(shape.tasks >= 2, `${kernel.name} has concurrent tasks`);
    assert.ok(shape.contestedSteps >= 2, `${kernel.name} has contested decisions`);
  }
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
