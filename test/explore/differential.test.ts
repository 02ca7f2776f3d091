/**
 * The anchored strategy of differential replay (src/explore/differential.ts): it follows
 * recorded task names, passes over recorded decisions that are not possible any more, and runs
 * FIFO where the recording has nothing possible.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchoredStrategy, EVENT, namingRecorder } from '../../src/explore/differential.js';
import type { Strategy } from '../../src/kernel/strategy.js';
import type { Task } from '../../src/kernel/task.js';

const task = (name: string) => ({ name }) as unknown as Task;
const host = {
  seed: 1,
  diverged() {},
  nowNs: 0,
  footprintMode: null,
  stateKey: () => -1,
  prune() {},
  takeSpan: () => null,
  objectId: () => -1,
  pendingEvents: 0,
  eventQueueId: () => -1,
};

test('anchored: follows names, skips what is gone, inserts FIFO where nothing recorded is possible', () => {
  const s = anchoredStrategy(['b', 'c', EVENT, 'd'], { timeJumps: true });
  s.start(host);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(task) as [Task, Task, Task, Task];
  assert.equal(s.pick([a, b], false, null), 1, 'b by name, wherever it is in the run queue');
  assert.equal(s.pick([a, d], true, null), 2, 'c is gone: skip it, take the event');
  assert.equal(s.skipped, 1);
  assert.equal(s.pick([a, c], false, null), 0, 'nothing recorded is possible: FIFO');
  assert.equal(s.inserted, 1);
  assert.equal(s.pick([c, d], false, null), 1, 'back in step: d');
  assert.equal(s.pick([c, d], false, null), 0, 'recording used up: FIFO');
  assert.equal(s.after, 1);
  assert.equal(s.followed, 3);
  assert.deepEqual(
    s.divergences.map((x) => [x.decision, x.wanted, x.ran, x.skipped]),
    [
      [1, 'c', EVENT, 1],
      [2, 'd', 'a', 0],
    ],
  );
});

test('namingRecorder records what the inner strategy chose, by name', () => {
  const inner: Strategy = {
    name: 'last',
    timeJumps: true,
    start() {},
    onSpawn() {},
    pick: (runq, ev) => (ev ? runq.length : runq.length - 1),
  };
  const out: string[] = ['stale'];
  const r = namingRecorder(inner, out);
  r.start(host);
  r.pick([task('x'), task('y')], false, null);
  r.pick([task('x')], true, null);
  assert.deepEqual(out, ['y', EVENT]);
});
