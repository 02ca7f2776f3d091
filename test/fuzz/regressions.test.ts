/**
 * Programs the fuzzer found, kept as fixtures (`fixtures/*.json`, replayable files).
 *
 * `fixed-*`: driver bugs found by the fuzzer and fixed (the commit is in the file's message);
 * each program must now run clean. `open-*`: bugs found and not fixed yet; they run as TODO
 * tests (listed in OPEN), which pass once the bug is fixed.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { replayFuzzProgram } from '../../src/fuzz/fuzz.js';

const DIR = join(import.meta.dirname, 'fixtures');

/** Open bugs (none at the moment): id -> why, run as TODO tests. */
const OPEN: Record<string, string> = {};

for (const name of readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const id = name.replace(/\.json$/, '');
  const todo = OPEN[id];
  test(`${id} runs clean`, todo === undefined ? {} : { todo }, async () => {
    const r = await replayFuzzProgram(join(DIR, name));
    assert.deepEqual(
      r.result.findings.map((f) => `${f.kind}: ${f.message}`),
      [],
    );
    assert.equal(r.reproduced, false);
  });
}
