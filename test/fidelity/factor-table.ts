/**
 * The factor and preset tables of docs/designs.md, generated from src/driver/reset/; the
 * designs doc test compares the document with them. After a change to the factors or presets:
 *
 *   npx tsx test/fidelity/factor-table.ts           # the factor table (between factors:begin/end)
 *   npx tsx test/fidelity/factor-table.ts presets   # the preset table (between presets:begin/end)
 */
import { ruleClaims } from '../../src/driver/reset/claims.js';
import { PRESETS } from '../../src/driver/reset/designs/index.js';
import { FACTORS, MAINLINE_FACTORS } from '../../src/driver/reset/factors.js';

export function factorTable(): string {
  const lines = ['| factor | the question | values (first = the pinned kernel) |', '|---|---|---|'];
  for (const f of FACTORS)
    lines.push(
      `| \`${f.name}\` | ${f.question} | ${f.values.map((v) => `\`${v.value}\``).join(', ')} |`,
    );
  return lines.join('\n');
}

/** The presets table: what each follows, the factors it changes, the rules it claims. */
export function presetTable(): string {
  const lines = [
    '| preset | follows | factors changed from the pinned kernel | rules claimed |',
    '|---|---|---|---|',
  ];
  for (const p of PRESETS) {
    const changed = FACTORS.filter((f) => p.factors[f.name] !== MAINLINE_FACTORS[f.name]).map(
      (f) => `${f.name}=${p.factors[f.name]}`,
    );
    const claims = ruleClaims(p.factors);
    lines.push(
      `| \`${p.name}\` | ${p.follows} | ${changed.length === 0 ? 'none' : `\`${changed.join(' ')}\``} | ${claims.length === 0 ? 'none' : claims.map((c) => `\`${c}\``).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(process.argv[2] === 'presets' ? presetTable() : factorTable());
}
