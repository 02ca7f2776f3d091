/**
 * The `ablate` command: runs the ablation (src/campaign/ablate.ts) and prints one line per
 * factor switch (wrapped to 100 columns), or the JSON. With `--out`, also writes the JSON there.
 *
 * Exit code 1 when the design itself breaks a harm it claims to hold (`default`), or the model
 * threw anywhere; 130/143 when interrupted (after printing what finished).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AblateJson, type AblationRow, runAblation } from '../campaign/ablate.js';
import { designClaimsHarm } from '../driver/config.js';
import { formatMs, printJson, printText, stdoutColors, wrap } from './output.js';
import { taskProgress } from './progress.js';
import { onInterrupt } from './signals.js';

export interface AblateCliOptions {
  design: string;
  factors?: string[];
  scenarios: string[];
  runs: number;
  seed: number;
  strategy: string;
  jobs: number;
  json: boolean;
  progress: boolean;
  out?: string;
}

function broken(v: Record<string, number>, s: Record<string, string>): string {
  const keys = Object.keys(v).sort((a, b) => (v[a] as number) - (v[b] as number));
  if (keys.length === 0) return 'nothing breaks';
  return keys.map((k) => `${k} (run ${v[k]}, ${s[k]})`).join('; ');
}

export function formatAblation(j: AblateJson): string {
  const c = stdoutColors();
  const lines = [
    `ablate ${j.design}: ${j.runs} runs per variant × scenario (${j.strategy}, seed ${j.seed}), ` +
      `${j.scenarios.length} scenarios, ${j.totalRuns} runs in ${formatMs(j.elapsedMs)}` +
      (j.interrupted ? c.yellow(' (interrupted)') : ''),
    '',
    ...wrap(`the design itself: ${broken(j.baseline.violated, j.baseline.scenarios)}`, '', '    '),
    '',
  ];
  const label = (r: AblationRow) =>
    `${r.factor} ${r.from} → ${r.to}${
      r.with
        ? ` (+${Object.entries(r.with)
            .map(([k, v]) => `${k}=${v}`)
            .join('+')})`
        : ''
    }`;
  const w = Math.min(48, Math.max(...j.factors.map((r) => label(r).length)) + 2);
  for (const r of j.factors) {
    const head = label(r).padEnd(w);
    const body =
      r.skipped !== undefined ? `skipped: ${r.skipped}` : broken(r.violated, r.scenarios);
    const text = wrap(body, head, ' '.repeat(w));
    const paint =
      r.skipped !== undefined ? c.dim : Object.keys(r.violated).length > 0 ? c.red : c.green;
    lines.push(
      ...text.map((l, i) => (i === 0 ? c.bold(l.slice(0, w)) + paint(l.slice(w)) : paint(l))),
    );
  }
  if (j.modelErrors.length > 0) {
    lines.push('', c.red(`model errors (bugs in resetlab): ${j.modelErrors.length}`));
    for (const m of j.modelErrors.slice(0, 10))
      lines.push(...wrap(`${m.variant} ${m.scenario}: ${m.message}`, '  ', '    '));
  }
  return lines.join('\n');
}

export async function ablateCli(o: AblateCliOptions): Promise<number> {
  const interrupt = onInterrupt('ablate');
  const bar = taskProgress('ablate', o.progress ? 'auto' : false);
  try {
    const j = await runAblation({
      design: o.design,
      ...(o.factors !== undefined ? { factors: o.factors } : {}),
      scenarios: o.scenarios,
      runs: o.runs,
      seed: o.seed,
      strategy: o.strategy,
      jobs: o.jobs,
      signal: interrupt.signal,
      onProgress: (done, total) => bar.update('cells', done, total),
    });
    bar.stop();
    if (o.out !== undefined) {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, `${JSON.stringify(j)}\n`);
    }
    if (o.json) printJson(j);
    else printText(formatAblation(j));
    const bad =
      j.modelErrors.length > 0 ||
      (designClaimsHarm(o.design) && Object.keys(j.baseline.violated).length > 0);
    return interrupt.exitCode() ?? (bad ? 1 : 0);
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}
