/**
 * `npx tsx scripts/por-soundness.ts [--bound delay|preemption] [--depth N] [--max-depth N]
 * [--designs a,b] [--scenarios a,b]`: the partial-order reduction's soundness check on every
 * litmus scenario × design (docs/explorer.md §11). Each cell is searched twice by bounded DFS
 * (delay bound 1 by default, seed 1, unsplit), without and with `--por`; the two must both
 * exhaust the tree and reach the same distinct outcomes and the same final states. Prints one
 * line per cell and exits 1 if any cell differs, 2 on a bad flag.
 *
 * Not part of `npm test` (the whole matrix is 96 searches of hundreds of schedules each: 563 s
 * of searching, measured in two processes of three designs each on 2 cores); test/explore/por.test.ts runs the same comparison on one litmus
 * cell and on every test program with complete footprints.
 */
import { parseArgs } from 'node:util';
import { DESIGN_NAMES } from '../src/driver/config.js';
import type { DfsBoundKind } from '../src/explore/dfs.js';
import { explore } from '../src/explore/explore.js';
import { getProgram } from '../src/explore/registry.js';
import { sameOutcomesAndStates } from '../src/explore/result.js';
import { LITMUS_SCENARIOS } from '../src/scenarios/litmus.js';
import { scenarioProgramId } from '../src/scenarios/program.js';
import '../src/scenarios/register.js';

function fail(message: string): never {
  process.stderr.write(`por-soundness: ${message}\n`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      bound: { type: 'string', default: 'delay' },
      depth: { type: 'string', default: '1' },
      'max-depth': { type: 'string' },
      designs: { type: 'string' },
      scenarios: { type: 'string' },
    },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const bound = values.bound as DfsBoundKind;
if (bound !== 'delay' && bound !== 'preemption') fail(`--bound: preemption or delay, got ${bound}`);
const depth = Number(values.depth);
if (!Number.isInteger(depth) || depth < 0)
  fail(`--depth: a non-negative integer, got ${values.depth}`);
const maxDepth = values['max-depth'] === undefined ? undefined : Number(values['max-depth']);
if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 1)) {
  fail(`--max-depth: a positive integer, got ${values['max-depth']}`);
}
const litmus = LITMUS_SCENARIOS.map((l) => l.name);
const designs = values.designs?.split(',') ?? [...DESIGN_NAMES];
const scenarios = values.scenarios?.split(',') ?? litmus;
for (const d of designs)
  if (!(DESIGN_NAMES as readonly string[]).includes(d)) fail(`--designs: unknown design '${d}'`);
for (const s of scenarios)
  if (!litmus.includes(s)) fail(`--scenarios: not a litmus scenario: '${s}'`);

let differ = 0;
for (const design of designs) {
  for (const scenario of scenarios) {
    const id = scenarioProgramId(scenario, design);
    const program = getProgram(id);
    if (program === undefined) fail(`no program ${id}`);
    const base = {
      strategy: 'dfs',
      depth,
      dfsBound: bound,
      runs: 1_000_000,
      seed: 1,
      shrink: false,
      ...(maxDepth !== undefined ? { dfsMaxDepth: maxDepth } : {}),
    } as const;
    const t0 = performance.now();
    const plain = await explore(program, base);
    const por = await explore(program, { ...base, dfsPor: true });
    const outcomes = (r: typeof plain) => Object.keys(r.dfs?.outcomes ?? {}).join(',');
    const same =
      plain.exhausted === true &&
      por.exhausted === true &&
      sameOutcomesAndStates(plain.dfs, por.dfs);
    if (!same) differ++;
    process.stdout.write(
      `${same ? 'same' : 'DIFFERENT'}  ${id}: plain ${plain.totals.runs} schedules, por ${por.totals.runs} + ${por.dfs?.prunedRuns ?? 0} pruned (${por.dfs?.footprints ?? '-'}), ` +
        `${plain.dfs?.states.length ?? 0} states, outcomes ${outcomes(plain)}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  }
}
process.stdout.write(`${differ === 0 ? 'every cell the same' : `${differ} cells differ`}\n`);
process.exit(differ === 0 ? 0 : 1);
