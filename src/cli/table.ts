/**
 * The terminal comparison table: invariants down, designs across (seventeen invariant columns
 * would not fit a terminal; six design columns do, in 100). A cell is `✗ run N scenario` where
 * the design violated the invariant (N is the 1-based run of that scenario's campaign where it
 * was first seen; `✗ N scenario`, clipped, where the column is narrow), `✓` where it held in
 * every run, and `n/a` for a rule the design does not claim (not checked). Harms come first:
 * the comparison leads with what users and the system lose. Metrics follow, each row in one
 * unit, counts beside their totals. Colour only when the stream is a terminal.
 */

import type { CompareJson } from '../campaign/compare.js';
import { type Colors, padVisible, TEXT_WIDTH, wrap } from './output.js';

export function formatCompareTable(j: CompareJson, c: Colors): string {
  const designs = Object.keys(j.designs);
  const invariants = Object.keys(j.designs[designs[0] ?? ''] ?? {});
  const family = (inv: string) => j.designs[designs[0] ?? '']?.[inv]?.family ?? 'harm';
  const harms = invariants.filter((i) => family(i) !== 'rule');
  const rules = invariants.filter((i) => family(i) === 'rule');
  const nameW = Math.max(24, ...invariants.map((i) => i.length + 2));
  const label = (d: string) => j.labels?.[d] ?? d;
  // As wide as a design's name, and as the room left in TEXT_WIDTH allows (for the scenario
  // beside `✗ run N`, clipped when it does not fit).
  const room = Math.floor((TEXT_WIDTH - nameW) / Math.max(1, designs.length));
  const colW = Math.max(12, ...designs.map((d) => label(d).length + 2), Math.min(room, 22));
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
        // `✗ run N scenario`, or `✗ N scenario` (clipped) where the column is narrow.
        const run = String(cell.firstRun ?? '?');
        const scen = cell.scenario ?? '';
        const long = `✗ run ${run} ${scen}`;
        const short = `✗ ${run} ${scen}`;
        const text =
          scen === ''
            ? `✗ run ${run}`
            : long.length < colW
              ? long
              : short.length < colW
                ? short
                : `${short.slice(0, colW - 2)}…`;
        return padVisible(c.red(text), colW);
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
  const metric = (name: string, f: (d: string) => string) =>
    lines.push(padVisible(name, nameW) + designs.map((d) => padVisible(f(d), colW)).join(''));
  // One unit for the whole row, so that the designs compare at a glance.
  const latencies = designs.map((d) => j.metrics[d]?.resetLatencyNs ?? null);
  const unit = nsUnit(Math.max(0, ...latencies.map((v) => v ?? 0)));
  metric(`reset latency, ${unit.name}`, (d) => {
    const ns = j.metrics[d]?.resetLatencyNs ?? null;
    return ns === null ? '-' : String(Number((ns / unit.ns).toPrecision(4)));
  });
  const ofSubmitted = (d: string, n: number | undefined) => {
    const m = j.metrics[d];
    if (m === undefined || n === undefined) return '-';
    return m.jobsSubmitted > 0 ? `${n}/${m.jobsSubmitted}` : String(n);
  };
  metric('jobs completed', (d) => ofSubmitted(d, j.metrics[d]?.jobsCompleted));
  metric('jobs failed', (d) => ofSubmitted(d, j.metrics[d]?.jobsFailed));
  metric('innocent jobs lost', (d) => String(j.metrics[d]?.innocentLost ?? '-'));
  metric('resets (all runs)', (d) => String(j.metrics[d]?.resets ?? '-'));
  metric('runs ending wedged', (d) => {
    const m = j.metrics[d];
    return m === undefined ? '-' : `${m.wedged}/${m.runs}`;
  });
  return lines.join('\n');
}

function nsUnit(max: number): { name: string; ns: number } {
  if (max >= 1e9) return { name: 's', ns: 1e9 };
  if (max >= 1e6) return { name: 'ms', ns: 1e6 };
  if (max >= 1e3) return { name: 'µs', ns: 1e3 };
  return { name: 'ns', ns: 1 };
}

/** Which scenarios broke which invariant, per design that violated anything, wrapped. */
export function formatWhere(j: CompareJson, c: Colors): string {
  const lines: string[] = [];
  for (const [d, row] of Object.entries(j.designs)) {
    const bad = Object.entries(row).filter(([, cell]) => cell.violated);
    if (bad.length === 0) {
      lines.push(`  ${c.bold(d)}: ${c.green('no violation')}`);
      continue;
    }
    const text = bad.map(([inv, cell]) => `${inv} (${cell.scenarios.join(', ')})`).join('; ');
    const [first, ...more] = wrap(text, `  ${d}: `, '      ');
    lines.push((first ?? '').replace(d, c.bold(d)), ...more);
  }
  return lines.join('\n');
}
