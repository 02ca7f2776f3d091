/**
 * Runs a list of tasks (tasks.ts) on `jobs` worker threads, or in this thread when `jobs` is 1,
 * and returns their results in task order, whatever order they finished in. Between tasks in
 * this thread the event loop gets a turn, so that a signal handler can abort; on a pool, an
 * abort cancels the tasks in flight. Either way the tasks finished before the abort keep
 * their results (`null` for the others).
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { workerFile } from './campaign.js';
import { onPoolError } from './pool-errors.js';
import { runTask, type Task, type TaskResult } from './tasks.js';

export interface PoolOptions {
  jobs: number;
  signal?: AbortSignal;
  /** Called as each task finishes (index in the task list). */
  onDone?: (index: number, result: TaskResult) => void;
}

export async function runTasks(
  tasks: readonly Task[],
  o: PoolOptions,
): Promise<(TaskResult | null)[]> {
  const results: (TaskResult | null)[] = tasks.map(() => null);
  if (o.jobs <= 1 || tasks.length <= 1) {
    for (const [i, t] of tasks.entries()) {
      if (o.signal?.aborted) break;
      const r = await runTask(t);
      results[i] = r;
      o.onDone?.(i, r);
      await yieldToEventLoop();
    }
    return results;
  }
  // Every queued task listens on the signal until it settles.
  if (o.signal !== undefined) setMaxListeners(tasks.length + 16, o.signal);
  const { filename, execArgv } = workerFile('tasks');
  const threads = Math.min(o.jobs, tasks.length);
  const pool = new Piscina<Task, TaskResult>({
    filename,
    execArgv,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  let poolFailure: unknown = null;
  onPoolError(pool, (err) => {
    poolFailure ??= err;
  });
  try {
    await Promise.all(
      tasks.map(async (t, i) => {
        try {
          const r = await pool.run(t, o.signal !== undefined ? { signal: o.signal } : {});
          results[i] = r;
          o.onDone?.(i, r);
        } catch (err) {
          if (o.signal?.aborted) return;
          throw err;
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
  if (poolFailure !== null) throw poolFailure;
  return results;
}
