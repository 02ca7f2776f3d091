/**
 * The factor table of docs/designs.md, generated from src/driver/reset/factors.ts; the designs
 * doc test compares the document with it. After a change to the factors:
 *
 *   npx tsx test/fidelity/factor-table.ts      # prints the table to paste between the markers
 */
import { FACTORS } from '../../src/driver/reset/factors.js';

export function factorTable(): string {
  const lines = ['| factor | the question | values (first = the pinned kernel) |', '|---|---|---|'];
  for (const f of FACTORS)
    lines.push(
      `| \`${f.name}\` | ${f.question} | ${f.values.map((v) => `\`${v.value}\``).join(', ')} |`,
    );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(factorTable());
