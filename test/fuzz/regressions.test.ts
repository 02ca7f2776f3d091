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

test('mainline unplug leaves groups on their slots: the rebind fixture leaks on plain `rebind`', async () => {
  // panthor_sched_unplug only disables the scheduler's works: a group on a CSG slot at unplug
  // keeps the slot's reference, so it (and its VM) outlive the file's close. That is what the
  // model reports for the mainline value `unplug=leave`; the fixture runs `unplug=signal`.
  const { readFuzzFile } = await import('../../src/fuzz/fuzz.js');
  const { execProgram } = await import('../../src/fuzz/execute.js');
  const { program } = readFuzzFile(join(DIR, 'fixed-rebind-group-on-slot-leak.json'));
  const r = await execProgram({ ...program, design: 'rebind' });
  assert.ok(
    r.findings.some((f) => f.kind === 'leak' && f.what === 'groups'),
    r.findings.map((f) => f.message).join('; '),
  );
});
