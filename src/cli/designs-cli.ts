/**
 * `resetlab designs`: every preset with what it follows, its factors, the deltas of the
 * fidelity ledger it uses (docs/fidelity.md), the order its Resettable blocks are called in and
 * its failure policy; and the factors themselves, each value with the kernel code or proposal
 * it follows. With `--json`: `{designs: [{name, follows, deltas, resettable, failure, factors,
 * claimsHarm, claims}], factors: [{name, question, values: [{value, summary, follows, delta}]}],
 * modelDeltas: [...]}`.
 */
import { PRESETS } from '../driver/config.js';
import { MODEL_DELTAS } from '../driver/fidelity.js';
import { ruleClaims } from '../driver/reset/claims.js';
import { designDeltas } from '../driver/reset/design.js';
import { FACTORS, MAINLINE_FACTORS } from '../driver/reset/factors.js';
import { resetSteps, resettableOrder } from '../driver/reset/resettable.js';
import { printJson, printText, stdoutColors, wrap } from './output.js';

export function designsJson() {
  return {
    designs: PRESETS.map((p) => ({
      name: p.name,
      follows: p.follows,
      deltas: designDeltas(p),
      resettable: resettableOrder(resetSteps(p.factors.order, p.factors.perfcnt !== 'none')),
      failure: p.factors.failure,
      factors: p.factors,
      claimsHarm: p.claimsHarm === true,
      claims: ruleClaims(p.factors),
    })),
    factors: FACTORS.map((f) => ({
      name: f.name,
      question: f.question,
      values: f.values.map((v) => ({ ...v })),
    })),
    modelDeltas: MODEL_DELTAS.map((d) => d.id),
  };
}

export function designsCli(o: { json: boolean }): number {
  const j = designsJson();
  if (o.json) {
    printJson(j);
    return 0;
  }
  const c = stdoutColors();
  const lines: string[] = [
    'Designs (presets; change a factor with --design <preset>+factor=value):',
  ];
  const field = (label: string, text: string) =>
    lines.push(...wrap(text, `    ${label.padEnd(12)}`, ' '.repeat(16)));
  for (const d of j.designs) {
    lines.push('');
    lines.push(
      ...wrap(`${d.name}  ${d.follows}`, '  ', '      ').map((l, i) => (i === 0 ? c.bold(l) : l)),
    );
    const changed = Object.entries(d.factors)
      .filter(([k, v]) => MAINLINE_FACTORS[k as keyof typeof MAINLINE_FACTORS] !== v)
      .map(([k, v]) => `${k}=${v}`);
    field('factors:', changed.length === 0 ? 'all as in the pinned kernel' : changed.join(' '));
    field('resettable:', `${d.resettable.join(', ')}; failure: ${d.failure}`);
    field('deltas:', d.deltas.length === 0 ? 'none' : d.deltas.join(', '));
    field('claims:', d.claims.length === 0 ? 'no rule' : d.claims.join(', '));
  }
  lines.push('');
  lines.push('Factors (the first value is the pinned kernel’s):');
  for (const f of j.factors) {
    lines.push(...wrap(f.question, `  ${f.name.padEnd(12)}`, ' '.repeat(14)));
    for (const v of f.values)
      lines.push(
        ...wrap(
          `${v.summary}${v.delta ? ` [${v.delta}]` : ''}`,
          `    ${v.value.padEnd(14)}`,
          ' '.repeat(18),
        ),
      );
  }
  lines.push('');
  lines.push(
    ...wrap(
      `Model deltas (every design): ${j.modelDeltas.join(', ')}; see docs/fidelity.md.`,
      '',
      '',
    ),
  );
  printText(lines.join('\n'));
  return 0;
}
