/** The `regress` command: runs regress.ts and prints a line per bug, or the JSON. */

import {
  type RegressJson,
  type RegressOptions,
  regressExitCode,
  runRegress,
} from '../campaign/regress.js';
import { designClaimsHarm } from '../driver/config.js';
import { formatMs, padVisible, printJson, printText, stdoutColors } from './output.js';
import { taskProgress } from './progress.js';
import { onInterrupt } from './signals.js';

export async function regressCli(
  o: Omit<RegressOptions, 'signal' | 'onProgress'> & { json: boolean; progress: boolean },
): Promise<number> {
  const interrupt = onInterrupt('regress');
  const bar = taskProgress('regress', o.progress ? 'auto' : false);
  try {
    const { json: _json, progress: _progress, ...opts } = o;
    const j = await runRegress({
      ...opts,
      signal: interrupt.signal,
      onProgress: (d, t) => bar.update('programs', d, t),
    });
    bar.stop();
    if (o.json) printJson(j);
    else printText(formatRegress(j));
    return interrupt.exitCode() ?? regressExitCode(j);
  } finally {
    bar.stop();
    interrupt.dispose();
  }
}

function formatRegress(j: RegressJson): string {
  const c = stdoutColors();
  const lines = [
    `regress: ${j.caught}/${j.total} bugs caught (${j.strategy}, seed ${j.seed}) in ${formatMs(j.elapsedMs)}` +
      (j.interrupted ? c.yellow(' (interrupted)') : ''),
  ];
  for (const b of j.bugs) {
    const status = b.caught
      ? c.green(`caught in run ${b.runs}/${b.budget}`)
      : c.red(`NOT caught in ${b.runs}/${b.budget} runs`);
    const cleanOther = Object.keys(b.cleanViolations ?? {}).filter((i) => i !== b.invariant);
    const clean =
      b.cleanWithoutBug === null
        ? ''
        : b.cleanWithoutBug
          ? `; without the bug: no ${b.invariant} in ${b.cleanRuns} runs` +
            (cleanOther.length === 0
              ? ''
              : designClaimsHarm(b.design)
                ? c.red(` but ${b.design} violated ${cleanOther.join(', ')}`)
                : ` (${b.design} also violated ${cleanOther.join(', ')}; it does not claim to harm nothing)`)
          : c.red(`; without the bug ${b.invariant} ALSO fails`);
    const other = Object.keys(b.violations).filter((i) => i !== b.invariant);
    const also = other.length > 0 ? ` (also seen: ${other.join(', ')})` : '';
    lines.push(`  ${padVisible(b.id, 28)}${padVisible(b.invariant, 24)}${status}${also}${clean}`);
    if (b.replay !== null) lines.push(`      ${b.replay}`);
  }
  return lines.join('\n');
}
