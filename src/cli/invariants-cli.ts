/**
 * `resetlab invariants`: every invariant with its family (docs/design.md §2) — *harm*, what a
 * user or the system loses, checked on every design; *rule*, a design's own claim, checked
 * only on the designs whose factors make it (src/driver/reset/claims.ts) — what it holds, and
 * for a rule the factor condition that claims it and the presets that do. With `--json`:
 * `{invariants: [{id, family, holds, claimedWhen?, claimedBy?}]}`.
 */
import { PRESETS } from '../driver/config.js';
import { RULE_CLAIMS, ruleClaims } from '../driver/reset/claims.js';
import { INVARIANT_INFO, INVARIANTS } from '../kernel/violations.js';
import { padVisible, printJson, printText, stdoutColors, wrap } from './output.js';

export interface InvariantJson {
  id: string;
  family: 'harm' | 'rule';
  holds: string;
  /** Rules only: the factor condition under which a design claims it. */
  claimedWhen?: string;
  /** Rules only: the presets that claim it. */
  claimedBy?: string[];
}

export function invariantsJson(): { invariants: InvariantJson[] } {
  return {
    invariants: INVARIANTS.map((id) => {
      const info = INVARIANT_INFO[id];
      const out: InvariantJson = { id, family: info.family, holds: info.holds };
      if (info.family === 'rule') {
        out.claimedWhen = RULE_CLAIMS.find((r) => r.invariant === id)?.claimedWhen ?? 'never';
        out.claimedBy = PRESETS.filter((p) => ruleClaims(p.factors).includes(id)).map(
          (p) => p.name,
        );
      }
      return out;
    }),
  };
}

export function invariantsCli(o: { json: boolean }): number {
  const j = invariantsJson();
  if (o.json) {
    printJson(j);
    return 0;
  }
  const c = stdoutColors();
  const w = Math.max(...j.invariants.map((i) => i.id.length)) + 4;
  const lines = ['Harm (what users and the system lose; checked on every design):'];
  const item = (i: InvariantJson) => {
    const body = wrap(i.holds, ' '.repeat(w), ' '.repeat(w));
    lines.push(`  ${padVisible(c.bold(i.id), w - 2)}${(body[0] ?? '').slice(w)}`, ...body.slice(1));
  };
  for (const i of j.invariants.filter((x) => x.family === 'harm')) item(i);
  lines.push('');
  lines.push("Rules (a design's own claims; checked only on the designs that claim them):");
  for (const i of j.invariants.filter((x) => x.family === 'rule')) {
    item(i);
    const by = i.claimedBy?.length ? i.claimedBy.join(', ') : 'no preset';
    for (const l of wrap(`claimed when ${i.claimedWhen}; by ${by}`, ' '.repeat(w), ' '.repeat(w)))
      lines.push(c.dim(l));
  }
  printText(lines.join('\n'));
  return 0;
}
