/**
 * `formatBench`: the benchmark as readable tables for a terminal, goals first. Plain text (no
 * colour), so that it can be pasted into a mailing-list reply or a docs page as it is.
 */
import type { BenchResult, CorpusCatch } from './result.js';

/** Thousands separators, no decimals past three significant digits. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function times(x: number | null): string {
  return x === null ? 'n/a' : `${num(x)}×`;
}

/** A left-aligned first column and right-aligned others. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function catchCell(c: CorpusCatch, budget: number): string {
  return c.caught ? String(c.runs) : `not within ${budget}`;
}

export function formatBench(r: BenchResult): string {
  const out: string[] = [];
  out.push(
    `resetlab bench${r.quick ? ' (quick: sizes too small to judge goals)' : ''}: node ${r.env.node}, ${r.env.cpu}, ${r.env.cpus} CPUs (load average ${num(r.env.loadAverage)} at the start), ${num(r.elapsedMs / 1000)} s`,
  );
  out.push('');
  out.push('Goals (ratios measured in this run)');
  out.push(
    table(
      ['goal', 'target', 'value', 'met', 'note'],
      r.goals.map((g) => [g.id, g.target, num(g.value), g.met ? 'yes' : 'NO', g.note]),
    ),
  );
  out.push('');
  out.push(
    `1. Exploration throughput: ${num(r.explore.schedulesPerSec)} schedules/s, ${num(r.explore.decisionsPerSec)} decisions/s, ${num(r.explore.stepsPerSec)} steps/s`,
  );
  out.push(
    table(
      ['program', 'strategy', 'runs', 'schedules/s', 'decisions/s', 'steps/s', 'violating', 'k'],
      r.explore.campaigns.map((e) => [
        e.program,
        e.strategy,
        String(e.runs),
        num(e.schedulesPerSec),
        num(e.decisionsPerSec),
        num(e.stepsPerSec),
        String(e.violatingRuns),
        e.pctSteps === null ? '' : String(e.pctSteps),
      ]),
    ),
  );
  out.push('');
  out.push(
    `2. Against a free run: controlled/free per step ${num(r.ratios.controlledOverFree)}× (random), ${num(r.ratios.pctOverFree)}× (pct); same schedule per run ${num(r.ratios.sameScheduleOverFree)}×`,
  );
  out.push(
    table(
      ['program', 'variant', 'runs', 'schedules/s', 'steps/s', 'ns/step'],
      r.freeRun.programs.flatMap((p) =>
        p.variants.map((v) => [
          p.program,
          v.variant,
          String(v.runs),
          num(v.schedulesPerSec),
          num(v.stepsPerSec),
          num(v.nsPerStep),
        ]),
      ),
    ),
  );
  out.push('');
  out.push(
    `3. Kernels against fast-check: fast-check ${num(r.fastCheck.executionsPerSec)} executions/s, resetlab random ${num(r.fastCheck.resetlabRandomExecutionsPerSec)}, pct ${num(r.fastCheck.resetlabPctExecutionsPerSec)} (slowest ratio ${num(r.ratios.resetlabOverFastCheckMin)}×, geometric mean ${num(r.ratios.resetlabOverFastCheckGeomean)}×)`,
  );
  const ttb = (kernel: string, engine: string) =>
    r.timeToBug.kernels.find((t) => t.kernel === kernel && t.engine === engine);
  out.push(
    table(
      ['kernel', 'd', 'engine', 'exec/s', 'hit', 'median', 'p90', 'mean', 'found'],
      r.fastCheck.throughput.map((t) => {
        const b = ttb(t.kernel, t.engine);
        const depth = r.fastCheck.kernels.find((k) => k.name === t.kernel)?.depth ?? 0;
        return [
          t.kernel,
          String(depth),
          t.engine,
          num(t.executionsPerSec),
          `${(t.violatingShare * 100).toFixed(1)}%`,
          b === undefined ? '' : b.median === null ? `>${b.budget}` : String(b.median),
          b === undefined ? '' : b.p90 === null ? `>${b.budget}` : String(b.p90),
          b === undefined ? '' : `${b.found < b.seeds ? '>=' : ''}${num(b.meanAtLeast)}`,
          b === undefined ? '' : `${b.found}/${b.seeds}`,
        ];
      }),
    ),
  );
  out.push('');
  out.push("   PCT's bound 1/(n·k^(d-1)) (times the fault's probability) against resetlab-pct");
  out.push(
    table(
      ['kernel', 'd', 'n', 'k', 'bound: mean <=', 'measured mean', 'within', 'random/pct'],
      r.fastCheck.pctBounds.map((b) => [
        b.kernel,
        String(b.depth),
        String(b.tasks),
        String(b.steps),
        num(b.expectedExecutionsAtMost),
        num(b.measuredMean),
        b.withinBound ? 'yes' : 'no',
        times(r.ratios.pctOverRandomByKernel[b.kernel] ?? null),
      ]),
    ),
  );
  out.push('');
  const s = r.scaling;
  out.push(
    `4. Scaling (${s.program}, ${s.strategy}, ${s.runsPerCampaign} runs, ${s.cpus} CPUs): --jobs 1 ${num(s.jobs1SchedulesPerSec)} schedules/s, --jobs 2 ${num(s.jobs2SchedulesPerSec)}: ${num(s.speedup)}×; results identical: ${s.resultsIdentical ? 'yes' : 'NO'}`,
  );
  out.push(
    table(
      ['jobs', 'runs', 'seconds', 'schedules/s', 'cores busy', 'load average'],
      s.measurements.map((m) => [
        String(m.jobs),
        String(m.runs),
        num(m.elapsedMs / 1000),
        num(m.schedulesPerSec),
        num(m.coresBusy),
        num(m.loadAverage),
      ]),
    ),
  );
  out.push('');
  const d = r.determinism;
  out.push(
    `5. Determinism: ${d.identical}/${d.checks} re-runs gave the same trace hash (${(d.share * 100).toFixed(1)}%)`,
  );
  for (const m of d.mismatches.slice(0, 5)) {
    out.push(`   DIFFERENT ${m.check}: ${m.expected} vs ${m.actual}`);
  }
  out.push('');
  const cc = r.timeToBug.corpusCaught;
  out.push(
    `6. Historical corpus: caught ${cc.random}/${cc.total} with random, ${cc.pct}/${cc.total} with pct (runs to catch)`,
  );
  out.push(
    table(
      ['bug', 'invariant', 'budget', 'random', 'pct', 'other violations first'],
      r.timeToBug.corpus.map((c) => {
        const others = { ...c.random.otherViolations, ...c.pct.otherViolations };
        return [
          c.bug,
          c.invariant,
          String(c.budget),
          catchCell(c.random, c.budget),
          catchCell(c.pct, c.budget),
          Object.keys(others).join(', '),
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    `7. Simulation speed (${r.simulation.program}, ${r.simulation.strategy}): ${num(r.simulation.virtualSecondsPerSecond)} virtual s per wall s (free run: ${num(r.simulation.freeRunVirtualSecondsPerSecond)})`,
  );
  out.push('');
  out.push(
    `8. Litmus certificates (default, dfs, delay bound 1, ${(r.litmus[0]?.branchWindow ?? null) === null ? 'branching over the whole run' : "branching in each scenario's race window"}, unsplit, this thread; then with partial-order reduction)`,
  );
  out.push(
    table(
      [
        'program',
        'budget',
        'schedules',
        'exhausted',
        'states',
        'verdict',
        'schedules/s',
        'por runs',
        'por footprints',
      ],
      r.litmus.map((l) => [
        l.program,
        String(l.budget),
        String(l.schedules),
        l.exhausted ? (l.truncated ? 'truncated' : 'yes') : 'no',
        String(l.distinctStates),
        l.invariants.length > 0 ? `${l.verdict}: ${l.invariants.join(', ')}` : l.verdict,
        num(l.schedulesPerSec),
        `${l.por.schedules} + ${l.por.prunedRuns} pruned${l.por.sameStates ? '' : ' (states differ!)'}`,
        l.por.footprints ?? '-',
      ]),
    ),
  );
  out.push('');
  const vb = r.vsBase;
  out.push(
    vb === null
      ? '9. Against a base build: not measured (--base-dist DIR)'
      : `9. Against a base build (${vb.baseDist}): ${vb.program} ${vb.strategy} ${num(vb.headRunsPerSec)} runs/s against ${num(vb.baseRunsPerSec)}, head/base ${num(vb.ratio)}× (median of ${vb.reps} repetitions of ${vb.runsPerRep} runs: ${vb.perRep.map((x) => x.toFixed(2)).join(', ')})`,
  );
  out.push('');
  const pr = r.porReduction;
  out.push(
    `10. Reduction at preemption bound ${pr.depth} (default, race window, plain dfs against --por, at most ${pr.budget} schedules each, ${pr.jobs} thread${pr.jobs === 1 ? '' : 's'}): ${pr.geomean === null ? 'not measured' : `${pr.lowerBound ? '>= ' : ''}${num(pr.geomean)}× fewer executions (geometric mean)`}`,
  );
  out.push(
    table(
      ['program', 'por executions', 'plain schedules', 'ratio', 'outcomes and states'],
      pr.cells.map((c) => [
        c.program,
        c.porExhausted ? String(c.porExecutions) : `> ${c.porExecutions} (not exhausted)`,
        c.plainSchedules === null ? '-' : `${c.plainExhausted ? '' : '>= '}${c.plainSchedules}`,
        c.ratio === null ? 'not measured' : `${c.lowerBound ? '>= ' : ''}${num(c.ratio)}×`,
        c.statesAgree === null
          ? '-'
          : c.statesAgree
            ? c.plainExhausted
              ? 'the same'
              : "plain's among reduced"
            : 'DIFFER',
      ]),
    ),
  );
  out.push('');
  const m = r.scheduler;
  out.push(
    `Scheduler alone (${m.tasks} tasks, decision points only): fifo ${num(m.fifoPerSec)} decisions/s, random recorded ${num(m.recordedPerSec)}, unrecorded ${num(m.unrecordedPerSec)}`,
  );
  return out.join('\n');
}
