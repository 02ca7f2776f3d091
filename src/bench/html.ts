/**
 * The benchmark as a single-file HTML page, in the style of the report (src/report/html.ts):
 * the same stylesheet, uPlot inlined from node_modules, no network access (a CSP forbids it),
 * all text escaped. Goals first, then one chart and one table per measurement. A pure
 * function of the result, so that a page can be regenerated from a saved latest.json.
 */
import { escapeHtml, inlineSafe, jsonForScript } from '../report/escape.js';
import { pageHead, uplotAssets } from '../report/html.js';
import { num } from './format.js';
import type { BenchResult } from './result.js';

const BENCH_CSS = `
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { text-align: left; }
.chart { min-height: 240px; }
`;

/** Draws every `.bench-chart` from the JSON block: bars, optionally on a log scale. */
const BENCH_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('bench-data').textContent || '{}');
  var palette = ['#1f5fa8', '#d9730d', '#2e7d32', '#7b3fa0', '#c62828', '#00838f'];
  function fmt(v) {
    if (v == null) return '';
    var a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
    if (a >= 1e3) return +(v / 1e3).toPrecision(3) + 'k';
    return String(+v.toPrecision(3));
  }
  function widthOf(el) { return Math.max(320, Math.min(el.clientWidth || 460, 900)); }
  (data.charts || []).forEach(function (c, n) {
    var el = document.getElementById(c.id);
    if (!el || typeof uPlot === 'undefined') return;
    var xs = c.names.map(function (_, i) { return i; });
    var max = 0;
    var min = Infinity;
    c.values.forEach(function (v) { if (v != null && v > max) max = v; if (v != null && v > 0 && v < min) min = v; });
    var y = c.log
      ? { distr: 3, range: [Math.max(0.5, (min === Infinity ? 1 : min) / 2), Math.max(1, max) * 2] }
      : { range: [0, max > 0 ? max * 1.15 : 1] };
    var colour = palette[n % palette.length];
    try {
      new uPlot({
        title: c.title,
        width: widthOf(el),
        height: 240,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, c.names.length - 0.5] }, y: y },
        axes: [
          {
            splits: function () { return xs; },
            values: function (u, splits) { return splits.map(function (i) { return c.names[i] == null ? '' : c.names[i]; }); },
            grid: { show: false },
            rotate: c.names.length > 6 ? -30 : 0,
            size: c.names.length > 6 ? 90 : 40
          },
          { values: function (u, splits) { return splits.map(fmt); }, size: 60 }
        ],
        series: [
          {},
          {
            label: c.title,
            stroke: colour,
            fill: colour + 'aa',
            width: 1,
            paths: uPlot.paths.bars({ size: [0.6, 60] }),
            points: { show: false }
          }
        ]
      }, [xs, c.values], el);
    } catch (e) {
      el.textContent = 'chart unavailable: ' + e;
    }
  });
})();
`;

interface Chart {
  id: string;
  title: string;
  names: string[];
  values: (number | null)[];
  log?: boolean;
}

function cells(row: readonly (string | number)[]): string {
  return row
    .map((c) =>
      typeof c === 'number'
        ? `<td class="num">${escapeHtml(num(c))}</td>`
        : `<td class="text">${escapeHtml(c)}</td>`,
    )
    .join('');
}

function htmlTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]) {
  return [
    '<div class="table-wrap"><table><thead><tr>',
    head.map((h) => `<th>${escapeHtml(h)}</th>`).join(''),
    '</tr></thead><tbody>',
    rows.map((r) => `<tr>${cells(r)}</tr>`).join(''),
    '</tbody></table></div>',
  ].join('');
}

function short(program: string): string {
  return program.replace('@default', '');
}

export function renderBenchHtml(r: BenchResult): string {
  const assets = uplotAssets();
  const charts: Chart[] = [];
  const chart = (c: Chart) => {
    charts.push(c);
    return `<div class="chart bench-chart" id="${c.id}"></div>`;
  };
  const ttb = r.timeToBug.kernels;
  const sections: string[] = [];

  sections.push(
    '<section><h2>Goals</h2>',
    '<p class="sub">Ratios measured in this run; the note says by how much a goal is missed.</p>',
    htmlTable(
      ['goal', 'target', 'value', 'met', 'note'],
      r.goals.map((g) => [g.goal, g.target, g.value, g.met ? 'yes' : 'no', g.note]),
    ).replace(/<td class="text">(yes|no)<\/td>/g, (_m, v: string) =>
      v === 'yes' ? '<td class="held">yes</td>' : '<td class="violated">no</td>',
    ),
    '</section>',
  );

  sections.push(
    '<section><h2>1. Exploration throughput</h2>',
    `<p class="sub">${escapeHtml(`${num(r.explore.schedulesPerSec)} schedules/s, ${num(r.explore.decisionsPerSec)} decisions/s over all four campaigns`)}</p>`,
    '<div class="charts">',
    chart({
      id: 'chart-explore',
      title: 'schedules per second',
      names: r.explore.campaigns.map((e) => `${short(e.program)} ${e.strategy}`),
      values: r.explore.campaigns.map((e) => e.schedulesPerSec),
    }),
    chart({
      id: 'chart-explore-steps',
      title: 'kernel steps per second',
      names: r.explore.campaigns.map((e) => `${short(e.program)} ${e.strategy}`),
      values: r.explore.campaigns.map((e) => e.stepsPerSec),
    }),
    '</div>',
    htmlTable(
      ['program', 'strategy', 'runs', 'schedules/s', 'decisions/s', 'steps/s', 'violating runs'],
      r.explore.campaigns.map((e) => [
        e.program,
        e.strategy,
        e.runs,
        e.schedulesPerSec,
        e.decisionsPerSec,
        e.stepsPerSec,
        e.violatingRuns,
      ]),
    ),
    '</section>',
  );

  const variants = r.freeRun.programs.flatMap((p) => p.variants.map((v) => ({ p: p.program, v })));
  sections.push(
    '<section><h2>2. Controlled exploration against a free run</h2>',
    `<p class="sub">${escapeHtml(`time per step over the free run's: random ${num(r.ratios.controlledOverFree)}×, pct ${num(r.ratios.pctOverFree)}×; the machinery on the free run's own schedule ${num(r.ratios.sameScheduleOverFree)}× per run`)}</p>`,
    '<div class="charts">',
    chart({
      id: 'chart-overhead',
      title: 'nanoseconds per kernel step',
      names: variants.map(({ p, v }) => `${short(p)} ${v.variant}`),
      values: variants.map(({ v }) => v.nsPerStep),
    }),
    '</div>',
    htmlTable(
      ['program', 'variant', 'how', 'runs', 'schedules/s', 'steps/s', 'ns/step'],
      variants.map(({ p, v }) => [
        p,
        v.variant,
        v.how,
        v.runs,
        v.schedulesPerSec,
        v.stepsPerSec,
        v.nsPerStep,
      ]),
    ),
    '</section>',
  );

  const tp = r.fastCheck.throughput;
  sections.push(
    "<section><h2>3. Small kernels against fast-check's scheduler</h2>",
    `<p class="sub">${escapeHtml(`executions/s: fast-check ${num(r.fastCheck.executionsPerSec)}, resetlab random ${num(r.fastCheck.resetlabRandomExecutionsPerSec)}, pct ${num(r.fastCheck.resetlabPctExecutionsPerSec)}; slowest resetlab/fast-check ratio ${num(r.ratios.resetlabOverFastCheckMin)}×`)}</p>`,
    '<div class="charts">',
    chart({
      id: 'chart-kernel-speed',
      title: 'executions per second',
      names: tp.map((t) => `${t.kernel} ${t.engine.replace('resetlab-', '')}`),
      values: tp.map((t) => t.executionsPerSec),
      log: true,
    }),
    chart({
      id: 'chart-kernel-ttb',
      title: 'median executions to the first bug (log)',
      names: ttb.map((t) => `${t.kernel} ${t.engine.replace('resetlab-', '')}`),
      values: ttb.map((t) => t.median),
      log: true,
    }),
    '</div>',
    htmlTable(
      ['kernel', 'depth', 'engine', 'executions/s', 'median', 'p90', 'mean (at least)', 'found'],
      ttb.map((t) => {
        const speed = tp.find((x) => x.kernel === t.kernel && x.engine === t.engine);
        return [
          t.kernel,
          t.depth,
          t.engine,
          speed?.executionsPerSec ?? 0,
          t.median === null ? `> ${t.budget}` : t.median,
          t.p90 === null ? `> ${t.budget}` : t.p90,
          t.meanAtLeast,
          `${t.found}/${t.seeds}`,
        ];
      }),
    ),
    "<h3>PCT's bound</h3>",
    htmlTable(
      ['kernel', 'depth', 'n', 'k', 'expected executions at most', 'measured mean', 'within'],
      r.fastCheck.pctBounds.map((b) => [
        b.kernel,
        b.depth,
        b.tasks,
        b.steps,
        b.expectedExecutionsAtMost,
        b.measuredMean,
        b.withinBound ? 'yes' : 'no',
      ]),
    ),
    '</section>',
  );

  const s = r.scaling;
  sections.push(
    '<section><h2>4. Scaling</h2>',
    `<p class="sub">${escapeHtml(`${s.program}, ${s.strategy}, ${s.runsPerCampaign} runs per campaign, ${s.cpus} CPUs: ${num(s.speedup)}× with --jobs 2`)}</p>`,
    '<div class="charts">',
    chart({
      id: 'chart-scaling',
      title: 'schedules per second',
      names: ['--jobs 1', '--jobs 2'],
      values: [s.jobs1SchedulesPerSec, s.jobs2SchedulesPerSec],
    }),
    '</div>',
    htmlTable(
      ['jobs', 'runs', 'seconds', 'schedules/s', 'cores busy', 'load average'],
      s.measurements.map((m) => [
        m.jobs,
        m.runs,
        m.elapsedMs / 1000,
        m.schedulesPerSec,
        m.coresBusy,
        m.loadAverage,
      ]),
    ),
    '</section>',
  );

  const d = r.determinism;
  sections.push(
    '<section><h2>5. Determinism</h2>',
    `<p class="sub">${escapeHtml(`${d.identical} of ${d.checks} re-runs reproduced the trace hash (${(d.share * 100).toFixed(1)}%)`)}</p>`,
    d.mismatches.length > 0
      ? htmlTable(
          ['check', 'expected', 'actual'],
          d.mismatches.map((m) => [m.check, m.expected, m.actual]),
        )
      : '',
    '</section>',
  );

  const corpus = r.timeToBug.corpus;
  sections.push(
    '<section><h2>6. Historical bug corpus</h2>',
    `<p class="sub">${escapeHtml(`runs to catch each bug; caught ${r.timeToBug.corpusCaught.random}/${r.timeToBug.corpusCaught.total} with random, ${r.timeToBug.corpusCaught.pct}/${r.timeToBug.corpusCaught.total} with pct`)}</p>`,
    '<div class="charts">',
    chart({
      id: 'chart-corpus-random',
      title: 'runs to catch, random',
      names: corpus.map((c) => c.bug),
      values: corpus.map((c) => c.random.runs),
    }),
    chart({
      id: 'chart-corpus-pct',
      title: 'runs to catch, pct',
      names: corpus.map((c) => c.bug),
      values: corpus.map((c) => c.pct.runs),
    }),
    '</div>',
    htmlTable(
      ['bug', 'invariant', 'budget', 'random', 'pct'],
      corpus.map((c) => [
        c.bug,
        c.invariant,
        c.budget,
        c.random.runs ?? `not within ${c.budget}`,
        c.pct.runs ?? `not within ${c.budget}`,
      ]),
    ),
    '</section>',
  );

  sections.push(
    '<section><h2>7. Simulation speed</h2>',
    `<p class="sub">${escapeHtml(`${num(r.simulation.virtualSecondsPerSecond)} virtual seconds per wall second on ${r.simulation.program} (${r.simulation.strategy}); free run ${num(r.simulation.freeRunVirtualSecondsPerSecond)}`)}</p>`,
    '</section>',
  );

  const title = 'resetlab bench';
  const sub = `node ${r.env.node} · ${r.env.cpu} · ${r.env.cpus} CPUs (load average ${num(r.env.loadAverage)}) · ${r.env.platform}/${r.env.arch} · ${num(r.elapsedMs / 1000)} s${r.quick ? ' · quick run' : ''}`;
  return [
    ...pageHead(title, assets.css, BENCH_CSS),
    `<header><h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(sub)}</p></header>`,
    '<main>',
    sections.join('\n'),
    '</main>',
    '<footer>resetlab bench</footer>',
    `<script type="application/json" id="bench-data">${jsonForScript({ charts })}</script>`,
    `<script>${inlineSafe(assets.js, 'script')}</script>`,
    `<script>${BENCH_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
