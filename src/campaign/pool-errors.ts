/**
 * What a worker pool's own `error` events mean for a campaign.
 *
 * Piscina reports on the pool (an EventEmitter, so an `error` with no listener is an uncaught
 * exception that kills the process) what it cannot hand to a task: a worker that failed with no
 * task running, a close that timed out, and a worker's answer to a task the pool no longer
 * knows. The last one is a race, not a failure: a campaign aborts the chunks it no longer needs
 * (stop-after-first, an interrupt), and a chunk that finished just as it was aborted still
 * posts its result (piscina 5: "Unexpected message from Worker"). That result is unwanted and is
 * dropped; everything else is the campaign's failure. Seen as a crash of `campaign.test.ts`'s
 * stop-after-first case under load, about one run in five with two CPU hogs beside it.
 */
import type { EventEmitter } from 'node:events';

const LATE_ANSWER = 'Unexpected message from Worker';

/** Whether `err` is a worker's late answer to an aborted task (see the file comment). */
export function isLateAnswer(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(LATE_ANSWER);
}

/** Listens for the pool's `error` events: late answers are dropped, the rest go to `fail`. */
export function onPoolError(pool: EventEmitter, fail: (err: unknown) => void): void {
  pool.on('error', (err: unknown) => {
    if (!isLateAnswer(err)) fail(err);
  });
}
