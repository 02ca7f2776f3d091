/**
 * Prints the two generated tables of docs/uapi.md (the audit rows and the IGT-derived tests)
 * from the test data, between their markers: `npx tsx test/uapi/table.ts` and paste, or let
 * `audit.test.ts` tell you what differs.
 */
import { GEM_EIO } from '../igt/cases-gem-eio.js';
import { PANFROST_SUBMIT, PANTHOR } from '../igt/cases-panthor.js';
import { SYNCOBJ_BASIC, SYNCOBJ_TIMELINE, SYNCOBJ_WAIT } from '../igt/cases-syncobj.js';
import { type IgtCase, igtName } from '../igt/env.js';
import type { Row } from './env.js';
import { DRM_ROWS } from './rows-drm.js';
import { PANTHOR_ROWS } from './rows-panthor.js';
import { PERFCNT_ROWS } from './rows-perfcnt.js';
import { SYNCOBJ_ROWS } from './rows-syncobj.js';

export const ALL_ROWS: Row[] = [...DRM_ROWS, ...SYNCOBJ_ROWS, ...PANTHOR_ROWS, ...PERFCNT_ROWS];
export const ALL_IGT: IgtCase[] = [
  ...SYNCOBJ_BASIC,
  ...SYNCOBJ_WAIT,
  ...SYNCOBJ_TIMELINE,
  ...PANFROST_SUBMIT,
  ...PANTHOR,
  ...GEM_EIO,
];

function cell(s: string): string {
  return s.replaceAll('|', '\\|');
}

export function auditTable(): string {
  const lines = [
    '| id | ioctl | check (kernel order) | errno / write-back | kernel file, function | model differs |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of ALL_ROWS)
    lines.push(
      `| ${r.id} | ${r.ioctl} | ${cell(r.check)} | ${cell(r.errno)} | ${cell(r.kernel)} | ${cell(r.model ?? '')} |`,
    );
  return lines.join('\n');
}

export function igtTable(): string {
  const lines = ['| test | IGT test | subtest | what it checks here |', '|---|---|---|---|'];
  for (const c of ALL_IGT)
    lines.push(`| ${igtName(c)} | ${c.test} | ${c.subtest} | ${cell(c.what)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('<!-- audit-table:begin -->');
  console.log(auditTable());
  console.log('<!-- audit-table:end -->');
  console.log();
  console.log('<!-- igt-table:begin -->');
  console.log(igtTable());
  console.log('<!-- igt-table:end -->');
}
