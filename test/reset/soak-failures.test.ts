/**
 * Every failure the soaks of `default` found (`npm run soak`, docs/designs.md "Soak"), kept as
 * a regression: its faults and seed, and its interleaving as closely as the code now allows
 * (differential replay anchored on task names, src/explore/differential.ts, so that a later
 * change of the model does not silently turn the fixture into a different run), on `default`
 * as it is now. Each must survive: no harm at all, and not the invariant it once broke.
 *
 * The fixtures are the shrunk failure files as the soak wrote them; the fix each one led to is
 * in the commit that added it (`git log test/reset/fixtures/soak`).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { differentialReplay } from '../../src/campaign/differential-replay.js';
import { readFailure } from '../../src/campaign/failure-file.js';
import { getProgram } from '../../src/explore/registry.js';
import '../../src/scenarios/register.js';

const DIR = join(import.meta.dirname, 'fixtures', 'soak');
/** Failures the last soak found that are not fixed yet (none now; git keeps no empty folder): TODO tests until they survive. */
const OPEN_DIR = join(import.meta.dirname, 'fixtures', 'soak-open');

const cases = [
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, path: join(DIR, f), todo: undefined as string | undefined })),
  ...(existsSync(OPEN_DIR) ? readdirSync(OPEN_DIR) : [])
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, path: join(OPEN_DIR, f), todo: 'open: found by the soak, not fixed' })),
];

for (const { name, path, todo } of cases) {
  test(
    `soak failure ${name}: default survives it`,
    todo === undefined ? {} : { todo },
    async () => {
      const read = readFailure(path);
      assert.ok(read.ok, read.ok ? '' : read.error.message);
      const f = read.failure;
      const program = getProgram(f.program);
      assert.ok(program !== undefined, f.program);
      const r = await differentialReplay(program, program, f);
      assert.ok(r.source.decisions > 0, 'the recording was followed');
      assert.equal(r.sameInvariant, false, `${f.invariant} again: ${r.violations[0]?.message}`);
      assert.ok(
        r.survives,
        `harm: ${r.violations.map((v) => `${v.invariant}: ${v.message}`).join('; ')}`,
      );
    },
  );
}
