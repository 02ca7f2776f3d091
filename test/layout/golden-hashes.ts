/**
 * Golden trace hashes: every built-in scenario on every design, seed 1, under FIFO and under
 * random scheduling. A pure refactoring (the layout move of issue 11, a rename, a split) must
 * leave every one of them unchanged; a deliberate change of the model's behaviour changes some
 * of them, and is committed together with the regenerated file so that the change is visible
 * in review:
 *
 *   npx tsx test/layout/golden-hashes.ts > test/layout/golden-hashes.json
 */
import { DESIGN_NAMES } from '../../src/driver/config.js';
import { strategyFromName } from '../../src/explore/strategy-factory.js';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from '../../src/scenarios/runner.js';

export const GOLDEN_STRATEGIES = ['fifo', 'random'] as const;

/** `scenario@design/strategy` -> trace hash, in a fixed order. */
export async function goldenHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const spec of BUILTIN_SCENARIOS) {
    for (const design of DESIGN_NAMES) {
      for (const s of GOLDEN_STRATEGIES) {
        const r = await runScenario(
          spec,
          { design, seed: 1, strategy: strategyFromName(s), record: true },
          builtinScenario,
        );
        out[`${spec.name}@${design}/${s}`] = r.traceHash;
      }
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const h = await goldenHashes();
  process.stdout.write(`${JSON.stringify(h, null, 2)}\n`);
}
