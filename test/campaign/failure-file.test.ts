/**
 * Failure files: written as JSON, read back to the same failure, replayed to the same
 * invariant and hash; a malformed file gives an error that names the bad field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import {
  failureFileName,
  readFailure,
  replayFailure,
  writeFailure,
} from '../../src/campaign/failure-file.js';
import { explore } from '../../src/explore/explore.js';
import type { Failure } from '../../src/explore/failure.js';
import { noisyProgram } from '../explore/programs.js';

async function aFailure(): Promise<Failure> {
  const r = await explore(noisyProgram(), {
    strategy: 'pct',
    runs: 2000,
    seed: 1,
    pctSteps: 60,
    stopAfterFirst: true,
  });
  const f = r.failures[0];
  assert.ok(f !== undefined);
  return f;
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-ff-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a failure file round-trips and carries a replay command', () =>
  withDir(async (dir) => {
    const f = await aFailure();
    const path = writeFailure(dir, f);
    assert.equal(path, join(dir, failureFileName(f)));
    assert.match(path, /noisy@test\.hw-access-during-reset\.run\d+\.json$/);
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(raw.replay, `resetlab replay ${path}`);
    assert.equal(raw.version, 1);
    assert.equal(raw.shrunkSchedule, f.shrunk?.schedule);
    const back = readFailure(path);
    assert.ok(back.ok, back.ok ? '' : back.error.message);
    assert.deepEqual(back.failure, f);
  }));

test('a read failure replays to the same invariant and trace hash (shrunk and original)', () =>
  withDir(async (dir) => {
    const f = await aFailure();
    const back = readFailure(writeFailure(dir, f));
    assert.ok(back.ok);
    for (const which of ['shrunk', 'original'] as const) {
      const r = await replayFailure(noisyProgram(), back.failure, { which, trace: true });
      assert.equal(r.invariantMatches, true, which);
      assert.equal(r.traceHashMatches, true, which);
      assert.equal(r.divergence, null);
      assert.ok((r.report.trace?.length ?? 0) > 0, 'trace events stored');
    }
  }));

test('replaying against a changed program reports the mismatch', () =>
  withDir(async (dir) => {
    const f = await aFailure();
    const back = readFailure(writeFailure(dir, f));
    assert.ok(back.ok);
    const r = await replayFailure(
      noisyProgram(),
      { ...back.failure, seed: back.failure.seed },
      {
        which: 'original',
      },
    );
    assert.equal(r.traceHashMatches, true);
    const tampered = await replayFailure(
      noisyProgram(),
      { ...back.failure, faults: [] },
      { which: 'original' },
    );
    assert.equal(tampered.invariantMatches, false, 'without the trigger fault there is no bug');
  }));

test('a malformed failure file gives an error naming the field', () =>
  withDir(async (dir) => {
    const f = await aFailure();
    const path = writeFailure(dir, f);
    const good = JSON.parse(readFileSync(path, 'utf8'));
    const cases: Array<[string, (o: Record<string, unknown>) => void, string]> = [
      [
        'bad rate',
        (o) =>
          ((o.faults as Array<Record<string, unknown>>)[0] = {
            name: 'x',
            atNs: 0,
            count: 1,
            rate: 2,
          }),
        'faults.0.rate',
      ],
      ['missing seed', (o) => delete o.seed, 'seed'],
      ['bad schedule', (o) => (o.schedule = 'ab!c'), 'schedule'],
      ['bad invariant', (o) => (o.invariant = 'made-up'), 'invariant'],
      ['bad hash', (o) => (o.traceHash = 'xyz'), 'traceHash'],
      ['newer version', (o) => (o.version = 2), 'version'],
    ];
    for (const [what, edit, field] of cases) {
      const o = structuredClone(good);
      if (what === 'bad rate' && (o.faults as unknown[]).length === 0) o.faults = [{}];
      edit(o);
      writeFileSync(path, JSON.stringify(o));
      const r = readFailure(path);
      assert.equal(r.ok, false, what);
      if (!r.ok) {
        assert.equal(r.error.field, field, what);
        assert.match(r.error.message, new RegExp(field.replace(/\./g, '\\.')), what);
      }
    }
    writeFileSync(path, '{"version": 1,');
    const notJson = readFailure(path);
    assert.ok(!notJson.ok && notJson.error.field === '(json)');
    const missing = readFailure(join(dir, 'nope.json'));
    assert.ok(!missing.ok && missing.error.field === '(file)');
  }));
