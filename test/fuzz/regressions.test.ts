/**
 * Programs the fuzzer found, kept as fixtures (`fixtures/*.json`, replayable files).
 *
 * `fixed-*`: driver bugs found by the fuzzer and fixed (the commit is in the file's message);
 * each program must now run clean. `open-*`: bugs found and reported but not fixed here (they
 * belong to the hardware model, the isolation oracle, runtime PM, the scheduler's unplug or a
 * non-default design); they run as TODO tests, which pass once the bug is fixed.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { replayFuzzProgram } from '../../src/explore/fuzz.js';

const DIR = join(import.meta.dirname, 'fixtures');

const OPEN: Record<string, string> = {
  'open-default-isolation-async-remap':
    'VM_BIND changes PTEs before AS_COMMAND_LOCK and the GPU model does not stall locked regions: a job reads through the stale TLB entry until FLUSH_PT',
  'open-default-isolation-remap': 'the same window, through a synchronous remap of the stream page',
  'open-default-pm-suspend-race':
    'resumeAndGet trusts ACTIVE while a runtime suspend that already saw usage 0 powers the GPU off: unplug then writes JOB_INT_MASK',
  'open-rebind-group-on-slot-leak':
    'a group on a CSG slot at unplug keeps the slot reference for ever (the tick that would unbind it is disabled)',
  'open-rwsem-vm-destroy-leak':
    'VM_DESTROY removes the handle before the gate; a refused gate (EAGAIN) leaves the VM undestroyed and unreachable',
};

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
