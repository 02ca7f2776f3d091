/**
 * `resetlab explore <scenario>`: a campaign on one scenario and design, through the campaign
 * runner (src/campaign/campaign.ts: worker threads, shards, failure files as they are found,
 * SIGINT/SIGTERM summary). This file only turns the command line into campaign options: the
 * scenario argument into a program id (built-in or `file:` id, see programs.ts), and what the
 * campaign is expected to find into `expected`, which decides the exit code.
 *
 * Expectations: `default` without bug switches must violate nothing, so any violation exits 1.
 * A weaker design, or a bug switch, is run to be broken: its violations of docs/design.md §2 are
 * expected (exit 0), but an exception in the model (`model-error`) or a determinism mismatch
 * never is.
 */
import { availableParallelism } from 'node:os';
import { programsModuleUrl } from '../campaign/programs.js';
import type { BugId } from '../driver/bugs.js';
import { type DesignName, designClaimsHarm } from '../driver/config.js';
import type { BranchWindow, DfsBoundKind } from '../explore/dfs.js';
import type { ShardSpec } from '../explore/explore.js';
import { strategyFromName } from '../explore/strategy-factory.js';
import { INVARIANTS } from '../kernel/violations.js';
import { exploreCommand } from './campaign-command.js';
import { resolveScenario } from './scenario-ref.js';

export interface ExploreCliOptions {
  scenario: string;
  design: DesignName;
  bugs: readonly BugId[];
  strategy: string;
  depth?: number;
  /** dfs: what `depth` bounds. */
  bound?: DfsBoundKind;
  /** dfs: the depth bound (decisions explored systematically per run). */
  maxDepth?: number;
  /** dfs: partial-order reduction (dfs.ts `por`). */
  por?: boolean;
  /** dfs: where schedules branch (dfs.ts `branchWindow`); absent: the program's race window. */
  branchWindow?: BranchWindow | null;
  runs: number;
  seed: number;
  /** Worker threads; default: one per core, at most one per 64 runs. */
  jobs?: number;
  shard?: ShardSpec;
  out?: string;
  /** Resume from the journal in `out` (src/campaign/journal.ts). */
  resume?: boolean;
  json: boolean;
  stopAfterFirst: boolean;
  shrink: boolean;
  swarm: boolean;
  pctSteps?: number;
  maxSteps?: number;
  progress: boolean;
  /** dfs: write the certificate here. */
  certificate?: string;
  /** dfs: search nothing; print the tree-size estimate and the predicted time. */
  plan?: boolean;
}

/** Invariants a campaign on this design is expected to violate (null: none). */
export function expectedViolations(design: string, bugs: readonly BugId[]): string[] {
  return designClaimsHarm(design) && bugs.length === 0 ? [] : [...INVARIANTS];
}

export function defaultJobs(runs: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(runs / 64)));
}

/** Runs the campaign and returns the exit code; throws `UsageError` for a bad scenario. */
export async function exploreCli(o: ExploreCliOptions): Promise<number> {
  const ref = resolveScenario(o.scenario);
  // Strategy options are checked here, so that a bad one is a usage error naming the flag
  // before any worker starts.
  strategyFromName(o.strategy, {
    ...(o.depth !== undefined ? { depth: o.depth } : {}),
    ...(o.pctSteps !== undefined ? { steps: o.pctSteps } : {}),
    ...(o.bound !== undefined ? { bound: o.bound } : {}),
    ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o.por !== undefined ? { por: o.por } : {}),
    ...(o.branchWindow !== undefined ? { branchWindow: o.branchWindow } : {}),
  });
  return exploreCommand({
    program: ref.programId(o.design, o.bugs),
    registry: programsModuleUrl(),
    strategy: o.strategy,
    runs: o.runs,
    seed: o.seed,
    jobs: o.jobs ?? defaultJobs(o.runs),
    shrink: o.shrink,
    swarm: o.swarm,
    expected: expectedViolations(o.design, o.bugs),
    progress: o.progress ? 'auto' : false,
    json: o.json,
    ...(o.depth !== undefined ? { depth: o.depth } : {}),
    ...(o.bound !== undefined ? { dfsBound: o.bound } : {}),
    ...(o.maxDepth !== undefined ? { dfsMaxDepth: o.maxDepth } : {}),
    ...(o.por !== undefined ? { dfsPor: o.por } : {}),
    ...(o.branchWindow !== undefined ? { dfsBranchWindow: o.branchWindow } : {}),
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    ...(o.out !== undefined ? { out: o.out } : {}),
    ...(o.resume === true ? { resume: true } : {}),
    ...(o.stopAfterFirst ? { stopAfterFirst: true } : {}),
    ...(o.pctSteps !== undefined ? { pctSteps: o.pctSteps } : {}),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    ...(o.certificate !== undefined ? { certificate: o.certificate } : {}),
    ...(o.plan === true ? { plan: true } : {}),
  });
}
