/**
 * Mutations: how the fuzzer breaks one field of a valid call.
 *
 * Each ioctl has a table of its fields and what kind of value each one is (a handle of some
 * kind, a pad, a flags word with its known bits, a page-aligned address or size, an array
 * `{stride, count, array}`, an enum with its range, ...). A mutation picks one field that the
 * call has and breaks it in a way suited to its kind, and records what the uAPI then requires:
 *
 * | mutation          | applies to          | what it writes                                  | check |
 * |-------------------|---------------------|-------------------------------------------------|-------|
 * | `bad-handle`      | handles             | 0, 2^32-1, a small number, 2^32, -1, 1.5         | handle |
 * | `bad-fd`          | file descriptors    | 0 (stdin), -1, a small number, 2^31              | handle |
 * | `stale-handle`    | handles             | a handle destroyed earlier (or of a closed file) | handle |
 * | `foreign-handle`  | handles             | a live handle of another file slot               | handle |
 * | `pad`             | pads                | a non-zero value                                 | must fail |
 * | `flags`           | flags words         | a bit outside the known ones                      | must fail |
 * | `unaligned`       | page-aligned fields | + 1..4095 (stream address: + 8, size: + 4)       | must fail |
 * | `overflow`        | addresses, sizes    | 2^47, 2^48, 2^53, 2^64, -4096                    | must fail |
 * | `zero-size`       | sizes               | 0 (a synchronous VM_BIND takes size 0 as a no-op) | must fail |
 * | `null-array`      | arrays              | `array: null` with a non-zero count              | must fail |
 * | `huge-count`      | arrays              | 2^32-1, or more than the array holds             | must fail |
 * | `count`           | syncobj counts      | more than the handle array holds, or 0           | must fail (0: not for waits) |
 * | `short-array`     | syncobj user arrays | an empty array where `count` elements are read   | must fail |
 * | `zero-stride`     | arrays              | stride 0 with a non-zero count                   | must fail |
 * | `enum`            | enums               | one past the range, -1                           | must fail |
 * | `reserved`        | reserved bits       | latest_flush bits 24..30, a timeline point on a binary syncobj | must fail |
 * | `priority`        | group priority      | HIGH or REALTIME (must fail unprivileged)        | must fail if unprivileged |
 *
 * "handle" means: if the calling file does not hold that handle when the call runs (handles
 * are reused, so a stale number may name a new object), the call must fail. That is checked
 * by the executor at run time. Everything else is checked whatever the state: any errno will
 * do (the order of the kernel's checks decides which), success is a bug.
 *
 * Values go through C conversion on their way into the kernel (a u32 field takes `v >>> 0`),
 * so a mutation only uses values that stay invalid once converted: 2^32 is a valid u32 (0),
 * 0.5 a valid u64 (0), and neither is used where 0 is valid.
 */
import type { Prng } from '../kernel/prng.js';
import type { GenState, GFile } from './generate.js';
import {
  type Arg,
  type ArgObject,
  type FuzzCall,
  type FuzzOp,
  type HandleKind,
  pickWeighted,
  ref,
} from './program.js';

type HandleField = `handle:${HandleKind}`;

type FieldKind =
  | HandleField
  | 'pad'
  | `flags:${number}`
  | 'va'
  | 'size'
  | 'bosize'
  | 'offset'
  | 'array'
  | `enum:${number}`
  | 'ringsize'
  | 'latest-flush'
  | 'timeline'
  | 'priority'
  | 'stream-addr'
  | 'stream-size'
  | 'coremask'
  | 'vmrange'
  | 'chunk'
  | 'map-offset'
  | 'dq-size'
  | 'count'
  | 'short-array'
  | 'chunks-initial'
  | 'chunks-max';

type Path = Array<string | number>;

const Q = ['queues', 'array', 0];
const O = ['ops', 'array', 0];
const S = ['queueSubmits', 'array', 0];
const SY = [...S, 'syncs', 'array', 0];
const OSY = [...O, 'syncs', 'array', 0];

/** The mutable fields of each op. */
const FIELDS: Partial<Record<FuzzOp, Array<[Path, FieldKind]>>> = {
  DEV_QUERY: [
    [['type'], 'enum:3'],
    [['size'], 'dq-size'],
  ],
  VM_CREATE: [
    [['flags'], 'flags:0'],
    [['userVaRange'], 'vmrange'],
  ],
  VM_DESTROY: [
    [['id'], 'handle:vm'],
    [['pad'], 'pad'],
  ],
  // VM_BIND's top-level flags are not checked beyond ASYNC (PANTHOR_VM_BIND_FLAGS is unused).
  VM_BIND: [
    [['vmId'], 'handle:vm'],
    [['ops'], 'array'],
    [[...O, 'flags'], 'flags:4026531847'],
    [[...O, 'boHandle'], 'handle:bo'],
    [[...O, 'boOffset'], 'offset'],
    [[...O, 'va'], 'va'],
    [[...O, 'size'], 'size'],
    [[...O, 'syncs'], 'array'],
    [[...OSY, 'handle'], 'handle:syncobj'],
    [[...OSY, 'flags'], 'flags:2147483903'],
    [[...OSY, 'timelineValue'], 'timeline'],
  ],
  // drm_panthor_vm_get_state has no pad.
  VM_GET_STATE: [[['vmId'], 'handle:vm']],
  BO_CREATE: [
    [['size'], 'bosize'],
    [['flags'], 'flags:1'],
    [['exclusiveVmId'], 'handle:vm'],
    [['pad'], 'pad'],
  ],
  BO_MMAP_OFFSET: [
    [['handle'], 'handle:bo'],
    [['pad'], 'pad'],
  ],
  GEM_CLOSE: [[['handle'], 'handle:bo']],
  MMAP: [[['offset'], 'handle:mmap']],
  MAP_READ: [
    [['map'], 'handle:mapping'],
    [['offset'], 'map-offset'],
  ],
  MAP_WRITE: [
    [['map'], 'handle:mapping'],
    [['offset'], 'map-offset'],
  ],
  MUNMAP: [[['map'], 'handle:mapping']],
  GROUP_CREATE: [
    [['queues'], 'array'],
    [[...Q, 'priority'], 'enum:15'],
    [[...Q, 'pad', 1], 'pad'],
    [[...Q, 'ringbufSize'], 'ringsize'],
    [['priority'], 'priority'],
    [['priority'], 'enum:3'],
    [['pad'], 'pad'],
    [['computeCoreMask'], 'coremask'],
    [['tilerCoreMask'], 'coremask'],
    [['vmId'], 'handle:vm'],
  ],
  GROUP_DESTROY: [
    [['groupHandle'], 'handle:group'],
    [['pad'], 'pad'],
  ],
  GROUP_SUBMIT: [
    [['groupHandle'], 'handle:group'],
    [['pad'], 'pad'],
    [['queueSubmits'], 'array'],
    [[...S, 'queueIndex'], 'enum:3'],
    [[...S, 'streamAddr'], 'stream-addr'],
    [[...S, 'streamSize'], 'stream-size'],
    [[...S, 'latestFlush'], 'latest-flush'],
    [[...S, 'pad'], 'pad'],
    [[...S, 'syncs'], 'array'],
    [[...SY, 'handle'], 'handle:syncobj'],
    [[...SY, 'flags'], 'flags:2147483903'],
    [[...SY, 'timelineValue'], 'timeline'],
  ],
  GROUP_GET_STATE: [
    [['groupHandle'], 'handle:group'],
    [['pad'], 'pad'],
  ],
  TILER_HEAP_CREATE: [
    [['vmId'], 'handle:vm'],
    [['chunkSize'], 'chunk'],
    [['initialChunkCount'], 'chunks-initial'],
    [['maxChunks'], 'chunks-max'],
  ],
  TILER_HEAP_DESTROY: [
    [['handle'], 'handle:heap'],
    [['pad'], 'pad'],
  ],
  SYNCOBJ_CREATE: [[['flags'], 'flags:1']],
  SYNCOBJ_DESTROY: [
    [['handle'], 'handle:syncobj'],
    [['pad'], 'pad'],
  ],
  // WAIT takes WAIT_ALL | WAIT_FOR_SUBMIT | WAIT_DEADLINE; TIMELINE_WAIT also WAIT_AVAILABLE.
  SYNCOBJ_WAIT: [
    [['handles', 0], 'handle:syncobj'],
    [['flags'], 'flags:11'],
    [['countHandles'], 'count'],
    [['handles'], 'short-array'],
  ],
  SYNCOBJ_TIMELINE_WAIT: [
    [['handles', 0], 'handle:syncobj'],
    [['flags'], 'flags:15'],
    [['countHandles'], 'count'],
    [['handles'], 'short-array'],
    [['points'], 'short-array'],
  ],
  SYNCOBJ_QUERY: [
    [['handles', 0], 'handle:syncobj'],
    [['flags'], 'flags:1'],
    [['countHandles'], 'count'],
    [['points'], 'short-array'],
  ],
  SYNCOBJ_RESET: [
    [['handles', 0], 'handle:syncobj'],
    [['pad'], 'pad'],
    [['countHandles'], 'count'],
  ],
  SYNCOBJ_SIGNAL: [
    [['handles', 0], 'handle:syncobj'],
    [['pad'], 'pad'],
    [['countHandles'], 'count'],
    [['handles'], 'short-array'],
  ],
  SYNCOBJ_TIMELINE_SIGNAL: [
    [['handles', 0], 'handle:syncobj'],
    [['flags'], 'flags:0'],
    [['countHandles'], 'count'],
    [['points'], 'short-array'],
  ],
  SYNCOBJ_TRANSFER: [
    [['srcHandle'], 'handle:syncobj'],
    [['dstHandle'], 'handle:syncobj'],
    [['pad'], 'pad'],
    [['flags'], 'flags:2'],
  ],
  SYNCOBJ_HANDLE_TO_FD: [
    [['handle'], 'handle:syncobj'],
    [['pad'], 'pad'],
    [['flags'], 'flags:3'],
  ],
  SYNCOBJ_FD_TO_HANDLE: [
    [['fd'], 'handle:fd'],
    [['pad'], 'pad'],
    [['flags'], 'flags:3'],
  ],
  SYNC_FILE_INFO: [
    [['fd'], 'handle:fd'],
    [['flags'], 'flags:0'],
    [['pad'], 'pad'],
  ],
  // PERFCNT_ENABLE's `enable` is any u32 (non-zero enables).
  PERFCNT_ENABLE: [[['counterset'], 'enum:1']],
  PERFCNT_DUMP: [[['bufLen'], 'array']],
};

export function getAt(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function setAt(obj: ArgObject, path: Path, value: Arg): void {
  let cur: unknown = obj;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[k];
  (cur as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
}

const BAD_HANDLES: Arg[] = [0, 0xffffffff, 7, 31, 2 ** 32, -1, 1.5];
/** fd 0 is the null device, never a syncobj or sync_file. */
const BAD_FDS: Arg[] = [0, -1, 2, 63, 2 ** 31];
const OVERFLOWS: Arg[] = [2 ** 47, 2 ** 48, 2 ** 53, 2 ** 64, -4096];

interface Mutation {
  name: string;
  value?: Arg;
  /** For whole-array mutations: the fields to replace in the array object. */
  patch?: ArgObject;
  mustFail: boolean;
  handle?: HandleKind;
}

/**
 * Returns a copy of `call` with one field mutated, or the call itself when none of its fields
 * can be mutated.
 */
export function mutateCall(st: GenState, call: FuzzCall, f: GFile): FuzzCall {
  const rng = st.rng;
  const fields = (FIELDS[call.op] ?? []).filter(([p]) => getAt(call.args, p) !== undefined);
  if (fields.length === 0) return call;
  // A mutated create keeps its `out`: later references resolve to 0 if it failed, as it should.
  const out = JSON.parse(JSON.stringify(call)) as FuzzCall;
  for (let attempt = 0; attempt < 4; attempt++) {
    const [path, kind] = rng.pick(fields);
    const m = mutation(rng, st, f, call, path, kind);
    if (m === null) continue;
    if (m.patch !== undefined) {
      const a = getAt(out.args, path);
      if (Array.isArray(a)) setAt(out.args, path, []);
      else Object.assign(a as ArgObject, m.patch);
    } else {
      setAt(out.args, path, m.value as Arg);
    }
    out.mut = m.name;
    if (m.mustFail) out.check = { mustFail: true };
    else if (m.handle !== undefined) out.check = { handle: { kind: m.handle, path } };
    return out;
  }
  return call;
}

function mutation(
  rng: Prng,
  st: GenState,
  f: GFile,
  call: FuzzCall,
  path: Path,
  kind: FieldKind,
): Mutation | null {
  const cur = getAt(call.args, path);
  if (kind === 'handle:bo' && call.op === 'VM_BIND' && bindOpType(call) !== 0) {
    // UNMAP and SYNC_ONLY operations name no BO: bo_handle must be 0.
    return { name: 'reserved', value: rng.range(1, 64), mustFail: true };
  }
  if (kind.startsWith('handle:')) {
    const hk = kind.slice(7) as HandleKind;
    const choices: Array<[number, () => Mutation | null]> = [
      [
        2,
        () =>
          hk === 'fd'
            ? { name: 'bad-fd', value: rng.pick(BAD_FDS), mustFail: false, handle: hk }
            : { name: 'bad-handle', value: rng.pick(BAD_HANDLES), mustFail: false, handle: hk },
      ],
      [
        3,
        () => {
          const s = st.stale(hk, f.idx);
          return s.length === 0
            ? null
            : { name: 'stale-handle', value: ref(rng.pick(s)), mustFail: false, handle: hk };
        },
      ],
      [
        3,
        () => {
          const s = st.foreign(hk, f.idx);
          return s.length === 0
            ? null
            : { name: 'foreign-handle', value: ref(rng.pick(s)), mustFail: false, handle: hk };
        },
      ],
    ];
    return pickWeighted(rng, choices)();
  }
  if (kind.startsWith('flags:')) {
    const known = Number(kind.slice(6)) >>> 0;
    const free: number[] = [];
    for (let b = 0; b < 32; b++) if ((known & (1 << b)) === 0) free.push(b);
    if (free.length === 0) return null;
    const base = typeof cur === 'number' ? cur : 0;
    return { name: 'flags', value: (base | (1 << rng.pick(free))) >>> 0, mustFail: true };
  }
  if (kind.startsWith('enum:')) {
    const max = Number(kind.slice(5));
    return { name: 'enum', value: rng.pick([max + 1, max + 7, -1]), mustFail: true };
  }
  switch (kind) {
    case 'pad':
      // Odd values: non-zero as a u8 pad too.
      return { name: 'pad', value: rng.pick([1, 0x8000_0001, rng.u32() | 1]), mustFail: true };
    case 'va':
    case 'offset': {
      if (call.op === 'VM_BIND' && isSyncOnly(call))
        return { name: 'unaligned', value: PAGE, mustFail: true };
      const base = typeof cur === 'number' ? cur : 0;
      return rng.chance(0.5)
        ? { name: 'unaligned', value: base + rng.range(1, PAGE - 1), mustFail: true }
        : { name: 'overflow', value: rng.pick(OVERFLOWS), mustFail: true };
    }
    case 'size': {
      if (call.op === 'VM_BIND' && isSyncOnly(call)) return null;
      const base = typeof cur === 'number' ? cur : 0;
      const pick = rng.below(3);
      if (pick === 0)
        return { name: 'unaligned', value: base + rng.range(1, PAGE - 1), mustFail: true };
      // panthor_vm_bind_exec_sync_op: a synchronous op of size 0 is a no-op, whatever it says.
      if (pick === 1) return { name: 'zero-size', value: 0, mustFail: isAsyncBind(call) };
      return { name: 'overflow', value: rng.pick(OVERFLOWS), mustFail: true };
    }
    case 'bosize':
      return rng.chance(0.3)
        ? { name: 'zero-size', value: 0, mustFail: true }
        : {
            name: 'overflow',
            value: rng.pick([2 ** 28 + 1, 2 ** 40, 2 ** 64, -1]),
            mustFail: true,
          };
    case 'count': {
      // More handles than the array holds: copy_from_user faults. 0: EINVAL, except for the
      // waits, which return 0 at once for no handles.
      const handles = getAt(call.args, ['handles']);
      const len = Array.isArray(handles) ? handles.length : 0;
      if (rng.chance(0.6)) return { name: 'count', value: len + rng.range(1, 3), mustFail: true };
      const wait = call.op === 'SYNCOBJ_WAIT' || call.op === 'SYNCOBJ_TIMELINE_WAIT';
      return { name: 'count', value: 0, mustFail: !wait };
    }
    case 'short-array':
      return { name: 'short-array', value: [], mustFail: true };
    case 'chunks-initial':
      return { name: 'enum', value: rng.pick([0, -1]), mustFail: true };
    case 'chunks-max':
      return { name: 'enum', value: 0, mustFail: true };
    case 'array': {
      if (call.op === 'PERFCNT_DUMP') return { name: 'null-array', value: null, mustFail: true };
      const a = cur as ArgObject;
      const count = typeof a.count === 'number' ? a.count : 0;
      const len = Array.isArray(a.array) ? a.array.length : 0;
      const pick = rng.below(3);
      if (pick === 0)
        return {
          name: 'null-array',
          patch: { count: Math.max(1, count), array: null },
          mustFail: true,
        };
      if (pick === 1) {
        const c = rng.pick([0xffffffff, len + rng.range(1, 3)]);
        return { name: 'huge-count', patch: { count: c }, mustFail: true };
      }
      if (count === 0) return null;
      return { name: 'zero-stride', patch: { stride: 0 }, mustFail: true };
    }
    case 'ringsize':
      return {
        name: 'enum',
        value: rng.pick([0, 2048, 3000, 8192 + 4096, 131072]),
        mustFail: true,
      };
    case 'latest-flush':
      return { name: 'reserved', value: (1 << rng.range(24, 30)) >>> 0, mustFail: true };
    case 'timeline': {
      // Only a binary syncobj operation must have timeline_value 0.
      const flags = getAt(call.args, [...path.slice(0, -1), 'flags']);
      if (typeof flags !== 'number' || (flags & 0xff) !== 0) return null;
      return { name: 'reserved', value: rng.range(1, 1000), mustFail: true };
    }
    case 'priority':
      return {
        name: 'priority',
        value: rng.pick([2, 3]),
        mustFail: !f.privileged,
      };
    case 'stream-addr': {
      const size = getAt(call.args, [...path.slice(0, -1), 'streamSize']);
      const base = typeof cur === 'number' ? cur : 0;
      if (base === 0 || size === 0)
        return { name: 'unaligned', value: base === 0 ? 0x10_0000 : 0, mustFail: true };
      return rng.chance(0.5)
        ? { name: 'unaligned', value: base + 8 * rng.range(1, 7), mustFail: true }
        : { name: 'unaligned', value: 0, mustFail: true }; // address 0 with a size
    }
    case 'stream-size': {
      const base = typeof cur === 'number' ? cur : 0;
      if (base === 0) return { name: 'unaligned', value: 64, mustFail: true }; // a size without an address
      return rng.chance(0.5)
        ? { name: 'unaligned', value: base + 4, mustFail: true }
        : { name: 'overflow', value: rng.pick([2 ** 32, 0.5]), mustFail: true };
    }
    case 'coremask':
      return { name: 'enum', value: rng.pick([1 << 20, 2 ** 40, -1]), mustFail: true };
    case 'vmrange':
      // Above the VA space minus the kernel's reserve (an unaligned range is accepted).
      return { name: 'overflow', value: rng.pick([2 ** 48, 2 ** 64, -4096]), mustFail: true };
    case 'chunk':
      return {
        name: 'enum',
        value: rng.pick([0, 4096, 128 * 1024 + 1, 16 * 1024 * 1024]),
        mustFail: true,
      };
    case 'map-offset': {
      const base = typeof cur === 'number' ? cur : 0;
      return rng.chance(0.5)
        ? { name: 'unaligned', value: base + rng.range(1, 3), mustFail: true }
        : { name: 'overflow', value: rng.pick([2 ** 32, -4, 2 ** 53]), mustFail: true };
    }
    case 'dq-size': {
      // Below every DEV_QUERY struct's minimum: EINVAL when there is a buffer to fill.
      const pointer = getAt(call.args, ['pointer']);
      return { name: 'enum', value: rng.pick([1, 2, 3]), mustFail: pointer === true };
    }
  }
  return null;
}

const PAGE = 4096;

/** The type of VM_BIND's first operation (0 MAP, 1 UNMAP, 2 SYNC_ONLY). */
function bindOpType(call: FuzzCall): number {
  const flags = getAt(call.args, ['ops', 'array', 0, 'flags']);
  return typeof flags === 'number' ? flags >>> 28 : 0;
}

function isSyncOnly(call: FuzzCall): boolean {
  return bindOpType(call) === 2;
}

function isAsyncBind(call: FuzzCall): boolean {
  const flags = getAt(call.args, ['flags']);
  return typeof flags === 'number' && (flags & 1) !== 0;
}
