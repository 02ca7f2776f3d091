/**
 * The single-file HTML report: a design × invariant comparison table, per-design metrics as a
 * table and uPlot charts, and for each violation one failing run with its shrunk schedule,
 * replay command, derived counters and a timeline around the violation.
 *
 * One self-contained file that works offline: reviewers attach it to a mailing-list thread or
 * a CI run and open it anywhere. So everything is inline (our CSS and script, uPlot's CSS and
 * IIFE build, read from node_modules at render time), and a Content-Security-Policy forbids
 * any network access, which turns an accidental external reference into a visible error
 * instead of a silent dependency. All text from runs goes through escape.ts.
 *
 * Rendering is a pure function of `ReportData` (no timestamps, no randomness), so a report can
 * be regenerated and diffed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { INVARIANTS, invariantFamily } from '../kernel/violations.js';
import { escapeHtml, formatNs, inlineSafe, jsonForScript } from './escape.js';
import { renderExhaustive } from './exhaustive-table.js';
import type { ReportData, ReportFailure } from './report-data.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_CSS } from './report-style.js';
import { type CounterSeries, renderTimeline, type TimelineOptions } from './timeline-svg.js';

export interface RenderOptions {
  timeline?: TimelineOptions;
}

const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/**
 * The start of a self-contained page, up to and including `<body>`: the CSP that forbids any
 * network access, uPlot's stylesheet, the report stylesheet and `extraCss`. The report and the
 * bench page both begin with it.
 */
export function pageHead(title: string, uplotCss: string, extraCss = ''): string[] {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${inlineSafe(uplotCss, 'style')}</style>`,
    `<style>${REPORT_CSS}${extraCss}</style>`,
    '</head><body>',
  ];
}

export function renderReport(data: ReportData, opts: RenderOptions = {}): string {
  const assets = uplotAssets();
  const title = data.title ?? 'resetlab: reset design comparison';
  const designs = Object.keys(data.designs);
  const counters: { id: string; series: CounterSeries[] }[] = [];
  const failures = data.failures.map((f, i) => {
    const { html, series } = renderFailure(f, i, opts);
    if (series.length > 0) counters.push({ id: `counters-${i}`, series });
    return html;
  });
  const metricDesigns = Object.keys(data.metrics);
  const chartData = {
    metrics: {
      designs: metricDesigns,
      resetLatencyNs: metricDesigns.map((d) => data.metrics[d]?.resetLatencyNs ?? null),
      innocentLost: metricDesigns.map((d) => data.metrics[d]?.innocentLost ?? null),
      jobsCompleted: metricDesigns.map((d) => data.metrics[d]?.jobsCompleted ?? null),
    },
    counters,
  };
  const violatedCells = designs.reduce(
    (n, d) => n + Object.values(data.designs[d] ?? {}).filter((r) => r.violated).length,
    0,
  );

  return [
    ...pageHead(title, assets.css),
    '<header>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="sub">${escapeHtml(summaryLine(data, designs.length, violatedCells))}</p>`,
    renderNotes(data.notes),
    '</header><main>',
    ...(data.exhaustive !== undefined ? [renderExhaustive(data.exhaustive)] : []),
    ...(designs.length === 0 && data.exhaustive !== undefined
      ? ['</main>']
      : sampledSections(data, failures)),
    `<footer>${escapeHtml(data.generatedBy)}</footer>`,
    `<script type="application/json" id="report-data">${jsonForScript(chartData)}</script>`,
    `<script>${inlineSafe(assets.js, 'script')}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** The sampled comparison: harm and rule tables, metrics and the failing runs. */
function sampledSections(data: ReportData, failures: readonly string[]): string[] {
  return [
    '<section id="comparison-section"><h2>Harm: what users and the system lose</h2>',
    '<p class="sub">Each cell says whether the design violated the invariant and in which run it was first seen; a link leads to the failing run. Every design is checked against every harm.</p>',
    `<div class="table-wrap">${renderComparison(data, 'harm')}</div></section>`,
    ...(invariantColumns(data, 'rule').length > 0
      ? [
          '<section id="rules-section"><h2>Rules: what a design promises about itself</h2>',
          '<p class="sub">A rule is checked only against the designs that claim it; n/a means the design does not claim it, which is neither a pass nor a failure.</p>',
          `<div class="table-wrap">${renderComparison(data, 'rule')}</div></section>`,
        ]
      : []),
    '<section id="metrics-section"><h2>Metrics</h2>',
    `<div class="table-wrap">${renderMetrics(data)}</div>`,
    '<div class="charts">',
    '<div class="chart" id="chart-latency"></div>',
    '<div class="chart" id="chart-innocent"></div>',
    '<div class="chart" id="chart-completed"></div>',
    '</div></section>',
    '<section id="failures"><h2>Failing runs</h2>',
    failures.length > 0 ? failures.join('\n') : '<p class="sub">No violations.</p>',
    '</section></main>',
  ];
}

export function writeReport(path: string, data: ReportData, opts: RenderOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderReport(data, opts));
}

function summaryLine(data: ReportData, designs: number, violated: number): string {
  const ex = data.exhaustive;
  if (designs === 0 && ex !== undefined) {
    const cells = Object.values(ex.cells).flatMap((row) => Object.values(row));
    const count = (v: string) => cells.filter((c) => c.verdict === v).length;
    return [
      data.generatedBy,
      `${ex.designs.length} designs × ${ex.scenarios.length} litmus scenarios`,
      `${count('no violation within these bounds')} proved within bounds`,
      `${count('violations found')} found`,
      `${count('not exhausted')} not exhausted`,
    ].join(' · ');
  }
  const parts = [data.generatedBy, `${designs} design${designs === 1 ? '' : 's'}`];
  if (data.runs !== undefined) parts.push(`${data.runs} runs each`);
  parts.push(`${violated} violated invariant${violated === 1 ? '' : 's'}`);
  parts.push(`${data.failures.length} failing run${data.failures.length === 1 ? '' : 's'} shown`);
  return parts.join(' · ');
}

function renderNotes(notes: readonly string[] | undefined): string {
  if (notes === undefined || notes.length === 0) return '';
  return `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
}

/**
 * Invariant columns of one family, docs/design.md §2 order first, then any other ids
 * (model-error, limit: counted as harm).
 */
function invariantColumns(data: ReportData, family: 'harm' | 'rule'): string[] {
  const seen = new Set<string>();
  for (const row of Object.values(data.designs)) for (const inv of Object.keys(row)) seen.add(inv);
  const fam = (i: string) => invariantFamily(i) ?? 'harm';
  const known = (INVARIANTS as readonly string[]).filter((i) => seen.has(i) && fam(i) === family);
  const other = [...seen]
    .filter((i) => !(INVARIANTS as readonly string[]).includes(i) && family === 'harm')
    .sort();
  return [...known, ...other];
}

function renderComparison(data: ReportData, family: 'harm' | 'rule'): string {
  const cols = invariantColumns(data, family);
  const head = cols
    .map(
      (c) => `<th class="inv" scope="col" data-invariant="${escapeHtml(c)}">${escapeHtml(c)}</th>`,
    )
    .join('');
  const rows = Object.entries(data.designs).map(([design, results]) => {
    const cells = cols.map((inv) => {
      const r = results[inv];
      const attrs = `data-invariant="${escapeHtml(inv)}"`;
      if (r === undefined) return `<td class="na" ${attrs} title="not checked">—</td>`;
      if (r.checked === false)
        return `<td class="unclaimed" ${attrs} title="not claimed by this design: not checked">n/a</td>`;
      if (!r.violated) return `<td class="held" ${attrs} title="held in every run">✓</td>`;
      const run = r.firstRun === null ? '' : ` run ${r.firstRun}`;
      const fi = data.failures.findIndex((f) => f.design === design && f.invariant === inv);
      const tip = `violated; first seen in run ${r.firstRun ?? '?'}`;
      const body =
        fi >= 0 ? `<a href="#failure-${fi}">✗${escapeHtml(run)}</a>` : `✗${escapeHtml(run)}`;
      return `<td class="violated" ${attrs} title="${escapeHtml(tip)}">${body}</td>`;
    });
    return `<tr data-design="${escapeHtml(design)}"><th scope="row">${escapeHtml(design)}</th>${cells.join('')}</tr>`;
  });
  const id = family === 'harm' ? 'comparison' : 'rules';
  return `<table id="${id}" class="comparison" data-family="${family}"><thead><tr><th scope="col">design</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderMetrics(data: ReportData): string {
  const rows = Object.entries(data.metrics).map(([design, m]) => {
    const latency =
      m.resetLatencyNs === null
        ? '<td title="no reset ran">—</td>'
        : `<td title="${m.resetLatencyNs} ns">${escapeHtml(formatNs(m.resetLatencyNs))}</td>`;
    return `<tr data-design="${escapeHtml(design)}"><td>${escapeHtml(design)}</td>${latency}<td>${m.innocentLost}</td><td>${m.jobsCompleted}</td></tr>`;
  });
  return [
    '<table id="metrics"><thead><tr><th>design</th><th>reset latency (virtual time)</th>',
    '<th>innocent work lost</th><th>jobs completed</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('');
}

function renderFailure(
  f: ReportFailure,
  i: number,
  opts: RenderOptions,
): { html: string; series: CounterSeries[] } {
  const facts: [string, string][] = [
    ['Scenario', escapeHtml(f.scenario)],
    ['Design', escapeHtml(f.design)],
    ['Seed', escapeHtml(String(f.seed))],
    ['Strategy', escapeHtml(f.strategy)],
    ['Schedule', `<code class="schedule">${escapeHtml(f.schedule || '(empty)')}</code>`],
    [
      'Shrunk schedule',
      `<code class="schedule shrunk">${escapeHtml(f.shrunkSchedule || '(empty)')}</code> <span class="sub">${f.shrunkSteps.before} → ${f.shrunkSteps.after} decisions</span>`,
    ],
    [
      'Replay',
      `<code class="replay">${escapeHtml(f.replay)}</code> <button type="button" class="copy" data-copy="${escapeHtml(f.replay)}">copy</button>`,
    ],
  ];
  if (f.atNs !== undefined) facts.splice(4, 0, ['At', escapeHtml(formatNs(f.atNs))]);

  let timeline =
    '<p class="no-trace">No trace was recorded for this run; replay it with <code>--trace FILE</code> to see one.</p>';
  let series: CounterSeries[] = [];
  if (f.traceEvents !== undefined && f.lanes !== undefined && f.traceEvents.length > 0) {
    const t = renderTimeline(
      {
        events: f.traceEvents,
        lanes: f.lanes,
        invariant: f.invariant,
        ...(f.atNs !== undefined ? { atNs: f.atNs } : {}),
        uid: String(i),
      },
      opts.timeline,
    );
    series = t.counters;
    const where = t.violationFound ? 'around the violation' : 'at the end of the run';
    timeline = [
      `<div class="timeline-block" data-failure="${i}">`,
      '<div class="timeline-controls">',
      '<button type="button" data-mode="order" aria-pressed="true">step order</button>',
      '<button type="button" data-mode="time" aria-pressed="false">virtual time</button>',
      `<span class="window">events ${t.from}–${t.to} of ${t.total} ${where} (${escapeHtml(formatNs(t.fromNs))} – ${escapeHtml(formatNs(t.toNs))}), ${t.rows} lanes</span>`,
      '</div>',
      TIMELINE_LEGEND,
      `<div class="timeline-scroll" data-mode="order">${t.orderSvg}</div>`,
      `<div class="timeline-scroll" data-mode="time" hidden>${t.timeSvg}</div>`,
      series.length > 0 ? `<div class="chart counters" id="counters-${i}"></div>` : '',
      '</div>',
    ].join('');
  }

  const html = [
    `<section class="failure" id="failure-${i}" data-design="${escapeHtml(f.design)}" data-invariant="${escapeHtml(f.invariant)}">`,
    `<h3>${escapeHtml(f.invariant)} <span class="sub">in ${escapeHtml(f.design)} · ${escapeHtml(f.scenario)}</span></h3>`,
    `<p class="message">${escapeHtml(f.message)}</p>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`,
    timeline,
    '</section>',
  ].join('');
  return { html, series };
}

let cachedAssets: { js: string; css: string } | null = null;

/**
 * uPlot's IIFE build and stylesheet, read once from the installed package. Also used by the
 * benchmark's chart page (src/bench/html.ts), which follows this report's style.
 */
/** What the marks of a timeline mean (the same classes as the drawing, so the colours match). */
const TIMELINE_LEGEND = (() => {
  const swatch = (body: string) =>
    `<svg class="timeline" width="22" height="12" viewBox="0 0 22 12" aria-hidden="true">${body}</svg>`;
  const bar = (cls: string) =>
    swatch(`<rect class="slice ${cls}" x="1" y="1" width="20" height="10"/>`);
  const items: [string, string][] = [
    [bar('cat-sched'), 'a task runs'],
    [bar('cat-reset'), 'reset sequence and its phases'],
    [bar('cat-job'), 'job on the hardware'],
    [bar('cat-fence'), 'fence'],
    [bar('cat-lock'), 'lock held'],
    [bar('cat-lock-wait'), 'waiting for a lock'],
    [bar('clip-r'), 'cut by the window, or never ended'],
    [swatch('<path class="tick" d="M8,11 L11,1 L14,11 z"/>'), 'an instant (hover for details)'],
    [
      swatch('<path class="flow" d="M1,9 C8,9 12,3 20,3"/>'),
      'reset request → the reset that served it',
    ],
    [
      swatch('<g class="violation-marker"><line x1="11" x2="11" y1="0" y2="12"/></g>'),
      'the violation',
    ],
  ];
  return `<ul class="legend">${items.map(([s, t]) => `<li>${s}<span>${t}</span></li>`).join('')}</ul>`;
})();

export function uplotAssets(): { js: string; css: string } {
  if (cachedAssets !== null) return cachedAssets;
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  cachedAssets = {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
  return cachedAssets;
}
