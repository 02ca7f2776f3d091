/**
 * Design files: your own reset design, as YAML (a preset plus factor changes) or as a
 * TypeScript or JavaScript module (the same object, optionally with a gate class of its own).
 * docs/designs.md ("your design in 30 lines") shows both.
 *
 * ```yaml
 * name: rwsem-wedge         # optional; default: the file's base name
 * base: rwsem               # the preset it starts from (default: panthor, the pinned kernel)
 * follows: my proposal      # optional: what it follows, shown by `resetlab designs`
 * factors:                  # optional: factor changes (`resetlab designs` lists them)
 *   failure: wedge
 *   blame: ping
 * ```
 *
 * A module exports the same fields as its default export (or as `design`), and may add `gate`,
 * a class `new (dev, refusedWaits) => Gate` (src/driver/reset/gates/gate.ts) used instead of
 * the gate the `gate` factor names; the factor still says which rules the design claims.
 *
 * In references and program ids a design file is `file:<absolute path>`, optionally followed
 * by `+factor=value` changes; so the path may contain neither `+` nor `@`. The model cannot
 * read files: `ensureDesign` loads a file once per thread and registers its spec with the
 * designs (src/driver/reset/designs/index.ts) before the run resolves it — in the command line,
 * in `runScenario`, and so in every campaign worker and in `replay`.
 *
 * A YAML error names the field, line and column (yaml-validate.ts); a module's names the field.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { DesignSpec, GateClass } from '../driver/reset/design.js';
import {
  DESIGN_FILE_PREFIX,
  DESIGN_NAMES,
  DesignRefError,
  loadedDesignFile,
  preset,
  registerDesignFile,
  resolveDesign,
  withFactors,
} from '../driver/reset/designs/index.js';
import { FACTORS, factorConflict } from '../driver/reset/factors.js';
import { FileProblemError, parseValidatedYaml } from './yaml-validate.js';

export const MAX_DESIGN_FILE_BYTES = 64 * 1024;

const YAML_EXT = /\.(ya?ml|json)$/i;
const MODULE_EXT = /\.(ts|mts|js|mjs)$/i;

/** A problem in a design file (see `FileProblemError`). */
export class DesignFileError extends FileProblemError {}

const factorsSchema = z.strictObject(
  Object.fromEntries(
    FACTORS.map((f) => {
      const values = f.values.map((v) => v.value) as [string, ...string[]];
      return [
        f.name,
        z
          .enum(values, {
            error: (iss) => `unknown value '${String(iss.input)}' (one of ${values.join(', ')})`,
          })
          .optional(),
      ];
    }),
  ),
);

export const designFileSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
        error: 'names are 1-64 letters, digits, ".", "_" or "-"',
      })
      .optional(),
    base: z
      .enum(DESIGN_NAMES, {
        error: (iss) => `unknown preset '${String(iss.input)}' (one of ${DESIGN_NAMES.join(', ')})`,
      })
      .default('panthor'),
    follows: z.string().max(500).optional(),
    factors: factorsSchema.default({}),
  })
  .superRefine((d, ctx) => {
    const base = preset(d.base);
    if (base === undefined) return;
    const f = { ...base.factors, ...d.factors };
    const conflict = factorConflict(f as DesignSpec['factors']);
    if (conflict !== null) ctx.addIssue({ code: 'custom', path: ['factors'], message: conflict });
  });

type DesignFileData = z.output<typeof designFileSchema>;

/** Whether a `--design` argument names a file rather than a preset. */
export function looksLikeDesignFile(arg: string): boolean {
  const head = arg.split('+')[0] ?? '';
  return /[/\\]/.test(head) || YAML_EXT.test(head) || MODULE_EXT.test(head);
}

/**
 * `./my.yaml+blame=ping` → `file:/abs/my.yaml+blame=ping`. Throws DesignFileError for a path
 * that cannot be a reference (it holds `+` or `@`) or that is not a readable file.
 */
export function designFileRef(arg: string): string {
  const [head = '', ...rest] = arg.split('+');
  const abs = resolve(head);
  if (abs.includes('@'))
    throw new DesignFileError(head, null, null, null, "a design file's path may not contain '@'");
  try {
    if (!statSync(abs).isFile()) throw new Error('not a regular file');
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e);
    throw new DesignFileError(head, null, null, null, `cannot read design file: ${msg}`);
  }
  return [`${DESIGN_FILE_PREFIX}${abs}`, ...rest].join('+');
}

function specOf(d: DesignFileData, path: string, gateClass?: GateClass): DesignSpec {
  const base = preset(d.base) as DesignSpec;
  const name = d.name ?? basename(path, extname(path));
  const spec = withFactors(base, Object.entries(d.factors) as [string, string][], name);
  return {
    name,
    follows:
      d.follows ?? `${base.name} with ${Object.keys(d.factors).length} factor(s) changed (${path})`,
    factors: spec.factors,
    ...(gateClass !== undefined ? { gateClass } : {}),
  };
}

function loadYaml(path: string): DesignSpec {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_DESIGN_FILE_BYTES)
      throw new Error(`file too large (${st.size} bytes; limit ${MAX_DESIGN_FILE_BYTES})`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e);
    throw new DesignFileError(path, null, null, null, `cannot read design file: ${msg}`);
  }
  const data = parseValidatedYaml(
    text,
    designFileSchema,
    'design',
    (line, col, field, problem) => new DesignFileError(path, line, col, field, problem),
  );
  return specOf(data, path);
}

/**
 * Imports a module. A .ts file that the running loader cannot take (the built CLI has none; tsx
 * registered for ESM only does not see a .ts file that Node treats as CommonJS, outside a
 * `"type": "module"` package) goes through tsx's `tsImport`, which `npm ci` installs.
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  let first: unknown;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if (!/\.m?ts$/i.test(path)) throw e;
    first = e;
  }
  let api: { tsImport: (u: string, parent: string) => Promise<unknown> };
  try {
    api = (await import('tsx/esm/api')) as typeof api;
  } catch {
    throw first;
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** The design a module exports: `default` (through CommonJS interop's extra `default`) or `design`. */
function exportedDesign(mod: Record<string, unknown>): unknown {
  let d: unknown = mod.default ?? mod.design;
  for (let i = 0; i < 2 && d !== null && typeof d === 'object'; i++) {
    const o = d as Record<string, unknown>;
    if ('base' in o || 'factors' in o || 'gate' in o || 'name' in o) break;
    d = o.default ?? o.design ?? d;
  }
  return d;
}

async function loadModule(path: string): Promise<DesignSpec> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    if (e instanceof DesignFileError) throw e;
    const msg = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    throw new DesignFileError(path, null, null, null, `cannot load design module: ${msg}`);
  }
  const exported = exportedDesign(mod);
  if (exported === null || typeof exported !== 'object') {
    throw new DesignFileError(
      path,
      null,
      null,
      null,
      'expected a default export (or `design`): an object with base, factors and optionally gate',
    );
  }
  const { gate, ...fields } = exported as Record<string, unknown>;
  if (gate !== undefined && typeof gate !== 'function') {
    throw new DesignFileError(
      path,
      null,
      null,
      'gate',
      'expected a class: new (dev, refusedWaits) => Gate',
    );
  }
  const r = designFileSchema.safeParse(fields);
  if (!r.success) {
    const issue = (r.error.issues.find((i) => i.code === 'unrecognized_keys') ??
      r.error.issues[0]) as z.core.$ZodIssue;
    const path2 =
      issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined
        ? [...issue.path, issue.keys[0]]
        : issue.path;
    const problem =
      issue.code === 'unrecognized_keys'
        ? `unknown field '${issue.keys.join("', '")}'`
        : issue.message;
    throw new DesignFileError(
      path,
      null,
      null,
      path2.length === 0 ? '(module)' : path2.map(String).join('.'),
      problem,
    );
  }
  return specOf(r.data, path, gate as GateClass | undefined);
}

/** Reads and validates a design file (YAML or module). Throws DesignFileError. */
export async function loadDesignFile(path: string): Promise<DesignSpec> {
  if (MODULE_EXT.test(path)) return loadModule(path);
  return loadYaml(path);
}

/**
 * Resolves any design reference, loading (once per thread) a `file:` head first. Throws
 * DesignRefError for a bad preset, factor or value, DesignFileError for a bad file.
 */
export async function ensureDesign(ref: string): Promise<DesignSpec> {
  const head = ref.split('+')[0] ?? '';
  if (head.startsWith(DESIGN_FILE_PREFIX) && loadedDesignFile(head) === undefined) {
    const spec = await loadDesignFile(head.slice(DESIGN_FILE_PREFIX.length));
    registerDesignFile(head, spec);
  }
  return resolveDesign(ref);
}

export { DesignRefError };
