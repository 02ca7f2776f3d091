/**
 * A worker pool's own `error` events (src/campaign/pool-errors.ts): a worker's late answer to
 * an aborted task is dropped, anything else is the campaign's failure, and neither is an
 * uncaught exception.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import test from 'node:test';
import { isLateAnswer, onPoolError } from '../../src/campaign/pool-errors.js';

test('pool errors: a late answer is dropped, another error is a failure', () => {
  const pool = new EventEmitter();
  const failures: unknown[] = [];
  onPoolError(pool, (err) => failures.push(err));
  const late = new Error('Unexpected message from Worker: { taskId: 4, result: {} }');
  assert.equal(isLateAnswer(late), true);
  pool.emit('error', late);
  assert.deepEqual(failures, []);
  const other = new Error('worker exited during bootstrap');
  assert.equal(isLateAnswer(other), false);
  pool.emit('error', other);
  assert.deepEqual(failures, [other]);
});
