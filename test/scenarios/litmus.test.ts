/**
 * The litmus scenarios (src/scenarios/litmus.ts): one per question of the reset threads, each
 * an ordinary program. `default` answers every one (no violation in a short portfolio
 * campaign); mainline Panthor fails the two whose answer is known from the kernel (Panfrost's
 * AS count across a reset; a failed reset that unplugs instead of recovering), and Tyr's
 * `todo!()` never recovers from a failed reset.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import type { Certificate } from '../../src/explore/certificate.js';
import { explore } from '../../src/explore/explore.js';
import { getProgram } from '../../src/explore/registry.js';
import '../../src/scenarios/register.js';
import { builtinScenario, builtinScenarioNames } from '../../src/scenarios/builtin.js';
import { LITMUS_SCENARIOS } from '../../src/scenarios/litmus.js';
import { inProcess, oneJson } from '../cli/helpers.js';

test('litmus: at least one scenario per seed question, each resolvable, none in the default sets', () => {
  const names = LITMUS_SCENARIOS.map((l) => l.name);
  for (const q of [
    'window',
    'inflight',
    'reentry',
    'coalesce',
    'suspend-race',
    'vm-destroy-tick',
    'perfcnt-reset',
    'wedge-order',
  ])
    assert.ok(names.includes(q), q);
  for (const l of LITMUS_SCENARIOS) {
    assert.equal(builtinScenario(l.name), l.spec, `${l.name} resolves as a scenario`);
    assert.ok(!builtinScenarioNames().includes(l.name), 'not run by compare or a soak unasked');
    assert.ok(l.question.length > 20 && l.guarantee.length > 10 && l.invariants.length > 0);
    assert.ok(getProgram(`${l.name}@default`) !== undefined, `${l.name}@default is a program`);
  }
});

test('litmus: default answers every question (30 portfolio runs each, no violation)', async () => {
  for (const l of LITMUS_SCENARIOS) {
    const p = getProgram(`${l.name}@default`);
    assert.ok(p !== undefined);
    const r = await explore(p, { strategy: 'portfolio', runs: 30, seed: 1, shrink: false });
    assert.deepEqual(
      r.failures.map((f) => `${f.invariant}: ${f.message}`),
      [],
      l.name,
    );
  }
});

test('litmus: mainline fails perfcnt-reset (AS count underflow) and wedge-order (no recovery); Tyr never recovers from a failed reset', async () => {
  const first = async (program: string, invariant: string) => {
    const p = getProgram(program);
    assert.ok(p !== undefined, program);
    const r = await explore(p, { strategy: 'portfolio', runs: 30, seed: 1, shrink: false });
    return r.failures.find((f) => f.invariant === invariant)?.run ?? null;
  };
  assert.notEqual(await first('perfcnt-reset@panthor', 'refcount-underflow'), null);
  assert.notEqual(await first('wedge-order@panthor', 'recovery'), null);
  assert.notEqual(await first('wedge-order@tyr', 'recovery'), null);
});

test('resetlab litmus --json lists them; compare --scenarios takes their names', async () => {
  const j = oneJson(await inProcess(['litmus', '--json'])) as {
    litmus: { name: string; question: string; guarantee: string; invariants: string[] }[];
  };
  assert.equal(j.litmus.length, LITMUS_SCENARIOS.length);
  for (const l of j.litmus) assert.ok(l.name && l.question && l.guarantee && l.invariants.length);
  const text = await inProcess(['litmus']);
  for (const line of text.stdout.split('\n')) assert.ok([...line].length <= 100, line);
  const c = await inProcess([
    'compare',
    '--scenarios',
    'window,coalesce',
    '--designs',
    'default,panthor',
    '--runs',
    '2',
    '--jobs',
    '1',
    '--no-progress',
    '--json',
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual((oneJson(c) as { scenarios: string[] }).scenarios, ['window', 'coalesce']);
});

test('the prove command resetlab litmus prints exhausts window@default within one delay: no violation within these bounds', async () => {
  const j = oneJson(await inProcess(['litmus', '--json'])) as {
    litmus: { name: string; prove: string }[];
  };
  const window = j.litmus.find((l) => l.name === 'window');
  assert.ok(window !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-prove-'));
  try {
    const cert = join(dir, 'window.json');
    const args = window.prove.split(' ').slice(1);
    const at = args.indexOf('--certificate');
    assert.ok(at > 0, window.prove);
    args[at + 1] = cert;
    const r = await inProcess([...args, '--no-progress', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(cert, 'utf8')) as Certificate;
    assert.equal(c.program, 'window@default');
    assert.equal(c.bounds.kind, 'delay');
    assert.equal(c.bounds.delays, 1);
    assert.equal(c.exhausted, true);
    assert.equal(c.truncated, false);
    assert.equal(c.verdict, 'no violation within these bounds');
    assert.ok(c.schedules > 100 && c.schedules < 5000, `${c.schedules} schedules`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explore <litmus> --strategy dfs --por: the certificate names the reduction and says the driver model is conservative', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-por-'));
  try {
    const cert = join(dir, 'c.json');
    const args = ['explore', 'perfcnt-reset', '--strategy', 'dfs', '--bound', 'delay'];
    const r = await inProcess([
      ...args,
      ...['--depth', '1', '--max-depth', '5', '--runs', '500', '--jobs', '2', '--por'],
      ...['--certificate', cert, '--no-progress', '--json'],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(cert, 'utf8')) as Certificate;
    assert.equal(c.reduction, 'hb-cache+symmetry');
    assert.equal(c.footprints, 'conservative');
    assert.equal(c.prunedRuns, 0);
    assert.equal(c.exhausted, true);
    const plain = await inProcess([
      ...args,
      ...['--depth', '1', '--max-depth', '5', '--runs', '500', '--jobs', '1', '--no-progress'],
      '--json',
    ]);
    const p = (oneJson(plain) as { certificate: Certificate }).certificate;
    assert.equal(p.reduction, 'none');
    assert.equal(p.footprints, null);
    // No pool starts two workers within the first 5 decisions, so symmetry leaves nothing out.
    assert.equal(c.schedules, p.schedules, 'the same search');
    assert.deepEqual(c.outcomes, p.outcomes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explore <litmus>@<design>: a program id as the scenario argument is that scenario on that design', async () => {
  const args = ['--strategy', 'dfs', '--bound', 'delay', '--depth', '0', '--por'];
  const tail = ['--jobs', '1', '--no-progress', '--json'];
  const byId = oneJson(await inProcess(['explore', 'window@rwsem', ...args, ...tail])) as {
    program: string;
    certificate: Certificate;
  };
  const byFlag = oneJson(
    await inProcess(['explore', 'window', '--design', 'rwsem', ...args, ...tail]),
  ) as { program: string; certificate: Certificate };
  assert.equal(byId.program, 'window@rwsem');
  assert.equal(byId.certificate.design, 'rwsem');
  assert.deepEqual(byId.certificate, byFlag.certificate);
  // The same design given twice is not a conflict.
  const twice = await inProcess(['run', 'window@rwsem', '--design', 'rwsem', '--json']);
  assert.equal(twice.code, 0, twice.stderr);
  assert.equal((oneJson(twice) as { design: string }).design, 'rwsem');
});

test('compare --exhaustive --resume: every finished cell is read back from its journal, the same table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-exh-resume-'));
  try {
    const args = [
      ...['compare', '--exhaustive', '--designs', 'default,tyr', '--scenarios', 'window'],
      ...['--bound', 'delay', '--depth', '0', '--jobs', '1', '--no-progress', '--json'],
      ...['--out', dir],
    ];
    type Exhaustive = { table: unknown; certificates: Certificate[] };
    const first = oneJson(await inProcess(args)) as Exhaustive;
    const again = oneJson(await inProcess([...args, '--resume'])) as Exhaustive;
    assert.deepEqual(again.table, first.table);
    assert.deepEqual(again.certificates, first.certificates);
    for (const cell of ['window@default', 'window@tyr']) {
      const s = JSON.parse(readFileSync(join(dir, cell, 'summary.json'), 'utf8'));
      assert.ok(s.resumed.runs > 0, cell);
      assert.equal(s.resumed.runs, s.runs, `${cell}: every schedule read back, none run`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare --exhaustive --por: every cell searched with the reduction, the table says so', async () => {
  const r = await inProcess([
    ...['compare', '--exhaustive', '--por', '--designs', 'default,tyr', '--scenarios', 'window'],
    ...['--bound', 'delay', '--depth', '0', '--jobs', '1', '--no-progress'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /delay bound 0, branching in each litmus scenario's race window,\s+reduction\s+hb-cache\+symmetry/,
  );
  const j = oneJson(
    await inProcess([
      ...['compare', '--exhaustive', '--por', '--designs', 'default,tyr', '--scenarios', 'window'],
      ...['--bound', 'delay', '--depth', '0', '--jobs', '1', '--no-progress', '--json'],
    ]),
  ) as { table: { reduction: string }; certificates: Certificate[] };
  assert.equal(j.table.reduction, 'hb-cache+symmetry');
  assert.equal(j.certificates.length, 2);
  for (const c of j.certificates) {
    assert.equal(c.reduction, 'hb-cache+symmetry');
    assert.equal(c.footprints, 'conservative');
  }
});

test('compare --exhaustive --plan: each cell estimated as the search would start, nothing searched, close to what the search then counts', async () => {
  const cell = [
    '--designs',
    'default',
    '--scenarios',
    'window',
    '--bound',
    'delay',
    '--depth',
    '1',
  ];
  const tail = ['--jobs', '1', '--no-progress', '--json'];
  type Plan = {
    kind: string;
    cells: {
      design: string;
      scenario: string;
      treeSizeEstimate: number;
      frontierRuns: number;
      predictedMs: number;
      overBudget: boolean;
    }[];
  };
  const planWith = async (budget: string) =>
    oneJson(
      await inProcess([
        'compare',
        '--exhaustive',
        '--plan',
        ...cell,
        '--max-schedules',
        budget,
        ...tail,
      ]),
    ) as Plan;
  const plan = await planWith('5000');
  assert.equal(plan.kind, 'resetlab-compare-exhaustive-plan');
  const p = plan.cells[0];
  assert.ok(p !== undefined && p.design === 'default' && p.scenario === 'window');
  assert.ok(p.frontierRuns > 0 && p.predictedMs > 0);
  assert.equal(p.overBudget, false);
  const searched = oneJson(
    await inProcess(['compare', '--exhaustive', ...cell, '--max-schedules', '5000', ...tail]),
  ) as { certificates: Certificate[] };
  const n = searched.certificates[0]?.schedules ?? 0;
  assert.ok(n > 100, `the search counted ${n}`);
  assert.ok(
    Math.abs(p.treeSizeEstimate - n) < 0.3 * n,
    `estimate ${p.treeSizeEstimate} against ${n} searched`,
  );
  // A budget below the estimate: the plan says the search would stop short.
  const small = await planWith('10');
  assert.equal(small.cells[0]?.overBudget, true);
  const text = await inProcess([
    'compare',
    '--exhaustive',
    '--plan',
    ...cell,
    '--jobs',
    '1',
    '--no-progress',
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /nothing searched/);
  // explore --plan: the same estimate for the one program.
  const one = oneJson(
    await inProcess([
      ...['explore', 'window@default', '--strategy', 'dfs', '--bound', 'delay', '--depth', '1'],
      ...['--plan', '--runs', '5000', '--jobs', '1', '--no-progress', '--json'],
    ]),
  ) as { kind: string; treeSizeEstimate: number; overBudget: boolean; predictedMs: number };
  assert.equal(one.kind, 'resetlab-explore-plan');
  assert.equal(one.treeSizeEstimate, p.treeSizeEstimate);
  assert.equal(one.overBudget, false);
  assert.match(text.stdout, /default\s+window\s+~\d+ ± \d+ schedules, ~[\d.]+ m?s on 1 thread/);
});

test('explore <litmus> --strategy dfs: schedules branch in the race window by default, the certificate says where; --branch-window whole searches the whole run', async () => {
  const args = ['explore', 'window', '--strategy', 'dfs', '--bound', 'delay', '--depth', '1'];
  const tail = ['--runs', '5000', '--jobs', '2', '--no-progress', '--json'];
  const race = (oneJson(await inProcess([...args, ...tail])) as { certificate: Certificate })
    .certificate;
  const spec = LITMUS_SCENARIOS.find((l) => l.name === 'window')?.spec;
  assert.ok(spec?.raceWindow !== undefined);
  assert.deepEqual(race.bounds.branchWindow, spec.raceWindow);
  assert.equal(
    race.bounds.branchWindow?.untilNs,
    spec.durationNs,
    'to the end of the active phase',
  );
  assert.equal(race.exhausted, true);
  const whole = (
    oneJson(await inProcess([...args, '--branch-window', 'whole', ...tail])) as {
      certificate: Certificate;
    }
  ).certificate;
  assert.equal(whole.bounds.branchWindow, null);
  assert.equal(whole.exhausted, true);
  // Every schedule of the window's tree is one of the whole run's (docs/explorer.md §13).
  assert.ok(race.schedules < whole.schedules, `${race.schedules} < ${whole.schedules}`);
  const explicit = (
    oneJson(await inProcess([...args, '--branch-window', '5ms:125ms', ...tail])) as {
      certificate: Certificate;
    }
  ).certificate;
  assert.deepEqual(explicit.bounds.branchWindow, { fromNs: 5_000_000, untilNs: 125_000_000 });
  assert.equal(explicit.schedules, race.schedules);
});
