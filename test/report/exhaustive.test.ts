/**
 * The exhaustive table of the HTML report (`compare --exhaustive`), built from real
 * certificates of small dfs searches: a search exhausted with nothing found says "proved
 * within bounds", one that found a violation "found at schedule N" (N its index in DFS
 * order), one cut by its budget "not exhausted (N schedules)", never "clean". Checked on the
 * text a reader sees in headless Chromium (skipped without it, unless
 * RESETLAB_REQUIRE_BROWSER=1), with no console error and no network request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { cellOf } from '../../src/campaign/exhaustive.js';
import { buildCertificate } from '../../src/explore/certificate.js';
import { explore } from '../../src/explore/explore.js';
import { exhaustiveCellText, renderExhaustive } from '../../src/report/exhaustive-table.js';
import { renderReport } from '../../src/report/html.js';
import type { ExhaustiveTable } from '../../src/report/report-data.js';
import { lostUpdateProgram, sliceLogProgram } from '../explore/programs.js';
import { chromiumOrSkip, launchChromium } from './chromium.js';

interface DomElement {
  textContent: string | null;
  innerText: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<DomElement> & { length: number };
}
declare const document: DomElement;

async function table(): Promise<{ t: ExhaustiveTable; foundAt: number }> {
  const cert = async (p: Parameters<typeof explore>[0], depth: number, runs: number) => {
    const r = await explore(p, { strategy: 'dfs', depth, runs, seed: 1, shrink: false });
    const c = buildCertificate(r, { interrupted: false });
    assert.ok(c !== null);
    return c;
  };
  const proved = await cert(lostUpdateProgram(), 0, 1000);
  const found = await cert(lostUpdateProgram(), 1, 1000);
  const cut = await cert(sliceLogProgram(3, []), 2, 5);
  const foundAt = found.failures[0]?.schedule ?? -1;
  return {
    foundAt,
    t: {
      bound: 1,
      boundKind: 'preemption',
      branchWindow: 'race',
      maxSchedules: 1000,
      seed: 1,
      designs: ['default', 'panthor'],
      scenarios: ['window', 'coalesce'],
      cells: {
        default: { window: cellOf(proved), coalesce: cellOf(cut) },
        panthor: { window: cellOf(found) },
      },
    },
  };
}

test('exhaustive cells say proved, found at schedule N, or not exhausted (N schedules)', async () => {
  const { t, foundAt } = await table();
  assert.ok(foundAt > 1);
  const text = (d: string, s: string) => {
    const c = t.cells[d]?.[s];
    assert.ok(c);
    return exhaustiveCellText(c);
  };
  assert.equal(text('default', 'window'), 'proved within bounds');
  assert.equal(text('default', 'coalesce'), 'not exhausted (5 schedules)');
  assert.equal(text('panthor', 'window'), `found at schedule ${foundAt}`);
});

test('the exhaustive table in headless Chromium shows what the certificates say', {
  timeout: 60_000,
}, async (tc) => {
  if (!chromiumOrSkip(tc)) return;
  const { t, foundAt } = await table();
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-exhaustive-'));
  const file = join(dir, 'report.html');
  writeFileSync(
    file,
    renderReport({
      generatedBy: 'resetlab test',
      designs: {},
      metrics: {},
      failures: [],
      exhaustive: t,
    }),
  );
  const url = pathToFileURL(file).href;
  const context = await launchChromium(dir);
  try {
    const problems: string[] = [];
    const blocked: string[] = [];
    await context.route('**/*', async (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      blocked.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url, { waitUntil: 'load' });
    const seen = await page.evaluate(() =>
      [...document.querySelectorAll('table#exhaustive tbody tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((c) => c.innerText.trim()),
      ),
    );
    assert.deepEqual(seen, [
      ['default', 'proved within bounds', 'not exhausted (5 schedules)'],
      ['panthor', `found at schedule ${foundAt}`, 'not run'],
    ]);
    const all = await page.evaluate(() =>
      [...document.querySelectorAll('main')].map((m) => m.innerText).join('\n'),
    );
    assert.doesNotMatch(all, /clean/i, 'no cell says clean');
    assert.match(
      all,
      /Bound: preemption bound 1, branching in each litmus scenario's race window, at most 1000 schedules per cell/,
      'the reader is told what was searched, and where schedules branched',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(blocked, []);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exhaustive table names the reductions a table used, sleep sets among them', async () => {
  const { t } = await table();
  const heading = (reduction: ExhaustiveTable['reduction']) =>
    renderExhaustive({ ...t, ...(reduction !== undefined ? { reduction } : {}) });
  const withSleep = heading('hb-cache+sleep+symmetry');
  assert.match(withSleep, /partial-order reduction \(hb-cache and sleep sets;/);
  assert.match(withSleep, /symmetry reduction/);
  const cacheOnly = heading('hb-cache+symmetry');
  assert.match(cacheOnly, /partial-order reduction \(hb-cache;/);
  assert.doesNotMatch(cacheOnly, /sleep sets/);
  assert.doesNotMatch(heading('symmetry'), /partial-order reduction/);
});
