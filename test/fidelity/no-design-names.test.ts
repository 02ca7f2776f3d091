/**
 * No code outside src/driver/reset/designs/ tests which design it runs: what only one design
 * does is a factor (src/driver/reset/factors.ts) or a property of its spec. A comparison of a
 * design (or a design's name) with a preset name, or an `instanceof` on a design class,
 * anywhere else fails this test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DESIGN_NAMES } from '../../src/driver/config.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const EXEMPT = join(SRC, 'driver', 'reset', 'designs');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      if (p !== EXEMPT) out.push(...files(p));
    } else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

const names = DESIGN_NAMES.map((n) => n.replace('-', '\\-')).join('|');
const PATTERNS = [
  new RegExp(`design(?:\\.name)?\\s*[!=]==\\s*'(?:${names})'`),
  new RegExp(`'(?:${names})'\\s*[!=]==\\s*\\w*design`, 'i'),
  /instanceof\s+\w*Design\b/,
];

test('no design name or instanceof test outside src/driver/reset/designs/', () => {
  const hits: string[] = [];
  for (const f of files(SRC)) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (PATTERNS.some((p) => p.test(line)))
        hits.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('the check catches a design-name test', () => {
  assert.ok(PATTERNS.some((p) => p.test("if (this.design.name === 'default') return;")));
  assert.ok(PATTERNS.some((p) => p.test("const expect = r.design === 'tyr';")));
  assert.ok(PATTERNS.some((p) => p.test('if (d instanceof DefaultDesign) {')));
  assert.ok(!PATTERNS.some((p) => p.test("if (f.gate === 'rwsem') {")));
});
