/**
 * A standalone entry point for campaigns, with the same options as `resetlab explore`, `merge`
 * and `replay`, plus `--registry` (the module that registers the programs). It exists so that
 * campaigns over any registered programs (test fixtures included) can be run and interrupted
 * as a real process, independently of the main command line, which calls the same
 * functions from campaign-command.ts.
 *
 *   tsx src/cli/campaign-main.ts explore flaky@test --registry test/explore/fixtures/register-programs.ts --runs 1000 --out out
 *   tsx src/cli/campaign-main.ts merge out0/summary.json out1/summary.json --json
 *   tsx src/cli/campaign-main.ts replay out/flaky@test.reset-dedup.run0.json --registry ...
 */
import { Command } from 'commander';
import { parseShard } from '../campaign/campaign.js';
import type { BranchWindow, DfsBoundKind } from '../explore/dfs.js';
import { boundOption, branchWindowFlag, branchWindowOption, intArg, seedArg } from './args.js';
import { exploreCommand, mergeCommand, replayCommand } from './campaign-command.js';

interface ExploreFlags {
  registry: string;
  strategy: string;
  depth?: number;
  bound?: DfsBoundKind;
  maxDepth?: number;
  branchWindow?: BranchWindow | 'race' | 'whole';
  por?: boolean;
  runs: number;
  seed: number;
  jobs: number;
  shard?: string;
  out?: string;
  resume?: boolean;
  json?: boolean;
  stopAfterFirst?: boolean;
  shrink: boolean;
  swarm: boolean;
  pctSteps?: number;
  maxSteps?: number;
  chunkSize?: number;
  progress: boolean;
  certificate?: string;
  splitTarget?: number;
}

const cli = new Command();
cli.name('resetlab-campaign').description('Run, merge and replay explorer campaigns.');
cli.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

cli
  .command('explore <program>')
  .requiredOption('--registry <module>', 'module that registers programs')
  .option('--strategy <name>', 'random | pct | dfs | portfolio | fifo', 'pct')
  .option('--depth <n>', 'pct: bug depth; dfs: preemption bound', intArg('--depth', 0, 16))
  .addOption(boundOption())
  .option(
    '--max-depth <n>',
    'dfs: decisions explored systematically per run',
    intArg('--max-depth', 1, 1_000_000),
  )
  .option('--por', 'dfs: reduction (merge equivalent states, sleep sets, skip symmetric workers)')
  .addOption(branchWindowOption())
  .option('--runs <n>', 'runs in the campaign', intArg('--runs', 0, 1_000_000_000), 1000)
  .option('--seed <n>', 'campaign seed', seedArg(), 1)
  .option('--jobs <n>', 'worker threads', intArg('--jobs', 1, 256), 1)
  .option('--shard <I/N>', 'run only indices i with i mod N == I')
  .option('--out <dir>', 'directory for failure files, summary.json and the journal')
  .option('--resume', 'with --out: do not run again the chunks the journal says were finished')
  .option('--json', 'print one JSON object')
  .option('--stop-after-first', 'stop at the first violating run')
  .option('--no-shrink', 'do not shrink failures')
  .option('--no-swarm', 'no per-run fault draws')
  .option('--pct-steps <n>', 'pct: k (contested decisions per run)', intArg('--pct-steps', 1))
  .option('--max-steps <n>', 'step limit per run', intArg('--max-steps', 1))
  .option('--chunk-size <n>', 'run indices per chunk', intArg('--chunk-size', 1))
  .option('--certificate <file>', 'dfs: write the certificate as JSON')
  .option('--split-target <n>', 'dfs: subtrees to split the tree into', intArg('--split-target', 1))
  .option('--no-progress', 'no progress bar')
  .action(async (program: string, f: ExploreFlags) => {
    let shard: { index: number; count: number } | undefined;
    if (f.shard !== undefined) {
      const r = parseShard(f.shard);
      if (!r.ok) {
        process.stderr.write(`${r.message}\n`);
        process.exit(2);
      }
      shard = r.shard;
    }
    const win = branchWindowFlag(f.branchWindow);
    const code = await exploreCommand({
      program,
      registry: f.registry,
      strategy: f.strategy,
      runs: f.runs,
      seed: f.seed,
      jobs: f.jobs,
      shrink: f.shrink,
      swarm: f.swarm,
      progress: f.progress ? 'auto' : false,
      ...(f.depth !== undefined ? { depth: f.depth } : {}),
      ...(f.bound !== undefined ? { dfsBound: f.bound } : {}),
      ...(f.maxDepth !== undefined ? { dfsMaxDepth: f.maxDepth } : {}),
      ...(f.por === true ? { dfsPor: true } : {}),
      ...(win !== undefined ? { dfsBranchWindow: win } : {}),
      ...(shard !== undefined ? { shard } : {}),
      ...(f.out !== undefined ? { out: f.out } : {}),
      ...(f.resume === true ? { resume: true } : {}),
      ...(f.json ? { json: true } : {}),
      ...(f.stopAfterFirst ? { stopAfterFirst: true } : {}),
      ...(f.pctSteps !== undefined ? { pctSteps: f.pctSteps } : {}),
      ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
      ...(f.chunkSize !== undefined ? { chunkSize: f.chunkSize } : {}),
      ...(f.certificate !== undefined ? { certificate: f.certificate } : {}),
      ...(f.splitTarget !== undefined ? { splitTarget: f.splitTarget } : {}),
    });
    process.exit(code);
  });

cli
  .command('merge <files...>')
  .option('--json', 'print one JSON object')
  .option('--out <dir>', 'write the merged summary.json here')
  .option('--certificate <file>', 'dfs shards: write the merged certificate as JSON')
  .action(async (files: string[], f: { json?: boolean; out?: string; certificate?: string }) => {
    process.exit(
      await mergeCommand(files, {
        ...(f.json ? { json: true } : {}),
        ...(f.out ? { out: f.out } : {}),
        ...(f.certificate ? { certificate: f.certificate } : {}),
      }),
    );
  });

cli
  .command('replay <file>')
  .requiredOption('--registry <module>', 'module that registers programs')
  .option('--trace <file>', 'write the replayed trace')
  .option('--original', 'replay the original input, not the shrunk one')
  .option('--json', 'print one JSON object')
  .action(
    async (
      file: string,
      f: { registry: string; trace?: string; original?: boolean; json?: boolean },
    ) => {
      process.exit(
        await replayCommand(file, {
          registry: f.registry,
          ...(f.trace !== undefined ? { trace: f.trace } : {}),
          ...(f.original ? { original: true } : {}),
          ...(f.json ? { json: true } : {}),
        }),
      );
    },
  );

cli.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
