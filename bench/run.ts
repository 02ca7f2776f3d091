/**
 * `npm run bench`: every measurement of `resetlab bench` (src/bench/index.ts), printed as a
 * table, written to bench/results/latest.json and drawn in bench/results/latest.html (in the
 * style of the report: one file, uPlot inlined, no network).
 *
 * It runs the compiled code in dist/ (the npm script builds it first), as the installed
 * `resetlab bench` does: under tsx every closure the model creates would also pay for a
 * `__name` call that tsx adds to keep function names, which made resetlab look about twice as
 * slow against fast-check as it is. This file only orchestrates; tsx's transform of it costs
 * nothing measurable.
 *
 * Options: `--quick` (seconds, for a smoke test; its figures are too small to judge goals by),
 * `--json` (the JSON on stdout instead of the table), `--out DIR` (default bench/results).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Bench from '../src/bench/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const outIdx = args.indexOf('--out');
const outDir = resolve(outIdx >= 0 ? (args[outIdx + 1] ?? 'bench/results') : 'bench/results');

const root = resolve(import.meta.dirname, '..');
const dist = pathToFileURL(join(root, 'dist', 'bench', 'index.js')).href;
let bench: typeof Bench;
try {
  bench = (await import(dist)) as typeof Bench;
} catch (err) {
  console.error(`bench: cannot load ${dist} (run \`npm run build\` first): ${String(err)}`);
  process.exit(2);
}

const t0 = performance.now();
const result = await bench.runBench({
  quick,
  onProgress: (p) => {
    const s = ((performance.now() - t0) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[${s} s] ${p.phaseIndex + 1}/${p.phases} ${p.message}\n`);
  },
});
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.html'), bench.renderBenchHtml(result));
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(`${bench.formatBench(result)}\n`);
  process.stdout.write(`\nwrote ${join(outDir, 'latest.json')} and latest.html\n`);
}
