/**
 * The commands and their JSON shapes (docs/design.md §4; fields may be added, never renamed), exit
 * codes 0 and 1, stdout purity under `--json`, traces that pass the Perfetto import rules,
 * scenario files end to end, and a failure found by `explore` that `replay` reproduces with
 * the same invariant and trace hash.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { INVARIANTS, invariantFamily } from '../../src/kernel/violations.js';
import { validateChromeTrace } from '../../src/report/chrome-trace.js';
import { builtinScenarioNames } from '../../src/scenarios/builtin.js';
import { cli, EXAMPLE, hasKeys, inProcess, oneJson, tmp } from './helpers.js';

const dir = tmp();
after(() => rmSync(dir, { recursive: true, force: true }));

const RUN_KEYS = [
  'scenario',
  'design',
  'seed',
  'traceHash',
  'virtualTimeNs',
  'resets',
  'wedged',
  'violations',
  'jobs',
];
const EXPLORE_KEYS = [
  'scenario',
  'design',
  'strategy',
  'runs',
  'decisions',
  'elapsedMs',
  'firstViolationRun',
  'violations',
];
const EXPLORE_VIOLATION_KEYS = ['invariant', 'run', 'seed', 'schedule', 'shrunkSteps', 'replay'];

/** A scenario that no design can pass: the liveness bound is zero. */
function unrecoverable(): string {
  const p = join(dir, 'no-settle.yaml');
  writeFileSync(
    p,
    'name: no-settle\ndurationNs: 50ms\nsettleNs: 0\nclients:\n  - {name: r, workload: renderer, jobs: 1}\n',
  );
  return p;
}

function validTrace(path: string): void {
  const text = readFileSync(path, 'utf8');
  assert.deepEqual(validateChromeTrace(text), [], `${path} passes the Perfetto import rules`);
  const trace = JSON.parse(text) as { traceEvents: { ph: string; name: string }[] };
  assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name'));
  assert.ok(trace.traceEvents.some((e) => e.ph === 'B'));
}

test('run --json prints exactly the run object; exit 0 on a clean default run', async () => {
  const r = await cli(['run', 'hang', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const j = oneJson(r);
  hasKeys(j, RUN_KEYS, 'run');
  assert.equal(j.scenario, 'hang');
  assert.equal(j.design, 'default');
  assert.equal(j.seed, 1);
  assert.match(String(j.traceHash), /^[0-9a-f]{16}$/);
  assert.deepEqual(j.violations, []);
  hasKeys(j.jobs, ['completed', 'failed', 'innocentLost'], 'run.jobs');
  assert.ok((j.jobs as { completed: number }).completed > 0);
});

test('run is deterministic, writes a valid Chrome trace, and shows a weak design failing', async () => {
  const trace = join(dir, 'hang.trace.json');
  const a = await inProcess(['run', 'hang', '--trace', trace, '--seed', '7']);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /Chrome trace written to/);
  validTrace(trace);
  const b = await inProcess(['run', 'hang', '--seed', '7', '--json']);
  const c = await inProcess(['run', 'hang', '--seed', '7', '--json']);
  assert.equal(JSON.parse(b.stdout).traceHash, JSON.parse(c.stdout).traceHash);
  assert.match(a.stdout, new RegExp(JSON.parse(b.stdout).traceHash));

  // A perfcnt session across a reset: panfrost_mmu_reset zeroes as_count under the session's
  // reference, and its release underflows it. A weak design failing exits 0.
  const w = await inProcess(['run', 'perfcnt', '--design', 'rwsem', '--json']);
  assert.equal(w.code, 0);
  const wj = JSON.parse(w.stdout) as { violations: { invariant: string; atNs: number }[] };
  assert.ok(wj.violations.some((v) => v.invariant === 'refcount-underflow'));
  hasKeys(wj.violations[0], ['invariant', 'message', 'atNs'], 'run.violations[0]');
});

test('scenario files: the example runs; default failing a file exits 1, a weak design 0', async () => {
  const ex = await inProcess(['run', EXAMPLE, '--json']);
  assert.equal(ex.code, 0, ex.stderr);
  const ej = JSON.parse(ex.stdout) as { scenario: string; resets: number };
  assert.equal(ej.scenario, 'hang-under-profiler');
  assert.ok(ej.resets >= 1);

  const bad = unrecoverable();
  const d = await inProcess(['run', bad, '--json']);
  assert.equal(d.code, 1, 'default violating an invariant exits 1');
  const dj = JSON.parse(d.stdout) as { violations: { invariant: string }[] };
  assert.ok(dj.violations.some((v) => v.invariant === 'recovery'));
  const r = await inProcess(['run', bad, '--design', 'rwsem', '--json']);
  assert.equal(r.code, 0, 'a weak design is expected to fail');
  const bug = await inProcess(['run', 'hang', '--bug', 'timeout-job-leak', '--json']);
  assert.equal(bug.code, 0, 'a bug switch is expected to fail');
});

test('scenarios lists the built-ins; --schema prints the JSON schema', async () => {
  const list = await inProcess(['scenarios']);
  assert.equal(list.code, 0);
  for (const n of builtinScenarioNames()) assert.match(list.stdout, new RegExp(`\\b${n}\\b`));
  const schema = await inProcess(['scenarios', '--schema']);
  assert.equal(schema.code, 0);
  const s = JSON.parse(schema.stdout) as Record<string, unknown>;
  assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s.type, 'object');
  const js = await inProcess(['scenarios', '--json']);
  const names = (JSON.parse(js.stdout) as { scenarios: { name: string }[] }).scenarios.map(
    (x) => x.name,
  );
  assert.deepEqual(names, builtinScenarioNames());
});

test('explore finds, shrinks and writes a failure that replay reproduces exactly', async () => {
  const out = join(dir, 'explore');
  const r = await cli([
    'explore',
    'perfcnt',
    '--design',
    'rwsem',
    '--runs',
    '3',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, `rwsem failing is expected: ${r.stderr}`);
  const j = oneJson(r);
  hasKeys(j, EXPLORE_KEYS, 'explore');
  assert.equal(j.scenario, 'perfcnt');
  assert.equal(j.design, 'rwsem');
  assert.equal(j.strategy, 'pct');
  assert.equal(j.runs, 3);
  const vs = j.violations as Record<string, unknown>[];
  assert.ok(vs.length > 0, 'rwsem fails perfcnt');
  for (const v of vs) hasKeys(v, EXPLORE_VIOLATION_KEYS, 'explore.violations[]');
  const v =
    vs.find((x) => x.invariant === 'refcount-underflow') ?? (vs[0] as Record<string, unknown>);
  const file = String(v.replay).replace(/^resetlab replay /, '');
  assert.ok(existsSync(file), `${file} exists`);
  assert.ok(existsSync(join(out, 'summary.json')));
  // One run number (1-based) in the JSON, the file name and the file.
  assert.ok(Number(v.run) >= 1 && Number(v.run) <= 3, `run ${v.run} is 1-based`);
  assert.ok(file.endsWith(`.run${v.run}.json`), file);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).run, v.run);
  assert.ok(Number(j.firstViolationRun) <= Number(v.run));

  const trace = join(dir, 'replay.trace.json');
  const rp = await cli(['replay', file, '--json', '--trace', trace]);
  assert.equal(rp.code, 0, rp.stderr);
  const rj = oneJson(rp);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.equal(rj.reproduced, true);
  assert.equal(rj.invariant, v.invariant);
  assert.equal(rj.invariant, saved.invariant);
  assert.equal(rj.traceHash, saved.shrunkTraceHash ?? saved.traceHash);
  validTrace(trace);
});

test('explore on default exits 1 when it finds a violation; shards merge', async () => {
  const bad = unrecoverable();
  const d = await cli(['explore', bad, '--runs', '2', '--no-shrink', '--json']);
  assert.equal(d.code, 1, d.stderr);
  const dj = oneJson(d);
  assert.ok((dj.violations as { invariant: string }[]).some((v) => v.invariant === 'recovery'));
  assert.equal(dj.design, 'default');

  const s0 = join(dir, 'shard0');
  const s1 = join(dir, 'shard1');
  const common = ['explore', 'hang', '--design', 'panthor', '--runs', '4', '--no-shrink'];
  const [a, b] = await Promise.all([
    cli([...common, '--shard', '0/2', '--out', s0, '--json']),
    cli([...common, '--shard', '1/2', '--out', s1, '--json']),
  ]);
  assert.equal(a?.code, 0, a?.stderr);
  assert.equal(b?.code, 0, b?.stderr);
  assert.equal(oneJson(a as never).runs, 2);
  const m = await cli(['merge', join(s0, 'summary.json'), join(s1, 'summary.json'), '--json']);
  assert.equal(m.code, 0, m.stderr);
  const mj = oneJson(m);
  hasKeys(mj, EXPLORE_KEYS, 'merge');
  assert.equal(mj.runs, 4);
  assert.equal(mj.scenario, 'hang');
  assert.deepEqual((mj.shards as { missing: number[] }).missing, []);
});

test('compare: the DESIGN shape, the HTML report, and replayable failure files', async () => {
  const html = join(dir, 'cmp', 'report.html');
  const r = await cli([
    'compare',
    '--runs',
    '2',
    '--designs',
    'default,rwsem',
    '--scenarios',
    'perfcnt',
    '--jobs',
    '1',
    '--shrink-budget',
    '10',
    '--metric-runs',
    '1',
    '--html',
    html,
    '--json',
  ]);
  const j = oneJson(r);
  const defaultViolations = j.defaultViolations as string[];
  assert.equal(r.code, defaultViolations.length > 0 ? 1 : 0, r.stderr);
  const designs = j.designs as Record<
    string,
    Record<string, { violated: boolean; firstRun: number | null; family: string; checked: boolean }>
  >;
  assert.deepEqual(Object.keys(designs), ['default', 'rwsem']);
  for (const d of Object.values(designs)) {
    for (const inv of INVARIANTS) {
      hasKeys(d[inv], ['family', 'checked', 'violated', 'firstRun'], inv);
      assert.equal(d[inv]?.firstRun === null, d[inv]?.violated === false);
      assert.equal(d[inv]?.family, invariantFamily(inv));
      if (d[inv]?.checked === false) assert.equal(d[inv]?.violated, false, `${inv} unchecked`);
    }
    // Harms lead: every harm column comes before every rule column.
    const fams = Object.values(d).map((c) => c.family);
    assert.ok(fams.lastIndexOf('harm') < fams.indexOf('rule'), 'harms first');
  }
  assert.equal(designs.rwsem?.['refcount-underflow']?.violated, true, 'the as_count underflow');
  // rwsem closes its gate when the worker runs: it does not claim submit-after-fault, so that
  // rule is not checked on it; default's request-time gate claims it.
  assert.equal(designs.rwsem?.['submit-after-fault']?.checked, false);
  assert.equal(designs.default?.['submit-after-fault']?.checked, true);
  assert.deepEqual((j.claims as Record<string, string[]>).rwsem, ['hw-access-during-reset']);
  const metrics = j.metrics as Record<string, Record<string, unknown>>;
  for (const d of ['default', 'rwsem']) {
    hasKeys(metrics[d], ['resetLatencyNs', 'innocentLost', 'jobsCompleted'], `metrics.${d}`);
  }
  assert.equal(j.runs, 2);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /id="comparison"/);
  assert.match(page, /id="rules"/);
  assert.match(page, /class="unclaimed"/);
  assert.match(page, /class="failure"/);
  const failures = j.failures as {
    replay: string | null;
    invariant: string;
    run: number;
    design: string;
    file: string | null;
  }[];
  const f = failures.find((x) => x.invariant === 'refcount-underflow');
  assert.ok(f?.replay, 'a replay command');
  hasKeys(
    f,
    ['design', 'scenario', ...EXPLORE_VIOLATION_KEYS, 'shrunkVerified', 'file'],
    'failure',
  );
  // One run number everywhere (docs/design.md §4): the table's cell, the JSON `run` and the
  // number in the failure file's name (and the `run` field inside it).
  assert.equal(f.run, designs[f.design]?.['refcount-underflow']?.firstRun);
  assert.ok(f.file?.endsWith(`.run${f.run}.json`), f.file ?? 'no file');
  assert.equal(JSON.parse(readFileSync(f.file as string, 'utf8')).run, f.run);
  const rp = await cli([...f.replay.replace(/^resetlab /, '').split(' '), '--json']);
  assert.equal(rp.code, 0, rp.stderr);
  assert.equal(oneJson(rp).reproduced, true);
});

test('compare and regress in-process: regress shape; compare does not depend on --jobs', async () => {
  const args = [
    '--runs',
    '2',
    '--designs',
    'rwsem',
    '--scenarios',
    'hang,fw-hang',
    '--shrink-budget',
    '0',
    '--metric-runs',
    '1',
    '--json',
  ];
  const one = await inProcess(['compare', ...args, '--jobs', '1']);
  const two = await inProcess(['compare', ...args, '--jobs', '2']);
  // Violation messages name groups and files by process-wide counters in the driver, so they
  // differ between a worker thread and this one (reported); everything else must be equal.
  const strip = (s: string) => {
    const {
      elapsedMs: _e,
      jobs: _j,
      ...rest
    } = JSON.parse(s.replace(/"message":"(?:[^"\\]|\\.)*"/g, '"message":""')) as Record<
      string,
      unknown
    >;
    return rest;
  };
  assert.deepEqual(strip(two.stdout), strip(one.stdout));

  const r = await inProcess([
    'regress',
    '--bug',
    'timeout-job-leak',
    '--runs',
    '3',
    '--jobs',
    '1',
    '--json',
  ]);
  const j = JSON.parse(r.stdout) as { bugs: Record<string, unknown>[] };
  assert.equal(j.bugs.length, 1);
  const b = j.bugs[0] as Record<string, unknown>;
  hasKeys(b, ['id', 'caught', 'invariant', 'runs', 'cleanWithoutBug'], 'regress.bugs[0]');
  assert.equal(b.id, 'timeout-job-leak');
  assert.equal(b.invariant, 'fence-signalled');
  const cleanDefault = Object.keys(b.cleanViolations as object).length === 0;
  assert.equal(r.code, b.caught === true && b.cleanWithoutBug === true && cleanDefault ? 0 : 1);
});

test('demo writes the report, a valid trace, failure files and the comparison', async () => {
  const out = join(dir, 'demo');
  const r = await inProcess([
    'demo',
    '--designs',
    'default,rwsem',
    '--scenarios',
    'perfcnt',
    '--runs',
    '2',
    '--jobs',
    '1',
    '--shrink-budget',
    '5',
    '--out',
    out,
  ]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.match(r.stdout, /2 explored runs each \(portfolio/);
  assert.match(r.stdout, /HTML report: /);
  assert.ok(existsSync(join(out, 'report.html')));
  const cmp = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { runs: number };
  assert.equal(cmp.runs, 2);
  const traces = readdirSync(out).filter((f) => f.endsWith('.trace.json'));
  assert.equal(traces.length, 1, 'one trace of an interesting failure');
  assert.match(traces[0] as string, /perfcnt@rwsem\.refcount-underflow/);
  validTrace(join(out, traces[0] as string));
  assert.ok(readdirSync(join(out, 'failures')).length > 0);
});

test('an interrupted explore writes its failures and summary and exits 130', async () => {
  const out = join(dir, 'sigint');
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  let r: Awaited<ReturnType<typeof cli>>;
  try {
    r = await cli(
      [
        'explore',
        'fw-hang',
        '--design',
        'rwsem',
        '--runs',
        '100000',
        '--jobs',
        '1',
        '--no-shrink',
        '--out',
        out,
      ],
      {
        onSpawn: (child) => {
          // Interrupt once the first failure file is there (written as found, mid-chunk).
          const poll = () => {
            const seen = existsSync(out) && readdirSync(out).some((f) => f.endsWith('.json'));
            if (seen || Date.now() - t0 > 20_000) child.kill('SIGINT');
            else timer = setTimeout(poll, 100);
          };
          poll();
        },
      },
    );
  } finally {
    clearTimeout(timer);
  }
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT: stopping/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(summary.interrupted, true);
  assert.equal(summary.signal, 'SIGINT');
  assert.ok((summary.violations as unknown[]).length > 0);
  assert.match(r.stdout, /interrupted by SIGINT/);
});

test('fuzz prints the DESIGN shape (when the fuzzer is in the build)', async (t) => {
  if (!existsSync(new URL('../../src/fuzz/fuzz.ts', import.meta.url))) {
    t.skip('src/fuzz/fuzz.ts is not in this build');
    return;
  }
  const r = await inProcess([
    'fuzz',
    '--runs',
    '3',
    '--design',
    'default',
    '--json',
    '--no-progress',
  ]);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  hasKeys(j, ['programs', 'calls', 'errnos', 'violations', 'leaks'], 'fuzz');
  assert.equal(j.programs, 3);
  assert.ok(Array.isArray(j.violations));
  assert.equal(r.code, (j.violations as unknown[]).length > 0 || (j.leaks as number) > 0 ? 1 : 0);
});

test('run: one line per client with its jobs out of those submitted and failures by errno; totals beside counts', async () => {
  const r = await inProcess(['run', 'hang', '--design', 'panthor']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /jobs completed \d+\/\d+, failed \d+\/\d+/);
  assert.match(r.stdout, /^ {2}hostile +completed 0\/1, failed 1\/1 \(ETIMEDOUT 1\)$/m);
  assert.match(r.stdout, /^ {2}renderer +completed (\d+)\/\1, failed 0\/\1$/m);
  const j = oneJson(await inProcess(['run', 'fault', '--design', 'default', '--json'])) as {
    clients: {
      client: string;
      submitted: number;
      completed: number;
      failed: Record<string, number>;
    }[];
  };
  const pf = j.clients.find((c) => c.client === 'pagefault');
  assert.deepEqual(pf?.failed, { EINVAL: 1 }, 'the faulting job ended -EINVAL');
  for (const c of j.clients)
    assert.ok(c.completed + Object.values(c.failed).reduce((a, b) => a + b, 0) <= c.submitted);
});

test('compare: the table fits 100 columns, names the scenario beside each failing run, one unit per metric row', async () => {
  const r = await inProcess([
    'compare',
    '--runs',
    '4',
    '--scenarios',
    'hang,suspend',
    '--jobs',
    '1',
    '--no-progress',
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const line of r.stdout.split('\n'))
    assert.ok([...line].length <= 100, `over 100 columns: ${line}`);
  assert.match(r.stdout, /✗ (run )?\d+ (hang|suspend)/);
  assert.match(r.stdout, /^reset latency, (ns|µs|ms|s) /m);
  assert.match(r.stdout, /^jobs completed +\d+\/\d+/m);
});
