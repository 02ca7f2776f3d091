/**
 * A campaign worker thread (piscina). It receives chunks of a campaign as plain data (program
 * id, run range, options), explores them with the pure `explore` and returns the result;
 * the main thread merges results by run index (src/explore/result.ts), so the answer does not
 * depend on how many workers there are or in which order chunks finish.
 *
 * Programs hold closures and cannot cross threads, so the worker imports the module named in
 * its `workerData.registry` once, for its side effect of registering programs, and looks the
 * program up by id. Whoever adds scenarios only has to point the campaign at their module.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData } from 'piscina';
import { type ExploreOptions, explore } from '../explore/explore.js';
import { getProgram, programIds } from '../explore/registry.js';
import type { ExploreResult } from '../explore/result.js';

export interface WorkerData {
  /** Module path (absolute) or URL that registers programs when imported. */
  registry: string;
  /**
   * One Int32 the main thread sets to 1 on an interrupt: a chunk then ends after its current
   * run and returns what it did (a chunk that had not started runs nothing), so that an
   * interrupted campaign keeps the work of the chunks in flight instead of discarding it.
   */
  stop?: SharedArrayBuffer;
}

/** One chunk: explore options without callbacks (they cannot cross threads). */
export interface ChunkTask {
  program: string;
  options: Omit<ExploreOptions, 'onFailure' | 'onProgress' | 'shouldStop'>;
}

let loaded: Promise<unknown> | null = null;

/** A URL (`file:`, `data:`, ...), not a path (a Windows drive letter is a path). */
function isUrl(registry: string): boolean {
  return /^[a-z]+:/i.test(registry) && !/^[a-z]:[\\/]/i.test(registry);
}

/** The registry as given on the command line: a URL as is, a path made absolute. */
export function resolveRegistry(registry: string): string {
  return isUrl(registry) ? registry : resolve(registry);
}

export function registryUrl(registry: string): string {
  return isUrl(registry) ? registry : pathToFileURL(registry).href;
}

/** Imports a resolved registry module: null when it loaded, else why it did not. */
export async function loadRegistry(registry: string): Promise<string | null> {
  try {
    await import(registryUrl(registry));
    return null;
  } catch (err) {
    return `cannot load ${registry}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export default async function runChunk(task: ChunkTask): Promise<ExploreResult> {
  const data = workerData as WorkerData;
  loaded ??= import(registryUrl(data.registry));
  await loaded;
  const program = getProgram(task.program);
  if (program === undefined) {
    throw new Error(`worker: unknown program '${task.program}'; known: ${programIds().join(', ')}`);
  }
  const stop = data.stop === undefined ? null : new Int32Array(data.stop);
  if (stop === null) return explore(program, task.options);
  const stopped = () => Atomics.load(stop, 0) !== 0;
  const from = task.options.from ?? 0;
  return explore(program, {
    ...task.options,
    // Stopped before it began: an empty piece (no runs, no subtree result).
    ...(stopped() ? { to: from } : {}),
    progressEvery: 8,
    shouldStop: stopped,
  });
}
