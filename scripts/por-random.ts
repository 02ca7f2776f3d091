/**
 * `npx tsx scripts/por-random.ts [--from N] [--to N] [--bounds preemption,delay]
 * [--depths 1,2,3] [--windows whole,1000,2500] [--max N]`: the reduction's soundness campaign
 * over random programs with complete footprints (test/explore/programs.ts
 * `randomCompleteProgram`; docs/explorer.md §11). For each program, bound kind, bound and
 * window (`whole`: the whole run; a number: the window [0, N ns)), plain DFS runs first; a
 * search it does not exhaust within `--max` schedules (default 20 000) is left out. The others
 * are searched again with the hb-cache alone and with `--por` (cache, sleep sets where they
 * apply, symmetry); both must reach plain DFS's outcomes and final states. Prints a line per
 * search that differs and a JSON summary (searches, left out, differing, plain schedules,
 * executions with each reduction); exits 1 if any differs, 2 on a bad flag.
 *
 * Not part of `npm test` (seeds 61-660 at three preemption bounds took about 5 minutes per 300
 * programs); por.test.ts runs 60 programs, and sleep.test.ts the programs these campaigns
 * found.
 */
import { parseArgs } from 'node:util';
import type { DfsBoundKind } from '../src/explore/dfs.js';
import { explore } from '../src/explore/explore.js';
import { sameOutcomesAndStates } from '../src/explore/result.js';
import { randomCompleteProgram } from '../test/explore/programs.js';

function fail(message: string): never {
  process.stderr.write(`por-random: ${message}\n`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      from: { type: 'string', default: '61' },
      to: { type: 'string', default: '360' },
      bounds: { type: 'string', default: 'preemption' },
      depths: { type: 'string', default: '1,2,3' },
      windows: { type: 'string', default: 'whole' },
      max: { type: 'string', default: '20000' },
    },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

function positiveInt(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${name}: an integer >= ${min}, got ${text}`);
  return n;
}

const from = positiveInt('from', values.from, 1);
const to = positiveInt('to', values.to, from);
const max = positiveInt('max', values.max, 1);
const bounds = (values.bounds ?? '').split(',') as DfsBoundKind[];
for (const b of bounds) if (b !== 'preemption' && b !== 'delay') fail(`--bounds: unknown '${b}'`);
const depths = (values.depths ?? '').split(',').map((d) => positiveInt('depths', d, 0));
const windows = (values.windows ?? '')
  .split(',')
  .map((w) => (w === 'whole' ? null : { fromNs: 0, untilNs: positiveInt('windows', w, 1) }));

const summary = { searches: 0, leftOut: 0, differ: 0, plain: 0, cache: 0, por: 0 };
const executions = (r: Awaited<ReturnType<typeof explore>>) =>
  r.totals.runs + (r.dfs?.prunedRuns ?? 0);
for (let seed = from; seed <= to; seed++) {
  for (const bound of bounds) {
    for (const depth of depths) {
      for (const window of windows) {
        const base = {
          strategy: 'dfs',
          depth,
          dfsBound: bound,
          runs: max,
          seed: 1,
          swarm: false,
          shrink: false,
          dfsBranchWindow: window,
        } as const;
        const plain = await explore(randomCompleteProgram(seed), base);
        if (plain.exhausted !== true) {
          summary.leftOut++;
          continue;
        }
        const cache = await explore(randomCompleteProgram(seed), {
          ...base,
          dfsPor: true,
          dfsSleep: false,
          dfsSymmetry: false,
        });
        const por = await explore(randomCompleteProgram(seed), { ...base, dfsPor: true });
        summary.searches++;
        summary.plain += plain.totals.runs;
        summary.cache += executions(cache);
        summary.por += executions(por);
        for (const [name, r] of [
          ['hb-cache', cache],
          [por.dfs?.reduction ?? 'por', por],
        ] as const) {
          if (r.exhausted === true && sameOutcomesAndStates(plain.dfs, r.dfs)) continue;
          summary.differ++;
          const where = window === null ? 'whole run' : `window [0, ${window.untilNs} ns)`;
          process.stdout.write(
            `DIFFERENT  random program ${seed}, ${bound} bound ${depth}, ${where}: ${name}\n`,
          );
        }
      }
    }
  }
}
process.stdout.write(`${JSON.stringify({ from, to, ...summary })}\n`);
process.exit(summary.differ === 0 ? 0 : 1);
