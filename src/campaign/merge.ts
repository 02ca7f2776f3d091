/**
 * `merge`: joins the summaries of the shards of one campaign (`--shard I/N` on N machines)
 * into the summary the whole campaign would have produced on one machine: the same failures
 * (lowest run per invariant), the same totals, the same determinism count. Only the wall-clock
 * figures differ: `elapsedMs` is the slowest shard's, since shards run side by side.
 *
 * Inputs are validated (zod) and checked for belonging together: same program, strategy,
 * depth, seed, run count and shard count, no shard twice. Missing shards are not an error (a
 * CI job may have failed) but are listed in `shards.missing`, and the result says so.
 */
import { readFileSync } from 'node:fs';
import { type ExploreResult, mergeResults } from '../explore/result.js';
import type { CampaignError } from './campaign.js';
import {
  buildSummary,
  type CampaignSummary,
  type SummaryFile,
  summaryFileSchema,
} from './summary.js';

export const MAX_MERGE_FILES = 100_000;
const MAX_SUMMARY_BYTES = 512 * 1024 * 1024;

export type MergeOutcome =
  | { ok: true; summary: CampaignSummary }
  | { ok: false; error: CampaignError };

function readSummary(
  path: string,
): { ok: true; s: SummaryFile } | { ok: false; error: CampaignError } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, error: { field: path, message: `${path}: ${(err as Error).message}` } };
  }
  if (text.length > MAX_SUMMARY_BYTES) {
    return { ok: false, error: { field: path, message: `${path}: file too large` } };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      error: { field: path, message: `${path}: not JSON: ${(err as Error).message}` },
    };
  }
  const r = summaryFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '(file)' : issue.path.join('.');
    return {
      ok: false,
      error: {
        field: `${path}: ${field}`,
        message: `${path}: ${field}: ${issue?.message ?? 'invalid'}`,
      },
    };
  }
  return { ok: true, s: r.data };
}

export function mergeShards(files: readonly string[]): MergeOutcome {
  if (files.length === 0)
    return { ok: false, error: { field: 'files', message: 'merge: no files given' } };
  if (files.length > MAX_MERGE_FILES) {
    return {
      ok: false,
      error: { field: 'files', message: `merge: more than ${MAX_MERGE_FILES} files` },
    };
  }
  const shards: { path: string; s: SummaryFile }[] = [];
  for (const path of files) {
    const r = readSummary(path);
    if (!r.ok) return r;
    shards.push({ path, s: r.s });
  }
  const first = (shards[0] as { s: SummaryFile }).s.result;
  const count = first.shard?.count ?? 1;
  const seen = new Set<number>();
  for (const { path, s } of shards) {
    const r = s.result;
    for (const key of ['program', 'strategy', 'depth', 'seed', 'plannedRuns'] as const) {
      if (r[key] !== first[key]) {
        return {
          ok: false,
          error: {
            field: key,
            message: `${path}: ${key} ${String(r[key])} differs from ${String(first[key])}`,
          },
        };
      }
    }
    // A dfs shard searched a tree; shards of trees cut by different bounds are not one tree.
    const bound = r.dfs?.bound ?? null;
    const firstBound = first.dfs?.bound ?? null;
    if (bound !== firstBound) {
      return {
        ok: false,
        error: {
          field: 'bound',
          message: `${path}: dfs bound ${String(bound)} differs from ${String(firstBound)}`,
        },
      };
    }
    const win = JSON.stringify(r.dfs?.branchWindow ?? null);
    const firstWin = JSON.stringify(first.dfs?.branchWindow ?? null);
    if (win !== firstWin) {
      return {
        ok: false,
        error: {
          field: 'branchWindow',
          message: `${path}: dfs branch window ${win} differs from ${firstWin}`,
        },
      };
    }
    const index = r.shard?.index ?? 0;
    if ((r.shard?.count ?? 1) !== count) {
      return {
        ok: false,
        error: { field: 'shard', message: `${path}: shard count differs from ${count}` },
      };
    }
    if (seen.has(index)) {
      return {
        ok: false,
        error: { field: 'shard', message: `${path}: shard ${index}/${count} given twice` },
      };
    }
    seen.add(index);
  }

  const results = shards.map(({ s }) => s.result as ExploreResult);
  const merged = mergeResults(results);
  merged.shard = null;
  // Each shard ran its own later rounds (campaign.ts `rebudget`): the merged plan counts them all.
  if (merged.dfs?.plan) {
    const plans = results.map((r) => r.dfs?.plan).filter((p) => p !== null && p !== undefined);
    merged.dfs.plan = {
      ...merged.dfs.plan,
      reruns: plans.reduce((n, p) => n + (p.reruns ?? 0), 0),
      rerunRuns: plans.reduce((n, p) => n + (p.rerunRuns ?? 0), 0),
    };
  }
  // Each kept failure's file is the one its shard wrote.
  const files_ = new Map<string, string>();
  for (const f of merged.failures) {
    for (const { s } of shards) {
      if (!s.result.failures.some((g) => g.run === f.run && g.invariant === f.invariant)) continue;
      const file = s.violations.find((v) => v.invariant === f.invariant)?.file;
      if (file) files_.set(f.invariant, file);
    }
  }
  const present = [...seen].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!seen.has(i)) missing.push(i);
  const interrupted = shards.filter(({ s }) => s.interrupted);
  const summary = buildSummary(merged, {
    jobs: Math.max(...shards.map(({ s }) => s.jobs)),
    elapsedMs: Math.max(...shards.map(({ s }) => s.elapsedMs)),
    interrupted: interrupted.length > 0,
    signal: interrupted[0]?.s.signal ?? null,
    failuresDir: null,
    expected: shards[0]?.s.expected ?? null,
    files: files_,
  });
  summary.shards = { count, present, missing };
  return { ok: true, summary };
}
