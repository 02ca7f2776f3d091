/**
 * docs/api.md cannot rot: every ```ts block of it (the complete programs; ```ts fragment blocks
 * are excerpts) is extracted, its `from 'resetlab'` import pointed at src/index.ts, written to a
 * temporary module and imported, with console.log captured. The first program's output must
 * match the ```text block that follows it in the document.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
const INDEX_URL = pathToFileURL(join(ROOT, 'src', 'index.ts')).href;

interface Block {
  info: string;
  code: string;
}

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(md); m !== null; m = re.exec(md)) {
    out.push({ info: (m[1] ?? '').trim(), code: m[2] ?? '' });
  }
  return out;
}

const ALL = blocks(DOC);
const PROGRAMS = ALL.filter((b) => b.info === 'ts');

/** Runs one program block as a module; returns what it printed. */
async function runBlock(code: string, name: string): Promise<string[]> {
  assert.match(code, /from 'resetlab'/, `${name} imports the public entry`);
  const source = code.replaceAll("from 'resetlab'", `from '${INDEX_URL}'`);
  const dir = mkdtempSync(join(tmpdir(), 'resetlab-api-'));
  // .mts: outside the package, a .ts file would be compiled as CommonJS (no top-level await).
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, source);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    await import(pathToFileURL(file).href);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

test('docs/api.md has the three complete programs', () => {
  assert.equal(PROGRAMS.length, 3, ALL.map((b) => b.info).join(', '));
});

test('docs/api.md section 8: the complete example prints what the document says', async () => {
  const program = PROGRAMS[0];
  assert.ok(program !== undefined);
  const lines = await runBlock(program.code, 'complete-example');
  // The ```text block right after the program is its documented output.
  const i = ALL.indexOf(program);
  const expected = ALL[i + 1];
  assert.ok(expected !== undefined && expected.info === 'text', 'followed by its output');
  const want = expected.code.trimEnd().split('\n');
  assert.equal(lines.length, want.length, lines.join('\n'));
  for (const [k, w] of want.entries()) {
    const got = lines[k] ?? '';
    if (w.startsWith('run: ')) {
      // Step count and virtual time depend on the seed and the version.
      assert.match(got, /^run: stopped after \d+ steps, \d+ ns of virtual time$/);
    } else if (w.startsWith('trace hash: ')) {
      assert.match(got, /^trace hash: [0-9a-f]{16}$/);
    } else {
      assert.equal(got, w);
    }
  }
});

test('docs/api.md section 9: scenarios, a trace export and a scenario of your own', async () => {
  const program = PROGRAMS[1];
  assert.ok(program !== undefined);
  const lines = await runBlock(program.code, 'scenarios');
  assert.match(lines[0] ?? '', /^built-in scenarios: hang, fault, .*vm-teardown/);
  assert.match(
    lines[1] ?? '',
    /^hang@default: \d+ reset\(s\), jobs \d+ completed .* recovered true, violations 0$/,
  );
  assert.match(lines[2] ?? '', /^chrome trace: [1-9]\d* events, problems 0$/);
  assert.match(
    lines[3] ?? '',
    /^fault-beside-renderer@default: [1-9]\d* jobs completed, violations: none$/,
  );
  assert.match(lines[4] ?? '', /^fault-beside-renderer@rwsem: /);
  assert.equal(lines.length, 5);
});

test('docs/api.md section 10: exploring catches the historical bug', async () => {
  const program = PROGRAMS[2];
  assert.ok(program !== undefined);
  const lines = await runBlock(program.code, 'explore');
  assert.match(
    lines[0] ?? '',
    /^vm-teardown@default\+vm-destroy-no-evict: 4 runs, [1-9]\d* violating$/,
  );
  assert.ok(
    lines.some((l) => /^ {2}teardown-page-fault in run \d+ \(seed \d+\): /.test(l)),
    lines.join('\n'),
  );
  assert.equal(lines.at(-1), 'determinism mismatches: 0');
});
