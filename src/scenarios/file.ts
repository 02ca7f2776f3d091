/**
 * Scenario files: the `ScenarioSpec` of src/scenarios/spec.ts written as YAML, validated with
 * zod, and published as a JSON schema (`resetlab scenarios --schema`).
 *
 * The schema mirrors every field of `ScenarioSpec`, `ClientSpec`, `ActionSpec` and the fault
 * spec, with a limit on every number and list (docs/design.md §5: put a limit on everything), enums for
 * workload kinds, hostile modes, actions and fault names, and no unknown keys: a misspelt key
 * (`duratonNs`) is an error, not a silently ignored field. Times are integers in nanoseconds or
 * strings with a unit (`300ms`, `7s`, `20us`), since nobody reads 7000000000 at a glance.
 *
 * A validation error is reported at the line and column of the offending node
 * (yaml-validate.ts). Problems are thrown as `ScenarioFileError` (file, line, column, field path,
 * message); the command line turns it into exit code 2.
 *
 * Rejected: a JSON-only format (no comments, and scenario files want them); validating with a
 * hand-written walker (the zod schema is also the published JSON schema, so the two cannot
 * drift apart).
 */
import { readFileSync, statSync } from 'node:fs';
import type { LineCounter, Node } from 'yaml';
import { z } from 'zod';
import { FAULT_NAMES, validateFaultSpec } from '../hw/faults.js';
import { builtinScenarioNames } from './builtin.js';
import type { ScenarioSpec } from './spec.js';
import {
  FileProblemError,
  fileWhere,
  locate,
  parseValidatedYamlDocument,
} from './yaml-validate.js';

export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

const NS_PER: Record<string, number> = {
  ns: 1,
  us: 1_000,
  µs: 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
};
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/;

/** A duration like `5ms` or `120us`, or plain nanoseconds, in ns; null when it is neither. */
export function parseDurationText(text: string): number | null {
  const v = text.trim();
  if (/^\d+$/.test(v)) return Number.isSafeInteger(Number(v)) ? Number(v) : null;
  const m = DURATION_RE.exec(v);
  if (m === null) return null;
  const ns = Math.round(Number(m[1]) * (NS_PER[m[2] as string] as number));
  return Number.isSafeInteger(ns) ? ns : null;
}

const S = 1_000_000_000;
/** Longest active phase or settle bound of a scenario file: one virtual hour. */
export const MAX_SCENARIO_NS = 3600 * S;

/** A time: a non-negative integer of nanoseconds, or a string with a unit. */
function duration(maxNs: number) {
  return z
    .union([
      z.int().min(0).max(maxNs),
      z.string().regex(DURATION_RE, { error: 'expected a duration like 300ms, 7s, 20us or 500ns' }),
    ])
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      const m = DURATION_RE.exec(v) as RegExpExecArray;
      const ns = Math.round(Number(m[1]) * (NS_PER[m[2] as string] as number));
      if (ns > maxNs) {
        ctx.addIssue({ code: 'custom', message: `${v} is longer than the limit of ${maxNs} ns` });
        return z.NEVER;
      }
      return ns;
    })
    .meta({
      description: `nanoseconds (integer, at most ${maxNs}) or a duration string such as "300ms"`,
    });
}

const count = (max: number) => z.int().min(0).max(max);

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const name = z
  .string()
  .regex(NAME_RE, { error: 'names are 1-64 letters, digits, ".", "_" or "-"' });

const WORKLOADS = ['renderer', 'compute', 'profiler', 'hostile', 'vm-teardown', 'bursty'] as const;
const HOSTILE_MODES = ['hang', 'busy', 'page-fault', 'fatal', 'bad-args', 'hang-loop'] as const;
const ACTIONS = ['unbind', 'rebind', 'reset-request', 'reset-at-autosuspend', 'idle'] as const;

const faultName = z.enum(FAULT_NAMES, {
  error: (iss) => `unknown fault '${String(iss.input)}' (known: ${FAULT_NAMES.join(', ')})`,
});

const client = z
  .strictObject({
    name: name.describe('client name, unique in the scenario'),
    workload: z.enum(WORKLOADS),
    startNs: duration(MAX_SCENARIO_NS).optional().describe('when the client starts'),
    firstAtNs: duration(MAX_SCENARIO_NS)
      .optional()
      .describe('virtual time of its first job or dump: it sets up before, then waits'),
    retryBusyNs: duration(60 * S)
      .optional()
      .describe('retry a submit refused with EAGAIN after this long'),
    jobs: count(10_000).optional().describe('jobs (frames, bursts, samples) to submit'),
    jobNs: duration(60 * S)
      .optional()
      .describe('GPU time per job'),
    periodNs: duration(600 * S)
      .optional()
      .describe('pause between jobs'),
    queues: z.int().min(1).max(32).optional(),
    priority: z.int().min(0).max(3).optional().describe('0 LOW .. 3 REALTIME'),
    privileged: z.boolean().optional(),
    mode: z.enum(HOSTILE_MODES).optional().describe('hostile workloads only'),
    reopen: z.boolean().optional().describe('reopen the device after DEVICE_LOST'),
    teardown: z
      .enum(['groups-first', 'vm-first'])
      .optional()
      .describe('vm-teardown: destroy the group before its VM (default) or the VM first'),
  })
  .superRefine((c, ctx) => {
    if (c.mode !== undefined && c.workload !== 'hostile') {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `mode is only for hostile workloads (this one is ${c.workload})`,
      });
    }
  });

const action = z.strictObject({
  atNs: duration(MAX_SCENARIO_NS),
  absolute: z.boolean().optional().describe('atNs is a virtual time, not from the active phase'),
  action: z.enum(ACTIONS),
  durationNs: duration(MAX_SCENARIO_NS).optional(),
});

const fault = z
  .strictObject({
    name: faultName,
    atNs: duration(MAX_SCENARIO_NS),
    count: count(1000).describe('times it fires once armed; 0 = every time'),
    rate: z.number().min(0).max(1).describe('probability per opportunity'),
  })
  .superRefine((f, ctx) => {
    // The hardware's own check, so that a file can never arm what the fault plane refuses.
    const err = validateFaultSpec(f);
    if (err !== null) ctx.addIssue({ code: 'custom', message: err });
  });

const gpu = z
  .strictObject({
    csgSlots: z.int().min(1).max(31),
    streamsPerCsg: z.int().min(1).max(32),
    asSlots: z.int().min(1).max(16),
    shaderPresent: z.int().min(1).max(0xffffffff),
    tilerPresent: z.int().min(0).max(0xffffffff),
    l2Present: z.int().min(1).max(0xffffffff),
    physMemBytes: z
      .int()
      .min(2 * 4096)
      .max(0x1_0000_0000)
      .refine((v) => v % 4096 === 0, { error: 'must be a multiple of 4096' }),
    gpuId: z.int().min(0).max(0xffffffff),
    softResetNs: duration(10_000 * S),
    l2PowerNs: duration(10_000 * S),
    mcuBootNs: duration(10_000 * S),
    glbReqNs: duration(10_000 * S),
    csgReqNs: duration(10_000 * S),
    asCommandNs: duration(10_000 * S),
    prfcntSampleNs: duration(10_000 * S),
    cacheFlushNs: duration(10_000 * S),
    doorbellNs: duration(10_000 * S),
    lateAckNs: duration(10_000 * S),
    jitter: z.number().min(0).lt(1),
  })
  .partial();

const driver = z
  .strictObject({
    unstableIoctls: z.boolean(),
    jobTimeoutNs: duration(MAX_SCENARIO_NS),
    pingIntervalNs: duration(MAX_SCENARIO_NS),
    tickPeriodNs: duration(60 * S),
    csgAckTimeoutNs: duration(600 * S),
    glbAckTimeoutNs: duration(600 * S),
    fwBootTimeoutNs: duration(600 * S),
    softResetTimeoutNs: duration(600 * S),
    asCommandTimeoutNs: duration(600 * S),
    perfcntSampleTimeoutNs: duration(600 * S),
    autosuspendDelayNs: duration(600 * S),
    runtimePm: z.boolean(),
  })
  .partial();

const mixable = builtinScenarioNames().filter((n) => n !== 'mixed');

export const scenarioFileSchema = z
  .strictObject({
    name: name.describe('scenario name'),
    description: z.string().max(1000).default(''),
    durationNs: duration(MAX_SCENARIO_NS).describe('length of the active phase'),
    settleNs: duration(MAX_SCENARIO_NS).describe(
      'liveness bound: after faults stop, fences signalled and a new job served within this',
    ),
    raceWindow: z
      .strictObject({
        fromNs: duration(MAX_SCENARIO_NS),
        untilNs: duration(MAX_SCENARIO_NS),
      })
      .refine((w) => w.fromNs < w.untilNs, { error: 'raceWindow: fromNs must be before untilNs' })
      .optional()
      .describe('where a systematic search branches by default: [fromNs, untilNs)'),
    clients: z.array(client).max(32),
    actions: z.array(action).max(64).optional(),
    faultVocabulary: z
      .array(faultName)
      .max(FAULT_NAMES.length)
      .default([])
      .describe("faults the explorer's swarm draws from; empty: no swarm"),
    faults: z.array(fault).max(32).default([]).describe('faults armed in a plain run'),
    gpu: gpu.optional(),
    driver: driver.optional(),
    mix: z
      .array(z.enum(mixable as [string, ...string[]]))
      .min(1)
      .max(64)
      .optional()
      .describe('built-in scenarios, one drawn per run (then clients may be empty)'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.clients.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'name'],
          message: `client name '${c.name}' is used twice`,
        });
      }
      seen.add(c.name);
    });
    const vocab = new Set<string>();
    s.faultVocabulary.forEach((f, i) => {
      if (vocab.has(f)) {
        ctx.addIssue({
          code: 'custom',
          path: ['faultVocabulary', i],
          message: `fault '${f}' is listed twice`,
        });
      }
      vocab.add(f);
    });
    if (s.clients.length === 0 && s.mix === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clients'],
        message: 'a scenario needs at least one client (or a mix)',
      });
    }
  });

/** The published JSON schema of scenario files (what a file may contain). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioFileSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://resetlab.dev/schemas/scenario.json',
    title: 'resetlab scenario',
    description:
      'A resetlab scenario (src/scenarios/spec.ts): clients, scheduled actions and faults on the simulated machine. Times are integer nanoseconds or strings such as "300ms".',
  };
}

/** A problem in a scenario file (see `FileProblemError`). */
export class ScenarioFileError extends FileProblemError {}

/**
 * Something in a valid file that cannot do what it says: a fault armed at or after the end of
 * the active phase never fires (the runner disarms every fault when the phase ends), a client
 * that starts after it submits nothing. The run goes ahead; the command line prints these on
 * stderr so that nobody reads a clean run as "the fault was survived".
 */
export interface ScenarioWarning {
  file: string;
  line: number | null;
  column: number | null;
  field: string;
  message: string;
}

export function formatScenarioWarning(w: ScenarioWarning): string {
  return `${fileWhere(w.file, w.line, w.column)}: ${w.field}: ${w.message}`;
}

/** Reads and validates a scenario file. Throws `ScenarioFileError`. */
export function loadScenarioFile(path: string): ScenarioSpec {
  return readScenarioFile(path).spec;
}

/** Reads and validates a scenario file, with its warnings. Throws `ScenarioFileError`. */
export function readScenarioFile(path: string): {
  spec: ScenarioSpec;
  warnings: ScenarioWarning[];
} {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_SCENARIO_FILE_BYTES) {
      throw new Error(`file too large (${st.size} bytes; limit ${MAX_SCENARIO_FILE_BYTES})`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^[A-Z]+: /, '') : String(err);
    throw new ScenarioFileError(path, null, null, null, `cannot read scenario file: ${msg}`);
  }
  return parseScenario(text, path);
}

/** Parses and validates scenario YAML (or JSON, which is YAML). Throws `ScenarioFileError`. */
export function parseScenarioText(text: string, file = '(input)'): ScenarioSpec {
  return parseScenario(text, file).spec;
}

/** Parses, validates and lints scenario YAML. Throws `ScenarioFileError`. */
export function parseScenario(
  text: string,
  file = '(input)',
): { spec: ScenarioSpec; warnings: ScenarioWarning[] } {
  const { data, root, lines } = parseValidatedYamlDocument(
    text,
    scenarioFileSchema,
    'scenario',
    (line, col, field, problem) => new ScenarioFileError(file, line, col, field, problem),
  );
  const spec = data as ScenarioSpec;
  return { spec, warnings: lint(spec, root, lines, file) };
}

/** Nanoseconds as a short string for warnings (this layer sits below the report's formatter). */
export function nsText(ns: number): string {
  if (ns >= S && ns % (S / 1000) === 0) return `${ns / S} s`;
  if (ns >= 1_000_000 && ns % 1000 === 0) return `${ns / 1_000_000} ms`;
  return `${ns} ns`;
}

/** The warnings of a valid scenario (see `ScenarioWarning`), each at its line. */
function lint(
  spec: ScenarioSpec,
  root: Node | null,
  lines: LineCounter,
  file: string,
): ScenarioWarning[] {
  const out: ScenarioWarning[] = [];
  const end = spec.durationNs;
  const warn = (path: PropertyKey[], message: string) => {
    const at = locate(root, path, lines);
    out.push({ file, line: at.line, column: at.col, field: path.map(String).join('.'), message });
  };
  spec.faults.forEach((f, i) => {
    if (f.atNs >= end) {
      warn(
        ['faults', i, 'atNs'],
        `${nsText(f.atNs)} is not before durationNs (${nsText(end)}): fault '${f.name}' never ` +
          'fires (faults are disarmed when the active phase ends)',
      );
    }
  });
  spec.clients.forEach((c, i) => {
    if (c.startNs !== undefined && c.startNs >= end) {
      warn(
        ['clients', i, 'startNs'],
        `${nsText(c.startNs)} is not before durationNs (${nsText(end)}): client '${c.name}' ` +
          'starts after the active phase, when workloads no longer submit',
      );
    }
  });
  (spec.actions ?? []).forEach((a, i) => {
    if (a.atNs >= end + spec.settleNs) {
      warn(
        ['actions', i, 'atNs'],
        `${nsText(a.atNs)} is not before durationNs + settleNs (${nsText(end + spec.settleNs)}): ` +
          `action '${a.action}' never happens (the run is over)`,
      );
    }
  });
  return out;
}
