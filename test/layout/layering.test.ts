/**
 * The layout is the architecture (docs/design.md): one room per layer, and imports only go
 * downwards. A *value* import from a lower room into a higher one (the kernel importing the
 * explorer, say) fails this test. Type-only imports may point anywhere: they vanish at run
 * time and describe an interface, as user space needs the type of `System` without depending
 * on it.
 *
 * The one sanctioned exception is listed in RUNTIME_PLUGINS: the command line loads the
 * `bench` room at run time for `resetlab bench` (src/cli/optional-modules.ts), by URL, so that
 * a build without it still has every other command.
 */
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Lowest first. `index` is the public entry (src/index.ts), which may import every room. */
export const ROOMS = [
  'kernel',
  'hw',
  'drm',
  'driver',
  'userspace',
  'system',
  'check',
  'explore',
  'scenarios',
  'campaign',
  'fuzz',
  'report',
  'cli',
  'bench',
  'index',
] as const;

const RUNTIME_PLUGINS = new Set(['cli/optional-modules.ts -> bench']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function roomOf(root: string, file: string): string {
  const rel = relative(root, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel.replace(/\.ts$/, '');
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every relative import of a file, and whether it is type-only. */
export function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    edges.push({ from: file, to: target, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      let typeOnly = false;
      if (c !== undefined) {
        if (c.isTypeOnly) typeOnly = true;
        else if (c.name === undefined && c.namedBindings !== undefined) {
          const nb = c.namedBindings;
          typeOnly =
            ts.isNamedImports(nb) &&
            nb.elements.length > 0 &&
            nb.elements.every((e) => e.isTypeOnly);
        }
      }
      add(node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const nb = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (nb !== undefined &&
          ts.isNamedExports(nb) &&
          nb.elements.length > 0 &&
          nb.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(arg.literal.text, true);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** The value imports that climb to a higher room. */
export function upwardImports(root: string, files: string[]): string[] {
  const rank = (room: string) => ROOMS.indexOf(room as (typeof ROOMS)[number]);
  const bad: string[] = [];
  for (const f of files) {
    for (const e of importsOf(f)) {
      const from = roomOf(root, e.from);
      const to = roomOf(root, e.to);
      if (e.typeOnly || rank(to) <= rank(from)) continue;
      bad.push(`${relative(root, e.from)} -> ${relative(root, e.to)} (${from} imports ${to})`);
    }
  }
  return bad;
}

test('layering: every file of src/ is in a known room', () => {
  const unknown = sourceFiles(SRC)
    .map((f) => roomOf(SRC, f))
    .filter((r) => !ROOMS.includes(r as (typeof ROOMS)[number]));
  assert.deepEqual([...new Set(unknown)], []);
});

test('layering: no value import climbs to a higher room', () => {
  assert.deepEqual(upwardImports(SRC, sourceFiles(SRC)), []);
});

test('layering: the check reports a value import that climbs, and only that one', () => {
  const root = mkdtempSync(join(tmpdir(), 'resetlab-layering-'));
  try {
    mkdirSync(join(root, 'kernel'));
    mkdirSync(join(root, 'explore'));
    writeFileSync(join(root, 'explore', 'random.ts'), 'export const x = 1;\nexport type T = 1;\n');
    writeFileSync(join(root, 'kernel', 'bad.ts'), "import { x } from '../explore/random.js';\n");
    writeFileSync(join(root, 'kernel', 'side.ts'), "import '../explore/random.js';\n");
    writeFileSync(
      join(root, 'kernel', 'types.ts'),
      "import type { T } from '../explore/random.js';\nimport { type T as U } from '../explore/random.js';\nexport type V = import('../explore/random.js').T;\n",
    );
    writeFileSync(join(root, 'explore', 'down.ts'), "import { y } from '../kernel/bad.js';\n");
    const bad = upwardImports(root, sourceFiles(root)).sort();
    assert.deepEqual(bad, [
      'kernel/bad.ts -> explore/random.ts (kernel imports explore)',
      'kernel/side.ts -> explore/random.ts (kernel imports explore)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('layering: runtime plugin loads are only the sanctioned ones', () => {
  // optional-modules.ts resolves module URLs itself; its specifiers name the rooms it loads.
  const text = readFileSync(join(SRC, 'cli', 'optional-modules.ts'), 'utf8');
  const loaded = [...text.matchAll(/loadOptional<\w+>\('\.\.\/(\w+)\//g)].map(
    (m) => `cli/optional-modules.ts -> ${m[1]}`,
  );
  for (const l of loaded) {
    const room = l.split(' -> ')[1] as string;
    const up =
      ROOMS.indexOf(room as (typeof ROOMS)[number]) >
      ROOMS.indexOf('cli' as (typeof ROOMS)[number]);
    if (up) assert.ok(RUNTIME_PLUGINS.has(l), `unsanctioned runtime load: ${l}`);
  }
});

test('layout: every room of src/ opens with a README saying what it may import and what to read first', () => {
  for (const room of ROOMS) {
    if (room === 'index') continue;
    const text = readFileSync(join(SRC, room, 'README.md'), 'utf8');
    assert.match(text, new RegExp(`^# ${room} `), `${room}/README.md names its room`);
    assert.match(text, /^May import: /m, `${room}/README.md says what it may import`);
    assert.match(text, /^Read first: /m, `${room}/README.md names the file to read first`);
  }
});
