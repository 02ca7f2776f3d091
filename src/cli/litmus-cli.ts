/**
 * `resetlab litmus`: the litmus scenarios (src/scenarios/litmus.ts), one per question of the
 * reset-design threads, with the question, the guarantee a design that answers it right
 * gives, the invariants that decide it, and the command that explores it. With `--json`:
 * `{litmus: [{name, question, guarantee, invariants, description, raceWindow, explore, prove}]}`.
 */
import { branchWindowText } from '../explore/dfs.js';
import { LITMUS_SCENARIOS } from '../scenarios/litmus.js';
import { printJson, printText, stdoutColors, wrap } from './output.js';

export interface LitmusJson {
  name: string;
  question: string;
  guarantee: string;
  invariants: string[];
  /** What the scenario does. */
  description: string;
  /**
   * Where a systematic search of it branches by default, [fromNs, untilNs): the race instant
   * to the end of the active phase (src/explore/dfs.ts `branchWindow`).
   */
  raceWindow: { fromNs: number; untilNs: number } | null;
  /** A command that explores it on a design. */
  explore: string;
  /** A command that searches its whole tree within one delay and writes the certificate. */
  prove: string;
}

export function litmusJson(): { litmus: LitmusJson[] } {
  return {
    litmus: LITMUS_SCENARIOS.map((l) => ({
      name: l.name,
      question: l.question,
      guarantee: l.guarantee,
      invariants: [...l.invariants],
      description: l.spec.description,
      raceWindow: l.spec.raceWindow ?? null,
      explore: `resetlab explore ${l.name} --design default --runs 1000`,
      prove: `resetlab explore ${l.name} --design default --strategy dfs --bound delay --depth 1 --runs 5000 --certificate ${l.name}.json`,
    })),
  };
}

export function litmusCli(o: { json: boolean }): number {
  const j = litmusJson();
  if (o.json) {
    printJson(j);
    return 0;
  }
  const c = stdoutColors();
  const lines = [
    'Litmus scenarios: one small race per question of the reset-design threads. They are',
    'ordinary scenarios (run, explore, compare --scenarios, the report take them by name).',
  ];
  for (const l of j.litmus) {
    lines.push('', c.bold(l.name));
    lines.push(...wrap(l.question, '  question   ', '             '));
    lines.push(...wrap(l.description, '  race       ', '             '));
    lines.push(...wrap(l.guarantee, '  guarantee  ', '             '));
    lines.push(
      `  dfs window ${branchWindowText(l.raceWindow)}: schedules branch there, the default elsewhere`,
    );
    lines.push(...wrap(l.invariants.join(', '), '  decided by ', '             '));
    lines.push(`  try        ${l.explore}`);
    lines.push(...wrap(l.prove, '  prove      ', '               '));
  }
  printText(lines.join('\n'));
  return 0;
}
