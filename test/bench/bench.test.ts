/**
 * `runBench({quick: true})` returns every measurement of issue 7 in the docs/design.md §4 shape, with
 * sane values: finite, positive ratios, 100% determinism, identical results for jobs 1 and 2.
 * No wall-clock thresholds: speeds are asserted to exist, never to be fast. The clock is
 * injected, so the test also shows that the bench reads time only through it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QUICK_SIZES } from '../../src/bench/common.js';
import { formatBench, renderBenchHtml, runBench } from '../../src/bench/index.js';
import { measurePorReduction } from '../../src/bench/por-reduction.js';
import type { BenchResult } from '../../src/bench/result.js';

function finitePositive(x: number, what: string): void {
  assert.ok(Number.isFinite(x) && x > 0, `${what} is finite and positive (got ${x})`);
}

let result: BenchResult | null = null;
const phases = new Set<string>();
let clockReads = 0;

async function bench(): Promise<BenchResult> {
  if (result === null) {
    result = await runBench({
      quick: true,
      now: () => {
        clockReads++;
        return performance.now();
      },
      onProgress: (p) => phases.add(p.phase),
    });
  }
  return result;
}

test('the docs/design.md §4 bench shape, plus the machine it ran on', async () => {
  const r = await bench();
  assert.equal(r.quick, true);
  finitePositive(r.explore.schedulesPerSec, 'explore.schedulesPerSec');
  finitePositive(r.explore.decisionsPerSec, 'explore.decisionsPerSec');
  finitePositive(r.freeRun.schedulesPerSec, 'freeRun.schedulesPerSec');
  finitePositive(r.fastCheck.executionsPerSec, 'fastCheck.executionsPerSec');
  assert.equal(typeof r.ratios, 'object');
  assert.ok(Array.isArray(r.timeToBug.kernels) && Array.isArray(r.timeToBug.corpus));
  assert.equal(r.node, process.version);
  assert.ok(r.cpu.length > 0);
  assert.ok(r.env.cpus >= 1);
  assert.ok(clockReads > 0, 'wall time is read through the injected clock');
  assert.deepEqual([...phases].sort(), [
    'corpus',
    'determinism',
    'explore',
    'free-run',
    'kernels',
    'litmus',
    'por-reduction',
    'scaling',
    'scheduler',
  ]);
  // Measurement 9 needs a base build: without one it is absent, and its goal says so.
  assert.equal(r.vsBase, null);
  assert.equal(r.ratios.runsPerSecVsBase, null);
  const vsBase = r.goals.find((g) => g.id === 'runs-per-sec-vs-base');
  assert.equal(vsBase?.met, false);
  assert.match(vsBase?.note ?? '', /not measured/);
  // The JSON is what `--json` prints: it must survive a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('1 and 7: exploration on hang and mixed with random and pct; virtual time per second', async () => {
  const r = await bench();
  const campaigns = r.explore.campaigns.map((c) => `${c.program} ${c.strategy}`).sort();
  assert.deepEqual(campaigns, [
    'hang@default pct',
    'hang@default random',
    'mixed@default pct',
    'mixed@default random',
  ]);
  for (const c of r.explore.campaigns) {
    // Not steps >= decisions: a decision may fire an event instead of running a task, and a
    // poll's identical wakes are not steps (driver/io.ts).
    assert.ok(c.runs > 0 && c.steps > 0 && c.decisions > 0);
    finitePositive(c.schedulesPerSec, `${c.program} ${c.strategy} schedules/s`);
    finitePositive(c.virtualNsPerSec, `${c.program} ${c.strategy} virtual ns/s`);
    assert.equal(c.pctSteps !== null, c.strategy === 'pct');
  }
  finitePositive(r.simulation.virtualSecondsPerSecond, 'simulated seconds per second');
  finitePositive(r.simulation.freeRunVirtualSecondsPerSecond, 'free run simulated s/s');
});

test('2: free run against controlled exploration; the same schedule is the same run', async () => {
  const r = await bench();
  for (const p of r.freeRun.programs) {
    assert.deepEqual(
      p.variants.map((v) => v.variant),
      ['free', 'same-schedule', 'random', 'pct'],
    );
    for (const v of p.variants) finitePositive(v.nsPerStep, `${p.program} ${v.variant} ns/step`);
    assert.equal(p.sameScheduleIdentical, p.seeds, 'same-schedule runs reproduce the free run');
    const free = p.variants[0];
    const same = p.variants[1];
    assert.ok(free !== undefined && same !== undefined);
    assert.equal(free.steps, same.steps, 'the same steps');
  }
  finitePositive(r.ratios.controlledOverFree, 'controlled/free');
  finitePositive(r.ratios.pctOverFree, 'pct/free');
  finitePositive(r.ratios.sameScheduleOverFree, 'same-schedule/free');
});

test('3: every kernel on every engine, with time to bug and the PCT bound', async () => {
  const r = await bench();
  const engines = ['resetlab-random', 'resetlab-pct', 'fast-check'];
  assert.ok(r.fastCheck.kernels.length >= 5);
  assert.deepEqual(new Set(r.fastCheck.kernels.map((k) => k.depth)), new Set([1, 2, 3]));
  for (const k of r.fastCheck.kernels) {
    for (const e of engines) {
      const t = r.fastCheck.throughput.find((x) => x.kernel === k.name && x.engine === e);
      assert.ok(t !== undefined, `${k.name} on ${e}`);
      finitePositive(t.executionsPerSec, `${k.name} ${e} executions/s`);
      const b = r.timeToBug.kernels.find((x) => x.kernel === k.name && x.engine === e);
      assert.ok(b !== undefined && b.seeds > 0 && b.found <= b.seeds);
      if (b.median !== null && b.p90 !== null) assert.ok(b.median <= b.p90);
    }
    const bound = r.fastCheck.pctBounds.find((x) => x.kernel === k.name);
    assert.ok(bound !== undefined && bound.tasks >= 2 && bound.steps >= 1);
    assert.ok(bound.probabilityAtLeast > 0 && bound.probabilityAtLeast <= 1);
  }
  finitePositive(r.ratios.resetlabOverFastCheckMin, 'resetlab/fast-check (slowest)');
  finitePositive(r.ratios.resetlabOverFastCheckGeomean, 'resetlab/fast-check (geomean)');
});

test('4 and 5: scaling with one and two jobs gives the same result; determinism is 100%', async () => {
  const r = await bench();
  assert.deepEqual(
    r.scaling.measurements.map((m) => m.jobs),
    [1, 2],
  );
  assert.equal(r.scaling.resultsIdentical, true);
  finitePositive(r.ratios.jobs2OverJobs1, 'jobs 2 / jobs 1');
  assert.ok(r.determinism.checks > 0);
  assert.equal(r.determinism.identical, r.determinism.checks, JSON.stringify(r.determinism));
  assert.equal(r.ratios.determinism, 1);
  assert.ok(r.goals.some((g) => g.id === 'determinism' && g.met));
});

test('6: every historical bug with random and pct, caught or "not within N"', async () => {
  const r = await bench();
  assert.equal(r.timeToBug.corpus.length, 10);
  for (const c of r.timeToBug.corpus) {
    for (const x of [c.random, c.pct]) {
      assert.equal(x.caught, x.runs !== null);
      if (x.runs !== null) assert.ok(x.runs >= 1 && x.runs <= c.budget);
      assert.ok(x.runsMade >= 1 && x.runsMade <= c.budget);
    }
  }
  assert.equal(r.timeToBug.corpusCaught.total, 10);
});

test('goals and the readable forms', async () => {
  const r = await bench();
  assert.deepEqual(
    r.goals.map((g) => g.id),
    [
      'controlled-overhead',
      'fast-check-speed',
      'pct-depth',
      'scaling',
      'determinism',
      'por-reduction',
      'runs-per-sec-vs-base',
    ],
  );
  for (const g of r.goals) {
    assert.ok(Number.isFinite(g.value), g.id);
    if (!g.met) assert.ok(g.note.length > 0, `${g.id} says by how much it is missed`);
  }
  const text = formatBench(r);
  for (const s of [
    'Goals',
    '1. Exploration',
    '2. Against a free run',
    '3. Kernels',
    '7. Simulation',
    '9. Against a base build: not measured',
  ]) {
    assert.ok(text.includes(s), s);
  }
  const html = renderBenchHtml(r);
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(html.includes('Content-Security-Policy'));
  assert.ok(html.includes('uPlot'));
  assert.ok(!/<script[^>]+src=/.test(html), 'no external scripts');
});

test('8: a delay-bounded dfs certificate per litmus scenario, its figures the search’s own', async () => {
  const r = await bench();
  assert.equal(r.litmus.length, 1, 'quick: the first litmus only');
  const l = r.litmus[0];
  assert.ok(l !== undefined);
  assert.equal(l.program, 'window@default');
  assert.equal(l.bound, 'delay');
  assert.equal(l.depth, 1);
  // The quick budget (20) is far below the tree (hundreds of schedules): the search ran all of
  // it and says so.
  assert.equal(l.schedules, l.budget);
  assert.equal(l.exhausted, false);
  assert.equal(l.verdict, 'not exhausted');
  finitePositive(l.schedulesPerSec, 'litmus schedules/s');
  // The same search with reduction: the driver model is conservative, nothing is pruned; no
  // tree was exhausted, so there is no reduction figure.
  assert.equal(l.por.schedules, l.budget);
  assert.equal(l.por.prunedRuns, 0);
  assert.equal(l.por.footprints, 'conservative');
  assert.equal(l.por.sameStates, true);
  assert.equal(r.ratios.porReduction, null);
  assert.match(formatBench(r), /8\. Litmus certificates[\s\S]*window@default\s+20\s+20\s+no/);
});

test('10: plain dfs against the reducing dfs at preemption bound 0: exact where both exhaust, a lower bound where plain dfs stops at the budget, not measured where the reduced tree exceeds it', async () => {
  const r = await bench();
  // Quick: the first litmus only, and 20 schedules are far below its reduced tree (1 080).
  assert.equal(r.porReduction.cells.length, 1);
  assert.equal(r.porReduction.cells[0]?.ratio, null);
  assert.equal(r.ratios.porReduction, null);
  assert.match(r.goals.find((g) => g.id === 'por-reduction')?.note ?? '', /no litmus tree/);
  assert.match(
    formatBench(r),
    /10\. Reduction at preemption bound 0[^\n]*not measured[\s\S]*window@default\s+> 20 \(not exhausted\)/,
  );
  // Three small trees on 2 worker threads, with a budget between their sizes: suspend-race
  // (336 schedules reduced, 624 plain) is measured exactly; perfcnt-reset (384 reduced, 9 216
  // plain) is a lower bound at the budget; window (1 080 reduced) is not measured.
  const m = await measurePorReduction({ ...QUICK_SIZES, porReductionBudget: 700 }, 2, undefined, [
    'suspend-race@default',
    'perfcnt-reset@default',
    'window@default',
  ]);
  const [suspend, perfcnt, window] = m.cells;
  assert.deepEqual(
    [suspend?.porExhausted, suspend?.plainExhausted, suspend?.lowerBound, suspend?.statesAgree],
    [true, true, false, true],
  );
  assert.equal(suspend?.ratio, (suspend?.plainSchedules ?? 0) / (suspend?.porExecutions ?? 1));
  assert.ok((suspend?.ratio ?? 0) > 1, 'the symmetry saves schedules');
  assert.deepEqual(
    [perfcnt?.porExhausted, perfcnt?.plainExhausted, perfcnt?.lowerBound, perfcnt?.statesAgree],
    [true, false, true, true],
  );
  assert.equal(perfcnt?.plainSchedules, 700);
  assert.deepEqual(
    [window?.porExhausted, window?.plainSchedules, window?.ratio],
    [false, null, null],
  );
  assert.equal(m.lowerBound, true);
  assert.ok(
    Math.abs((m.geomean ?? 0) - Math.sqrt((suspend?.ratio ?? 0) * (perfcnt?.ratio ?? 0))) < 1e-9,
  );
});
