/**
 * `npx tsx bench/ab.ts <base-rev> [<head-rev>] [--overlay path...] [--reps N]`: compares the
 * explorer's speed of two versions of the code in one process run, and checks that they
 * compute the same runs.
 *
 * This is how the before/after ratio of each optimisation in docs/performance.md was measured.
 * Absolute throughput on a shared machine drifts by tens of percent within minutes; a ratio
 * of two versions measured in alternation, in the same minutes and in CPU time rather than
 * wall time, drifts much less. Each side runs in its own child process (separate JIT state and heap), the two taking
 * turns. Each side is exported from git (`git archive`, so uncommitted work of other people in
 * the checkout stays out), compiled with tsc into its own directory (compiled JS: tsx's
 * transform adds a `__name` call to every closure, which would distort the figures), and
 * imported by its child. `--overlay` copies the listed working-tree paths onto the head
 * side, to measure a change before committing it; without a head revision the head is the
 * base plus the overlay. `--head-dist DIR` uses an already compiled tree as the head (an
 * experiment: a copy with one component stubbed out shows what that component costs).
 *
 * Semantics: for every built-in scenario on every design and a few seeds, under random and
 * PCT, both sides must produce the same trace hash, step count and schedule. A difference is
 * printed and makes the exit code 1 (an optimisation must not change a run). `--same-outcome`
 * compares the schedule, decisions, outcome, end time and violations instead, for a change
 * that leaves out steps in which nothing can differ and so changes the step count and the
 * trace hash on purpose. `--build-only` builds the base revision, prints its compiled tree
 * and stops: the directory `resetlab bench --base-dist` takes.
 */

import { createHook } from 'node:async_hooks';
import { execFileSync, fork } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Side {
  label: string;
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: modules of another version of the code
  mod: Record<string, any>;
}

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.tmp', 'perf-ab');

function parseArgs(argv: string[]): {
  base: string;
  head: string | null;
  overlay: string[];
  reps: number;
  only: string | null;
  skipHashes: boolean;
  sameOutcome: boolean;
  buildOnly: boolean;
  headDist: string | null;
} {
  const pos: string[] = [];
  const overlay: string[] = [];
  let reps = 5;
  let only: string | null = null;
  let skipHashes = false;
  let sameOutcome = false;
  let buildOnly = false;
  let headDist: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--overlay') {
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) {
        overlay.push(argv[++i] as string);
      }
    } else if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--only') only = argv[++i] ?? null;
    else if (a === '--skip-hashes') skipHashes = true;
    else if (a === '--same-outcome') sameOutcome = true;
    else if (a === '--build-only') buildOnly = true;
    else if (a === '--head-dist') headDist = resolve(argv[++i] as string);
    else pos.push(a);
  }
  if (pos.length < 1) {
    console.error(
      'usage: tsx bench/ab.ts <base-rev> [<head-rev>] [--overlay paths...] [--reps N] [--only substr] [--skip-hashes] [--same-outcome] [--build-only] [--head-dist DIR]',
    );
    process.exit(2);
  }
  return {
    base: pos[0] as string,
    head: pos[1] ?? null,
    overlay,
    reps,
    only,
    skipHashes,
    sameOutcome,
    buildOnly,
    headDist,
  };
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

/** Exports `rev` (plus overlay paths from the working tree) and compiles it. */
function build(rev: string, overlay: readonly string[], label: string): string {
  const sha = git(['rev-parse', '--short', rev]);
  const dir = join(work, `${label}-${sha}${overlay.length > 0 ? '-overlay' : ''}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', rev, 'src', 'tsconfig.json', 'tsconfig.build.json'], {
    cwd: root,
    maxBuffer: 1 << 28,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  for (const p of overlay) {
    const from = join(root, p);
    const to = join(dir, p);
    if (existsSync(from)) cpSync(from, to, { recursive: true });
    else rmSync(to, { recursive: true, force: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  try {
    execFileSync(
      join(root, 'node_modules', '.bin', 'tsc'),
      ['-p', 'tsconfig.build.json', '--outDir', 'dist', '--declaration', 'false'],
      { cwd: dir, stdio: 'pipe' },
    );
  } catch {
    // Type errors still emit JavaScript; a missing dist/ is the real failure.
  }
  if (!existsSync(join(dir, 'dist', 'explore', 'explore.js'))) {
    throw new Error(`build of ${rev} in ${dir} produced no dist/`);
  }
  return join(dir, 'dist');
}

async function load(label: string, dist: string): Promise<Side> {
  const imp = (p: string) => import(pathToFileURL(join(dist, p)).href);
  const mod: Side['mod'] = {
    ...(await imp('scenarios/program.js')),
    ...(await imp('explore/registry.js')),
    ...(await imp('explore/explore.js')),
    ...(await imp('explore/strategy-factory.js')),
    ...(await imp('scenarios/builtin.js')),
    ...(await imp('driver/config.js')),
    ...(await imp('kernel/kernel.js')),
  };
  for (const p of ['bench/kernels/index.js', 'bench/kernels/resetlab-engine.js']) {
    if (existsSync(join(dist, p))) Object.assign(mod, await imp(p));
  }
  mod.registerBuiltinPrograms();
  return { label, dir: dist, mod };
}

interface Workload {
  name: string;
  unit: string;
  run: (s: Side) => Promise<{ units: number; ms: number }>;
}

function exploreWorkload(id: string, strategy: string, runs: number): Workload {
  return {
    name: `explore ${id} ${strategy}`,
    unit: 'runs/s',
    async run(s) {
      const p = s.mod.getProgram(id);
      const t0 = performance.now();
      const r = await s.mod.explore(p, {
        strategy,
        runs,
        seed: 7,
        shrink: false,
        ...(strategy === 'pct' ? { pctSteps: 2000 } : {}),
      });
      return { units: r.totals.runs, ms: performance.now() - t0 };
    },
  };
}

const WORKLOADS: Workload[] = [
  exploreWorkload('hang@default', 'random', 60),
  exploreWorkload('hang@default', 'pct', 60),
  exploreWorkload('mixed@default', 'random', 60),
  exploreWorkload('mixed@default', 'pct', 60),
  {
    name: 'small kernels, resetlab random',
    unit: 'executions/s',
    async run(s) {
      if (s.mod.BENCH_KERNELS === undefined) return { units: 0, ms: 0 };
      const engine = s.mod.resetlabEngine({
        name: 'random',
        strategy: () => s.mod.strategyFromName('random'),
      });
      let units = 0;
      const t0 = performance.now();
      for (const k of s.mod.BENCH_KERNELS) {
        const b = await engine.runMany(k, 3, 10_000);
        units += b.executions;
      }
      return { units, ms: performance.now() - t0 };
    },
  },
  {
    name: 'scheduler micro (fifo)',
    unit: 'decisions/s',
    async run(s) {
      // kernel-micro.ts's loop (8 tasks that only hit decision points), timed here.
      const k = new s.mod.Kernel({
        seed: 11,
        strategy: s.mod.strategyFromName('fifo'),
        record: false,
      });
      for (let i = 0; i < 8; i++) {
        k.spawn(`t${i}`, async () => {
          for (let j = 0; j < 25_000; j++) await k.point();
        });
      }
      const t0 = performance.now();
      const r = await k.run();
      return { units: r.steps, ms: performance.now() - t0 };
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1
    ? (s[(n - 1) / 2] as number)
    : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/**
 * Per run, what must agree: by default the trace hash, step count and schedule; with
 * `sameOutcome`, the schedule, decisions, outcome, end time and violations (invariant, message,
 * instant, task) but not the steps or the trace hash, for a change that leaves out steps in
 * which nothing can differ (a poll's identical wakes, docs/performance.md).
 */
async function hashes(s: Side, sameOutcome: boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const spec of s.mod.BUILTIN_SCENARIOS) {
    for (const design of s.mod.DESIGN_NAMES) {
      const id = `${spec.name}@${design}`;
      const p = s.mod.getProgram(id);
      for (const strategy of ['random', 'pct']) {
        for (let seed = 1; seed <= 3; seed++) {
          const st = s.mod.strategyFromName(strategy, { steps: 1500 });
          const faults = s.mod.faultsFor(p, { strategy, runs: 1, seed }, seed);
          const r = await p.run({
            seed,
            strategy: st,
            faults,
            record: true,
            stopOnViolation: true,
          });
          const viol = r.violations.map(
            (v: { invariant: string; message: string; atNs: number; task: string | null }) =>
              `${v.invariant}:${v.message}@${v.atNs}:${v.task}`,
          );
          out.set(
            `${id} ${strategy} seed ${seed}`,
            sameOutcome
              ? `${r.outcome} decisions=${r.decisions} now=${r.virtualTimeNs} sched=${r.schedule} violations=${viol.join(' | ')}`
              : `${r.traceHash} steps=${r.steps} decisions=${r.decisions} sched=${r.schedule.length}:${r.schedule.slice(0, 40)}`,
          );
        }
      }
    }
  }
  return out;
}

/**
 * Costs immune to machine load: promises created per kernel step (async_hooks) and bytes
 * allocated per step (V8's sampling heap profiler, collected objects included), over the same
 * runs on both sides.
 */
async function counts(s: Side): Promise<Record<string, number>> {
  const p = s.mod.getProgram('mixed@default');
  const run = async (seed: number) => {
    const st = s.mod.strategyFromName('random');
    const faults = s.mod.faultsFor(p, { strategy: 'random', runs: 1, seed }, seed);
    return p.run({ seed, strategy: st, faults, record: true, stopOnViolation: true });
  };
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  let steps = 0;
  hook.enable();
  for (let seed = 1; seed <= 10; seed++) steps += (await run(seed)).steps;
  hook.disable();
  // Bytes allocated per step, from V8's sampling heap profiler with collected objects kept.
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let allocSteps = 0;
  for (let seed = 1; seed <= 20; seed++) allocSteps += (await run(seed)).steps;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  let bytes = 0;
  const walk = (n: { selfSize: number; children: (typeof n)[] }) => {
    bytes += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return {
    promisesPerStep: promises / steps,
    bytesAllocatedPerStep: bytes / allocSteps,
  };
}

/** Child mode: loads one side and answers `{what, name}` messages until disconnected. */
async function child(dist: string): Promise<void> {
  const side = await load(dist, dist);
  process.on(
    'message',
    (m: { what: 'hashes' | 'counts' | 'run'; name?: string; sameOutcome?: boolean }) => {
      void (async () => {
        if (m.what === 'counts') {
          process.send?.(await counts(side));
        } else if (m.what === 'hashes') {
          process.send?.({ hashes: [...(await hashes(side, m.sameOutcome === true))] });
        } else {
          const w = WORKLOADS.find((x) => x.name === m.name) as Workload;
          // CPU time of this process, not wall time: the machine is shared, and a process that
          // waits for a core is not slower code.
          const c0 = process.cpuUsage();
          const r = await w.run(side);
          const c = process.cpuUsage(c0);
          const cpuMs = (c.user + c.system) / 1000;
          process.send?.({ units: r.units, ms: cpuMs });
        }
      })();
    },
  );
  process.send?.({ ready: true });
}

interface ChildHandle {
  label: string;
  ask<T>(msg: object): Promise<T>;
  kill(): void;
}

function spawnChild(label: string, dist: string): Promise<ChildHandle> {
  const c = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, AB_CHILD_DIST: dist },
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.AB_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''),
    ],
  });
  let pending: ((v: unknown) => void) | null = null;
  return new Promise((res) => {
    c.on('message', (v: unknown) => {
      if ((v as { ready?: boolean }).ready === true) {
        res({
          label,
          ask: <T>(msg: object) =>
            new Promise<T>((r) => {
              pending = r as (v: unknown) => void;
              c.send(msg);
            }),
          kill: () => c.kill(),
        });
        return;
      }
      const p = pending;
      pending = null;
      p?.(v);
    });
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const baseDist = build(o.base, [], 'base');
  if (o.buildOnly) {
    // For `resetlab bench --base-dist` (src/bench/vs-base.ts): the compiled base, and nothing run.
    console.log(baseDist);
    return;
  }
  const headDist = o.headDist ?? build(o.head ?? o.base, o.overlay, 'head');
  const base = await spawnChild(`base ${o.base}`, baseDist);
  const head = await spawnChild(`head ${o.head ?? `${o.base}+overlay`}`, headDist);
  let bad = 0;
  try {
    if (!o.skipHashes) {
      const [hb, hh] = await Promise.all([
        base.ask<{ hashes: [string, string][] }>({ what: 'hashes', sameOutcome: o.sameOutcome }),
        head.ask<{ hashes: [string, string][] }>({ what: 'hashes', sameOutcome: o.sameOutcome }),
      ]);
      const hm = new Map(hh.hashes);
      let same = 0;
      for (const [key, v] of hb.hashes) {
        if (hm.get(key) === v) same++;
        else if (bad++ < 10) console.log(`DIFFERENT ${key}\n  base ${v}\n  head ${hm.get(key)}`);
      }
      console.log(
        o.sameOutcome
          ? `runs with identical schedule, decisions, outcome, end time and violations: ${same}/${hb.hashes.length}`
          : `runs with identical trace hash, steps and schedule: ${same}/${hb.hashes.length}`,
      );
    }
    const [cb, ch] = [
      await base.ask<Record<string, number>>({ what: 'counts' }),
      await head.ask<Record<string, number>>({ what: 'counts' }),
    ];
    for (const key of Object.keys(cb)) {
      const b = cb[key] as number;
      const h = ch[key] as number;
      console.log(
        `${key.padEnd(36)} base ${b.toFixed(3).padStart(10)}  head ${h.toFixed(3).padStart(10)}               head/base ${(h / b).toFixed(3)}`,
      );
    }
    console.log(
      `reps: ${o.reps} (base and head in two processes, alternating; median of per-rep ratios)`,
    );
    for (const w of WORKLOADS) {
      if (o.only !== null && !w.name.includes(o.only)) continue;
      const msg = { what: 'run', name: w.name };
      // Warm-up on both sides, then alternate so that drift hits both alike.
      await base.ask(msg);
      await head.ask(msg);
      const ratios: number[] = [];
      const rb: number[] = [];
      const rh: number[] = [];
      for (let i = 0; i < o.reps; i++) {
        const order = i % 2 === 0 ? [base, head] : [head, base];
        const rate = new Map<ChildHandle, number>();
        for (const s of order) {
          const r = await s.ask<{ units: number; ms: number }>(msg);
          rate.set(s, r.ms > 0 ? (r.units * 1000) / r.ms : 0);
        }
        const b = rate.get(base) as number;
        const h = rate.get(head) as number;
        rb.push(b);
        rh.push(h);
        if (b > 0) ratios.push(h / b);
      }
      if (ratios.length === 0) {
        console.log(`${w.name.padEnd(36)} (not available in both versions)`);
        continue;
      }
      console.log(
        `${w.name.padEnd(36)} base ${Math.round(median(rb)).toLocaleString('en').padStart(10)}  head ${Math.round(median(rh)).toLocaleString('en').padStart(10)} ${w.unit.padEnd(13)} head/base ${median(ratios).toFixed(3)}  (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
      );
    }
  } finally {
    base.kill();
    head.kill();
  }
  process.exitCode = bad > 0 ? 1 : 0;
}

const childDist = process.env.AB_CHILD_DIST;
if (childDist !== undefined) await child(childDist);
else await main();
