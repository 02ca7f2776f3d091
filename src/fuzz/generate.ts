/**
 * The fuzzer's program generator: syzkaller-style, a deterministic function of a seed.
 *
 * It keeps a *symbolic* model of what each file slot should own if every call succeeded (VMs
 * with a VA bump allocator and their bindings, BOs, mmap offsets and mappings, groups,
 * syncobjs, heaps, the perfcnt session) and of what was destroyed, and emits:
 * - *valid* calls, with their prerequisites created on demand, including whole jobs: a command
 *   BO mapped in a VM and on the CPU, a stream written into it, a group, a submit that signals
 *   a syncobj, and a wait (sometimes asynchronous, beside the next calls);
 * - *mutated* calls: a valid call with one field broken by `src/fuzz/mutate.ts` (a bad, stale or
 *   foreign handle, a non-zero pad, an unknown flag, an unaligned or overflowing size or
 *   address, a NULL array with a count, a huge count, an out-of-range enum, ...);
 * - *machine* calls: a hardware fault armed from the fault plane, a reset request, a sleep;
 *   and file churn: CLOSE (everything the file owned becomes stale) and REOPEN.
 *
 * The generator never looks at a run: the symbolic model may be wrong (a BO_CREATE that fails
 * at run time), which is fine, since a reference to a call that failed resolves to 0 and the
 * later call fails with an errno as it should. Everything is bounded: a program has at most
 * `MAX_PROGRAM_CALLS` calls, a file at most `MAX_LIVE` objects of each kind, BOs at most 1 MiB
 * (heap chunks 1 MiB), RUNs at most 5 ms, waits at most 2 job timeouts.
 */
import { DESIGN_NAMES } from '../driver/config.js';
import {
  BoFlags,
  GroupPriority,
  SIZEOF,
  SyncOpFlags,
  SyncobjFdToHandleFlags,
  SyncobjHandleToFdFlags,
  SyncobjWaitFlags,
  VmBindFlags,
  VmBindOpFlags,
} from '../driver/uapi.js';
import { FAULT_NAMES } from '../hw/faults.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { Prng, Stream } from '../kernel/prng.js';
import { mutateCall } from './mutate.js';
import {
  type Arg,
  type ArgObject,
  FUZZ_PROGRAM_VERSION,
  type FuzzCall,
  type FuzzOp,
  type FuzzProgram,
  type HandleKind,
  MAX_PROGRAM_CALLS,
  pickWeighted,
  ref,
} from './program.js';
import { streamBytes } from './streams.js';

/** Live objects of one kind per file slot before the generator prefers reusing them. */
const MAX_LIVE = 6;
const MAX_BO_BYTES = 1 << 20;
const CMD_BO_BYTES = 8192;

export interface GenOptions {
  seed: number;
  /** A design, or undefined for one drawn from the seed. */
  design?: string;
  /** Calls in the program (default 50). */
  calls?: number;
  /** Probability that a single call is mutated (default 0.5). */
  mutationRate?: number;
}

// ---- The symbolic model ------------------------------------------------------------------------

export interface GVm {
  ref: string;
  file: number;
  rangeBytes: number;
  nextVa: number;
  bindings: GBinding[];
  heaps: GHeap[];
}

export interface GBo {
  ref: string;
  file: number;
  size: number;
  noMmap: boolean;
  offset: string | null;
  mapping: string | null;
  /** Next free byte for command streams (cmd BOs). */
  cursor: number;
}

export interface GBinding {
  vm: GVm;
  bo: GBo;
  va: number;
  size: number;
  readOnly: boolean;
}

export interface GGroup {
  ref: string;
  file: number;
  vm: GVm;
  queues: number;
}

export interface GHeap {
  ref: string;
  file: number;
  vm: GVm;
}

export interface GFile {
  idx: number;
  privileged: boolean;
  open: boolean;
  vms: GVm[];
  bos: GBo[];
  groups: GGroup[];
  heaps: GHeap[];
  syncobjs: string[];
  /** Syncobjs some submit or bind signals (worth waiting on). */
  signalled: string[];
  /** User mappings: ref and the BO size. */
  mappings: Array<{ ref: string; size: number }>;
  perfcnt: boolean;
  /** Fds of the slot's process: syncobj fds and sync_files. */
  fds: Array<{ ref: string; kind: 'syncobj' | 'sync_file' }>;
  /** The highest timeline point put on each syncobj used as a timeline. */
  points: Record<string, number>;
}

export interface Dead {
  kind: HandleKind;
  ref: string;
  file: number;
}

/** Generator state shared with the mutators (they pick stale and foreign handles from it). */
export class GenState {
  readonly calls: FuzzCall[] = [];
  readonly files: GFile[];
  readonly dead: Dead[] = [];

  constructor(
    readonly rng: Prng,
    files: Array<{ privileged: boolean }>,
    readonly jobTimeoutNs: number,
  ) {
    this.files = files.map((f, idx) => emptyFile(idx, f.privileged));
  }

  /** The ref the next emitted call's outputs will have. */
  nextRef(): string {
    return `r${this.calls.length}`;
  }

  emit(c: FuzzCall): FuzzCall {
    this.calls.push(c);
    return c;
  }

  /** Live refs of `kind` owned by file slots other than `file`. */
  foreign(kind: Dead['kind'], file: number): string[] {
    const out: string[] = [];
    for (const f of this.files) {
      if (f.idx === file) continue;
      out.push(...liveRefs(f, kind));
    }
    for (const d of this.dead) if (d.kind === kind && d.file !== file) out.push(d.ref);
    return out;
  }

  stale(kind: Dead['kind'], file: number): string[] {
    return this.dead.filter((d) => d.kind === kind && d.file === file).map((d) => d.ref);
  }
}

function emptyFile(idx: number, privileged: boolean): GFile {
  return {
    idx,
    privileged,
    open: true,
    vms: [],
    bos: [],
    groups: [],
    heaps: [],
    syncobjs: [],
    signalled: [],
    mappings: [],
    perfcnt: false,
    fds: [],
    points: {},
  };
}

function liveRefs(f: GFile, kind: Dead['kind']): string[] {
  switch (kind) {
    case 'bo':
      return f.bos.map((b) => b.ref);
    case 'vm':
      return f.vms.map((v) => v.ref);
    case 'group':
      return f.groups.map((g) => g.ref);
    case 'syncobj':
      return [...f.syncobjs];
    case 'heap':
      return f.heaps.map((h) => h.ref);
    case 'mmap':
      return f.bos.flatMap((b) => (b.offset === null ? [] : [b.offset]));
    case 'mapping':
      return f.mappings.map((m) => m.ref);
    case 'fd':
      return f.fds.map((d) => d.ref);
  }
}

/** An obj_array of `items` whose elements are `stride` bytes (the kernel's struct size). */
function arr(items: Arg[], stride: number): ArgObject {
  return { stride, count: items.length, array: items };
}

// ---- The generator -------------------------------------------------------------------------------

/** Generates one program. Same options, same program. */
export function generateProgram(opts: GenOptions): FuzzProgram {
  const rng = new Prng(opts.seed, Stream.fuzz);
  const design = opts.design ?? rng.pick(DESIGN_NAMES);
  const n = Math.min(Math.max(1, Math.floor(opts.calls ?? 50)), MAX_PROGRAM_CALLS);
  const mutationRate = opts.mutationRate ?? 0.5;
  const files = Array.from({ length: rng.range(2, 3) }, () => ({ privileged: rng.chance(0.3) }));
  const jobTimeoutNs = rng.pick([50_000_000, 100_000_000, 200_000_000, 500_000_000]);
  const st = new GenState(rng, files, jobTimeoutNs);
  const gen = new Generator(st);
  for (let guard = 0; st.calls.length < n && guard < 4 * n; guard++) gen.step(mutationRate);
  return {
    version: FUZZ_PROGRAM_VERSION,
    seed: opts.seed,
    design,
    strategy: rng.chance(0.5) ? 'random' : 'fifo',
    files,
    driver: { jobTimeoutNs },
    calls: st.calls.slice(0, n),
  };
}

type Action = [number, () => void];

class Generator {
  constructor(private readonly st: GenState) {}

  private get rng(): Prng {
    return this.st.rng;
  }

  /** One generation step: emits one or more calls. */
  step(mutationRate: number): void {
    const rng = this.rng;
    const open = this.st.files.filter((f) => f.open);
    const f = open.length > 0 ? rng.pick(open) : rng.pick(this.st.files);
    if (!f.open) {
      this.reopen(f);
      return;
    }
    const actions: Action[] = [
      [18, () => this.job(f)],
      [36, () => this.single(f, rng.chance(mutationRate))],
      [10, () => this.destroy(f)],
      [5, () => this.wait(f)],
      [3, () => this.fault()],
      [3, () => this.st.emit({ op: 'RESET', file: 0, args: {} })],
      [5, () => this.sleep()],
      [2, () => this.close(f)],
      [1, () => this.reopen(f)],
    ];
    pickWeighted(rng, actions)();
  }

  // ---- Machine calls -----------------------------------------------------------------------

  private fault(): void {
    const rng = this.rng;
    this.st.emit({
      op: 'FAULT',
      file: 0,
      args: {
        name: rng.pick(FAULT_NAMES),
        delayNs: rng.pick([0, 0, 100_000, 1_000_000, 20_000_000]),
        count: rng.range(1, 3),
        rate: rng.pick([1, 1, 0.5, 0.2]),
      },
    });
  }

  private sleep(): void {
    const ns = this.rng.pick([10_000, 1_000_000, 5_000_000, 20_000_000, this.st.jobTimeoutNs]);
    this.st.emit({ op: 'SLEEP', file: 0, args: { ns } });
  }

  private close(f: GFile): void {
    this.st.emit({ op: 'CLOSE', file: f.idx, args: {} });
    this.forget(f);
    f.open = false;
  }

  private reopen(f: GFile): void {
    this.st.emit({ op: 'REOPEN', file: f.idx, args: {} });
    this.forget(f);
    f.open = true;
  }

  /** Everything the file owned becomes stale (the file was closed). */
  private forget(f: GFile): void {
    const dead = this.st.dead;
    for (const kind of ['bo', 'vm', 'group', 'syncobj', 'heap', 'mmap', 'mapping', 'fd'] as const)
      for (const r of liveRefs(f, kind)) dead.push({ kind, ref: r, file: f.idx });
    Object.assign(f, emptyFile(f.idx, f.privileged), { open: f.open });
  }

  // ---- Prerequisites -------------------------------------------------------------------------

  private vm(f: GFile): GVm {
    if (f.vms.length > 0 && (f.vms.length >= MAX_LIVE || this.rng.chance(0.85)))
      return this.rng.pick(f.vms);
    this.st.emit(this.vmCreateCall(f));
    return f.vms[f.vms.length - 1] as GVm;
  }

  /** A VM_CREATE call; the VM joins the symbolic model. */
  private vmCreateCall(f: GFile): FuzzCall {
    const r = this.st.nextRef();
    const range = this.rng.pick([0, 0, 0, 2 ** 32, 2 ** 40]);
    f.vms.push({
      ref: r,
      file: f.idx,
      rangeBytes: range === 0 ? 2 ** 47 : range,
      nextVa: 0x10_0000,
      bindings: [],
      heaps: [],
    });
    return { op: 'VM_CREATE', file: f.idx, args: { flags: 0, userVaRange: range }, out: r };
  }

  private bo(f: GFile, size: number, noMmap = false): GBo {
    const r = this.st.nextRef();
    this.st.emit({
      op: 'BO_CREATE',
      file: f.idx,
      args: { size, flags: noMmap ? BoFlags.NO_MMAP : 0, exclusiveVmId: 0, pad: 0 },
      out: r,
    });
    const bo: GBo = {
      ref: r,
      file: f.idx,
      size: Math.ceil(size / PAGE_SIZE) * PAGE_SIZE,
      noMmap,
      offset: null,
      mapping: null,
      cursor: 0,
    };
    f.bos.push(bo);
    return bo;
  }

  private freshVa(vm: GVm, size: number): number {
    const va = vm.nextVa;
    vm.nextVa += size + PAGE_SIZE;
    if (vm.nextVa >= vm.rangeBytes) vm.nextVa = 0x10_0000;
    return va;
  }

  /** A synchronous MAP of the whole BO at a fresh VA. */
  private bind(f: GFile, vm: GVm, bo: GBo, readOnly = false): GBinding {
    const va = this.freshVa(vm, bo.size);
    const flags = readOnly ? VmBindOpFlags.MAP_READONLY : 0;
    this.st.emit({
      op: 'VM_BIND',
      file: f.idx,
      args: {
        vmId: ref(vm.ref),
        flags: 0,
        ops: arr(
          [
            {
              flags,
              boHandle: ref(bo.ref),
              boOffset: 0,
              va,
              size: bo.size,
              syncs: arr([], SIZEOF.syncOp),
            },
          ],
          SIZEOF.vmBindOp,
        ),
      },
    });
    const b: GBinding = { vm, bo, va, size: bo.size, readOnly };
    vm.bindings.push(b);
    return b;
  }

  /** BO_MMAP_OFFSET + MMAP of a BO (once). Returns the mapping ref. */
  private mapping(f: GFile, bo: GBo): string {
    if (bo.mapping !== null) return bo.mapping;
    if (bo.offset === null) {
      bo.offset = this.st.nextRef();
      this.st.emit({
        op: 'BO_MMAP_OFFSET',
        file: f.idx,
        args: { handle: ref(bo.ref), pad: 0 },
        out: bo.offset,
      });
    }
    const m = this.st.nextRef();
    this.st.emit({ op: 'MMAP', file: f.idx, args: { offset: ref(bo.offset) }, out: m });
    bo.mapping = m;
    f.mappings.push({ ref: m, size: bo.size });
    return m;
  }

  private group(f: GFile, vm: GVm): GGroup {
    const mine = f.groups.filter((g) => g.vm === vm);
    if (mine.length > 0 && (f.groups.length >= MAX_LIVE || this.rng.chance(0.8)))
      return this.rng.pick(mine);
    const c = this.groupCreateCall(f, vm);
    this.st.emit(c);
    const g: GGroup = { ref: c.out as string, file: f.idx, vm, queues: groupQueues(c) };
    f.groups.push(g);
    return g;
  }

  private groupCreateCall(f: GFile, vm: GVm): FuzzCall {
    const rng = this.rng;
    const queues: Arg[] = [];
    for (let i = rng.range(1, 3); i > 0; i--) {
      queues.push({
        priority: rng.below(16),
        pad: [0, 0, 0],
        ringbufSize: rng.pick([4096, 4096, 8192, 16384, 65536]),
      });
    }
    const prio = f.privileged ? rng.below(4) : rng.pick([GroupPriority.LOW, GroupPriority.MEDIUM]);
    return {
      op: 'GROUP_CREATE',
      file: f.idx,
      args: {
        queues: arr(queues, SIZEOF.queueCreate),
        maxComputeCores: rng.range(0, 2),
        maxFragmentCores: rng.range(0, 2),
        maxTilerCores: 1,
        priority: prio,
        pad: 0,
        computeCoreMask: rng.pick([0x3, 0xf]),
        fragmentCoreMask: rng.pick([0x3, 0xf]),
        tilerCoreMask: 1,
        vmId: ref(vm.ref),
      },
      out: this.st.nextRef(),
    };
  }

  private syncobj(f: GFile, fresh = false): string {
    if (!fresh && f.syncobjs.length > 0 && this.rng.chance(0.5)) return this.rng.pick(f.syncobjs);
    const r = this.st.nextRef();
    this.st.emit({ op: 'SYNCOBJ_CREATE', file: f.idx, args: { flags: 0 }, out: r });
    f.syncobjs.push(r);
    return r;
  }

  private heap(f: GFile, vm: GVm): GHeap {
    if (vm.heaps.length > 0 && this.rng.chance(0.7)) return this.rng.pick(vm.heaps);
    const c = this.heapCreateCall(f, vm);
    this.st.emit(c);
    const h: GHeap = { ref: c.out as string, file: f.idx, vm };
    vm.heaps.push(h);
    f.heaps.push(h);
    return h;
  }

  private heapCreateCall(f: GFile, vm: GVm): FuzzCall {
    const rng = this.rng;
    const initial = rng.range(1, 3);
    return {
      op: 'TILER_HEAP_CREATE',
      file: f.idx,
      args: {
        vmId: ref(vm.ref),
        initialChunkCount: initial,
        chunkSize: rng.pick([128 * 1024, 256 * 1024, 1024 * 1024]),
        maxChunks: initial + rng.range(0, 6),
        targetInFlight: rng.range(0, 4),
      },
      out: this.st.nextRef(),
    };
  }

  // ---- Jobs ------------------------------------------------------------------------------------

  /** A whole job: command buffer, stream, group, submit, maybe a wait. */
  private job(f: GFile): void {
    const rng = this.rng;
    const st = this.st;
    const vm = this.vm(f);
    const group = this.group(f, vm);
    let cmd = f.bos.find((b) => !b.noMmap && b.size === CMD_BO_BYTES && bindingOf(vm, b));
    if (cmd === undefined || rng.chance(0.1)) {
      cmd = this.bo(f, CMD_BO_BYTES);
      this.bind(f, vm, cmd);
    }
    const cmdBinding = bindingOf(vm, cmd) as GBinding;
    let data = vm.bindings.find((b) => b.bo !== cmd && !b.bo.noMmap && !b.readOnly);
    if (data === undefined || rng.chance(0.1)) {
      const bo = this.bo(f, PAGE_SIZE * rng.range(1, 4));
      data = this.bind(f, vm, bo, rng.chance(0.1));
    }
    const spec = this.stream(f, vm, data);
    const bytes = streamBytes(spec as Record<string, unknown>);
    if (cmd.cursor + bytes > cmd.size) cmd.cursor = 0;
    const off = cmd.cursor;
    cmd.cursor += Math.ceil(bytes / 64) * 64;
    const map = this.mapping(f, cmd);
    st.emit({ op: 'MAP_WRITE', file: f.idx, args: { map: ref(map), offset: off, stream: spec } });
    const so = this.syncobj(f, rng.chance(0.6));
    // A timeline point a quarter of the time (SIGNAL | TIMELINE_SYNCOBJ as C writes it).
    const point = rng.chance(0.25) ? this.nextPoint(f, so) : 0;
    const syncs: Arg[] = [
      {
        flags:
          SyncOpFlags.SIGNAL |
          (point === 0
            ? SyncOpFlags.HANDLE_TYPE_SYNCOBJ
            : SyncOpFlags.HANDLE_TYPE_TIMELINE_SYNCOBJ),
        handle: ref(so),
        timelineValue: point,
      },
    ];
    const dep = f.signalled.filter((s) => s !== so);
    if (dep.length > 0 && rng.chance(0.3)) {
      syncs.push({
        flags: SyncOpFlags.HANDLE_TYPE_SYNCOBJ,
        handle: ref(rng.pick(dep)),
        timelineValue: 0,
      });
    }
    const submits: Arg[] = [
      {
        queueIndex: rng.below(group.queues),
        streamSize: bytes,
        streamAddr: cmdBinding.va + off,
        latestFlush: 0,
        pad: 0,
        syncs: arr(syncs, SIZEOF.syncOp),
      },
    ];
    if (rng.chance(0.1)) {
      // An empty submit: it completes with the queue's last job.
      submits.push({
        queueIndex: rng.below(group.queues),
        streamSize: 0,
        streamAddr: 0,
        latestFlush: 0,
        pad: 0,
        syncs: arr([], SIZEOF.syncOp),
      });
    }
    const submit: FuzzCall = {
      op: 'GROUP_SUBMIT',
      file: f.idx,
      args: { groupHandle: ref(group.ref), pad: 0, queueSubmits: arr(submits, SIZEOF.queueSubmit) },
    };
    st.emit(rng.chance(0.2) ? mutateCall(st, submit, f) : submit);
    if (!f.signalled.includes(so)) f.signalled.push(so);
    if (rng.chance(0.6)) {
      if (point === 0) this.waitOn(f, [so]);
      else this.timelineWaitOn(f, so, point);
    }
    if (rng.chance(0.3)) {
      st.emit({
        op: 'MAP_READ',
        file: f.idx,
        args: { map: ref(this.mapping(f, data.bo)), offset: 0 },
      });
    }
  }

  /** A stream spec for a job in `vm`, writing into `data`. */
  private stream(f: GFile, vm: GVm, data: GBinding): ArgObject {
    const rng = this.rng;
    const value = rng.u32();
    const kinds: Array<[number, () => ArgObject]> = [
      [
        40,
        () => ({ kind: 'store', va: data.va, value, runNs: rng.pick([1000, 100_000, 1_000_000]) }),
      ],
      [6, () => ({ kind: 'hang' })],
      [6, () => ({ kind: 'fault', va: 0x7000_0000 + rng.below(16) * PAGE_SIZE })],
      [5, () => ({ kind: 'fatal' })],
      [4, () => ({ kind: 'wait', va: data.va })],
      [8, () => ({ kind: 'loop', count: rng.range(1, 8), runNs: rng.pick([1000, 500_000]) })],
      [8, () => ({ kind: 'copy', src: this.otherVa(vm) ?? data.va, dst: data.va })],
      [
        8,
        () => {
          const h = this.heap(f, vm);
          return {
            kind: 'frame',
            heapCtx: ref(h.ref, 'ctx'),
            heapBytes: rng.pick([4096, 65536, 300_000]),
            runNs: 10_000,
            va: data.va,
            value,
          };
        },
      ],
      [
        3,
        () => ({
          kind: 'garbage',
          words: Array.from({ length: 2 * rng.range(1, 6) }, () => rng.u32()),
        }),
      ],
    ];
    return pickWeighted(rng, kinds)();
  }

  /** A VA bound in some other VM (of any file): a job reading it must fault, not read it. */
  private otherVa(vm: GVm): number | null {
    const others: GBinding[] = [];
    for (const g of this.st.files) for (const v of g.vms) if (v !== vm) others.push(...v.bindings);
    if (others.length === 0 || !this.rng.chance(0.7)) return null;
    const b = this.rng.pick(others);
    // Only a VA this VM does not map itself is a cross-VM access.
    return bindingAt(vm, b.va) === undefined ? b.va : null;
  }

  private wait(f: GFile): void {
    const pool = f.signalled.length > 0 ? f.signalled : f.syncobjs;
    if (pool.length === 0) {
      this.job(f);
      return;
    }
    const n = Math.min(pool.length, this.rng.range(1, 3));
    const hs = Array.from({ length: n }, () => this.rng.pick(pool));
    this.waitOn(f, hs);
  }

  private waitTimeout(): number {
    return this.rng.pick([0, 1_000_000, this.st.jobTimeoutNs, 2 * this.st.jobTimeoutNs]);
  }

  /** A SYNCOBJ_WAIT (its timeout relative: the executor makes it absolute). */
  private waitOn(f: GFile, handles: string[]): void {
    const rng = this.rng;
    const flags = rng.pick([0, 0, SyncobjWaitFlags.WAIT_ALL, SyncobjWaitFlags.WAIT_FOR_SUBMIT]);
    const c: FuzzCall = {
      op: 'SYNCOBJ_WAIT',
      file: f.idx,
      args: {
        handles: handles.map((h) => ref(h)),
        countHandles: handles.length,
        timeoutNs: this.waitTimeout(),
        flags,
        pad: 0,
      },
    };
    if (rng.chance(0.3)) c.async = true;
    this.st.emit(rng.chance(0.15) ? mutateCall(this.st, c, f) : c);
  }

  /** A SYNCOBJ_TIMELINE_WAIT for `point` of `so`. */
  private timelineWaitOn(f: GFile, so: string, point: number): void {
    const rng = this.rng;
    const flags = rng.pick([
      0,
      0,
      SyncobjWaitFlags.WAIT_ALL,
      SyncobjWaitFlags.WAIT_FOR_SUBMIT,
      SyncobjWaitFlags.WAIT_AVAILABLE,
    ]);
    const c: FuzzCall = {
      op: 'SYNCOBJ_TIMELINE_WAIT',
      file: f.idx,
      args: {
        handles: [ref(so)],
        points: [point],
        countHandles: 1,
        timeoutNs: this.waitTimeout(),
        flags,
        pad: 0,
      },
    };
    if (rng.chance(0.3)) c.async = true;
    this.st.emit(rng.chance(0.15) ? mutateCall(this.st, c, f) : c);
  }

  /** The next timeline point of `so` (now and then one below the last: an unordered point). */
  private nextPoint(f: GFile, so: string): number {
    const last = f.points[so] ?? 0;
    const p = last > 1 && this.rng.chance(0.1) ? last - 1 : last + this.rng.range(1, 3);
    f.points[so] = Math.max(last, p);
    return p;
  }

  /** A point of `so` worth naming: one it has (or 0), sometimes one not submitted yet. */
  private somePoint(f: GFile, so: string): number {
    const last = f.points[so] ?? 0;
    if (last === 0) return this.rng.chance(0.2) ? 1 : 0;
    return this.rng.pick([last, this.rng.range(1, last), last + 1]);
  }

  /** An fd of the slot's process of `kind`, exported first when there is none. */
  private fd(f: GFile, kind: 'syncobj' | 'sync_file'): string {
    const mine = f.fds.filter((d) => d.kind === kind);
    if (mine.length > 0 && this.rng.chance(0.7)) return this.rng.pick(mine).ref;
    const c = this.handleToFdCall(f, kind);
    this.st.emit(c);
    return c.out as string;
  }

  private handleToFdCall(f: GFile, kind: 'syncobj' | 'sync_file'): FuzzCall {
    const pool = f.signalled.length > 0 && this.rng.chance(0.7) ? f.signalled : null;
    const so = pool !== null ? this.rng.pick(pool) : this.syncobj(f);
    const r = this.st.nextRef();
    f.fds.push({ ref: r, kind });
    if (kind === 'syncobj')
      return {
        op: 'SYNCOBJ_HANDLE_TO_FD',
        file: f.idx,
        args: { handle: ref(so), flags: 0, fd: 0, pad: 0, point: 0 },
        out: r,
      };
    const point = this.somePoint(f, so);
    const flags =
      SyncobjHandleToFdFlags.EXPORT_SYNC_FILE | (point !== 0 ? SyncobjHandleToFdFlags.TIMELINE : 0);
    return {
      op: 'SYNCOBJ_HANDLE_TO_FD',
      file: f.idx,
      args: { handle: ref(so), flags, fd: 0, pad: 0, point },
      out: r,
    };
  }

  // ---- Single calls ----------------------------------------------------------------------------

  private single(f: GFile, mutate: boolean): void {
    const c = this.validCall(f);
    if (c === null) return;
    this.st.emit(mutate ? mutateCall(this.st, c, f) : c);
    if (!mutate) this.track(f, c);
  }

  /** Records what a valid call created in the symbolic model. */
  private track(f: GFile, c: FuzzCall): void {
    if (c.op === 'SYNCOBJ_CREATE' && c.out !== undefined) f.syncobjs.push(c.out);
    if (c.op === 'SYNCOBJ_FD_TO_HANDLE' && c.out !== undefined) f.syncobjs.push(c.out);
    if (c.op === 'PERFCNT_ENABLE') f.perfcnt = c.args.enable === 1;
  }

  /** A valid call of a random kind (its prerequisites are emitted first). */
  private validCall(f: GFile): FuzzCall | null {
    const rng = this.rng;
    const st = this.st;
    const ops: FuzzOp[] = [
      'DEV_QUERY',
      'VM_CREATE',
      'VM_BIND',
      'VM_BIND',
      'VM_BIND',
      'VM_GET_STATE',
      'BO_CREATE',
      'BO_MMAP_OFFSET',
      'MMAP',
      'MAP_READ',
      'MAP_WRITE',
      'GROUP_CREATE',
      'GROUP_SUBMIT',
      'GROUP_GET_STATE',
      'TILER_HEAP_CREATE',
      'SYNCOBJ_CREATE',
      'SYNCOBJ_QUERY',
      'SYNCOBJ_RESET',
      'SYNCOBJ_SIGNAL',
      'SYNCOBJ_TIMELINE_SIGNAL',
      'SYNCOBJ_TIMELINE_WAIT',
      'SYNCOBJ_TRANSFER',
      'SYNCOBJ_HANDLE_TO_FD',
      'SYNCOBJ_FD_TO_HANDLE',
      'SYNC_FILE_INFO',
      'SEND_FD',
      'GET_CAP',
      'PERFCNT_ENABLE',
      'PERFCNT_DUMP',
    ];
    const op = rng.pick(ops);
    const file = f.idx;
    switch (op) {
      case 'DEV_QUERY': {
        const type = rng.below(4);
        const query = rng.chance(0.3);
        return {
          op,
          file,
          args: { type, size: query ? 0 : rng.pick([8, 24, 80, 200]), pointer: !query },
        };
      }
      case 'VM_CREATE':
        return f.vms.length >= MAX_LIVE ? null : this.vmCreateCall(f);
      case 'VM_BIND':
        return this.vmBindCall(f);
      case 'VM_GET_STATE':
        return { op, file, args: { vmId: ref(this.vm(f).ref), pad: 0 } };
      case 'BO_CREATE': {
        const r = st.nextRef();
        const size = rng.pick([1, 4096, 5000, 65536, MAX_BO_BYTES]);
        const noMmap = rng.chance(0.2);
        const excl = f.vms.length > 0 && rng.chance(0.2) ? rng.pick(f.vms) : null;
        f.bos.push({
          ref: r,
          file,
          size: Math.ceil(size / PAGE_SIZE) * PAGE_SIZE,
          noMmap,
          offset: null,
          mapping: null,
          cursor: 0,
        });
        return {
          op,
          file,
          args: {
            size,
            flags: noMmap ? BoFlags.NO_MMAP : 0,
            exclusiveVmId: excl === null ? 0 : ref(excl.ref),
            pad: 0,
          },
          out: r,
        };
      }
      case 'BO_MMAP_OFFSET': {
        const bo = this.anyBo(f);
        const r = st.nextRef();
        if (bo.offset === null) bo.offset = r;
        return { op, file, args: { handle: ref(bo.ref), pad: 0 }, out: r };
      }
      case 'MMAP': {
        const bo = this.anyBo(f, true);
        if (bo.offset === null) {
          this.mapping(f, bo);
          return null;
        }
        const r = st.nextRef();
        f.mappings.push({ ref: r, size: bo.size });
        return { op, file, args: { offset: ref(bo.offset) }, out: r };
      }
      case 'MAP_READ':
      case 'MAP_WRITE': {
        const bo = this.anyBo(f, true);
        const map = this.mapping(f, bo);
        const offset = 4 * rng.below(bo.size / 4);
        const args: ArgObject = { map: ref(map), offset };
        if (op === 'MAP_WRITE') args.value = rng.u32();
        return { op, file, args };
      }
      case 'GROUP_CREATE': {
        if (f.groups.length >= MAX_LIVE) return null;
        const vm = this.vm(f);
        const c = this.groupCreateCall(f, vm);
        f.groups.push({ ref: c.out as string, file, vm, queues: groupQueues(c) });
        return c;
      }
      case 'GROUP_SUBMIT': {
        // An empty submit on an existing group (real streams come with `job`).
        const vm = this.vm(f);
        const g = this.group(f, vm);
        return {
          op,
          file,
          args: {
            groupHandle: ref(g.ref),
            pad: 0,
            queueSubmits: arr(
              [
                {
                  queueIndex: rng.below(g.queues),
                  streamSize: 0,
                  streamAddr: 0,
                  latestFlush: 0,
                  pad: 0,
                  syncs: arr([], SIZEOF.syncOp),
                },
              ],
              SIZEOF.queueSubmit,
            ),
          },
        };
      }
      case 'GROUP_GET_STATE': {
        const g = f.groups.length > 0 ? rng.pick(f.groups) : this.group(f, this.vm(f));
        return { op, file, args: { groupHandle: ref(g.ref), pad: 0 } };
      }
      case 'TILER_HEAP_CREATE': {
        const vm = this.vm(f);
        const c = this.heapCreateCall(f, vm);
        const h: GHeap = { ref: c.out as string, file, vm };
        vm.heaps.push(h);
        f.heaps.push(h);
        return c;
      }
      case 'SYNCOBJ_CREATE':
        return { op, file, args: { flags: rng.pick([0, 1]) }, out: st.nextRef() };
      case 'SYNCOBJ_QUERY':
        return {
          op,
          file,
          args: {
            handles: [ref(this.syncobj(f))],
            points: [0],
            countHandles: 1,
            flags: rng.pick([0, 0, 1]),
          },
        };
      case 'SYNCOBJ_RESET':
      case 'SYNCOBJ_SIGNAL': {
        const hs = Array.from({ length: rng.range(1, 2) }, () => ref(this.syncobj(f)));
        return { op, file, args: { handles: hs, countHandles: hs.length, pad: 0 } };
      }
      case 'SYNCOBJ_TIMELINE_SIGNAL': {
        const so = this.syncobj(f);
        const point = rng.chance(0.1) ? 0 : this.nextPoint(f, so);
        if (!f.signalled.includes(so)) f.signalled.push(so);
        return {
          op,
          file,
          args: { handles: [ref(so)], points: [point], countHandles: 1, flags: 0 },
        };
      }
      case 'SYNCOBJ_TIMELINE_WAIT': {
        const so = this.syncobj(f);
        this.timelineWaitOn(f, so, this.somePoint(f, so));
        return null;
      }
      case 'SYNCOBJ_TRANSFER': {
        const src = this.syncobj(f);
        const dst = this.syncobj(f);
        const dstPoint = rng.chance(0.5) ? this.nextPoint(f, dst) : 0;
        return {
          op,
          file,
          args: {
            srcHandle: ref(src),
            dstHandle: ref(dst),
            srcPoint: this.somePoint(f, src),
            dstPoint,
            // WAIT_FOR_SUBMIT waits up to 5 s for the point: rarely.
            flags: rng.chance(0.05) ? SyncobjWaitFlags.WAIT_FOR_SUBMIT : 0,
            pad: 0,
          },
        };
      }
      case 'SYNCOBJ_HANDLE_TO_FD':
        return this.handleToFdCall(f, rng.chance(0.5) ? 'syncobj' : 'sync_file');
      case 'SYNCOBJ_FD_TO_HANDLE': {
        if (rng.chance(0.5)) {
          const r = st.nextRef();
          return {
            op,
            file,
            args: { handle: 0, flags: 0, fd: ref(this.fd(f, 'syncobj')), pad: 0, point: 0 },
            out: r,
          };
        }
        const fd = ref(this.fd(f, 'sync_file'));
        const so = this.syncobj(f);
        const point = rng.chance(0.4) ? this.nextPoint(f, so) : 0;
        const flags =
          SyncobjFdToHandleFlags.IMPORT_SYNC_FILE |
          (point !== 0 ? SyncobjFdToHandleFlags.TIMELINE : 0);
        return { op, file, args: { handle: ref(so), flags, fd, pad: 0, point } };
      }
      case 'SYNC_FILE_INFO':
        return {
          op,
          file,
          args: {
            fd: ref(this.fd(f, 'sync_file')),
            flags: 0,
            numFences: rng.pick([0, 0, 8]),
            pad: 0,
          },
        };
      case 'SEND_FD': {
        // An fd handed to another slot's process (SCM_RIGHTS): it becomes that slot's fd.
        const others = st.files.filter((o) => o.open && o.idx !== f.idx);
        if (others.length === 0) return null;
        const to = rng.pick(others);
        const kind = rng.chance(0.5) ? 'syncobj' : 'sync_file';
        const fd = this.fd(f, kind);
        const r = st.nextRef();
        to.fds.push({ ref: r, kind });
        return { op, file, args: { fd: ref(fd), to: to.idx }, out: r };
      }
      case 'GET_CAP':
        return { op, file, args: { capability: rng.pick([0x13, 0x14, 0x6, 0x5, 0x1, 0x10]) } };
      case 'PERFCNT_ENABLE':
        return {
          op,
          file,
          args: { enable: f.perfcnt && rng.chance(0.6) ? 0 : 1, counterset: rng.below(2) },
        };
      case 'PERFCNT_DUMP':
        return { op, file, args: { bufLen: rng.pick([16, 64, 256]) } };
      default:
        return null;
    }
  }

  private anyBo(f: GFile, mmappable = false): GBo {
    const pool = f.bos.filter((b) => !mmappable || !b.noMmap);
    if (pool.length > 0 && (pool.length >= MAX_LIVE || this.rng.chance(0.8)))
      return this.rng.pick(pool);
    return this.bo(f, PAGE_SIZE * this.rng.range(1, 4));
  }

  private vmBindCall(f: GFile): FuzzCall {
    const rng = this.rng;
    const vm = this.vm(f);
    const file = f.idx;
    const async = rng.chance(0.3);
    const ops: Arg[] = [];
    const signals: string[] = [];
    for (let i = rng.range(1, 2); i > 0; i--) {
      const kind = rng.pick(['map', 'map', 'unmap', 'remap', async ? 'sync-only' : 'map']);
      const syncs: Arg[] = [];
      if (async && rng.chance(0.6)) {
        const so = this.syncobj(f);
        signals.push(so);
        syncs.push({
          flags: (SyncOpFlags.SIGNAL | SyncOpFlags.HANDLE_TYPE_SYNCOBJ) >>> 0,
          handle: ref(so),
          timelineValue: 0,
        });
      }
      if (async && f.signalled.length > 0 && rng.chance(0.2)) {
        syncs.push({
          flags: SyncOpFlags.HANDLE_TYPE_SYNCOBJ,
          handle: ref(rng.pick(f.signalled)),
          timelineValue: 0,
        });
      }
      if (kind === 'sync-only') {
        ops.push({
          flags: VmBindOpFlags.TYPE_SYNC_ONLY,
          boHandle: 0,
          boOffset: 0,
          va: 0,
          size: 0,
          syncs: arr(syncs, SIZEOF.syncOp),
        });
      } else if (kind === 'unmap' && vm.bindings.length > 0) {
        const b = rng.pick(vm.bindings);
        const partial = b.size > PAGE_SIZE && rng.chance(0.3);
        const size = partial ? PAGE_SIZE : b.size;
        ops.push({
          flags: VmBindOpFlags.TYPE_UNMAP >>> 0,
          boHandle: 0,
          boOffset: 0,
          va: b.va,
          size,
          syncs: arr(syncs, SIZEOF.syncOp),
        });
        if (!partial) vm.bindings.splice(vm.bindings.indexOf(b), 1);
      } else {
        const bo = this.anyBo(f);
        const pages = bo.size / PAGE_SIZE;
        const first = rng.below(pages);
        const count = rng.range(1, pages - first);
        const remapOf = kind === 'remap' && vm.bindings.length > 0 ? rng.pick(vm.bindings) : null;
        const va = remapOf !== null ? remapOf.va : this.freshVa(vm, count * PAGE_SIZE);
        const flagBits = rng.pick([
          0,
          0,
          VmBindOpFlags.MAP_READONLY,
          VmBindOpFlags.MAP_NOEXEC,
          VmBindOpFlags.MAP_UNCACHED,
        ]);
        ops.push({
          flags: flagBits,
          boHandle: ref(bo.ref),
          boOffset: first * PAGE_SIZE,
          va,
          size: count * PAGE_SIZE,
          syncs: arr(syncs, SIZEOF.syncOp),
        });
        if (remapOf === null)
          vm.bindings.push({
            vm,
            bo,
            va,
            size: count * PAGE_SIZE,
            readOnly: flagBits === VmBindOpFlags.MAP_READONLY,
          });
      }
    }
    for (const s of signals) if (!f.signalled.includes(s)) f.signalled.push(s);
    return {
      op: 'VM_BIND',
      file,
      args: {
        vmId: ref(vm.ref),
        flags: async ? VmBindFlags.ASYNC : 0,
        ops: arr(ops, SIZEOF.vmBindOp),
      },
    };
  }

  // ---- Destruction -----------------------------------------------------------------------------

  private destroy(f: GFile): void {
    const rng = this.rng;
    const st = this.st;
    const file = f.idx;
    const kinds: Array<[number, () => void]> = [];
    const dead = (kind: Dead['kind'], r: string) => st.dead.push({ kind, ref: r, file });
    if (f.bos.length > 0)
      kinds.push([
        3,
        () => {
          const bo = rng.pick(f.bos);
          f.bos.splice(f.bos.indexOf(bo), 1);
          st.emit({ op: 'GEM_CLOSE', file, args: { handle: ref(bo.ref) } });
          dead('bo', bo.ref);
          // Its VM bindings and CPU mapping keep the pages alive; they stay usable.
        },
      ]);
    if (f.vms.length > 0)
      kinds.push([
        2,
        () => {
          const vm = rng.pick(f.vms);
          f.vms.splice(f.vms.indexOf(vm), 1);
          st.emit({ op: 'VM_DESTROY', file, args: { id: ref(vm.ref), pad: 0 } });
          dead('vm', vm.ref);
          // Its groups stay (their handles are valid, they just can no longer run); its heaps go.
          for (const h of vm.heaps) {
            f.heaps.splice(f.heaps.indexOf(h), 1);
            dead('heap', h.ref);
          }
        },
      ]);
    if (f.groups.length > 0)
      kinds.push([
        3,
        () => {
          const g = rng.pick(f.groups);
          f.groups.splice(f.groups.indexOf(g), 1);
          st.emit({ op: 'GROUP_DESTROY', file, args: { groupHandle: ref(g.ref), pad: 0 } });
          dead('group', g.ref);
        },
      ]);
    if (f.syncobjs.length > 0)
      kinds.push([
        2,
        () => {
          const s = rng.pick(f.syncobjs);
          f.syncobjs.splice(f.syncobjs.indexOf(s), 1);
          const i = f.signalled.indexOf(s);
          if (i >= 0) f.signalled.splice(i, 1);
          st.emit({ op: 'SYNCOBJ_DESTROY', file, args: { handle: ref(s) } });
          dead('syncobj', s);
        },
      ]);
    if (f.heaps.length > 0)
      kinds.push([
        2,
        () => {
          const h = rng.pick(f.heaps);
          f.heaps.splice(f.heaps.indexOf(h), 1);
          h.vm.heaps.splice(h.vm.heaps.indexOf(h), 1);
          st.emit({ op: 'TILER_HEAP_DESTROY', file, args: { handle: ref(h.ref), pad: 0 } });
          dead('heap', h.ref);
        },
      ]);
    if (f.fds.length > 0)
      kinds.push([
        2,
        () => {
          const d = rng.pick(f.fds);
          f.fds.splice(f.fds.indexOf(d), 1);
          st.emit({ op: 'FD_CLOSE', file, args: { fd: ref(d.ref) } });
          dead('fd', d.ref);
        },
      ]);
    if (f.mappings.length > 0)
      kinds.push([
        1,
        () => {
          const m = rng.pick(f.mappings);
          f.mappings.splice(f.mappings.indexOf(m), 1);
          for (const b of f.bos) if (b.mapping === m.ref) b.mapping = null;
          st.emit({ op: 'MUNMAP', file, args: { map: ref(m.ref) } });
          dead('mapping', m.ref);
        },
      ]);
    if (kinds.length === 0) {
      this.job(f);
      return;
    }
    if (rng.chance(0.35)) {
      // A broken destroy (a bad, stale or foreign handle, a pad): nothing is destroyed.
      const before = st.calls.length;
      const dead = st.dead.length;
      pickWeighted(rng, kinds)();
      const c = st.calls.pop();
      st.dead.length = dead;
      if (c !== undefined && st.calls.length === before) st.emit(mutateCall(st, c, f));
      return;
    }
    pickWeighted(rng, kinds)();
  }
}

function bindingOf(vm: GVm, bo: GBo): GBinding | undefined {
  return vm.bindings.find((b) => b.bo === bo && b.size === bo.size);
}

function bindingAt(vm: GVm, va: number): GBinding | undefined {
  return vm.bindings.find((b) => va >= b.va && va < b.va + b.size);
}

function groupQueues(c: FuzzCall): number {
  const q = c.args.queues as ArgObject;
  return typeof q.count === 'number' ? q.count : 1;
}
