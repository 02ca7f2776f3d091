/**
 * The HTML report without a browser: the page is self-contained (nothing fetched), run text is
 * escaped everywhere, rendering is deterministic, and a long trace is drawn as a bounded
 * window around its violation. The browser test checks the same page in Chromium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../../src/report/html.js';
import type { ReportData } from '../../src/report/report-data.js';
import { renderTimeline } from '../../src/report/timeline-svg.js';
import { INJECTION, reportFixture } from './report-fixture.js';
import { runWorkload } from './workload.js';

test('the report is one self-contained file', async () => {
  const html = renderReport(await reportFixture());
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:|\/\/)/i, 'no external resource');
  assert.doesNotMatch(html, /@import|url\(\s*["']?https?:/i, 'no external stylesheet');
  assert.match(html, /var uPlot=function/, 'uPlot is inlined');
  assert.equal(html, renderReport(await reportFixture()), 'deterministic');
});

test('text from runs is escaped everywhere', async () => {
  const data = await reportFixture();
  const hostile = '<script>alert(1)</script>';
  const evil: ReportData = {
    ...data,
    designs: { [hostile]: { [`inv${hostile}`]: { violated: true, firstRun: 1 } } },
    metrics: { [hostile]: { resetLatencyNs: 1, innocentLost: 0, jobsCompleted: 0 } },
    failures: data.failures.map((f) => ({
      ...f,
      design: hostile,
      scenario: hostile,
      strategy: hostile,
      schedule: hostile,
      replay: `${hostile}"'`,
      ...(f.lanes ? { lanes: f.lanes.map((l) => ({ ...l, name: `${l.name}${hostile}` })) } : {}),
    })),
  };
  const html = renderReport(evil);
  assert.ok(!html.includes(INJECTION), 'the fixture markup does not appear raw');
  const scripts = html.match(/<script[\s>]/g) ?? [];
  assert.equal(scripts.length, 3, 'only the data block, uPlot and the report script');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  // In the JSON data block `<` is escaped, so no string can close it.
  const block = html.match(
    /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/,
  );
  assert.ok(block?.[1] !== undefined && !block[1].includes('<'));
});

test('a long trace is drawn as a bounded window around the violation', async () => {
  const w = await runWorkload(4, { jobs: 400 });
  assert.ok(w.events.length > 5_000, `long trace (${w.events.length} events)`);
  const t = renderTimeline(
    { events: w.events, lanes: w.lanes, invariant: 'submit-after-fault', uid: 'x' },
    { before: 100, after: 50 },
  );
  assert.ok(t.violationFound);
  assert.ok(t.to - t.from <= 150);
  assert.ok(t.total > t.to - t.from);
  const slices = t.orderSvg.match(/<rect class="slice/g)?.length ?? 0;
  assert.ok(slices > 0 && slices <= 150, `slices drawn: ${slices}`);
  assert.match(t.orderSvg, /class="violation-marker" data-invariant="submit-after-fault"/);
  assert.ok(t.orderSvg.length < 200_000, 'the drawing stays small');
});

test('violation labels: one line each where they would overlap, turned left at the right edge', async () => {
  const { placeViolationLabels } = await import('../../src/report/timeline-svg.js');
  const p = placeViolationLabels(
    [
      { x: 100, text: '✗ deadlock' },
      { x: 110, text: '✗ reset-dedup' },
      { x: 400, text: '✗ fence-signalled' },
      { x: 590, text: '✗ innocent-survives' },
    ],
    600,
  );
  assert.deepEqual(
    p.map((l) => [l.level, l.anchor]),
    [
      [0, 'start'],
      [1, 'start'],
      [0, 'start'],
      [1, 'end'],
    ],
    'the last turns left of its line and then overlaps the third, so it takes the second line',
  );
  for (const l of p) assert.ok(l.x0 >= 0 && l.x1 <= 600, `inside the plot: ${l.x0}..${l.x1}`);
  for (const [i, a] of p.entries())
    for (const b of p.slice(i + 1))
      if (a.level === b.level) assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0, 'no overlap on a line');
});
