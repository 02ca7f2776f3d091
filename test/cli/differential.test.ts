/**
 * `resetlab replay <failure> --design <other>` (src/campaign/differential-replay.ts): the
 * Panfrost as_count underflow found on `rwsem` replayed on its own design follows every
 * recorded decision and fails again; on `default` (perfcnt=restore) it survives; on `panthor`
 * (mainline perfcnt handling) it fails too.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, oneJson, tmp } from './helpers.js';

test('differential replay: same design follows the recording; default survives; panthor does not', async () => {
  const out = tmp('resetlab-diff-');
  const e = await cli([
    'explore',
    'perfcnt',
    '--design',
    'rwsem',
    '--runs',
    '2',
    '--jobs',
    '1',
    '--out',
    out,
    '--no-progress',
    '--json',
  ]);
  assert.equal(e.code, 0, e.stderr);
  const file = readdirSync(out).find((f) => f.includes('refcount-underflow'));
  assert.ok(file, 'the underflow was found');
  const path = join(out, file);

  const same = oneJson(await cli(['replay', path, '--design', 'rwsem', '--json'])) as Record<
    string,
    unknown
  >;
  const src = same.source as { reproduced: boolean; decisions: number };
  assert.equal(src.reproduced, true);
  assert.equal(same.followed, src.decisions, 'every recorded decision followed');
  assert.equal(same.skipped, 0);
  assert.equal(same.inserted, 0);
  assert.equal(same.sameInvariant, true);
  assert.equal(same.survives, false);

  const d = await cli(['replay', path, '--design', 'default', '--json']);
  assert.equal(d.code, 0, 'default survives: exit 0');
  const dj = oneJson(d) as { survives: boolean; against: string; followed: number };
  assert.equal(dj.survives, true);
  assert.equal(dj.against, 'perfcnt@default');
  assert.ok(dj.followed > 0, 'the replay followed part of the recording');

  const p = await cli(['replay', path, '--design', 'panthor']);
  assert.equal(p.code, 1, 'panthor does not survive: exit 1');
  assert.match(p.stdout, /panthor does not survive/);
  assert.match(p.stdout, /refcount-underflow/);
  assert.match(p.stdout, /followed \d+ of \d+ recorded decisions/);

  const bad = await cli(['replay', path, '--design', 'rwsemm']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--design.*unknown design 'rwsemm'/);
});
