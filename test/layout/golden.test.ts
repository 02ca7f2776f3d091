/**
 * The model's behaviour is pinned by golden trace hashes (see golden-hashes.ts): a refactoring
 * that changes any of them changed behaviour. A deliberate behaviour change regenerates the
 * file in the same commit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { goldenHashes } from './golden-hashes.js';

test('golden trace hashes: every built-in scenario × design, seed 1, fifo and random', async () => {
  const want = JSON.parse(
    readFileSync(new URL('./golden-hashes.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const got = await goldenHashes();
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), 'the same runs');
  const changed = Object.keys(want).filter((k) => got[k] !== want[k]);
  assert.deepEqual(changed, [], `trace hashes changed: ${changed.join(', ')}`);
});
