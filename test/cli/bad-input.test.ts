/**
 * Bad input: every case exits 2 with a message naming the flag, argument, file or YAML field
 * (and line), and no stack trace; under `--json` stdout is one error object. Most cases run
 * in-process (`main()`), the ones printed by the campaign code and the stdout checks as real
 * processes. Also: help and version exit 0, and `bench`/`fuzz` say when their module is not
 * in the build.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type CliResult, cli, inProcess, oneJson, ROOT, tmp } from './helpers.js';

const dir = tmp();
after(() => rmSync(dir, { recursive: true, force: true }));

const VALID = `name: small
durationNs: 300ms
settleNs: 20s
clients:
  - name: r
    workload: renderer
    jobs: 2
`;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Runs the cases in this process, one after another. */
async function seq(cases: readonly (readonly string[])[]): Promise<CliResult[]> {
  const out: CliResult[] = [];
  for (const c of cases) out.push(await inProcess(c));
  return out;
}

/** Runs the cases as processes, a few at a time. */
async function all(cases: readonly (readonly string[])[]): Promise<CliResult[]> {
  const out: CliResult[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < cases.length) {
        const i = next++;
        out[i] = await cli(cases[i] as string[]);
      }
    }),
  );
  return out;
}

test('each kind of bad input exits 2 with a message naming the problem', async () => {
  const malformed = file('malformed.yaml', 'name: [unclosed\nclients: 1\n');
  const invalid = file('invalid.yaml', VALID.replace('jobs: 2', 'jobs: -4'));
  const fault = file(
    'fault.yaml',
    `${VALID}faults:\n  - name: gpu-melt\n    atNs: 0\n    count: 1\n    rate: 1\n`,
  );
  const typo = file('typo.yaml', VALID.replace('settleNs', 'setleNs'));
  const cases: [string[], RegExp][] = [
    [['run', 'nope'], /unknown scenario 'nope'.*hang/],
    [['run', 'hang', '--design', 'nope'], /--design.*'nope'.*default, panthor/],
    [['run', 'hang', '--strategy', 'nope'], /--strategy.*'nope'.*random, pct/],
    [['run', 'hang', '--seed', '1x'], /--seed must be an integer, got '1x'/],
    [['run', 'hang', '--bug', 'no-such-bug'], /--bug.*'no-such-bug'/],
    [['run', join(dir, 'missing.yaml')], /missing\.yaml: cannot read scenario file/],
    [['run', malformed], /malformed\.yaml:\d+:\d+: malformed YAML/],
    [['run', invalid], /invalid\.yaml:7:\d+: clients\.0\.jobs: /],
    [['run', fault], /fault\.yaml:9:\d+: faults\.0\.name: unknown fault 'gpu-melt'/],
    [['run', typo], /typo\.yaml:3:\d+: setleNs: unknown field/],
    [['explore', 'hang', '--runs', '-1'], /--runs must be in \[1, \d+\], got -1/],
    [['explore', 'hang', '--runs', 'many'], /--runs must be an integer, got 'many'/],
    [['explore', 'hang', '--runs', '0'], /--runs must be in/],
    [['explore', 'hang', '--jobs', '0'], /--jobs must be in/],
    [['explore', 'hang', '--depth', '99'], /--depth must be in/],
    [['explore', 'hang', '--shard', '2/2'], /--shard 2\/2: need 0 <= I < N/],
    [['explore', 'hang', '--shard', 'half'], /--shard must look like I\/N/],
    [['explore', 'hang', '--strategy', 'bfs'], /--strategy.*'bfs'/],
    [
      ['explore', 'hang', '--strategy', 'pct', '--depth', '0', '--runs', '1'],
      /pct needs depth >= 1/,
    ],
    [['explore', 'hang', '--frobnicate'], /unknown option '--frobnicate'/],
    [['compare', '--runs', '-5'], /--runs must be in/],
    [['compare', '--designs', 'default,nope'], /--designs: unknown design 'nope'/],
    [['compare', '--strategy', 'dfs'], /compare explores with/],
    [
      ['explore', 'hang', '--certificate', join(dir, 'c.json')],
      /--certificate needs --strategy dfs/,
    ],
    [
      ['explore', 'hang', '--strategy', 'dfs', '--certificate', dir],
      /--certificate .*: is a directory, not a file/,
    ],
    [['merge', join(dir, 'x.json'), '--certificate', dir], /--certificate .*: is a directory/],
    [['compare', '--max-schedules', '10'], /--max-schedules needs --exhaustive/],
    [['explore', 'hang', '--bound', 'delay'], /--bound needs --strategy dfs/],
    [
      ['explore', 'hang', '--strategy', 'dfs', '--bound', 'steps'],
      /--bound.*'steps'.*preemption, delay/,
    ],
    [['compare', '--bound', 'delay'], /--bound needs --exhaustive/],
    [['explore', 'hang', '--max-depth', '5'], /--max-depth needs --strategy dfs/],
    [['explore', 'hang', '--por'], /--por needs --strategy dfs/],
    [['explore', 'hang', '--branch-window', 'whole'], /--branch-window needs --strategy dfs/],
    [
      ['explore', 'window', '--strategy', 'dfs', '--branch-window', '5ms'],
      /--branch-window must be race, whole or FROM:UNTIL/,
    ],
    [
      ['explore', 'window', '--strategy', 'dfs', '--branch-window', '9ms:5ms'],
      /--branch-window: FROM must be before UNTIL/,
    ],
    [['compare', '--branch-window', 'whole'], /--branch-window needs --exhaustive/],
    [['compare', '--por'], /--por needs --exhaustive/],
    [['explore', 'hang', '--resume'], /--resume needs --out/],
    [['run', 'window@nope'], /program id 'window@nope': unknown design 'nope'/],
    [['explore', 'nope@rwsem'], /unknown scenario 'nope' in 'nope@rwsem'/],
    [
      ['run', 'window@rwsem', '--design', 'tyr'],
      /--design tyr and 'window@rwsem' name two designs/,
    ],
    [['explore', 'window@rwsem+no-such-bug'], /unknown bug 'no-such-bug'/],
    [['compare', '--resume'], /--resume needs --exhaustive and --out/],
    [['compare', '--exhaustive', '--resume'], /--resume needs --exhaustive and --out/],
    [['compare', '--plan'], /--plan needs --exhaustive/],
    [['explore', 'window', '--plan'], /--plan needs --strategy dfs/],
    [['explore', 'window', '--strategy', 'dfs', '--plan', '--shard', '0/2'], /without --shard/],
    [['explore', 'window', '--strategy', 'dfs', '--plan', '--out', dir], /--plan searches nothing/],
    [['compare', '--exhaustive', '--plan', '--html', 'x.html'], /--plan searches nothing/],
    [['explore', 'hang', '--strategy', 'dfs', '--max-depth', '0'], /--max-depth must be in/],
    [['compare', '--exhaustive', '--max-schedules', '0'], /--max-schedules must be in/],
    [['compare', '--exhaustive', '--max-schedules', 'lots'], /--max-schedules must be an integer/],
    [['compare', '--exhaustive', '--scenarios', 'hang'], /--scenarios: .*litmus scenarios only/],
    [['compare', '--exhaustive', '--html', dir], /--html .*: is a directory/],
    [['regress', '--bug', 'nope'], /--bug.*'nope'/],
    [['regress', '--runs', 'x'], /--runs must be an integer/],
    [['fuzz', '--design', 'nope'], /--design.*'nope'/],
    [['bench', '--base-dist', join(dir, 'no-such-dist')], /--base-dist: no such directory/],
    [['bench', '--quick', '--base-dist', dir], /--base-dist: .* is not a resetlab tree/],
    [['run'], /missing required argument 'scenario'/],
    [['nosuchcommand'], /unknown command 'nosuchcommand'/],
  ];
  const results = await seq(cases.map(([args]) => args));
  cases.forEach(([args, re], i) => {
    const r = results[i] as CliResult;
    assert.equal(r.code, 2, `resetlab ${args.join(' ')}: exit 2, got ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, re, `resetlab ${args.join(' ')}`);
    assert.equal(r.stdout, '', `resetlab ${args.join(' ')}: nothing on stdout`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `resetlab ${args.join(' ')}: no stack trace`);
  });
});

test('replay and merge of missing or foreign files exit 2 naming the file', async () => {
  const notJson = file('not-a-failure.json', '{"version": 1}');
  const cases: [string[], RegExp][] = [
    [['replay', join(dir, 'missing.json')], /missing\.json: ENOENT/],
    [['replay', notJson], /not-a-failure\.json: program: /],
    [['merge', join(dir, 'missing.json')], /missing\.json: ENOENT/],
  ];
  const results = await all(cases.map(([args]) => args));
  cases.forEach(([args, re], i) => {
    const r = results[i] as CliResult;
    assert.equal(r.code, 2, `resetlab ${args.join(' ')}: exit 2, got ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, re, `resetlab ${args.join(' ')}`);
    assert.equal(r.stdout, '');
  });
});

test('under --json a usage error is one JSON object naming the field', async () => {
  const [a, b, c] = await all([
    ['run', 'nope', '--json'],
    ['explore', 'hang', '--runs', '-1', '--json'],
    ['run', file('bad2.yaml', VALID.replace('jobs: 2', 'jobs: x')), '--json'],
  ]);
  for (const r of [a, b, c] as CliResult[]) assert.equal(r.code, 2);
  assert.deepEqual(Object.keys(oneJson(a as CliResult)), ['error']);
  assert.equal((oneJson(a as CliResult).error as { field: string }).field, '<scenario>');
  assert.equal((oneJson(b as CliResult).error as { field: string }).field, '--runs');
  assert.equal((oneJson(c as CliResult).error as { field: string }).field, 'clients.0.jobs');
});

test('help and version exit 0; every command has --help', async () => {
  const cmds = [
    'demo',
    'scenarios',
    'run',
    'explore',
    'replay',
    'explain',
    'compare',
    'regress',
    'bench',
    'merge',
    'fuzz',
  ];
  const results = await seq([['--help'], ['--version'], ...cmds.map((c) => [c, '--help'])]);
  const [help, version, ...each] = results as CliResult[];
  assert.equal(help?.code, 0);
  for (const c of cmds) assert.match(help?.stdout ?? '', new RegExp(`\\n  ${c}\\b`));
  assert.equal(version?.code, 0);
  assert.match(version?.stdout ?? '', /^\d+\.\d+\.\d+\n$/);
  each.forEach((r, i) => {
    assert.equal(r.code, 0, `${cmds[i]} --help`);
    assert.match(r.stdout, new RegExp(`Usage: resetlab ${cmds[i]}`));
  });
});

test('bench and fuzz load their modules, or say they are not in this build', async () => {
  const hasBench = existsSync(join(ROOT, 'src/bench/index.ts'));
  const hasFuzz = existsSync(join(ROOT, 'src/fuzz/fuzz.ts'));
  const cases: string[][] = [];
  if (!hasBench) cases.push(['bench', '--json']);
  if (!hasFuzz) cases.push(['fuzz', '--json']);
  for (const r of await seq(cases)) {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not available in this build/);
    assert.ok('error' in oneJson(r));
  }
});

test('output paths are checked before any work: exit 2 naming the flag and the path', async () => {
  const afile = file('a-file.txt', 'not a directory\n');
  const adir = join(dir, 'a-dir');
  mkdirSync(adir, { recursive: true });
  const failure = join(ROOT, 'test/fuzz/fixtures/fixed-default-isolation-remap.json');
  const proc = '/proc/nope/x.json';
  const cases: [string[], string, string][] = [
    [['run', 'fw-hang', '--trace', proc], '--trace', proc],
    [['run', 'hang', '--trace', adir], '--trace', adir],
    [['run', 'hang', '--trace', join(afile, 'x.json')], '--trace', join(afile, 'x.json')],
    [['explore', 'hang', '--runs', '1', '--out', afile], '--out', afile],
    [['explore', 'hang', '--runs', '1', '--out', '/proc/nope'], '--out', '/proc/nope'],
    [['replay', failure, '--trace', adir], '--trace', adir],
    [['compare', '--runs', '1', '--out', afile], '--out', afile],
    [['compare', '--runs', '1', '--html', adir], '--html', adir],
    [['compare', '--runs', '1', '--html', proc], '--html', proc],
    [['demo', '--out', afile], '--out', afile],
    [['regress', '--out', afile], '--out', afile],
    [['merge', failure, '--out', afile], '--out', afile],
    [['fuzz', '--runs', '1', '--out', afile], '--out', afile],
  ];
  // A read-only filesystem, where this machine mounts a system directory read-only (as many
  // containers do with /sys): EROFS, which stops root too.
  const RO_CANDIDATES = ['/sys', '/sys/fs/cgroup', '/proc/sys', '/usr', '/boot'];
  const ro = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => RO_CANDIDATES.includes(f[1] ?? '') && f[3]?.split(',').includes('ro'));
  if (ro?.[1] !== undefined) {
    const p = join(ro[1], 'resetlab-trace.json');
    cases.push([['run', 'hang', '--trace', p], '--trace', p]);
  }
  // A directory without write permission (not for root, whom permission bits do not stop).
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { recursive: true });
    chmodSync(locked, 0o555);
    cases.push([['run', 'hang', '--trace', join(locked, 'x.json')], '--trace', locked]);
  }
  const results = await seq(cases.map(([args]) => args));
  cases.forEach(([args, flag, path], i) => {
    const r = results[i] as CliResult;
    const what = `resetlab ${args.join(' ')}`;
    assert.equal(r.code, 2, `${what}: exit 2, got ${r.code}\n${r.stderr}`);
    assert.ok(r.stderr.includes(flag), `${what}: names ${flag}: ${r.stderr}`);
    assert.ok(r.stderr.includes(path), `${what}: names ${path}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${what}: nothing on stdout`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
  });
  assert.ok(!existsSync(join(dir, 'a-dir', 'failures')), 'no work was done');
  // Under --json, one error object naming the flag.
  const j = await inProcess(['run', 'fw-hang', '--trace', proc, '--json']);
  assert.equal(j.code, 2);
  const err = oneJson(j).error as { field: string; message: string };
  assert.equal(err.field, '--trace');
  assert.ok(err.message.includes(proc), err.message);
});

test('out-of-range numbers exit 2 naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['run', 'hang', '--seed', '-1'], /--seed must be in \[0, 4294967295\], got -1/],
    [['run', 'hang', '--seed', '4294967296'], /--seed must be in \[0, 4294967295\]/],
    [['explore', 'hang', '--seed', '-7', '--runs', '1'], /--seed must be in/],
    [['compare', '--seed', '-1'], /--seed must be in/],
    [['explore', 'hang', '--max-steps', '0'], /--max-steps must be in/],
    [['explore', 'hang', '--pct-steps', '-3'], /--pct-steps must be in/],
    [['compare', '--shrink-budget', '-1'], /--shrink-budget must be in/],
    [['fuzz', '--calls', '0'], /--calls must be in/],
  ];
  const results = await seq(cases.map(([args]) => args));
  cases.forEach(([args, re], i) => {
    const r = results[i] as CliResult;
    assert.equal(r.code, 2, `resetlab ${args.join(' ')}: exit 2, got ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, re, `resetlab ${args.join(' ')}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `resetlab ${args.join(' ')}: no stack trace`);
  });
});

test('a fault or client outside the active phase is a warning naming the field and line', async () => {
  const late = file(
    'late.yaml',
    `${VALID.replace('    jobs: 2', '    jobs: 1\n    startNs: 1s')}faults:\n  - name: job-hang\n    atNs: 2s\n    count: 1\n    rate: 1\n`,
  );
  const r = await inProcess(['run', late, '--json']);
  assert.equal(r.code, 0, r.stderr);
  oneJson(r);
  assert.match(r.stderr, /warning: .*late\.yaml:8:\d+: clients\.0\.startNs: 1 s is not before/);
  assert.match(r.stderr, /warning: .*late\.yaml:11:\d+: faults\.0\.atNs: 2 s .*never fires/);
});
