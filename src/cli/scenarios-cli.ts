/**
 * `resetlab scenarios`: the built-in scenarios with their descriptions, or (`--schema`) the
 * JSON schema of scenario files. With `--json`, the list is `{scenarios: [...]}` with each
 * scenario's full spec, which is also a valid starting point for a scenario file.
 */

import { formatNs } from '../report/escape.js';
import { BUILTIN_SCENARIOS } from '../scenarios/builtin.js';
import { scenarioJsonSchema } from '../scenarios/file.js';
import { padVisible, printJson, printText, stdoutColors } from './output.js';

export function scenariosCli(o: { schema: boolean; json: boolean }): number {
  if (o.schema) {
    // The schema is JSON whether or not --json is given.
    printText(JSON.stringify(scenarioJsonSchema(), null, o.json ? undefined : 2));
    return 0;
  }
  if (o.json) {
    printJson({ scenarios: BUILTIN_SCENARIOS });
    return 0;
  }
  const c = stdoutColors();
  const lines = ['Built-in scenarios (a path to a YAML scenario file works too; see --schema):'];
  for (const s of BUILTIN_SCENARIOS) {
    const detail =
      s.mix !== undefined
        ? `one of ${s.mix.length} scenarios per run`
        : `${s.clients.length} clients, ${formatNs(s.durationNs)} active + ${formatNs(s.settleNs)} settle` +
          (s.faults.length > 0 ? `, faults: ${s.faults.map((f) => f.name).join(', ')}` : '');
    lines.push(`  ${padVisible(c.bold(s.name), 14)}${s.description}`);
    lines.push(`  ${' '.repeat(14)}${c.dim(detail)}`);
  }
  printText(lines.join('\n'));
  return 0;
}
