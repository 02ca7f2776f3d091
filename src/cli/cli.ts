/**
 * The `resetlab` command line (docs/design.md §4), as a function from arguments to an exit code, so
 * that tests run it in-process and main.ts only calls it.
 *
 * Conventions: `--json` prints exactly one JSON object on stdout and nothing else (a usage
 * error under `--json` prints `{error: {field, message}}`, and the message on stderr);
 * progress and notes go to stderr, and colour only to a terminal. Exit codes: 0 success, 1
 * violations where none were expected, 2 bad usage or bad input with a message naming the
 * flag, argument, file or field; 130/143 after SIGINT/SIGTERM, with what was found written.
 *
 * Every flag is validated where it is parsed (commander choices and strict integer parsers
 * in args.ts); what can only be checked later (a scenario argument, a shard, a file) is a
 * `UsageError`. An exception that is neither is a bug in resetlab and is not turned into
 * exit code 2: it propagates with its stack.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseShard } from '../campaign/campaign.js';
import { BUG_IDS, type BugId } from '../driver/bugs.js';
import { DESIGN_NAMES, type DesignName } from '../driver/config.js';
import { FACTOR_NAMES } from '../driver/reset/factors.js';
import { MAX_DFS_DEPTH } from '../explore/dfs.js';
import { StrategyOptionsError } from '../explore/strategy-factory.js';
import { builtinScenarioNames, knownScenarioNames } from '../scenarios/builtin.js';
import { litmusNames } from '../scenarios/litmus.js';
import { ablateCli } from './ablate-cli.js';
import {
  boundOption,
  branchWindowFlag,
  branchWindowOption,
  bugOption,
  depthArg,
  designListArg,
  designOption,
  intArg,
  jobsArg,
  listArg,
  loadDesignRefs,
  parseDesignRef,
  runsArg,
  seedArg,
  strategyOption,
  UsageError,
} from './args.js';
import { mergeCommand } from './campaign-command.js';
import { compareCli } from './compare-cli.js';
import { DEMO_RUNS, DEMO_SHRINK_BUDGET, demo } from './demo.js';
import { designsCli } from './designs-cli.js';
import { exhaustiveCli } from './exhaustive-cli.js';
import { explainCli } from './explain-cli.js';
import { exploreCli } from './explore-cli.js';
import { invariantsCli } from './invariants-cli.js';
import { litmusCli } from './litmus-cli.js';
import { benchCli, fuzzCli } from './optional-modules.js';
import { io, printText, usageError } from './output.js';
import { checkOutputDir, checkOutputFile } from './output-path.js';
import { regressCli } from './regress-cli.js';
import { replayCli } from './replay-cli.js';
import { runCommand } from './run.js';
import { programArgument } from './scenario-ref.js';
import { scenariosCli } from './scenarios-cli.js';

export const VERSION = '0.1.0';

function cores(): number {
  return Math.max(1, availableParallelism());
}

/** compare --exhaustive: the schedule budget of a cell when --max-schedules is not given. */
const EXHAUSTIVE_MAX_SCHEDULES = 2000;
const COMPARE_SCENARIOS = builtinScenarioNames().filter((s) => s !== 'mixed');

function build(setCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('resetlab')
    .description(
      'Explore GPU reset-and-recovery designs on a deterministic model of the Linux DRM stack.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    // Design files are validated before any work (a module loads asynchronously).
    .hook('preAction', async (_p, action) => {
      await loadDesignRefs(action.opts());
    });

  program
    .command('demo')
    .description(
      'Run the built-in demonstration: every design on every scenario for about a minute, ' +
        'then the comparison table, a Perfetto trace of a failing run and the HTML report (also `npm start`).',
    )
    .option('--out <dir>', 'output directory', 'resetlab-out')
    .option('--runs <n>', 'explored runs per design × scenario', runsArg(), DEMO_RUNS)
    .option('--seed <n>', 'campaign seed', seedArg(), 1)
    .option('--jobs <n>', 'worker threads (default: one per core)', jobsArg())
    .option(
      '--shrink-budget <n>',
      'runs spent shrinking each failure shown',
      intArg('--shrink-budget', 0, 100_000),
      DEMO_SHRINK_BUDGET,
    )
    .option(
      '--designs <list>',
      'comma-separated designs (default: all)',
      designListArg('--designs'),
    )
    .option(
      '--scenarios <list>',
      'comma-separated scenarios (default: all but mixed)',
      listArg('--scenarios', knownScenarioNames()),
    )
    .option('--json', 'print the comparison as one JSON object')
    .option('--no-progress', 'no progress bar')
    .action(async (f) => {
      checkOutputDir('--out', f.out);
      setCode(
        await demo({
          out: f.out,
          ...(f.designs !== undefined ? { designs: f.designs as DesignName[] } : {}),
          ...(f.scenarios !== undefined ? { scenarios: f.scenarios } : {}),
          runs: f.runs,
          seed: f.seed,
          jobs: f.jobs ?? cores(),
          shrinkBudget: f.shrinkBudget,
          json: f.json === true,
          progress: f.progress,
        }),
      );
    });

  program
    .command('scenarios')
    .description('List the built-in scenarios, or print the JSON schema of scenario files.')
    .option('--schema', 'print the JSON schema of scenario files')
    .option('--json', 'print the built-in scenarios as JSON')
    .action((f) => {
      setCode(scenariosCli({ schema: f.schema === true, json: f.json === true }));
    });

  program
    .command('designs')
    .description(
      'List the designs (presets), their factors, the fidelity deltas they use and the kernel code they follow.',
    )
    .option('--json', 'print one JSON object')
    .action((f) => {
      setCode(designsCli({ json: f.json === true }));
    });

  program
    .command('litmus')
    .description(
      'List the litmus scenarios: one small race per question of the reset-design threads, with the question each answers.',
    )
    .option('--json', 'print one JSON object')
    .action((f) => {
      setCode(litmusCli({ json: f.json === true }));
    });

  program
    .command('invariants')
    .description(
      "List the invariants: harms (checked on every design) and rules (a design's own claims, checked only where claimed).",
    )
    .option('--json', 'print one JSON object')
    .action((f) => {
      setCode(invariantsCli({ json: f.json === true }));
    });

  program
    .command('run')
    .description('Run one scenario once on one design (FIFO scheduling unless --strategy).')
    .argument('<scenario>', 'a built-in scenario name or a path to a YAML scenario file')
    .addOption(designOption())
    .option('--seed <n>', 'run seed', seedArg(), 1)
    .addOption(strategyOption('fifo'))
    .option('--depth <n>', 'pct: bug depth; dfs: preemption bound', depthArg())
    .addOption(bugOption())
    .option('--trace <file>', 'write the Chrome trace (Perfetto) of the run')
    .option('--json', 'print one JSON object')
    .action(async (arg: string, f, cmd: Command) => {
      if (f.trace !== undefined) checkOutputFile('--trace', f.trace);
      const p = programArgument(
        arg,
        f.design,
        cmd.getOptionValueSource('design') === 'cli',
        (f.bug ?? []) as BugId[],
      );
      setCode(
        await runCommand({
          scenario: p.scenario,
          design: p.design as DesignName,
          seed: f.seed,
          strategy: f.strategy,
          bugs: p.bugs,
          json: f.json === true,
          ...(f.depth !== undefined ? { depth: f.depth } : {}),
          ...(f.trace !== undefined ? { trace: f.trace } : {}),
        }),
      );
    });

  program
    .command('explore')
    .description(
      'Explore one scenario on one design: many runs with different interleavings and faults; ' +
        'failures are shrunk and written as replayable files.',
    )
    .argument('<scenario>', 'a built-in scenario name or a path to a YAML scenario file')
    .addOption(designOption())
    .addOption(bugOption())
    .addOption(strategyOption('pct'))
    .option(
      '--depth <n>',
      'pct: bug depth (default 3); dfs: preemption bound (default 2), or delay bound with --bound delay',
      depthArg(),
    )
    .addOption(boundOption())
    .option(
      '--max-depth <n>',
      'dfs: decisions explored systematically per run (default 10000; later ones take the default, and the certificate says truncated if that cut an alternative off)',
      intArg('--max-depth', 1, MAX_DFS_DEPTH),
    )
    .addOption(branchWindowOption())
    .option(
      '--por',
      'dfs: reduction: a state reached again by an equivalent schedule is searched once, a task whose step commutes with the one taken instead is not tried again below it (sleep sets, preemption bounds), and a choice that only renames fresh pool workers is not tried (docs/explorer.md §11, §12)',
    )
    .option('--runs <n>', 'runs in the campaign', runsArg(), 500)
    .option('--seed <n>', 'campaign seed', seedArg(), 1)
    .option(
      '--jobs <n>',
      'worker threads (default: one per core, at most one per 64 runs)',
      jobsArg(),
    )
    .option(
      '--shard <I/N>',
      'run only run indices i with i mod N == I (merge the shards with `merge`)',
    )
    .option(
      '--out <dir>',
      'write failure files, summary.json and the journal of finished chunks here',
    )
    .option(
      '--resume',
      'with --out: do not run again the chunks (dfs subtrees, run ranges) the journal in --out says an interrupted session of the same campaign finished',
    )
    .option('--json', 'print one JSON object')
    .option('--stop-after-first', 'stop at the first violating run')
    .option('--no-shrink', 'do not shrink failures')
    .option('--no-swarm', "use the scenario's own faults in every run instead of swarm draws")
    .option('--pct-steps <n>', 'pct: k, the contested decisions per run', intArg('--pct-steps', 1))
    .option('--max-steps <n>', 'step limit per run', intArg('--max-steps', 1))
    .option(
      '--certificate <file>',
      'dfs: write the certificate of the search (bounds, schedules, verdict) as JSON',
    )
    .option(
      '--plan',
      'dfs: search nothing; print the estimated tree size within the bounds and the time the search would take on --jobs threads (docs/explorer.md §10)',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (arg: string, f, cmd: Command) => {
      const p = programArgument(
        arg,
        f.design,
        cmd.getOptionValueSource('design') === 'cli',
        (f.bug ?? []) as BugId[],
      );
      if (f.plan === true && f.strategy !== 'dfs') {
        throw new UsageError('--plan', '--plan needs --strategy dfs (a plan estimates a dfs tree)');
      }
      if (
        f.plan === true &&
        (f.out !== undefined || f.resume === true || f.certificate !== undefined)
      ) {
        throw new UsageError(
          '--plan',
          '--plan searches nothing: it writes no --out or --certificate and has nothing to --resume',
        );
      }
      if (f.plan === true && f.shard !== undefined) {
        throw new UsageError(
          '--plan',
          '--plan estimates the whole tree, every shard of it: give it without --shard',
        );
      }
      if (f.out !== undefined) checkOutputDir('--out', f.out);
      if (f.resume === true && f.out === undefined) {
        throw new UsageError('--resume', '--resume needs --out DIR (the journal is in DIR)');
      }
      if (f.bound !== undefined && f.strategy !== 'dfs') {
        throw new UsageError('--bound', '--bound needs --strategy dfs');
      }
      if (f.maxDepth !== undefined && f.strategy !== 'dfs') {
        throw new UsageError('--max-depth', '--max-depth needs --strategy dfs');
      }
      if (f.por === true && f.strategy !== 'dfs') {
        throw new UsageError('--por', '--por needs --strategy dfs');
      }
      if (f.branchWindow !== undefined && f.strategy !== 'dfs') {
        throw new UsageError('--branch-window', '--branch-window needs --strategy dfs');
      }
      if (f.certificate !== undefined) {
        if (f.strategy !== 'dfs') {
          throw new UsageError(
            '--certificate',
            '--certificate needs --strategy dfs (only an exhaustive search has a certificate)',
          );
        }
        checkOutputFile('--certificate', f.certificate);
      }
      let shard: { index: number; count: number } | undefined;
      if (f.shard !== undefined) {
        const r = parseShard(f.shard);
        if (!r.ok) throw new UsageError('--shard', r.message);
        shard = r.shard;
      }
      const win = branchWindowFlag(f.branchWindow);
      setCode(
        await exploreCli({
          scenario: p.scenario,
          design: p.design as DesignName,
          bugs: p.bugs,
          strategy: f.strategy,
          runs: f.runs,
          seed: f.seed,
          json: f.json === true,
          stopAfterFirst: f.stopAfterFirst === true,
          shrink: f.shrink,
          swarm: f.swarm,
          progress: f.progress,
          ...(f.jobs !== undefined ? { jobs: f.jobs } : {}),
          ...(f.depth !== undefined ? { depth: f.depth } : {}),
          ...(f.bound !== undefined ? { bound: f.bound } : {}),
          ...(f.maxDepth !== undefined ? { maxDepth: f.maxDepth } : {}),
          ...(f.por === true ? { por: true } : {}),
          ...(win !== undefined ? { branchWindow: win } : {}),
          ...(shard !== undefined ? { shard } : {}),
          ...(f.out !== undefined ? { out: f.out } : {}),
          ...(f.resume === true ? { resume: true } : {}),
          ...(f.pctSteps !== undefined ? { pctSteps: f.pctSteps } : {}),
          ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
          ...(f.certificate !== undefined ? { certificate: f.certificate } : {}),
          ...(f.plan === true ? { plan: true } : {}),
        }),
      );
    });

  program
    .command('replay')
    .description(
      'Replay a failure file: the same invariant and trace hash must come back (exit 1 if not).',
    )
    .argument('<failure.json>', 'a failure file written by explore, compare, demo or regress')
    .option('--trace <file>', 'write the Chrome trace (Perfetto) of the replayed run')
    .option('--original', 'replay the original input rather than the shrunk one')
    .option(
      '--design <design>',
      'differential replay: the same faults and, as far as it goes, the same interleaving on another design (exit 0 if it survives)',
      (v: string) => parseDesignRef('--design', v),
    )
    .option('--json', 'print one JSON object')
    .action(async (file: string, f) => {
      if (f.trace !== undefined) checkOutputFile('--trace', f.trace);
      setCode(
        await replayCli(file, {
          json: f.json === true,
          original: f.original === true,
          ...(f.design !== undefined ? { design: f.design } : {}),
          ...(f.trace !== undefined ? { trace: f.trace } : {}),
        }),
      );
    });

  program
    .command('ablate')
    .description(
      'Switch each factor of a design to each other value in turn and report which harm invariants break (first failing run).',
    )
    .argument('<design>', 'a preset, a composition or a design file')
    .option('--runs <n>', 'explored runs per variant × scenario', runsArg(), 100)
    .option('--seed <n>', 'campaign seed', seedArg(), 1)
    .addOption(strategyOption('portfolio'))
    .option('--jobs <n>', 'worker threads (default: one per core)', jobsArg())
    .option(
      '--scenarios <list>',
      'comma-separated scenarios (default: all but mixed)',
      listArg('--scenarios', knownScenarioNames()),
    )
    .option(
      '--factors <list>',
      'only these factors (default: every factor)',
      listArg('--factors', FACTOR_NAMES),
    )
    .option('--out <file>', 'also write the JSON to this file')
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress bar')
    .action(async (design: string, f) => {
      if (f.strategy === 'dfs')
        throw new UsageError('--strategy', 'ablate explores with random, pct, portfolio or fifo');
      let ref: string;
      try {
        ref = parseDesignRef('<design>', design);
        await loadDesignRefs({ design: ref });
      } catch (e) {
        if (e instanceof InvalidArgumentError) throw new UsageError('<design>', e.message);
        if (e instanceof UsageError)
          throw new UsageError('<design>', e.message.replace(/^--design: /, '<design>: '));
        throw e;
      }
      setCode(
        await ablateCli({
          design: ref,
          ...(f.factors !== undefined ? { factors: f.factors } : {}),
          scenarios: f.scenarios ?? COMPARE_SCENARIOS,
          runs: f.runs,
          seed: f.seed,
          strategy: f.strategy,
          jobs: f.jobs ?? cores(),
          json: f.json === true,
          progress: f.progress,
          ...(f.out !== undefined ? { out: f.out } : {}),
        }),
      );
    });

  program
    .command('explain')
    .description(
      'Tell the story of a failure file in a few lines: faults, the steps that matter, the invariant broken and why, the replay command.',
    )
    .argument('<failure.json>', 'a failure file written by explore, compare, demo or regress')
    .option('--json', 'print one JSON object')
    .action(async (file: string, f) => {
      setCode(await explainCli(file, { json: f.json === true }));
    });

  program
    .command('compare')
    .description(
      'Explore every design on every built-in scenario and compare them: designs × invariants, and metrics.',
    )
    .option('--runs <n>', 'explored runs per design × scenario', runsArg(), 30)
    .option('--json', 'print one JSON object')
    .option('--html <file>', 'write the single-file HTML report (with a timeline per failure)')
    .option(
      '--out <dir>',
      'write one failure file per design and invariant (default with --html: next to it, in failures/)',
    )
    .option('--seed <n>', 'campaign seed', seedArg(), 1)
    .addOption(strategyOption('portfolio'))
    .option('--depth <n>', 'pct depth; --exhaustive: the dfs bound (default 1)', depthArg())
    .addOption(boundOption('--exhaustive'))
    .addOption(branchWindowOption('--exhaustive'))
    .option('--jobs <n>', 'worker threads (default: one per core)', jobsArg())
    .option(
      '--designs <list>',
      `comma-separated designs (default: all of ${DESIGN_NAMES.join(', ')})`,
      designListArg('--designs'),
    )
    .option(
      '--scenarios <list>',
      `comma-separated scenarios (default: all but mixed)`,
      listArg('--scenarios', knownScenarioNames()),
    )
    .option(
      '--shrink-budget <n>',
      'runs spent shrinking each failure shown',
      intArg('--shrink-budget', 0, 100_000),
      100,
    )
    .option(
      '--metric-runs <n>',
      'plain runs per design × scenario for the metrics',
      intArg('--metric-runs', 1, 1000),
      2,
    )
    .option(
      '--exhaustive',
      'one bounded dfs per design × litmus scenario, each cell from its certificate (--depth: the bound, default 1; --bound: preemptions or delays)',
    )
    .option(
      '--max-schedules <n>',
      `--exhaustive: schedules per cell at most (default ${EXHAUSTIVE_MAX_SCHEDULES})`,
      intArg('--max-schedules', 1, 1_000_000_000),
    )
    .option(
      '--resume',
      '--exhaustive with --out: read back the cells and subtrees an interrupted run finished (each cell journals them in its directory under --out)',
    )
    .option(
      '--por',
      `--exhaustive: ${'dfs: reduction: a state reached again by an equivalent schedule is searched once, and a choice that only renames fresh pool workers is not tried (docs/explorer.md §11, §12)'.slice(5)}`,
    )
    .option(
      '--plan',
      '--exhaustive: search nothing; per cell, the estimated tree size and the time the search would take on --jobs workers (docs/explorer.md §10)',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (f) => {
      if (f.plan === true && f.exhaustive !== true) {
        throw new UsageError('--plan', '--plan needs --exhaustive');
      }
      if (f.plan === true && (f.html !== undefined || f.out !== undefined || f.resume === true)) {
        throw new UsageError(
          '--plan',
          '--plan searches nothing: it writes no --html or --out and has nothing to --resume',
        );
      }
      if (f.maxSchedules !== undefined && f.exhaustive !== true) {
        throw new UsageError('--max-schedules', '--max-schedules needs --exhaustive');
      }
      if (f.bound !== undefined && f.exhaustive !== true) {
        throw new UsageError('--bound', '--bound needs --exhaustive');
      }
      if (f.branchWindow !== undefined && f.exhaustive !== true) {
        throw new UsageError('--branch-window', '--branch-window needs --exhaustive');
      }
      if (f.por === true && f.exhaustive !== true) {
        throw new UsageError('--por', '--por needs --exhaustive');
      }
      if (f.resume === true && (f.exhaustive !== true || f.out === undefined)) {
        throw new UsageError('--resume', '--resume needs --exhaustive and --out DIR');
      }
      if (f.exhaustive === true) {
        if (f.html !== undefined) checkOutputFile('--html', f.html);
        if (f.out !== undefined) checkOutputDir('--out', f.out);
        const litmusOnly = (f.scenarios ?? litmusNames()) as string[];
        const notLitmus = litmusOnly.filter((s) => !litmusNames().includes(s));
        if (notLitmus.length > 0) {
          throw new UsageError(
            '--scenarios',
            `--scenarios: --exhaustive runs litmus scenarios only; not litmus: ${notLitmus.join(', ')} (litmus: ${litmusNames().join(', ')})`,
          );
        }
        const win = branchWindowFlag(f.branchWindow);
        setCode(
          await exhaustiveCli({
            designs: (f.designs ?? [...DESIGN_NAMES]) as string[],
            scenarios: litmusOnly,
            bound: f.depth ?? 1,
            boundKind: f.bound ?? 'preemption',
            maxSchedules: f.maxSchedules ?? EXHAUSTIVE_MAX_SCHEDULES,
            por: f.por === true,
            ...(win !== undefined ? { branchWindow: win } : {}),
            seed: f.seed,
            jobs: f.jobs ?? cores(),
            shrinkBudget: f.shrinkBudget,
            json: f.json === true,
            progress: f.progress,
            generatedBy: 'resetlab 0.1.0',
            ...(f.html !== undefined ? { html: f.html } : {}),
            ...(f.out !== undefined ? { out: f.out } : {}),
            ...(f.resume === true ? { resume: true } : {}),
            ...(f.plan === true ? { plan: true } : {}),
          }),
        );
        return;
      }
      if (f.strategy === 'dfs') {
        throw new UsageError(
          '--strategy',
          'compare explores with random, pct, portfolio or fifo (dfs needs one program per campaign; use explore)',
        );
      }
      if (f.html !== undefined) checkOutputFile('--html', f.html);
      if (f.out !== undefined) checkOutputDir('--out', f.out);
      setCode(
        await compareCli({
          designs: (f.designs ?? [...DESIGN_NAMES]) as DesignName[],
          scenarios: f.scenarios ?? COMPARE_SCENARIOS,
          runs: f.runs,
          seed: f.seed,
          strategy: f.strategy,
          jobs: f.jobs ?? cores(),
          shrinkBudget: f.shrinkBudget,
          metricSeeds: f.metricRuns,
          json: f.json === true,
          progress: f.progress,
          ...(f.depth !== undefined ? { depth: f.depth } : {}),
          ...(f.html !== undefined ? { html: f.html } : {}),
          ...(f.out !== undefined ? { out: f.out } : {}),
        }),
      );
    });

  program
    .command('regress')
    .description(
      'Re-introduce each historical bug (docs/design.md §3) on default and check that the explorer catches it within its budget.',
    )
    .addOption(new Option('--bug <id...>', 'only these bugs (repeatable)').choices(BUG_IDS))
    .option('--runs <n>', "budget of runs per bug (default: each bug's own budget)", runsArg())
    .option('--json', 'print one JSON object')
    .addOption(strategyOption('portfolio'))
    .option('--depth <n>', 'pct depth', depthArg())
    .option('--seed <n>', 'campaign seed', seedArg(), 1)
    .option('--jobs <n>', 'worker threads (default: one per core)', jobsArg())
    .option('--out <dir>', 'write the failing run that caught each bug (a failure file for replay)')
    .option('--no-clean', 'skip the check that default without the bug does not fail the same way')
    .option('--no-progress', 'no progress bar')
    .action(async (f) => {
      if (f.strategy === 'dfs') {
        throw new UsageError('--strategy', 'regress searches with random, pct or portfolio');
      }
      if (f.out !== undefined) checkOutputDir('--out', f.out);
      setCode(
        await regressCli({
          bugs: f.bug ?? null,
          strategy: f.strategy,
          seed: f.seed,
          jobs: f.jobs ?? cores(),
          clean: f.clean,
          json: f.json === true,
          progress: f.progress,
          ...(f.runs !== undefined ? { runs: f.runs } : {}),
          ...(f.depth !== undefined ? { depth: f.depth } : {}),
          ...(f.out !== undefined ? { out: f.out } : {}),
        }),
      );
    });

  program
    .command('bench')
    .description('Measure the explorer: schedules/s, decisions/s, against fast-check, time to bug.')
    .option('--json', 'print one JSON object')
    .option('--quick', 'a shorter measurement')
    .option(
      '--base-dist <dir>',
      'also measure runs/s against this compiled tree of another revision (docs/performance.md)',
    )
    .action(async (f) => {
      setCode(
        await benchCli({
          json: f.json === true,
          quick: f.quick === true,
          ...(f.baseDist !== undefined ? { baseDist: String(f.baseDist) } : {}),
        }),
      );
    });

  program
    .command('merge')
    .description('Merge the summary.json files of the shards of one explore campaign.')
    .argument('<files...>', 'summary.json of each shard')
    .option('--json', 'print one JSON object')
    .option('--out <dir>', 'also write the merged summary.json here')
    .option('--certificate <file>', 'dfs shards: write the merged certificate as JSON')
    .action(async (files: string[], f) => {
      if (f.out !== undefined) checkOutputDir('--out', f.out);
      if (f.certificate !== undefined) checkOutputFile('--certificate', f.certificate);
      setCode(
        await mergeCommand(files, {
          ...(f.json ? { json: true } : {}),
          ...(f.out !== undefined ? { out: f.out } : {}),
          ...(f.certificate !== undefined ? { certificate: f.certificate } : {}),
        }),
      );
    });

  program
    .command('fuzz')
    .description(
      'Fuzz the ioctl surface: generated programs over several files, with faults and resets, on every design.',
    )
    .addOption(
      new Option('--design <name>', 'reset design, or all (in turn)')
        .choices([...DESIGN_NAMES, 'all'])
        .default('all'),
    )
    .option('--runs <n>', 'programs to run', runsArg(), 200)
    .option('--seed <n>', 'seed', seedArg(), 1)
    .option('--calls <n>', 'calls per program', intArg('--calls', 1, 2000))
    .option('--out <dir>', 'write failing programs (shrunk, replayable) here')
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress bar')
    .action(async (f) => {
      if (f.out !== undefined) checkOutputDir('--out', f.out);
      setCode(
        await fuzzCli({
          design: f.design,
          runs: f.runs,
          seed: f.seed,
          json: f.json === true,
          progress: f.progress,
          ...(f.calls !== undefined ? { calls: f.calls } : {}),
          ...(f.out !== undefined ? { out: f.out } : {}),
        }),
      );
    });

  return program;
}

/** The flag or argument a commander error is about (`--runs`, `<scenario>`), or its code. */
function commanderField(err: CommanderError): string {
  const opt =
    /option '(-[-\w]+)/.exec(err.message) ?? /unknown option '(-[-\w]+)'/.exec(err.message);
  if (opt?.[1] !== undefined) return opt[1];
  const arg = /argument '([\w.-]+)'/.exec(err.message);
  if (arg?.[1] !== undefined) return `<${arg[1]}>`;
  return err.code;
}

/** Runs the command line on `argv` (as process.argv: node, script, args...) → exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = build((c) => {
    code = c;
  });
  const args = argv.slice(2);
  const json = args.includes('--json');
  const command = args.find((a) => !a.startsWith('-')) ?? 'resetlab';
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message for the rest.
      if (err.exitCode === 0) return 0;
      if (json) {
        const message = err.message.replace(/^error: /, '');
        printText(JSON.stringify({ error: { field: commanderField(err), message } }));
      }
      return 2;
    }
    if (err instanceof UsageError) return usageError(command, err.field, err.message, json);
    if (err instanceof StrategyOptionsError) {
      const field = err.field === 'name' ? '--strategy' : `--${err.field}`;
      return usageError(command, field, err.message, json);
    }
    throw err;
  }
}
