/**
 * `bench` and `fuzz` live in modules that other parts of resetlab provide (src/bench/index.ts,
 * src/fuzz/fuzz.ts). The command line loads them on demand, so that a build without them
 * still has every other command, and says so (exit 2) instead of crashing.
 */

import { fileURLToPath } from 'node:url';
import { designClaimsHarm } from '../driver/config.js';
import { formatMs, printJson, printText, usageError } from './output.js';
import { taskProgress } from './progress.js';

/** The module, or null when it is not part of this build (any other load error is thrown). */
async function loadOptional<T>(specifier: string): Promise<T | null> {
  const url = new URL(specifier, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const msg = err instanceof Error ? err.message : String(err);
    const self = fileURLToPath(url).replace(/\.js$/, '');
    if (code === 'ERR_MODULE_NOT_FOUND' && msg.includes(self)) return null;
    throw err;
  }
}

type BenchModule = {
  runBench: (opts?: Record<string, unknown>) => Promise<unknown>;
  formatBench?: (r: never) => string;
  baseDistProblem?: (dir: string) => string | null;
};
type FuzzModule = { runFuzz: (opts: Record<string, unknown>) => Promise<unknown> };

export async function benchCli(o: {
  json: boolean;
  quick: boolean;
  baseDist?: string;
}): Promise<number> {
  const mod = await loadOptional<BenchModule>('../bench/index.js');
  if (mod === null || typeof mod.runBench !== 'function') {
    return usageError('bench', 'bench', 'not available in this build (src/bench/index.ts)', o.json);
  }
  if (o.baseDist !== undefined) {
    // Checked before the minutes of measurement that would precede its use.
    const problem = mod.baseDistProblem?.(o.baseDist) ?? null;
    if (problem !== null)
      return usageError('bench', '--base-dist', `--base-dist: ${problem}`, o.json);
  }
  const r = await mod.runBench({
    ...(o.quick ? { quick: true } : {}),
    ...(o.baseDist !== undefined ? { baseDist: o.baseDist } : {}),
  });
  if (o.json) printJson(r);
  else if (typeof mod.formatBench === 'function') printText(mod.formatBench(r as never));
  else printText('bench: done (--json for the figures)');
  return 0;
}

function num(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : String(v);
}

export interface FuzzCliOptions {
  /** A design, or undefined/`all` for every design in turn. */
  design?: string;
  runs: number;
  seed: number;
  calls?: number;
  json: boolean;
  out?: string;
  progress: boolean;
}

export async function fuzzCli(o: FuzzCliOptions): Promise<number> {
  const mod = await loadOptional<FuzzModule>('../fuzz/fuzz.js');
  if (mod === null || typeof mod.runFuzz !== 'function') {
    return usageError('fuzz', 'fuzz', 'not available in this build (src/fuzz/fuzz.ts)', o.json);
  }
  const bar = taskProgress('fuzz', o.progress ? 'auto' : false);
  let r: Record<string, unknown>;
  try {
    r = (await mod.runFuzz({
      runs: o.runs,
      seed: o.seed,
      now: () => performance.now(),
      onProgram: (i: number) => {
        if (i % 16 === 0 || i + 1 === o.runs) bar.update('programs', i + 1, o.runs);
      },
      ...(o.design !== undefined ? { design: o.design } : {}),
      ...(o.calls !== undefined ? { calls: o.calls } : {}),
      ...(o.out !== undefined ? { out: o.out } : {}),
    })) as Record<string, unknown>;
  } catch (err) {
    // The fuzzer's own option check (FuzzOptionsError) is bad input; anything else is a bug.
    if (err instanceof Error && err.name === 'FuzzOptionsError') {
      return usageError('fuzz', 'options', err.message, o.json);
    }
    throw err;
  } finally {
    bar.stop();
  }
  if (o.json) printJson(r);
  else printText(formatFuzz(r));
  return fuzzExitCode(r);
}

interface FuzzFinding {
  design?: string;
  invariant?: string;
}

/**
 * Exit 1 when the fuzzer found what must not happen: a violation or a leak on `default`, or a
 * model exception on any design. The weaker designs are expected to break.
 */
export function fuzzExitCode(r: Record<string, unknown>): number {
  const list = (v: unknown): FuzzFinding[] => (Array.isArray(v) ? (v as FuzzFinding[]) : []);
  const bad = (f: FuzzFinding) => designClaimsHarm(f.design ?? '') || f.invariant === 'model-error';
  return list(r.violations).some(bad) || list(r.leakFailures).some(bad) ? 1 : 0;
}

function formatFuzz(r: Record<string, unknown>): string {
  const errnos = Object.entries((r.errnos as Record<string, number>) ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const violations = Array.isArray(r.violations) ? (r.violations as Record<string, unknown>[]) : [];
  const rate = typeof r.programsPerSec === 'number' ? `, ${num(r.programsPerSec)} programs/s` : '';
  const elapsed = typeof r.elapsedMs === 'number' ? ` in ${formatMs(r.elapsedMs)}` : '';
  const lines = [
    `fuzz: ${num(r.programs)} programs, ${num(r.calls)} calls${elapsed}${rate}`,
    `  results: ${errnos || '(none)'}`,
    `  violations: ${violations.length} kinds, leaks: ${num(r.leaks)}, incomplete runs: ${num(r.incomplete)}`,
  ];
  for (const v of violations.slice(0, 20)) {
    lines.push(
      `  - ${String(v.design)} ${String(v.invariant)} ×${num(v.count)}: ${String(v.message)}` +
        (v.file ? `\n      ${String(v.file)}` : ''),
    );
  }
  return lines.join('\n');
}
