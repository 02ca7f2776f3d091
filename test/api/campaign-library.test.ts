/**
 * The campaign engine as a library (issue 11): a program can run a parallel campaign and a
 * sharded one through `src/index.ts` alone, without the command line, and the merged shards
 * equal the whole campaign.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CampaignSummary,
  mergeShards,
  programsModuleUrl,
  runCampaign,
} from '../../src/index.js';

async function summary(o: {
  jobs?: number;
  shard?: { index: number; count: number };
  out?: string;
}) {
  const r = await runCampaign({
    program: 'hang@rwsem',
    registry: programsModuleUrl(),
    strategy: 'random',
    runs: 24,
    seed: 3,
    chunkSize: 6,
    ...o,
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.summary;
}

const essence = (s: CampaignSummary) => ({
  runs: s.runs,
  decisions: s.decisions,
  violatingRuns: s.violatingRuns,
  firstViolationRun: s.firstViolationRun,
  failures: s.result.failures,
});

test('library: runCampaign with 2 worker threads and 2 merged shards equal one thread', async () => {
  const one = await summary({ jobs: 1 });
  const two = await summary({ jobs: 2 });
  assert.equal(two.jobs, 2);
  assert.deepEqual(essence(two), essence(one));
  const d0 = mkdtempSync(join(tmpdir(), 'resetlab-lib-s0-'));
  const d1 = mkdtempSync(join(tmpdir(), 'resetlab-lib-s1-'));
  try {
    await summary({ shard: { index: 0, count: 2 }, out: d0 });
    await summary({ shard: { index: 1, count: 2 }, out: d1 });
    const merged = mergeShards([join(d0, 'summary.json'), join(d1, 'summary.json')]);
    assert.ok(merged.ok, merged.ok ? '' : merged.error.message);
    assert.deepEqual(essence(merged.summary), essence(one));
  } finally {
    rmSync(d0, { recursive: true, force: true });
    rmSync(d1, { recursive: true, force: true });
  }
});
