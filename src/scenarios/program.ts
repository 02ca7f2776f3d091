/**
 * Scenarios as explorer programs. A program id names a scenario, a reset design and,
 * optionally, bug switches: `hang@default`, `vm-teardown@panthor+vm-destroy-no-evict`. Every
 * combination of a built-in scenario and a design is registered; ids with bug switches are
 * resolved on demand, so that a worker thread or a failure file can name any of them.
 */
import { type BugId, isBugId } from '../driver/bugs.js';
import { DESIGN_NAMES, DesignRefError, resolveDesign } from '../driver/config.js';
import {
  DESIGN_FILE_PREFIX,
  loadedDesignFile,
  preset,
  withFactors,
} from '../driver/reset/designs/index.js';
import type { Program, RunInput, RunReport } from '../explore/program.js';
import { registerProgram, registerResolver } from '../explore/registry.js';
import { BUILTIN_SCENARIOS, builtinScenario } from './builtin.js';
import { runScenario, type ScenarioLookup } from './runner.js';
import type { ScenarioSpec } from './spec.js';

export interface ProgramIdParts {
  scenario: string;
  /** The design reference: a preset, with `+factor=value` changes if any. */
  design: string;
  bugs: BugId[];
}

export function scenarioProgramId(
  scenario: string,
  design: string,
  bugs: readonly BugId[] = [],
): string {
  return `${scenario}@${design}${bugs.map((b) => `+${b}`).join('')}`;
}

/**
 * Parses `<scenario>@<preset>[+factor=value...][+bug...]`; returns a message naming the bad
 * part on error.
 */
export function parseProgramId(id: string): ProgramIdParts | string {
  const at = id.lastIndexOf('@');
  if (at <= 0) return `program id '${id}': expected <scenario>@<design>`;
  const scenario = id.slice(0, at);
  const [head, ...rest] = id.slice(at + 1).split('+');
  const factors = rest.filter((p) => p.includes('='));
  const bugs = rest.filter((p) => !p.includes('='));
  const design = [head ?? '', ...factors].join('+');
  try {
    // A design file is loaded by the run itself (runScenario → ensureDesign): here, in a worker
    // that has not loaded it yet, only its factor changes can be checked.
    if (head?.startsWith(DESIGN_FILE_PREFIX) && loadedDesignFile(head) === undefined)
      withFactors(
        PANTHOR_SPEC,
        factors.map((p) => p.split('=', 2) as [string, string]),
      );
    else resolveDesign(design);
  } catch (e) {
    if (e instanceof DesignRefError) return `program id '${id}': ${e.message}`;
    throw e;
  }
  for (const b of bugs) if (!isBugId(b)) return `program id '${id}': unknown bug '${b}'`;
  return { scenario, design, bugs: bugs as BugId[] };
}

const PANTHOR_SPEC = preset('panthor') as NonNullable<ReturnType<typeof preset>>;

export function scenarioProgram(
  spec: ScenarioSpec,
  design: string,
  bugs: readonly BugId[] = [],
  lookup: ScenarioLookup = builtinScenario,
): Program {
  return {
    id: scenarioProgramId(spec.name, design, bugs),
    faults: spec.faultVocabulary,
    defaultFaults: spec.faults,
    ...(spec.raceWindow !== undefined ? { raceWindow: spec.raceWindow } : {}),
    // Arm faults within the active phase.
    swarm: { maxArmNs: Math.max(1_000_000, Math.floor(spec.durationNs * 0.8)), maxFaults: 4 },
    async run(input: RunInput): Promise<RunReport> {
      return runScenario(
        spec,
        {
          design,
          seed: input.seed,
          bugs,
          strategy: input.strategy,
          faults: input.faults,
          trace: input.trace ?? false,
          record: input.record ?? true,
          stopOnViolation: input.stopOnViolation ?? false,
          ...(input.maxSteps !== undefined ? { maxSteps: input.maxSteps } : {}),
          ...(input.quietPolls !== undefined ? { quietPolls: input.quietPolls } : {}),
        },
        lookup,
      );
    },
  };
}

let registered = false;

/** Registers every built-in scenario × design, and a resolver for bug variants. */
export function registerBuiltinPrograms(): void {
  if (registered) return;
  registered = true;
  for (const spec of BUILTIN_SCENARIOS) {
    for (const design of DESIGN_NAMES) {
      registerProgram(scenarioProgramId(spec.name, design), () => scenarioProgram(spec, design));
    }
  }
  registerResolver((id) => {
    const parts = parseProgramId(id);
    if (typeof parts === 'string') return undefined;
    const spec = builtinScenario(parts.scenario);
    if (spec === undefined) return undefined;
    return scenarioProgram(spec, parts.design, parts.bugs);
  });
}
