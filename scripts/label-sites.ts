/**
 * `npx tsx scripts/label-sites.ts [--check]`: gives every acquisition of a kernel primitive
 * in src/ its call-site label, the string that lockdep splats, hung-task lists and refcount
 * histories print where the kernel prints a stack trace (docs/design.md §2, "Reports").
 *
 * A label is the name of the function the call is in and its file under src/:
 * `groupDestroy [driver/sched.ts]`. It is passed as a literal argument (`lock.lock('...')`)
 * rather than taken from a JavaScript stack trace: a literal costs nothing per acquisition,
 * while capturing a stack on every lock would cost microseconds each (docs/performance.md),
 * and a stack's text depends on the build. This script writes the literals, so that they
 * follow the code: run it after adding a lock or moving one to another function, and
 * `--check` (exit 1) lists calls without a label, or with a label that no longer names the
 * function they are in.
 *
 * Which calls: the methods below, on receivers whose type is the primitive's class (the type
 * checker decides, so a `lock()` of something else is left alone).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = resolve(ROOT, 'src');

/** Class -> method -> index of the `site` parameter (and what fills a missing argument). */
const METHODS: Record<string, Record<string, { at: number; fill?: string[] }>> = {
  Mutex: { lock: { at: 0 }, trylock: { at: 0 }, with: { at: 1 } },
  Spinlock: { lock: { at: 0 }, with: { at: 1 } },
  RwSemaphore: {
    downRead: { at: 0 },
    downReadTrylock: { at: 0 },
    downWrite: { at: 0 },
    downWriteTrylock: { at: 0 },
  },
  Srcu: { readLock: { at: 0 }, enter: { at: 0 }, synchronize: { at: 0 } },
  Work: {
    flush: { at: 0 },
    cancelSync: { at: 0 },
    disableSync: { at: 0 },
    free: { at: 0 },
  },
  DelayedWork: { flush: { at: 0 }, cancelSync: { at: 0 }, disableSync: { at: 0 } },
  Fence: { wait: { at: 1, fill: ['-1'] } },
  Refcount: {
    inc: { at: 0 },
    incNow: { at: 0 },
    incNotZero: { at: 0 },
    decAndTest: { at: 0 },
    decAndTestNow: { at: 0 },
    dec: { at: 0 },
    forceSet: { at: 1 },
  },
  Kernel: { markFreed: { at: 1 }, checkAlive: { at: 2 } },
};

/** The files that define the primitives: their own internal calls stay unlabelled. */
const SKIP = new Set(
  [
    'kernel/mutex.ts',
    'kernel/spinlock.ts',
    'kernel/rwsem.ts',
    'kernel/srcu.ts',
    'kernel/workqueue.ts',
    'kernel/fence.ts',
    'kernel/refcount.ts',
    'kernel/kernel.ts',
  ].map((p) => resolve(SRC, p)),
);

function enclosingName(node: ts.Node): string | null {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (
      (ts.isMethodDeclaration(n) ||
        ts.isFunctionDeclaration(n) ||
        ts.isGetAccessorDeclaration(n) ||
        ts.isSetAccessorDeclaration(n)) &&
      n.name !== undefined
    ) {
      return n.name.getText();
    }
    if (ts.isConstructorDeclaration(n)) {
      const cls = n.parent;
      return `${cls.name?.getText() ?? 'class'}.constructor`;
    }
    if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
      const p = n.parent;
      if (
        ts.isVariableDeclaration(p) ||
        ts.isPropertyDeclaration(p) ||
        ts.isPropertyAssignment(p)
      ) {
        return p.name.getText();
      }
    }
  }
  return null;
}

interface Edit {
  pos: number;
  text: string;
  line: number;
  problem: string;
}

function main(): void {
  const check = process.argv.includes('--check');
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  const files = config.fileNames.filter((f) => f.startsWith(`${SRC}/`) && !SKIP.has(f));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  let problems = 0;
  let changed = 0;
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) continue;
    const rel = relative(SRC, file);
    const edits: Edit[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.getText();
        const recv = checker.getTypeAtLocation(node.expression.expression);
        const cls = (recv.getSymbol() ?? recv.aliasSymbol)?.getName();
        const spec = cls === undefined ? undefined : METHODS[cls]?.[method];
        if (spec !== undefined) {
          const fn = enclosingName(node) ?? 'top level';
          const label = `${fn} [${rel}]`;
          const args = node.arguments;
          const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          const existing = args[spec.at];
          if (existing !== undefined) {
            if (ts.isStringLiteral(existing) && existing.text !== label && existing.text !== '') {
              edits.push({
                pos: -1,
                text: '',
                line,
                problem: `label '${existing.text}' should be '${label}'`,
              });
            }
          } else {
            const fill = [...(spec.fill ?? [])].slice(args.length, spec.at);
            const parts = [...fill, `'${label}'`];
            const end = node.arguments.end;
            const text = (args.length > 0 ? ', ' : '') + parts.join(', ');
            edits.push({ pos: end, text, line, problem: `${cls}.${method} has no label` });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    if (edits.length === 0) continue;
    if (check) {
      for (const e of edits) console.log(`${rel}:${e.line}: ${e.problem}`);
      problems += edits.length;
      continue;
    }
    let text = readFileSync(file, 'utf8');
    for (const e of [...edits].filter((x) => x.pos >= 0).sort((a, b) => b.pos - a.pos)) {
      text = text.slice(0, e.pos) + e.text + text.slice(e.pos);
      changed++;
    }
    for (const e of edits.filter((x) => x.pos < 0)) {
      console.log(`${rel}:${e.line}: ${e.problem} (fix by hand)`);
    }
    writeFileSync(file, text);
  }
  if (check) {
    console.log(problems === 0 ? 'every call site is labelled' : `${problems} call sites to fix`);
    process.exit(problems === 0 ? 0 : 1);
  }
  console.log(`labelled ${changed} call sites`);
}

main();
