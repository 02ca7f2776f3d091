/**
 * `resetlab replay <failure.json> --design <other>`: the failure's faults and seed, and its
 * interleaving as far as the other design allows (src/explore/differential.ts), on another
 * design; does the other design survive it, and where did the replay have to diverge?
 *
 * The program keeps the failure's scenario and bug switches and changes only the design. The
 * other design's run does not stop at its first violation: every violation it shows is
 * reported, and it *survives* when none of them is a harm (rules are the designs' own claims
 * and differ between them).
 */
import { anchoredStrategy, type Divergence, namingRecorder } from '../explore/differential.js';
import type { Failure } from '../explore/failure.js';
import type { Program, RunReport } from '../explore/program.js';
import { replayStrategy } from '../explore/replay.js';
import { decodeSchedule } from '../kernel/schedule.js';
import { invariantFamily } from '../kernel/violations.js';
import { parseProgramId, scenarioProgramId } from '../scenarios/program.js';

export interface DifferentialResult {
  which: 'shrunk' | 'original';
  /** The other design's program. */
  against: string;
  source: { invariant: string | null; reproduced: boolean; decisions: number };
  /** No harm violated on the other design in this interleaving. */
  survives: boolean;
  /** The other design violated the failure's own invariant. */
  sameInvariant: boolean;
  violations: { invariant: string; message: string; atNs: number }[];
  followed: number;
  skipped: number;
  inserted: number;
  afterRecording: number;
  divergences: Divergence[];
  traceHash: string;
  report: RunReport;
}

/** The program id of `failure`'s scenario and bugs on `design`, or a message naming the problem. */
export function otherProgramId(failure: Failure, design: string): string {
  const parts = parseProgramId(failure.program);
  if (typeof parts === 'string') throw new Error(parts);
  return scenarioProgramId(parts.scenario, design, parts.bugs);
}

export async function differentialReplay(
  source: Program,
  target: Program,
  failure: Failure,
  o: { which?: 'shrunk' | 'original'; trace?: boolean } = {},
): Promise<DifferentialResult> {
  const which = o.which ?? (failure.shrunk !== null ? 'shrunk' : 'original');
  const s = which === 'shrunk' ? failure.shrunk : null;
  const faults = s?.faults ?? failure.faults;
  const schedule = s?.schedule ?? failure.schedule;
  const names: string[] = [];
  const src = await source.run({
    seed: failure.seed,
    strategy: namingRecorder(
      replayStrategy(decodeSchedule(schedule), { timeJumps: failure.timeJumps }),
      names,
    ),
    faults,
    record: true,
    stopOnViolation: true,
  });
  const srcInv = src.violations[0]?.invariant ?? null;
  const anchored = anchoredStrategy(names, { timeJumps: failure.timeJumps });
  const r = await target.run({
    seed: failure.seed,
    strategy: anchored,
    faults,
    record: true,
    stopOnViolation: false,
    trace: o.trace ?? false,
  });
  const violations = r.violations.map((v) => ({
    invariant: v.invariant,
    message: v.message,
    atNs: v.atNs,
  }));
  return {
    which,
    against: target.id,
    source: {
      invariant: srcInv,
      reproduced: srcInv === failure.invariant,
      decisions: names.length,
    },
    survives: !violations.some((v) => invariantFamily(v.invariant) !== 'rule'),
    sameInvariant: violations.some((v) => v.invariant === failure.invariant),
    violations,
    followed: anchored.followed,
    skipped: anchored.skipped,
    inserted: anchored.inserted,
    afterRecording: anchored.after,
    divergences: [...anchored.divergences],
    traceHash: r.traceHash,
    report: r,
  };
}
