import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeSchedule, encodeSchedule, ScheduleSyntaxError } from '../../src/kernel/schedule.js';

test('schedule: encode/decode round-trips any choice list', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat(3), fc.nat(80)), { maxLength: 300 }), (xs) => {
      assert.deepEqual(decodeSchedule(encodeSchedule(xs)), xs);
    }),
    { seed: 1, numRuns: 300 },
  );
});

test('schedule: runs of the same choice are compact', () => {
  assert.equal(encodeSchedule([0, 0, 0, 0, 1, 0, 0, 60]), 'a4ba2(60)');
  assert.equal(encodeSchedule([]), '');
});

test('schedule: malformed strings are rejected with the offset', () => {
  assert.throws(() => decodeSchedule('a3!'), ScheduleSyntaxError);
  assert.throws(() => decodeSchedule('(12'), /unclosed/);
  assert.throws(() => decodeSchedule('a1'), /repeat count/);
});
