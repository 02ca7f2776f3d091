/**
 * The delta table of docs/fidelity.md, generated from the ledger (src/driver/fidelity.ts) and
 * the factors that introduce each design delta. The ledger test compares the document with it;
 * after a change to the ledger:
 *
 *   npx tsx test/fidelity/ledger-table.ts      # prints the table to paste between the markers
 */
import { DELTAS } from '../../src/driver/fidelity.js';
import { FACTORS } from '../../src/driver/reset/factors.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Which `factor=value` introduces each design delta. */
export function factorOfDelta(): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of FACTORS)
    for (const v of f.values) if (v.delta !== null) m.set(v.delta, `${f.name}=${v.value}`);
  return m;
}

export function deltaTable(): string {
  const by = factorOfDelta();
  const lines = [
    '| delta | kind | introduced by | what the model does | kernel function it departs from | why |',
    '|---|---|---|---|---|---|',
  ];
  for (const d of DELTAS) {
    const via = d.kind === 'design' ? `\`${by.get(d.id) ?? '?'}\`` : 'every design';
    lines.push(
      `| \`${d.id}\` | ${d.kind} | ${via} | ${cell(d.summary)} | ${cell(d.kernel)} | ${cell(d.why)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${deltaTable()}\n`);
