/**
 * Running the real command line as a child process (`node --import tsx src/cli/main.ts`), for
 * what only a process shows: exit codes, what is on stdout and nothing else, signals.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'src/cli/main.ts');
/** tsx's loader by URL, so that a child started in another directory finds it. */
const TSX = import.meta.resolve('tsx');
export const EXAMPLE = join(ROOT, 'examples/scenarios/hang-under-profiler.yaml');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Called once the process is running (for sending signals). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  timeoutMs?: number;
  /** Working directory (default: the repository). */
  cwd?: string;
}

export function cli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: o.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`resetlab ${args.join(' ')}: timed out\n${stderr}`));
    }, o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    o.onSpawn?.(child);
  });
}

/** stdout must be exactly one JSON object (one line) and nothing else. */
export function oneJson(r: CliResult): Record<string, unknown> {
  const text = r.stdout;
  assert.ok(text.endsWith('\n'), `stdout ends with a newline: ${JSON.stringify(text.slice(-80))}`);
  assert.equal(
    text.trimEnd().split('\n').length,
    1,
    `one line on stdout, got:\n${text.slice(0, 500)}`,
  );
  const v: unknown = JSON.parse(text);
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), 'a JSON object');
  return v as Record<string, unknown>;
}

export function tmp(prefix = 'resetlab-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Asserts that `obj` has every key of `keys` (fields may be added, never renamed). */
export function hasKeys(obj: unknown, keys: readonly string[], what: string): void {
  assert.ok(obj !== null && typeof obj === 'object', `${what} is an object`);
  for (const k of keys) assert.ok(k in (obj as object), `${what} has '${k}'`);
}

/**
 * Runs the command line in this process (`main()` with its output streams captured). Only for
 * commands whose output goes through src/cli/output.ts (not explore, replay, merge, which
 * print through the campaign code).
 */
export async function inProcess(args: readonly string[]): Promise<CliResult> {
  const { io } = await import('../../src/cli/output.js');
  const { main } = await import('../../src/cli/cli.js');
  const saved = { out: io.out, err: io.err, tty: io.outIsTTY };
  let stdout = '';
  let stderr = '';
  io.out = (s: string) => {
    stdout += s;
  };
  io.err = (s: string) => {
    stderr += s;
  };
  io.outIsTTY = () => false;
  try {
    const code = await main(['node', 'resetlab', ...args]);
    return { code, signal: null, stdout, stderr };
  } finally {
    io.out = saved.out;
    io.err = saved.err;
    io.outIsTTY = saved.tty;
  }
}
