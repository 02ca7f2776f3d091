/**
 * The screenshot of docs/report.md: one failing run's timeline in the HTML report, as headless
 * Chromium draws it (the browser test's flags, a fresh profile, no network).
 *
 *   npx resetlab compare --runs 8 --designs panthor,default --scenarios suspend \
 *     --html /tmp/shot/report.html --jobs 1
 *   npx tsx scripts/report-screenshot.ts /tmp/shot/report.html docs/img/report-timeline.png
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/report/chromium.js';

const [html, png] = process.argv.slice(2);
if (html === undefined || png === undefined) {
  process.stderr.write('usage: report-screenshot <report.html> <out.png>\n');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'resetlab-shot-'));
const url = pathToFileURL(resolve(html)).href;
const context = await launchChromium(dir, { width: 1280, height: 900 });
try {
  await context.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort(),
  );
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const block = page.locator('#failure-0 .timeline-block');
  await block.scrollIntoViewIfNeeded();
  await block.screenshot({ path: png });
  process.stdout.write(`${png}\n`);
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
}
