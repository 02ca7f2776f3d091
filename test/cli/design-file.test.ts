/**
 * Design files (src/scenarios/design-file.ts): the two files of docs/designs.md "Your design in
 * 30 lines" are taken from the document and its commands run exactly as written (in a directory
 * holding the files); a bad field or value is exit 2 naming the field and the line; a design
 * file reaches campaign workers and `replay`. And the factor table of the document is the one
 * generated from the factors.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { factorTable, presetTable } from '../fidelity/factor-table.js';
import { cli, oneJson, ROOT, tmp } from './helpers.js';

const DOC = readFileSync(join(ROOT, 'docs/designs.md'), 'utf8');

/** The fenced block that follows `marker` in the document. */
function blockAfter(marker: string): string {
  const at = DOC.indexOf(marker);
  assert.ok(at >= 0, `docs/designs.md has ${marker}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(DOC.slice(at));
  assert.ok(m?.[1] !== undefined, `a code block after ${marker}`);
  return m[1];
}

function docFiles(dir: string): void {
  for (const name of ['rwsem-wedge.yaml', 'handoff-gate.ts'])
    writeFileSync(join(dir, name), blockAfter(`<!-- design-file: ${name} -->`));
}

test('docs/designs.md: your design in 30 lines runs exactly as written', async () => {
  const dir = tmp('resetlab-designs-');
  docFiles(dir);
  for (const name of ['rwsem-wedge.yaml', 'handoff-gate.ts']) {
    const lines = blockAfter(`<!-- design-file: ${name} -->`).trimEnd().split('\n').length;
    assert.ok(lines <= 30, `${name} is ${lines} lines`);
  }
  const commands = blockAfter('<!-- design-commands -->').trim().split('\n');
  assert.ok(commands.length >= 3);
  for (const line of commands) {
    assert.match(line, /^npx resetlab /);
    const args = line.replace(/^npx resetlab /, '').split(/\s+/);
    const r = await cli(args, { cwd: dir, timeoutMs: 240_000 });
    assert.ok(r.code === 0 || r.code === 1, `${line}: exit ${r.code}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, `${line}: no stack trace`);
    if (args.includes('--json')) {
      const j = oneJson(r);
      assert.match(String(j.design), /rwsem-wedge\.yaml\+blame=ping$/);
    }
    if (args[0] === 'compare') {
      // The files' own names head the columns; mainline and rwsem are there to compare with.
      assert.match(r.stdout, /rwsem-wedge/);
      assert.match(r.stdout, /handoff-gate/);
      assert.match(r.stdout, /panthor/);
    }
  }
});

test('a design file reaches workers and replay; its rules follow its factors', async () => {
  const dir = tmp('resetlab-designs-');
  docFiles(dir);
  const out = join(dir, 'failures');
  // perfcnt on an rwsem base: the Panfrost as_count underflow, found in the first runs.
  const r = await cli(
    [
      'explore',
      'perfcnt',
      '--design',
      join(dir, 'rwsem-wedge.yaml'),
      '--runs',
      '4',
      '--jobs',
      '2',
      '--out',
      out,
      '--no-progress',
      '--json',
    ],
    { timeoutMs: 240_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const j = oneJson(r) as { design: string; violations: { invariant: string; replay: string }[] };
  assert.match(j.design, /^file:.*rwsem-wedge\.yaml$/);
  const v = j.violations.find((x) => x.invariant === 'refcount-underflow');
  assert.ok(v, 'the underflow is found by the workers');
  const rp = await cli([...v.replay.replace(/^resetlab /, '').split(' '), '--json']);
  assert.equal(rp.code, 0, rp.stderr);
  assert.equal(oneJson(rp).reproduced, true);

  const cmp = await cli(
    [
      'compare',
      '--designs',
      `${join(dir, 'rwsem-wedge.yaml')},${join(dir, 'handoff-gate.ts')}`,
      '--scenarios',
      'hang',
      '--runs',
      '1',
      '--jobs',
      '1',
      '--metric-runs',
      '1',
      '--json',
    ],
    { timeoutMs: 240_000 },
  );
  const cj = oneJson(cmp) as { claims: Record<string, string[]>; labels: Record<string, string> };
  const [yamlRef, tsRef] = Object.keys(cj.claims) as [string, string];
  // rwsem's gate drains (hw-access rule); failure=wedge claims the wedge protocol.
  assert.deepEqual(cj.claims[yamlRef], ['hw-access-during-reset', 'wedge-protocol']);
  assert.deepEqual(cj.claims[tsRef], ['wedge-protocol']);
  assert.equal(cj.labels[yamlRef], 'rwsem-wedge');
  assert.equal(cj.labels[tsRef], 'handoff-gate');
});

test('a bad design file is exit 2 naming the field and the line; no work is done', async () => {
  const dir = tmp('resetlab-designs-');
  const cases: [string, string, RegExp][] = [
    [
      'misspelt.yaml',
      'base: rwsem\nfactors:\n  failure: wedge\n  blme: ping\n',
      /misspelt\.yaml:4:3: factors\.blme: unknown field 'blme'/,
    ],
    [
      'value.yaml',
      'base: rwsem\nfactors:\n  failure: wedgy\n',
      /value\.yaml:3:12: factors\.failure: unknown value 'wedgy' \(one of unplug, wedge, panic, log\)/,
    ],
    ['preset.yaml', 'base: rwsemm\n', /preset\.yaml:1:7: base: unknown preset 'rwsemm'/],
    [
      'conflict.yaml',
      'base: panthor\nfactors:\n  refused: wait\n',
      /conflict\.yaml:\d+:\d+: factors: .*refused=wait needs a gate/,
    ],
    [
      'field.ts',
      "export default { base: 'rwsem', factor: {} };\n",
      /field\.ts: factor: unknown field 'factor'/,
    ],
    ['gate.ts', "export default { base: 'rwsem', gate: 3 };\n", /gate\.ts: gate: expected a class/],
  ];
  for (const [name, text, want] of cases) {
    writeFileSync(join(dir, name), text);
    const r = await cli(['run', 'hang', '--design', join(dir, name), '--json']);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    const e = oneJson(r).error as { field: string; message: string };
    assert.equal(e.field, '--design', name);
    assert.match(e.message, want, name);
  }
  const missing = await cli(['run', 'hang', '--design', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--design: .*nope\.yaml: cannot read design file/);
  const plus = await cli([
    'compare',
    '--designs',
    `rwsem,${join(dir, 'nope.yaml')}`,
    '--runs',
    '1',
  ]);
  assert.equal(plus.code, 2);
  assert.match(plus.stderr, /--designs: .*nope\.yaml/);
});

test('docs/designs.md: the factor and preset tables are the ones the code generates', () => {
  for (const [name, table] of [
    ['factors', factorTable()],
    ['presets', presetTable()],
  ] as const) {
    const begin = `<!-- ${name}:begin -->`;
    const at = DOC.indexOf(begin);
    const end = DOC.indexOf(`<!-- ${name}:end -->`);
    assert.ok(at >= 0 && end > at, name);
    assert.equal(DOC.slice(at + begin.length, end).trim(), table, name);
  }
});
