/**
 * The terminal comparison table: invariants down, designs across (seventeen invariant columns
 * would not fit a terminal; five design columns do). A cell is `✗ run N` where the design
 * violated the invariant (N is the 1-based run where it was first seen), `✓` where it held
 * in every run, and `n/a` for a rule the design does not claim (not checked). Harms come
 * first: the comparison leads with what users and the system lose. Metrics follow as three more rows. Colour only when the stream is a terminal.
 */

import type { CompareJson } from '../campaign/compare.js';
import { formatNs } from '../report/escape.js';
import { type Colors, padVisible } from './output.js';

export function formatCompareTable(j: CompareJson, c: Colors): string {
  const designs = Object.keys(j.designs);
  const invariants = Object.keys(j.designs[designs[0] ?? ''] ?? {});
  const family = (inv: string) => j.designs[designs[0] ?? '']?.[inv]?.family ?? 'harm';
  const harms = invariants.filter((i) => family(i) !== 'rule');
  const rules = invariants.filter((i) => family(i) === 'rule');
  const nameW = Math.max(24, ...invariants.map((i) => i.length + 2));
  const label = (d: string) => j.labels?.[d] ?? d;
  const colW = Math.max(12, ...designs.map((d) => label(d).length + 2));
  const lines: string[] = [];
  const section = (title: string, invs: string[]) => {
    lines.push(
      c.bold(padVisible(title, nameW) + designs.map((d) => padVisible(label(d), colW)).join('')),
    );
    for (const inv of invs) {
      const cells = designs.map((d) => {
        const cell = j.designs[d]?.[inv];
        if (cell === undefined) return padVisible('-', colW);
        if (cell.checked === false) return padVisible(c.dim('n/a'), colW);
        if (!cell.violated) return padVisible(c.green('✓'), colW);
        return padVisible(c.red(`✗ run ${cell.firstRun ?? '?'}`), colW);
      });
      lines.push(padVisible(inv, nameW) + cells.join(''));
    }
  };
  section('harm', harms);
  if (rules.length > 0) {
    lines.push('');
    section('rule (n/a: not claimed)', rules);
  }
  lines.push('');
  const metric = (label: string, f: (d: string) => string) =>
    lines.push(padVisible(label, nameW) + designs.map((d) => padVisible(f(d), colW)).join(''));
  metric('reset latency', (d) => {
    const ns = j.metrics[d]?.resetLatencyNs ?? null;
    return ns === null ? '-' : formatNs(ns);
  });
  metric('innocent jobs lost', (d) => String(j.metrics[d]?.innocentLost ?? '-'));
  metric('jobs completed', (d) => String(j.metrics[d]?.jobsCompleted ?? '-'));
  return lines.join('\n');
}

/** Which scenarios broke which invariant, one line per design that violated anything. */
export function formatWhere(j: CompareJson, c: Colors): string {
  const lines: string[] = [];
  for (const [d, row] of Object.entries(j.designs)) {
    const bad = Object.entries(row).filter(([, cell]) => cell.violated);
    if (bad.length === 0) {
      lines.push(`  ${c.bold(d)}: ${c.green('no violation')}`);
      continue;
    }
    lines.push(
      `  ${c.bold(d)}: ${bad.map(([inv, cell]) => `${inv} (${cell.scenarios.join(', ')})`).join('; ')}`,
    );
  }
  return lines.join('\n');
}
