/**
 * The HTML report in a real browser: headless Chromium (Debian's, driven by playwright-core)
 * opens the file with every network request blocked and recorded, and the test checks the
 * DOM: no console error or page error, the comparison table's rows and columns, a timeline
 * with slices and a violation marker per traced failure, the chart canvases, the timeline
 * toggle, and that markup inside messages stayed text.
 *
 * Without Chromium the test is skipped with a message, unless RESETLAB_REQUIRE_BROWSER=1
 * (CI), where a missing browser is a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { renderReport } from '../../src/report/html.js';
import { chromiumOrSkip, launchChromium } from './chromium.js';
import { reportFixture } from './report-fixture.js';

/**
 * The few DOM shapes the page callbacks use. The project compiles without the DOM library (the
 * model must not touch browser globals), so these are declared here, for this file only.
 */
interface DomElement {
  id: string;
  hidden: boolean;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement> & { length: number };
}
declare const document: DomElement;
declare const window: Record<string, unknown>;

interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

test('the HTML report loads in headless Chromium with no error and the expected DOM', {
  timeout: 90_000,
}, async (t) => {
  if (!chromiumOrSkip(t)) return;
  const data = await reportFixture();
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReport(data));
  const url = pathToFileURL(file).href;

  const context = await launchChromium(dir);

  try {
    const blocked: string[] = [];
    await context.route('**/*', async (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      blocked.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (u !== url && !u.startsWith('data:')) blocked.push(u);
    });

    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#chart-latency canvas');

    assert.deepEqual(problems, [], 'no console or page errors');
    assert.deepEqual(blocked, [], 'no network requests');

    // Two tables, harm first: one row per design, one column per invariant of the family.
    const readTable = (id: string) =>
      page.evaluate((sel) => {
        const t = document.querySelector(sel);
        if (!t) return null;
        return {
          headers: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
          rows: [...t.querySelectorAll('tbody tr')].map((tr) => ({
            design: tr.getAttribute('data-design'),
            violated: [...tr.querySelectorAll('td.violated')].map((td) =>
              td.getAttribute('data-invariant'),
            ),
            held: tr.querySelectorAll('td.held').length,
            unclaimed: [...tr.querySelectorAll('td.unclaimed')].map((td) => td.textContent),
            links: [...tr.querySelectorAll('td.violated a')].map((a) => a.getAttribute('href')),
          })),
        };
      }, `table#${id}`);
    const table = await readTable('comparison');
    assert.ok(table, 'harm table present');
    assert.deepEqual(table.headers, ['design', 'reset-dedup', 'fence-signalled', 'deadlock']);
    assert.deepEqual(
      table.rows.map((r) => r.design),
      ['panthor', 'rwsem', 'default'],
    );
    assert.deepEqual(table.rows[1]?.violated, ['fence-signalled']);
    assert.deepEqual(table.rows[1]?.links, ['#failure-1']);
    assert.deepEqual(table.rows[0]?.links, ['#failure-2']);
    assert.equal(table.rows[2]?.held, 3);
    const rules = await readTable('rules');
    assert.ok(rules, 'rules table present');
    assert.deepEqual(rules.headers, ['design', 'submit-after-fault']);
    assert.deepEqual(rules.rows[0]?.unclaimed, ['n/a'], 'panthor does not claim the rule');
    assert.deepEqual(rules.rows[1]?.links, ['#failure-0']);
    assert.equal(rules.rows[2]?.held, 1);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('main h2')].map((h) => h.textContent ?? ''),
    );
    assert.match(order[0] ?? '', /^Harm/);
    assert.match(order[1] ?? '', /^Rules/);

    // Metrics: table rows and one canvas per chart.
    const metrics = await page.evaluate(() => ({
      rows: document.querySelectorAll('table#metrics tbody tr').length,
      canvases: ['chart-latency', 'chart-innocent', 'chart-completed'].map(
        (id) => document.querySelectorAll(`#${id} canvas`).length,
      ),
    }));
    assert.equal(metrics.rows, 3);
    assert.deepEqual(metrics.canvases, [1, 1, 1]);

    // Timelines: one per traced failure, with slices, ticks, flows and the violation marked.
    const timelines = await page.evaluate(() =>
      [...document.querySelectorAll('section.failure')].map((s) => {
        const order = s.querySelector('svg.timeline[data-mode="order"]');
        return {
          id: s.id,
          hasTimeline: order !== null,
          slices: order?.querySelectorAll('rect.slice').length ?? 0,
          ticks: order?.querySelectorAll('path.tick').length ?? 0,
          flows: order?.querySelectorAll('path.flow').length ?? 0,
          rows: order?.querySelectorAll('g.row').length ?? 0,
          marker:
            order?.querySelector('g.violation-marker')?.getAttribute('data-invariant') ?? null,
          counters: s.querySelectorAll('.chart.counters canvas').length,
          noTrace: s.querySelector('.no-trace') !== null,
        };
      }),
    );
    assert.equal(timelines.length, 3);
    for (const tl of timelines.slice(0, 2)) {
      assert.ok(tl.hasTimeline, `${tl.id} has a timeline`);
      assert.ok(tl.slices > 10, `${tl.id} draws slices (${tl.slices})`);
      assert.ok(tl.ticks > 0, `${tl.id} draws instants`);
      assert.ok(tl.flows > 0, `${tl.id} draws the reset flow`);
      assert.ok(tl.rows >= 5, `${tl.id} has lanes as rows`);
      assert.equal(tl.marker, 'submit-after-fault');
      assert.equal(tl.counters, 1, `${tl.id} has a counter chart`);
    }
    assert.equal(timelines[2]?.hasTimeline, false);
    assert.equal(timelines[2]?.noTrace, true);

    // What a reader sees, as boxes on the screen: the order drawing was scrolled to its
    // violation, the lane labels stay pinned inside the scroll box (also after scrolling to
    // the far right), the violation labels lie inside the plot and overlap nothing, and the
    // legend and the counters chart are there.
    // A narrow window, so that the drawing is wider than its box; the step-order button
    // scrolls it to the violation again.
    await page.setViewportSize({ width: 760, height: 1000 });
    await page.click('#failure-0 button[data-mode="order"]');
    // A string, not a function: the test runner's transform would add helpers the page lacks.
    const seen = (await page.evaluate(`(() => {
      const box = document.querySelector('#failure-0 .timeline-scroll[data-mode="order"]');
      const plot = box && box.querySelector('svg.timeline');
      if (!box || !plot) return null;
      const rect = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
      const labels = () => [...box.querySelectorAll('svg.lane-labels text.row-label')].map(rect);
      const scrolledTo = box.scrollLeft;
      const atViolation = labels();
      box.scrollLeft = box.scrollWidth;
      const atEnd = labels();
      const legend = document.querySelector('#failure-0 ul.legend');
      const chart = document.querySelector('#failure-0 .chart.counters');
      return {
        box: rect(box),
        plot: rect(plot),
        scrolledTo,
        scrolledEnd: box.scrollLeft,
        atViolation,
        atEnd,
        vl: [...plot.querySelectorAll('text.violation-label')].map(rect),
        names: [...box.querySelectorAll('svg.lane-labels text.row-label')].map((t) => (t.firstChild ? t.firstChild.textContent : '').toLowerCase()),
        titles: [...box.querySelectorAll('svg.lane-labels text.row-label title')].map((t) => t.textContent || ''),
        lockBars: plot.querySelectorAll('rect.slice.cat-lock').length,
        legend: legend ? legend.querySelectorAll('li').length : 0,
        counters: chart ? chart.querySelectorAll('canvas').length : 0,
      };
    })()`)) as {
      box: Rect;
      plot: Rect;
      scrolledTo: number;
      scrolledEnd: number;
      atViolation: Rect[];
      atEnd: Rect[];
      vl: Rect[];
      names: string[];
      titles: string[];
      lockBars: number;
      legend: number;
      counters: number;
    } | null;
    assert.ok(seen !== null, 'the order drawing of failure 0');
    assert.ok(seen.scrolledTo > 0, 'scrolled to the violation on load');
    assert.ok(seen.scrolledEnd > seen.scrolledTo, 'and scrolled further right');
    for (const [when, boxes] of [
      ['at the violation', seen.atViolation],
      ['at the far right', seen.atEnd],
    ] as const) {
      assert.ok(boxes.length >= 5, `lane labels ${when}`);
      for (const b of boxes) {
        assert.ok(
          b.left >= seen.box.left && b.right <= seen.box.left + 200 + 1,
          `a lane label ${when} is pinned inside the box (${b.left}..${b.right}, box from ${seen.box.left})`,
        );
      }
    }
    assert.ok(seen.vl.length >= 1, 'the violation is labelled');
    for (const [i, a] of seen.vl.entries()) {
      assert.ok(
        a.left >= seen.plot.left - 0.5 && a.right <= seen.plot.right + 0.5,
        `violation label ${i} inside the plot (${a.left}..${a.right} in ${seen.plot.left}..${seen.plot.right})`,
      );
      for (const b of seen.vl.slice(i + 1)) {
        const overlap =
          a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap, 'violation labels do not overlap');
      }
    }
    assert.equal(new Set(seen.names).size, seen.names.length, `lane names unique: ${seen.names}`);
    assert.ok(
      seen.titles.some((t) => t.startsWith('user lane')),
      'user space has its own lanes',
    );
    assert.ok(seen.lockBars > 0, 'locks drawn as held intervals');
    assert.ok(seen.legend >= 8, 'a legend of the marks');
    assert.equal(seen.counters, 1, 'the counters chart');

    // The toggle shows the virtual-time drawing.
    await page.click('#failure-0 button[data-mode="time"]');
    const visible = await page.evaluate(() =>
      [...document.querySelectorAll('#failure-0 .timeline-scroll')].map(
        (b) => `${b.getAttribute('data-mode')}:${b.hidden ? 'hidden' : 'shown'}`,
      ),
    );
    assert.deepEqual(visible, ['order:hidden', 'time:shown']);

    // Markup in messages and notes is text, not elements, and ran nothing.
    const injected = await page.evaluate(() => ({
      pwned: window.__pwned ?? null,
      imgs: document.querySelectorAll('.message img, .notes img').length,
      text: document.querySelector('#failure-0 .message')?.textContent ?? '',
    }));
    assert.equal(injected.pwned, null);
    assert.equal(injected.imgs, 0);
    assert.match(injected.text, /<img src=x onerror=/);

    assert.deepEqual(problems, [], 'no console or page errors after interaction');
    assert.deepEqual(blocked, [], 'no network requests after interaction');
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
