/**
 * The campaign runner: jobs 1 and jobs 2 give the same result and the same failure files;
 * sharded campaigns merged from their summary files equal the unsharded one; a bad program id
 * is a value naming the field; and SIGINT in a real child process leaves the failures found so
 * far and a summary, with exit code 130.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CampaignOptions, parseShard, runCampaign } from '../../src/campaign/campaign.js';
import { readFailure } from '../../src/campaign/failure-file.js';
import { mergeShards } from '../../src/campaign/merge.js';
import type { CampaignSummary } from '../../src/campaign/summary.js';

const REGISTRY = fileURLToPath(
  new URL('../explore/fixtures/register-programs.ts', import.meta.url),
);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'resetlab-campaign-'));
}

/** What must not depend on jobs, chunking or sharding. */
function essence(s: CampaignSummary) {
  return {
    runs: s.runs,
    decisions: s.decisions,
    steps: s.steps,
    violatingRuns: s.violatingRuns,
    firstViolationRun: s.firstViolationRun,
    failures: s.result.failures,
    violations: s.violations.map(({ file: _f, replay: _r, ...v }) => v),
    determinism: s.determinism,
  };
}

async function campaign(o: Partial<CampaignOptions> & { out?: string }): Promise<CampaignSummary> {
  const r = await runCampaign({
    program: 'flaky@test',
    registry: REGISTRY,
    strategy: 'random',
    runs: 3000,
    seed: 7,
    chunkSize: 250,
    ...o,
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.summary;
}

test('jobs 2 gives the same result and files as jobs 1', async () => {
  for (const program of ['flaky@test', 'noisy@test']) {
    const d1 = tmp();
    const d2 = tmp();
    try {
      const one = await campaign({ program, strategy: 'pct', jobs: 1, out: d1 });
      const two = await campaign({ program, strategy: 'pct', jobs: 2, out: d2 });
      assert.ok(one.violations.length > 0, `${program}: something found`);
      assert.equal(two.jobs, 2);
      assert.deepEqual(essence(two), essence(one));
      assert.deepEqual(readdirSync(d2).sort(), readdirSync(d1).sort());
      for (const v of two.violations) assert.ok(v.file !== null && existsSync(v.file));
    } finally {
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  }
});

test('jobs 2 with stopAfterFirst stops at the same run as jobs 1', async () => {
  const one = await campaign({
    program: 'noisy@test',
    strategy: 'pct',
    jobs: 1,
    stopAfterFirst: true,
    chunkSize: 20,
  });
  const two = await campaign({
    program: 'noisy@test',
    strategy: 'pct',
    jobs: 2,
    stopAfterFirst: true,
    chunkSize: 20,
  });
  assert.ok(one.firstViolationRun !== null);
  // Run numbers are 1-based: stopping after run N made N runs.
  assert.equal(one.runs, one.firstViolationRun);
  assert.deepEqual(essence(two), essence(one));
});

test('shards 0/2 and 1/2 merged from their summary files equal the unsharded campaign', async () => {
  const dirs = [tmp(), tmp(), tmp()];
  try {
    const all = await campaign({ out: dirs[2] as string });
    for (const index of [0, 1]) {
      const s = await campaign({ shard: { index, count: 2 }, out: dirs[index] as string });
      assert.equal(s.runs, 1500);
    }
    const merged = mergeShards(dirs.slice(0, 2).map((d) => join(d, 'summary.json')));
    assert.ok(merged.ok, merged.ok ? '' : merged.error.message);
    assert.deepEqual(essence(merged.summary), essence(all));
    assert.deepEqual(merged.summary.shards, { count: 2, present: [0, 1], missing: [] });
    // Each merged violation points at the file its shard wrote, and that file replays.
    for (const v of merged.summary.violations) {
      assert.ok(v.file !== null);
      const f = readFailure(v.file);
      assert.ok(f.ok);
      assert.equal(f.failure.run, v.run);
    }
    // A missing shard is reported; a shard given twice and a foreign file are errors.
    const partial = mergeShards([join(dirs[0] as string, 'summary.json')]);
    assert.ok(partial.ok && partial.summary.shards?.missing.join() === '1');
    const twice = mergeShards([
      join(dirs[0] as string, 'summary.json'),
      join(dirs[0] as string, 'summary.json'),
    ]);
    assert.ok(!twice.ok && /given twice/.test(twice.error.message));
    const foreign = mergeShards([
      join(dirs[0] as string, 'summary.json'),
      join(dirs[2] as string, 'summary.json'),
    ]);
    assert.ok(!foreign.ok);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('bad input is a value naming the field', async () => {
  const r = await runCampaign({
    program: 'nope@test',
    registry: REGISTRY,
    strategy: 'random',
    runs: 1,
    seed: 1,
  });
  assert.ok(!r.ok);
  assert.equal(r.error.field, 'program');
  assert.ok(r.error.known?.includes('flaky@test'));
  const s = await runCampaign({
    program: 'flaky@test',
    registry: REGISTRY,
    strategy: 'bfs',
    runs: 1,
    seed: 1,
  });
  assert.ok(!s.ok && s.error.field === 'strategy' && /allowed/.test(s.error.message));
  const j = await runCampaign({
    program: 'flaky@test',
    registry: REGISTRY,
    strategy: 'pct',
    runs: 1,
    seed: 1,
    jobs: 0,
  });
  assert.ok(!j.ok && j.error.field === 'jobs');
  assert.deepEqual(parseShard('1/4'), { ok: true, shard: { index: 1, count: 4 } });
  assert.equal(parseShard('4/4').ok, false);
  assert.equal(parseShard('x').ok, false);
});

test('SIGINT in a child process writes the failures found so far and a summary, exit 130', async () => {
  const out = tmp();
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/campaign-main.ts',
        'explore',
        'flaky@test',
        '--registry',
        REGISTRY,
        '--strategy',
        'random',
        '--runs',
        '1000000000',
        '--out',
        out,
        '--no-progress',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Wait until the campaign has written a failure file: it is running and has found something.
    const deadline = Date.now() + 30_000;
    while (!readdirSync(out).some((f) => f.endsWith('.run0.json') || /\.run\d+\.json$/.test(f))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        assert.fail(`no failure file appeared; stderr: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, `stderr: ${stderr}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CampaignSummary;
    assert.equal(summary.interrupted, true);
    assert.equal(summary.signal, 'SIGINT');
    assert.ok(summary.runs > 0 && summary.runs < summary.plannedRuns);
    assert.ok(summary.violations.length > 0);
    for (const v of summary.violations) {
      assert.ok(v.file !== null);
      assert.ok(readFailure(v.file).ok, v.file);
    }
    assert.match(stdout, /interrupted by SIGINT/);
    assert.match(stderr, /SIGINT: stopping/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
