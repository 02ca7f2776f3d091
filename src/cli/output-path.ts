/**
 * Output paths, checked before any work (docs/cli.md, "Output paths"): a campaign that runs
 * for an hour and then cannot write its report, or a run whose trace file is a directory, is
 * bad input found too late. Every flag that names an output (`--trace`, `--html`, `--out`) is
 * checked here when the command starts, and a problem is a `UsageError` naming the flag and
 * the path (exit 2).
 *
 * Missing directories are created later, as `mkdir -p` would (the writers do that), so a
 * missing directory is only an error when it cannot be created. Whether it can is not guessed
 * from permission bits (root ignores them, a read-only or pseudo filesystem does not): the
 * check creates and removes a probe directory in the nearest directory that exists, which is
 * what the writer will do. The probe is the only side effect, and it is undone at once.
 */
import { accessSync, constants, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';

type Kind = 'file' | 'directory' | 'missing' | 'other';

function kindOf(path: string): Kind {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EROFS') return 'read-only filesystem';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'ENOENT') return 'entries cannot be created there';
  return e?.code ?? (err instanceof Error ? err.message : String(err));
}

/** Throws unless entries can be created in the existing directory `dir`. */
function probeWritable(flag: string, path: string, dir: string): void {
  let probe: string;
  try {
    probe = mkdtempSync(join(dir, '.resetlab-probe-'));
  } catch (err) {
    throw new UsageError(flag, `${flag} ${path}: cannot write in ${dir} (${reason(err)})`);
  }
  rmdirSync(probe);
}

/**
 * The nearest existing ancestor of `dir` (itself included), which must be a directory: a
 * file there means the path can never be created.
 */
function existingAncestor(flag: string, path: string, dir: string): string {
  let cur = resolve(dir);
  for (;;) {
    const k = kindOf(cur);
    if (k === 'directory') return cur;
    if (k !== 'missing') {
      throw new UsageError(flag, `${flag} ${path}: ${cur} is not a directory`);
    }
    const up = dirname(cur);
    if (up === cur) throw new UsageError(flag, `${flag} ${path}: no existing directory above it`);
    cur = up;
  }
}

/** An output file (`--trace`, `--html`): not a directory, and writable or creatable. */
export function checkOutputFile(flag: string, path: string): void {
  if (path.length === 0) throw new UsageError(flag, `${flag}: the path is empty`);
  const k = kindOf(path);
  if (k === 'directory') {
    throw new UsageError(flag, `${flag} ${path}: is a directory, not a file`);
  }
  if (k === 'other') throw new UsageError(flag, `${flag} ${path}: is not a regular file`);
  if (k === 'file') {
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      throw new UsageError(flag, `${flag} ${path}: cannot be written (${reason(err)})`);
    }
  }
  probeWritable(flag, path, existingAncestor(flag, path, dirname(resolve(path))));
}

/** An output directory (`--out`): a directory, or one that can be created. */
export function checkOutputDir(flag: string, path: string): void {
  if (path.length === 0) throw new UsageError(flag, `${flag}: the path is empty`);
  const k = kindOf(path);
  if (k === 'file' || k === 'other') {
    throw new UsageError(flag, `${flag} ${path}: is a file, not a directory`);
  }
  probeWritable(flag, path, existingAncestor(flag, path, path));
}
