/**
 * YAML files validated with zod, with errors at the line and column of the offending node:
 * shared by scenario files (file.ts) and design files (design-file.ts).
 *
 * The file is parsed with `yaml`'s `parseDocument` rather than `parse`, so that the zod issue
 * path (`clients.1.jobs`) can be looked up in the document; a missing key is reported at its
 * parent mapping, an unknown key at the key itself.
 */
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';

/** `file:line:column`, or the file alone when the problem is at no place in it. */
export function fileWhere(file: string, line: number | null, column: number | null): string {
  return line === null ? file : `${file}:${line}:${column ?? 1}`;
}

/**
 * A problem in a file a user wrote (a scenario, a design): the file, the 1-based line and
 * column (or null), the dotted field path (`clients.1.jobs`, or null) and what is wrong. The
 * message reads `file:line:column: field: problem`.
 */
export class FileProblemError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly field: string | null,
    readonly problem: string,
  ) {
    super(`${fileWhere(file, line, column)}: ${field === null ? '' : `${field}: `}${problem}`);
    this.name = new.target.name;
  }
}

/** A problem in a file: where (1-based line and column, or null), which field, and what. */
export type FileErrorFactory = (
  line: number | null,
  column: number | null,
  field: string | null,
  problem: string,
) => Error;

/** Parses YAML (or JSON, which is YAML) and validates it with `schema`; throws `fail(...)`. */
export function parseValidatedYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  what: string,
  fail: FileErrorFactory,
): z.output<S> {
  return parseValidatedYamlDocument(text, schema, what, fail).data;
}

/**
 * `parseValidatedYaml`, also returning the parsed document and its line counter, so that a
 * caller can point later findings (a scenario's lint warnings) at their lines with `locate`.
 */
export function parseValidatedYamlDocument<S extends z.ZodType>(
  text: string,
  schema: S,
  what: string,
  fail: FileErrorFactory,
): { data: z.output<S>; root: Node | null; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    throw fail(
      pos?.line ?? null,
      pos?.col ?? null,
      null,
      `malformed YAML: ${(first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) throw fail(null, null, null, 'the file is empty');
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw fail(1, 1, null, `expected a mapping with the ${what} fields`);
  }
  const r = schema.safeParse(data);
  if (r.success) return { data: r.data, root: doc.contents as Node | null, lines };
  // An unknown key first: it usually explains a "missing" one (a misspelt `setleNs`).
  const issue = (r.error.issues.find((i) => i.code === 'unrecognized_keys') ??
    r.error.issues[0]) as z.core.$ZodIssue;
  let path: PropertyKey[] = issue.path;
  // An unknown key is reported at the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    path = [...path, issue.keys[0]];
  }
  const { line, col, exact } = locate(
    doc.contents as Node | null,
    path,
    lines,
    issue.code === 'unrecognized_keys',
  );
  const field = path.length === 0 ? '(file)' : path.map(String).join('.');
  throw fail(line, col, field, describeIssue(issue, exact));
}

function describeIssue(issue: z.core.$ZodIssue, present: boolean): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field '${issue.keys.join("', '")}'`;
  }
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && !present) {
    return 'missing required field';
  }
  if (issue.code === 'invalid_union') {
    return 'expected an integer number of nanoseconds or a duration like 300ms';
  }
  return issue.message;
}

/**
 * Line and column of the node at `path`, or of its nearest ancestor present in the document
 * (`exact` says which), so that a missing field points at the mapping that lacks it.
 */
export function locate(
  root: Node | null,
  path: readonly PropertyKey[],
  lines: LineCounter,
  keyOfLast = false,
): { line: number | null; col: number | null; exact: boolean } {
  let node: Node | null = root;
  let at: number | null = root?.range?.[0] ?? null;
  let exact = true;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as Node | null;
        return k !== null && (k as { value?: unknown }).value === key;
      });
      if (pair === undefined) {
        exact = false;
        break;
      }
      const k = pair.key as Node;
      const v = pair.value as Node | null;
      // Point at the value when there is one (the key for an unknown key).
      at =
        keyOfLast && i === path.length - 1
          ? (k.range?.[0] ?? at)
          : (v?.range?.[0] ?? k.range?.[0] ?? at);
      node = v;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (item === undefined) {
        exact = false;
        break;
      }
      at = item.range?.[0] ?? at;
      node = item;
    } else {
      exact = false;
      break;
    }
  }
  if (at === null) return { line: null, col: null, exact };
  const pos = lines.linePos(at);
  return { line: pos.line, col: pos.col, exact };
}
