/**
 * The uAPI fuzzer's program format: a list of typed call records, serialisable as JSON, so that
 * a program can be generated from a seed, written out, shrunk by dropping calls, and replayed.
 *
 * A program runs on a fresh machine (`seed`, `design`, `strategy`, driver timeouts) with a few
 * open files (`files`, each a slot that CLOSE and REOPEN act on). Each call names its file slot
 * and carries the ioctl's arguments in the shape of `src/driver/uapi.ts`, except that a value
 * produced by an earlier call (a handle, a VM id, an mmap offset, a heap context VA) is written
 * as a reference `{ref: "r12"}` (or `{ref: "r12", f: "ctx"}` for a second output), resolved at
 * run time to what call `r12` actually returned. This is what makes shrinking work: dropping
 * the call that created a BO turns the later uses of `{ref: "r12"}` into handle 0 (never valid)
 * instead of into somebody else's handle, and a replay reproduces the same numbers.
 *
 * Handles used on purpose where they do not belong (another file's, a destroyed one's) are
 * references too: a foreign handle is a reference to a resource created by another file slot,
 * a stale one a reference to a resource destroyed earlier. `check` tells the executor what the
 * call must do whatever the state: `mustFail` for arguments the uAPI rejects (a non-zero pad,
 * an unknown flag, a NULL array with a count), `handle` for a handle the calling file must
 * hold for the call to succeed (the `isolation` invariant's file part).
 *
 * Pseudo-calls besides the ioctls: MMAP / MAP_READ / MAP_WRITE / MUNMAP (user mappings, and
 * how command streams get into BOs), CLOSE / REOPEN (a file slot), FAULT (arm a hardware fault
 * of the fault plane), RESET (a reset request, as `dev.reset.schedule('ioctl')`), SLEEP (let
 * virtual time pass), SYNC_FILE_INFO (SYNC_IOC_FILE_INFO on a sync_file fd of the slot's
 * process), FD_CLOSE (close(2) of such an fd) and SEND_FD (an fd passed to another slot's
 * process, as SCM_RIGHTS does: the receiver gets its own fd for the same file).
 *
 * Waits give their timeout relative to the call (`timeoutNs`), since a program cannot know the
 * virtual time it will run at; the executor turns it into the absolute `timeoutNsec` the
 * kernel takes (a `timeoutNsec` written in the call is passed as it is).
 *
 * Reading validates the structure with zod and reports the first problem with its path, like
 * failure files do; argument *values* are deliberately free-form (that is what is fuzzed).
 */
import { z } from 'zod';
import { DESIGN_NAMES, resolveDesign } from '../driver/config.js';
import type { Prng } from '../kernel/prng.js';

export const FUZZ_PROGRAM_VERSION = 1;

export const FUZZ_OPS = [
  'DEV_QUERY',
  'VM_CREATE',
  'VM_DESTROY',
  'VM_BIND',
  'VM_GET_STATE',
  'BO_CREATE',
  'BO_MMAP_OFFSET',
  'GEM_CLOSE',
  'MMAP',
  'MAP_READ',
  'MAP_WRITE',
  'MUNMAP',
  'GROUP_CREATE',
  'GROUP_DESTROY',
  'GROUP_SUBMIT',
  'GROUP_GET_STATE',
  'TILER_HEAP_CREATE',
  'TILER_HEAP_DESTROY',
  'SYNCOBJ_CREATE',
  'SYNCOBJ_DESTROY',
  'SYNCOBJ_WAIT',
  'SYNCOBJ_QUERY',
  'SYNCOBJ_TIMELINE_WAIT',
  'SYNCOBJ_RESET',
  'SYNCOBJ_SIGNAL',
  'SYNCOBJ_TIMELINE_SIGNAL',
  'SYNCOBJ_TRANSFER',
  'SYNCOBJ_HANDLE_TO_FD',
  'SYNCOBJ_FD_TO_HANDLE',
  'SYNC_FILE_INFO',
  'FD_CLOSE',
  'SEND_FD',
  'GET_CAP',
  'PERFCNT_ENABLE',
  'PERFCNT_DUMP',
  'CLOSE',
  'REOPEN',
  'FAULT',
  'RESET',
  'SLEEP',
] as const;

export type FuzzOp = (typeof FUZZ_OPS)[number];

/** Calls that are not made on a file (the file slot is ignored). */
export const MACHINE_OPS: ReadonlySet<FuzzOp> = new Set(['FAULT', 'RESET', 'SLEEP']);

/** A value produced by call `ref` (its output field `f`, default `h`: the handle or id). */
export interface Ref {
  ref: string;
  f?: string;
}

/** An argument value: JSON, with references where a value comes from an earlier call. */
export type Arg = number | string | boolean | null | Ref | Arg[] | { [key: string]: Arg };

export type ArgObject = { [key: string]: Arg };

/**
 * What kind of object a handle names (for the isolation check): the kernel objects, the two
 * per-file names of the mmap path (a BO's fake mmap offset, and a user mapping's id), and a
 * file descriptor of the slot's process (a syncobj fd or a sync_file).
 */
export const HANDLE_KINDS = [
  'bo',
  'vm',
  'group',
  'syncobj',
  'heap',
  'mmap',
  'mapping',
  'fd',
] as const;
export type HandleKind = (typeof HANDLE_KINDS)[number];

export interface CallCheck {
  /** The arguments are invalid whatever the state: the call must return an errno. */
  mustFail?: boolean;
  /**
   * The value at `path` (keys into the resolved args) is a handle of `kind` that the calling
   * file must hold: if it does not, the call must fail.
   */
  handle?: { kind: HandleKind; path: Array<string | number> };
}

export interface FuzzCall {
  op: FuzzOp;
  /** File slot (index into `FuzzProgram.files`); ignored by FAULT, RESET and SLEEP. */
  file: number;
  args: ArgObject;
  /** Name under which the call's outputs can be referenced (set on calls that create). */
  out?: string;
  /** The mutation applied to a valid call, for reports (`pad`, `foreign-handle`, ...). */
  mut?: string;
  check?: CallCheck;
  /** Run in its own task and do not wait for it (a blocking wait beside the other calls). */
  async?: boolean;
}

export interface FuzzProgram {
  version: typeof FUZZ_PROGRAM_VERSION;
  seed: number;
  design: string;
  /** Scheduling: FIFO, or seeded random interleavings (with early timer firing). */
  strategy: 'fifo' | 'random';
  files: Array<{ privileged: boolean }>;
  /** Driver timeouts for the run (short job timeouts so that hangs resolve within a program). */
  driver: { jobTimeoutNs: number };
  calls: FuzzCall[];
}

export function ref(r: string, f?: string): Ref {
  return f === undefined ? { ref: r } : { ref: r, f };
}

export function isRef(v: unknown): v is Ref {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { ref?: unknown }).ref === 'string' &&
    Object.keys(v).every((k) => k === 'ref' || k === 'f')
  );
}

const argSchema: z.ZodType<Arg> = z.lazy(() =>
  z.union([
    z.number(),
    z.string(),
    z.boolean(),
    z.null(),
    z.array(argSchema),
    z.record(z.string(), argSchema),
  ]),
);

const checkSchema = z
  .object({
    mustFail: z.boolean().optional(),
    handle: z
      .object({
        kind: z.enum(HANDLE_KINDS),
        path: z.array(z.union([z.string(), z.number().int().nonnegative()])),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The most calls a program may have (generation, files and replay all respect it). */
export const MAX_PROGRAM_CALLS = 10_000;
export const MAX_PROGRAM_FILES = 8;

const callSchema = z
  .object({
    op: z.enum(FUZZ_OPS),
    file: z.number().int().nonnegative(),
    args: z.record(z.string(), argSchema),
    out: z.string().min(1).optional(),
    mut: z.string().optional(),
    check: checkSchema.optional(),
    async: z.boolean().optional(),
  })
  .strict();

export const fuzzProgramSchema = z
  .object({
    version: z.literal(FUZZ_PROGRAM_VERSION),
    seed: z.number().int(),
    design: z.string().refine(
      (d) => {
        try {
          resolveDesign(d);
          return true;
        } catch {
          return false;
        }
      },
      {
        message: `unknown design (a preset: ${DESIGN_NAMES.join(', ')}, or <preset>+factor=value)`,
      },
    ),
    strategy: z.enum(['fifo', 'random']),
    files: z
      .array(z.object({ privileged: z.boolean() }).strict())
      .min(1)
      .max(MAX_PROGRAM_FILES),
    driver: z.object({ jobTimeoutNs: z.number().int().min(1_000_000).max(60e9) }).strict(),
    calls: z.array(callSchema).max(MAX_PROGRAM_CALLS),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.calls.forEach((c, i) => {
      if (c.file >= p.files.length && !MACHINE_OPS.has(c.op)) {
        ctx.addIssue({
          code: 'custom',
          path: ['calls', i, 'file'],
          message: `file slot ${c.file} does not exist (the program has ${p.files.length})`,
        });
      }
    });
  });

export class FuzzProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzProgramError';
  }
}

/** Validates an already parsed JSON value as a program; throws `FuzzProgramError`. */
export function parseFuzzProgram(value: unknown): FuzzProgram {
  const r = fuzzProgramSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined ? '' : issue.path.join('.');
    throw new FuzzProgramError(
      `not a fuzz program: ${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}`,
    );
  }
  return r.data as FuzzProgram;
}

/** A deep copy (programs are edited by the shrinker; the driver writes into ioctl args). */
export function cloneProgram(p: FuzzProgram): FuzzProgram {
  return JSON.parse(JSON.stringify(p)) as FuzzProgram;
}

/** A one-line rendering of a call, for reports: `#12 f1 VM_BIND {...} [pad]`. */
export function describeCall(c: FuzzCall, index: number): string {
  const file = MACHINE_OPS.has(c.op) ? '' : ` f${c.file}`;
  const args = JSON.stringify(c.args);
  const shown = args.length > 160 ? `${args.slice(0, 157)}...` : args;
  return `#${index}${file} ${c.op} ${shown}${c.mut === undefined ? '' : ` [${c.mut}]`}`;
}

/** Picks one of `items` with probability proportional to its weight. */
export function pickWeighted<T>(rng: Prng, items: ReadonlyArray<readonly [number, T]>): T {
  let total = 0;
  for (const [w] of items) total += w;
  let x = rng.below(total);
  for (const [w, v] of items) {
    if (x < w) return v;
    x -= w;
  }
  return (items[items.length - 1] as readonly [number, T])[1];
}
