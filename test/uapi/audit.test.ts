/**
 * docs/uapi.md holds exactly the audit rows and the IGT-derived tests the test files run
 * (table.ts prints them), row ids and test names are unique, and every row names its kernel
 * function.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { igtName } from '../igt/env.js';
import { ALL_IGT, ALL_ROWS, auditTable, igtTable } from './table.js';

const DOC = readFileSync(new URL('../../docs/uapi.md', import.meta.url), 'utf8');

function between(name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(DOC);
  assert.ok(m !== null, `docs/uapi.md has the ${name} markers`);
  return m[1] as string;
}

test('docs/uapi.md: the audit table is the rows the tests run (npx tsx test/uapi/table.ts)', () => {
  assert.equal(between('audit-table'), auditTable());
});

test('docs/uapi.md: the IGT table is the IGT-derived tests', () => {
  assert.equal(between('igt-table'), igtTable());
});

test('audit row ids and IGT test names are unique; every row names a kernel function', () => {
  const ids = ALL_ROWS.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const names = ALL_IGT.map(igtName);
  assert.equal(new Set(names).size, names.length);
  for (const r of ALL_ROWS) assert.match(r.kernel, /\w/, r.id);
});
