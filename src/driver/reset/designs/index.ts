/**
 * The presets, and `--design` references: a preset name, or a preset with factors changed
 * (`rwsem+failure=wedge+blame=ping`). Design files (YAML, TypeScript) are loaded above the
 * model (`src/scenarios/design-file.ts`) and arrive here as a `DesignSpec`.
 */
import type { DesignSpec } from '../design.js';
import { FACTORS, type Factors, factorConflict, factorDef, isFactorName } from '../factors.js';
import { DEFAULT } from './default.js';
import { PANTHOR } from './panthor.js';
import { REBIND } from './rebind.js';
import { RWSEM } from './rwsem.js';
import { SRCU_EPOCH } from './srcu-epoch.js';
import { TYR } from './tyr.js';

/** Every preset, in the order tables print them. */
export const PRESETS: readonly DesignSpec[] = [DEFAULT, PANTHOR, TYR, RWSEM, SRCU_EPOCH, REBIND];

export const DESIGN_NAMES = ['default', 'panthor', 'tyr', 'rwsem', 'srcu-epoch', 'rebind'] as const;
export type DesignName = (typeof DESIGN_NAMES)[number];

export function isDesignName(s: string): s is DesignName {
  return (DESIGN_NAMES as readonly string[]).includes(s);
}

export function preset(name: string): DesignSpec | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** Design files name themselves `file:<absolute path>` in references and program ids. */
export const DESIGN_FILE_PREFIX = 'file:';

/**
 * Designs read from files, by reference (`file:<absolute path>`). The model cannot read files;
 * the loader above it (src/scenarios/design-file.ts) validates a file and registers its spec
 * here, once per thread, before anything resolves a reference to it.
 */
const loaded = new Map<string, DesignSpec>();

export function registerDesignFile(ref: string, spec: DesignSpec): void {
  loaded.set(ref, spec);
}

export function loadedDesignFile(ref: string): DesignSpec | undefined {
  return loaded.get(ref);
}

/** A bad design reference: the part that is wrong and why. */
export class DesignRefError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Applies `factor=value` changes to a spec; throws DesignRefError naming the bad one. */
export function withFactors(
  base: DesignSpec,
  changes: ReadonlyArray<readonly [string, string]>,
  name?: string,
): DesignSpec {
  const factors: Record<string, string> = { ...base.factors };
  for (const [k, v] of changes) {
    if (!isFactorName(k)) {
      throw new DesignRefError(
        k,
        `unknown factor '${k}' (factors: ${FACTORS.map((f) => f.name).join(', ')})`,
      );
    }
    const def = factorDef(k);
    const values = def?.values.map((x) => x.value) ?? [];
    if (!values.includes(v))
      throw new DesignRefError(
        k,
        `factor ${k}: unknown value '${v}' (one of ${values.join(', ')})`,
      );
    factors[k] = v;
  }
  const f = factors as Factors;
  const conflict = factorConflict(f);
  if (conflict !== null) throw new DesignRefError('factors', conflict);
  const label = name ?? [base.name, ...changes.map(([k, v]) => `${k}=${v}`)].join('+');
  return { name: label, follows: base.follows, factors: f };
}

/**
 * Resolves `<preset>[+factor=value...]`. Throws DesignRefError for an unknown preset, factor,
 * value, or a combination that means nothing.
 */
export function resolveDesign(ref: string): DesignSpec {
  const parts = ref.split('+');
  const head = parts[0] ?? '';
  const base = head.startsWith(DESIGN_FILE_PREFIX) ? loaded.get(head) : preset(head);
  if (base === undefined && head.startsWith(DESIGN_FILE_PREFIX)) {
    throw new DesignRefError(
      'design',
      `design file '${head.slice(DESIGN_FILE_PREFIX.length)}' is not loaded (a design file is read by the command line or runScenario before it is used)`,
    );
  }
  if (base === undefined) {
    throw new DesignRefError(
      'design',
      `unknown design '${head}' (presets: ${DESIGN_NAMES.join(', ')}; or <preset>+factor=value, or a .yaml/.ts design file)`,
    );
  }
  const changes: Array<[string, string]> = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new DesignRefError(p, `'${p}': expected factor=value`);
    changes.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  if (changes.length === 0) return base;
  const spec = withFactors(base, changes);
  // A file's own gate class stays with its compositions.
  return base.gateClass === undefined ? spec : { ...spec, gateClass: base.gateClass };
}

/** Whether the design `ref` names claims to hold every harm invariant (false if unknown). */
export function designClaimsHarm(ref: string): boolean {
  try {
    return resolveDesign(ref).claimsHarm === true;
  } catch (e) {
    if (e instanceof DesignRefError) return false;
    throw e;
  }
}

/** Whether `ref` looks like a composition (`preset+factor=value`) rather than a bug suffix. */
export function isComposition(part: string): boolean {
  return part.includes('=');
}
