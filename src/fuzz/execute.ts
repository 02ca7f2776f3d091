/**
 * Runs one fuzz program on a fresh machine and judges it.
 *
 * The machine is the scenario runner's: a `System` with the program's seed, design, strategy
 * and driver timeouts, the recovery daemon, and the `Checker` with every oracle of docs/design.md §2
 * attached (its ledger stays empty: fuzz jobs have no culprit to blame, so `innocent-survives`
 * has nothing to say about them; the fence error codes of fuzz jobs are checked here instead,
 * through the status SYNC_IOC_FILE_INFO reads from an exported sync_file). One task runs the calls in order; an `async` call runs in a task of
 * its own beside the next ones (a blocking wait), and a CLOSE waits for the file's calls in
 * flight first, as the kernel's last `fput` would.
 *
 * Per call: an exception escaping the model ends the run (`model-error`, the kernel records
 * it with its stack); the errno must be one its call may return (`src/fuzz/errnos.ts`); a call the
 * uAPI must reject (`check.mustFail`) must fail; a call naming a handle the calling file does
 * not hold (`check.handle`) must fail (`isolation`); and what a successful call returns must
 * make sense (handles non-zero, sizes page-aligned, a wedged device's mapping reads 0, a group
 * is never INNOCENT and FATAL at once, a fence error is one the kernel uses).
 *
 * At the end: faults are disarmed; asynchronous calls get a bounded time to finish; every file
 * is closed; a fresh client must get a job done (`recovery`, as in the scenario runner); the
 * device gets up to `SETTLE_NS` to settle; the final oracles run; leaks are measured
 * (`src/fuzz/leaks.ts`); and the device is unbound, so that removal runs after the abuse too.
 */

import { Checker } from '../check/checker.js';
import type { BugId } from '../driver/bugs.js';
import type { DriverConfig } from '../driver/config.js';
import type { PanthorFile } from '../driver/file.js';
import { GroupStateFlags, type IoctlResult } from '../driver/uapi.js';
import { SYNCOBJ_FOPS } from '../drm/syncobj-ioctl.js';
import { randomStrategy } from '../explore/random.js';
import { validateFaultSpec } from '../hw/faults.js';
import type { GpuConfig } from '../hw/latency.js';
import { PAGE_SIZE } from '../hw/regs.js';
import { Errno, errnoName } from '../kernel/errno.js';
import { sendFd } from '../kernel/fdtable.js';
import type { RunOutcome } from '../kernel/kernel.js';
import { SYNC_FILE_FOPS, type SyncFenceInfo, type SyncFileInfo } from '../kernel/sync-file.js';
import { toC } from '../kernel/uaccess.js';
import type { FailureKind } from '../kernel/violations.js';
import { JobLedger } from '../scenarios/ledger.js';
import { System } from '../system/system.js';
import { RecoveryDaemon } from '../userspace/daemon.js';
import { syncFileInfo } from '../userspace/libsync.js';
import { probe } from '../userspace/probe.js';
import { errnoAllowed } from './errnos.js';
import { LEAK_FIELDS, type LeakReport, measureLeaks } from './leaks.js';
import { getAt } from './mutate.js';
import {
  type Arg,
  type ArgObject,
  describeCall,
  type FuzzCall,
  type FuzzProgram,
  type HandleKind,
  isRef,
} from './program.js';
import { assembleStream, MAX_STREAM_WORDS } from './streams.js';

/** Virtual time the device gets to settle after the files are closed. */
const SETTLE_NS = 5_000_000_000;
/** Virtual time a recovered device gets to serve the probe job. */
const PROBE_NS = 20_000_000_000;
/** Asynchronous calls still blocked after this much virtual time are abandoned. */
const ASYNC_DRAIN_NS = 3_000_000_000;
const MAX_ASYNC = 16;
const MAX_SLEEP_NS = 1_000_000_000;
const MAX_FINDINGS = 20;
const DEFAULT_MAX_STEPS = 1_000_000;

export interface ExecOptions {
  /** Bug switches (docs/design.md §3), to check that the fuzzer finds them. */
  bugs?: readonly BugId[];
  /** Driver configuration overrides (test hooks such as `testSkipTlbFlush`). */
  driver?: Partial<DriverConfig>;
  gpu?: Partial<GpuConfig>;
  maxSteps?: number;
  trace?: boolean;
}

export type FindingKind = FailureKind | 'errno' | 'must-fail' | 'result' | 'leak';

export interface Finding {
  kind: FindingKind;
  /** For leaks: what leaked (`groups`, `pages`, ...), so that shrinking keeps to one leak. */
  what?: string;
  message: string;
  /** The call it is attributed to (the one running when it happened), or null. */
  call: number | null;
}

export interface ExecResult {
  /** Calls that ran to completion. */
  executed: number;
  /** Completed calls by result: `OK` or the errno name. */
  errnos: Record<string, number>;
  findings: Finding[];
  /** Null when the run ended before the leak check (a model error, a limit). */
  leaks: LeakReport | null;
  outcome: RunOutcome;
  steps: number;
  virtualTimeNs: number;
  traceHash: string;
}

/** Fence statuses the kernel may leave on a job or bind fence (1 = success). */
const FENCE_STATUSES = new Set([
  0,
  1,
  -Errno.EINVAL,
  -Errno.ETIMEDOUT,
  -Errno.ECANCELED,
  -Errno.ENODEV,
]);

interface Slot {
  privileged: boolean;
  file: PanthorFile | null;
  inflight: number;
}

type Outputs = Record<string, number>;

/** Runs `program` and reports what it found. Deterministic: same program, same result. */
export async function execProgram(
  program: FuzzProgram,
  opts: ExecOptions = {},
): Promise<ExecResult> {
  let sleepNs = 0;
  for (const c of program.calls)
    if (c.op === 'SLEEP') sleepNs += Math.min(num(c.args.ns), MAX_SLEEP_NS);
  const sys = new System({
    seed: program.seed,
    design: program.design,
    bugs: opts.bugs ?? [],
    ...(program.strategy === 'random' ? { strategy: randomStrategy() } : {}),
    trace: opts.trace ?? false,
    record: false,
    maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS,
    maxTimeNs: 120e9 + sleepNs + program.calls.length * 4 * program.driver.jobTimeoutNs,
    driver: { ...opts.driver, jobTimeoutNs: program.driver.jobTimeoutNs },
    ...(opts.gpu !== undefined ? { gpu: opts.gpu } : {}),
  });
  const ex = new Executor(sys, program);
  sys.spawn('fuzz', () => ex.main());
  const r = await sys.run();
  // Violations recorded by the kernel and the oracles, attributed to the call running then.
  for (const v of r.violations) ex.add(v.invariant, v.message, ex.callAtStep(v.step));
  const leaks = ex.leaks;
  if (leaks !== null && leaks.total > 0) {
    for (const what of LEAK_FIELDS) {
      if (leaks[what] === 0) continue;
      ex.add(
        'leak',
        `${leaks[what]} ${what} leaked after close: ${leaks.details.join('; ')}`,
        null,
        what,
      );
    }
  }
  return {
    executed: ex.executed,
    errnos: ex.errnos,
    findings: ex.findings,
    leaks: ex.leaks,
    outcome: r.outcome,
    steps: r.steps,
    virtualTimeNs: r.nowNs,
    traceHash: r.traceHash,
  };
}

class Executor {
  readonly findings: Finding[] = [];
  readonly errnos: Record<string, number> = {};
  executed = 0;
  leaks: LeakReport | null = null;
  private readonly outputs = new Map<string, Outputs>();
  private readonly slots: Slot[];
  private readonly checker: Checker;
  private readonly daemon: RecoveryDaemon;
  /** Kernel step at which each call started (for attributing violations). */
  private readonly startSteps: Array<[number, number]> = [];
  private asyncLive = 0;
  /** Kernel step at which the end-of-program checks began (-1 before). */
  private finishStep = -1;

  constructor(
    private readonly sys: System,
    private readonly program: FuzzProgram,
  ) {
    this.slots = program.files.map((f) => ({ privileged: f.privileged, file: null, inflight: 0 }));
    this.daemon = new RecoveryDaemon(sys);
    this.checker = new Checker(sys, new JobLedger(), this.daemon, new Map());
  }

  add(kind: FindingKind, message: string, call: number | null, what?: string): void {
    if (this.findings.length >= MAX_FINDINGS) return;
    const where =
      call === null ? '' : ` (call ${describeCall(this.program.calls[call] as FuzzCall, call)})`;
    this.findings.push({
      kind,
      ...(what !== undefined ? { what } : {}),
      message: message + where,
      call,
    });
  }

  /** The call running at kernel step `step`, or null once the program's calls were done. */
  callAtStep(step: number): number | null {
    if (this.finishStep >= 0 && step >= this.finishStep) return null;
    let best: number | null = null;
    for (const [s, i] of this.startSteps) if (s <= step) best = i;
    return best;
  }

  async main(): Promise<void> {
    const sys = this.sys;
    const k = sys.k;
    const boot = await sys.boot();
    if (boot !== 0) {
      this.add('result', `the device did not probe: ${errnoName(boot)}`, null);
      k.stop();
      return;
    }
    this.daemon.start();
    for (const s of this.slots) s.file = this.open(s);
    const calls = this.program.calls;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i] as FuzzCall;
      if (c.async === true && this.asyncLive < MAX_ASYNC) {
        this.asyncLive++;
        const slot = this.slots[c.file];
        if (slot !== undefined) slot.inflight++;
        sys.spawn(`fuzz-call${i}`, async () => {
          try {
            await this.run(i, c);
          } finally {
            this.asyncLive--;
            if (slot !== undefined) slot.inflight--;
          }
        });
        await k.point();
      } else {
        await this.run(i, c);
      }
    }
    await this.finish();
  }

  private open(s: Slot): PanthorFile | null {
    const dev = this.sys.dev;
    if (dev === null) return null;
    const f = dev.drv.open(s.privileged);
    return typeof f === 'number' ? null : f;
  }

  // ---- One call ------------------------------------------------------------------------------

  private async run(i: number, c: FuzzCall): Promise<void> {
    this.startSteps.push([this.sys.k.stepCount, i]);
    const args = this.resolve(c.args) as ArgObject;
    const slot = this.slots[c.file];
    const file = slot?.file ?? null;
    let mustFail = c.check?.mustFail === true;
    let foreign: string | null = null;
    const h = c.check?.handle;
    if (h !== undefined && file !== null) {
      const v = getAt(args, h.path);
      // BO_CREATE's exclusive VM id 0 means "no VM": not a handle.
      const none =
        c.op === 'BO_CREATE' &&
        (typeof v === 'number' || typeof v === 'bigint') &&
        toC('u32', v) === 0;
      if (!none && !holds(file, h.kind, v)) {
        mustFail = true;
        foreign = `${h.kind} handle ${String(v)}`;
      }
    }
    const r = await this.dispatch(c, args, slot, file);
    this.executed++;
    const key = r.errno === 0 ? 'OK' : errnoName(r.errno);
    this.errnos[key] = (this.errnos[key] ?? 0) + 1;
    if (r.errno !== 0 && !errnoAllowed(c.op, r.errno))
      this.add('errno', `${c.op} returned ${errnoName(r.errno)}, which it may not`, i);
    if (r.errno === 0 && mustFail) {
      if (foreign !== null)
        this.add('isolation', `${c.op} succeeded with a ${foreign} the file does not hold`, i);
      else this.add('must-fail', `${c.op} accepted invalid arguments (${c.mut ?? 'mutated'})`, i);
    }
    if (r.errno === 0 && r.problem !== undefined) this.add('result', `${c.op}: ${r.problem}`, i);
    if (r.errno === 0 && c.out !== undefined && r.out !== undefined) this.outputs.set(c.out, r.out);
  }

  /** Replaces references by the values their calls returned (0 when they returned none). */
  private resolve(a: Arg): Arg {
    if (isRef(a)) return this.outputs.get(a.ref)?.[a.f ?? 'h'] ?? 0;
    if (Array.isArray(a)) return a.map((x) => this.resolve(x));
    if (a !== null && typeof a === 'object') {
      const o: ArgObject = {};
      for (const [key, v] of Object.entries(a)) o[key] = this.resolve(v);
      return o;
    }
    return a;
  }

  private async dispatch(
    c: FuzzCall,
    a: ArgObject,
    slot: Slot | undefined,
    file: PanthorFile | null,
  ): Promise<{ errno: number; out?: Outputs; problem?: string }> {
    const sys = this.sys;
    const k = sys.k;
    switch (c.op) {
      case 'FAULT': {
        const spec = {
          name: String(a.name),
          atNs: k.nowNs + Math.max(0, num(a.delayNs)),
          count: num(a.count),
          rate: num(a.rate),
        };
        if (validateFaultSpec(spec) !== null) return { errno: Errno.EINVAL };
        sys.hw.faults.arm(spec);
        return { errno: 0 };
      }
      case 'RESET': {
        const dev = sys.dev;
        if (dev !== null && !dev.unplugged) await dev.reset.schedule('ioctl');
        return { errno: 0 };
      }
      case 'SLEEP':
        await k.sleep(Math.min(Math.max(0, num(a.ns)), MAX_SLEEP_NS));
        return { errno: 0 };
      case 'CLOSE':
      case 'REOPEN': {
        if (slot === undefined) return { errno: Errno.EBADF };
        await this.closeSlot(slot);
        if (c.op === 'CLOSE') return { errno: 0 };
        slot.file = this.open(slot);
        return { errno: slot.file === null ? Errno.ENODEV : 0 };
      }
      default:
        break;
    }
    if (file === null) return { errno: Errno.EBADF };
    const drv = file.dev.drv;
    const res = <T>(
      r: IoctlResult<T>,
      out?: (v: T) => Outputs,
      check?: (v: T) => string | undefined,
    ) => {
      if (!r.ok) return { errno: r.errno };
      const problem = check?.(r.value);
      return {
        errno: 0,
        ...(out !== undefined ? { out: out(r.value) } : {}),
        ...(problem !== undefined ? { problem } : {}),
      };
    };
    // The arguments are plain JSON objects whose fields follow uapi.ts; the driver validates
    // them, which is the point.
    const raw = a as never;
    switch (c.op) {
      case 'DEV_QUERY': {
        const args = {
          type: a.type,
          size: a.size,
          pointer: a.pointer === false || a.pointer === null ? null : {},
        };
        return res(await drv.devQuery(file, args as never));
      }
      case 'VM_CREATE':
        return res(
          await drv.vmCreate(file, raw),
          (v) => ({ h: num(v.id) }),
          (v) => (positiveInt(v.id) ? undefined : `VM id ${v.id}`),
        );
      case 'VM_DESTROY':
        return res(await drv.vmDestroy(file, raw));
      case 'VM_BIND':
        return res(await drv.vmBind(file, raw));
      case 'VM_GET_STATE':
        return res(await drv.vmGetState(file, raw), undefined, (v) =>
          v.state === 0 || v.state === 1 ? undefined : `state ${v.state}`,
        );
      case 'BO_CREATE': {
        const asked = a.size;
        return res(
          await drv.boCreate(file, raw),
          (v) => ({ h: num(v.handle), size: v.size }),
          (v) =>
            positiveInt(v.handle) &&
            v.size % PAGE_SIZE === 0 &&
            (typeof asked !== 'number' || v.size >= asked)
              ? undefined
              : `handle ${v.handle}, size ${v.size} for ${String(asked)}`,
        );
      }
      case 'BO_MMAP_OFFSET':
        return res(
          await drv.boMmapOffset(file, raw),
          (v) => ({ h: num(v.offset) }),
          (v) =>
            positiveInt(v.offset) && num(v.offset) % PAGE_SIZE === 0
              ? undefined
              : `offset ${v.offset}`,
        );
      case 'GEM_CLOSE':
        return res(await drv.gemClose(file, a.handle as number));
      case 'MMAP':
        return res(drv.mmap(file, a.offset as number), (v) => ({ h: v }));
      case 'MAP_READ': {
        const dev = file.dev;
        return res(drv.mapRead(file, a.map as number, a.offset as number), undefined, (v) =>
          dev.wedge.mappingsRedirected && v !== 0
            ? `a wedged device's mapping read 0x${v.toString(16)}, not the dummy page`
            : undefined,
        );
      }
      case 'MAP_WRITE': {
        const words =
          a.stream !== undefined && a.stream !== null && typeof a.stream === 'object'
            ? assembleStream(a.stream as Record<string, unknown>)
            : [num(a.value) >>> 0];
        const base = a.offset as number;
        for (let w = 0; w < words.length && w < MAX_STREAM_WORDS; w++) {
          const r = drv.mapWrite(file, a.map as number, base + 4 * w, words[w] as number);
          if (!r.ok) return { errno: r.errno };
        }
        return { errno: 0 };
      }
      case 'MUNMAP':
        return res(drv.munmap(file, a.map as number));
      case 'GROUP_CREATE':
        return res(
          await drv.groupCreate(file, raw),
          (v) => ({ h: num(v.groupHandle) }),
          (v) =>
            positiveInt(v.groupHandle) && num(v.groupHandle) <= 128
              ? undefined
              : `handle ${v.groupHandle}`,
        );
      case 'GROUP_DESTROY':
        return res(await drv.groupDestroy(file, raw));
      case 'GROUP_SUBMIT':
        return res(await drv.groupSubmit(file, raw));
      case 'GROUP_GET_STATE':
        return res(await drv.groupGetState(file, raw), undefined, (v) => {
          const s = num(v.state);
          if (s & GroupStateFlags.INNOCENT && !(s & GroupStateFlags.TIMEDOUT))
            return `state ${s}: INNOCENT without TIMEDOUT`;
          if (s & GroupStateFlags.INNOCENT && s & GroupStateFlags.FATAL_FAULT)
            return `state ${s}: INNOCENT with FATAL_FAULT`;
          return undefined;
        });
      case 'TILER_HEAP_CREATE':
        return res(
          await drv.tilerHeapCreate(file, raw),
          (v) => ({
            h: num(v.handle),
            ctx: num(v.tilerHeapCtxGpuVa),
            chunk: num(v.firstHeapChunkGpuVa),
          }),
          (v) =>
            positiveInt(v.tilerHeapCtxGpuVa) ? undefined : `heap context VA ${v.tilerHeapCtxGpuVa}`,
        );
      case 'TILER_HEAP_DESTROY':
        return res(await drv.tilerHeapDestroy(file, raw));
      case 'SYNCOBJ_CREATE':
        return res(
          await drv.syncobjCreate(file, raw),
          (v) => ({ h: num(v.handle) }),
          (v) => (positiveInt(v.handle) ? undefined : `handle ${v.handle}`),
        );
      case 'SYNCOBJ_DESTROY':
        return res(await drv.syncobjDestroy(file, raw));
      case 'SYNCOBJ_WAIT':
        return res(await drv.syncobjWait(file, this.waitArgs(a) as never));
      case 'SYNCOBJ_TIMELINE_WAIT':
        return res(await drv.syncobjTimelineWait(file, this.waitArgs(a) as never));
      case 'SYNCOBJ_QUERY': {
        // Program files of the first format queried one `handle`.
        const q =
          a.handles === undefined && a.handle !== undefined
            ? { handles: [a.handle], points: [0], countHandles: 1, flags: 0 }
            : a;
        return res(await drv.syncobjQuery(file, q as never));
      }
      case 'SYNCOBJ_RESET':
        return res(await drv.syncobjReset(file, raw));
      case 'SYNCOBJ_SIGNAL':
        return res(await drv.syncobjSignal(file, raw));
      case 'SYNCOBJ_TIMELINE_SIGNAL':
        return res(await drv.syncobjTimelineSignal(file, raw));
      case 'SYNCOBJ_TRANSFER':
        return res(await drv.syncobjTransfer(file, raw));
      case 'SYNCOBJ_HANDLE_TO_FD':
        return res(
          await drv.syncobjHandleToFd(file, raw, file.owner),
          (v) => ({ h: v.fd }),
          (v) => (Number.isInteger(v.fd) && v.fd >= 0 ? undefined : `fd ${v.fd}`),
        );
      case 'SYNCOBJ_FD_TO_HANDLE': {
        const plain = (num(a.flags) & 1) === 0;
        return res(
          await drv.syncobjFdToHandle(file, raw, file.owner),
          plain ? (v) => ({ h: v.handle }) : undefined,
          (v) => (!plain || positiveInt(v.handle) ? undefined : `handle ${v.handle}`),
        );
      }
      case 'SYNC_FILE_INFO': {
        const n = Math.min(Math.max(0, num(a.numFences)), 64);
        const info: SyncFileInfo = {
          flags: a.flags as number,
          numFences: a.numFences as number,
          pad: a.pad as number,
          syncFenceInfo: n > 0 ? new Array<SyncFenceInfo>(n) : null,
        };
        const r = await syncFileInfo(file.owner, a.fd as number, info);
        if (r < 0) return { errno: -r };
        const bad = [info.status, ...(info.syncFenceInfo ?? []).map((x) => x?.status ?? 0)].find(
          (st) => !FENCE_STATUSES.has(num(st)),
        );
        return bad === undefined
          ? { errno: 0 }
          : { errno: 0, problem: `fence status ${bad} (${errnoName(num(bad))})` };
      }
      case 'FD_CLOSE': {
        const r = await file.owner.close(a.fd as number);
        return { errno: r < 0 ? -r : 0 };
      }
      case 'SEND_FD': {
        const to = this.slots[num(a.to)]?.file ?? null;
        if (to === null) return { errno: Errno.EBADF };
        const r = sendFd(file.owner, a.fd as number, to.owner);
        return r < 0 ? { errno: -r } : { errno: 0, out: { h: r } };
      }
      case 'GET_CAP':
        return res(await drv.getCap(file, raw));
      case 'PERFCNT_ENABLE':
        return res(await drv.perfcntEnable(file, raw));
      case 'PERFCNT_DUMP': {
        const len = a.bufLen;
        const buf =
          typeof len === 'number' && len >= 0
            ? new Array<number>(Math.min(Math.floor(len), 4096)).fill(0)
            : null;
        return res(await drv.perfcntDump(file, { buf }));
      }
      default:
        return { errno: Errno.EINVAL };
    }
  }

  /**
   * A wait's arguments as the kernel takes them: the program's relative `timeoutNs` made
   * absolute (0 stays a poll, a negative one is a time in the past), and for programs of the
   * first format, which gave no `countHandles`, every handle of the array.
   */
  private waitArgs(a: ArgObject): ArgObject {
    const out: ArgObject = { ...a };
    if (out.timeoutNsec === undefined) {
      const rel = num(a.timeoutNs);
      out.timeoutNsec = rel > 0 ? this.sys.k.nowNs + rel : rel < 0 ? -1 : 0;
    }
    delete out.timeoutNs;
    if (out.countHandles === undefined && Array.isArray(a.handles))
      out.countHandles = a.handles.length;
    return out;
  }

  private async closeSlot(slot: Slot): Promise<void> {
    const k = this.sys.k;
    // The last fput of a file waits for the ioctls in flight on it.
    for (let t = 0; slot.inflight > 0 && t < ASYNC_DRAIN_NS; t += 1_000_000)
      await k.sleep(1_000_000);
    const f = slot.file;
    slot.file = null;
    if (f !== null) await f.dev.drv.close(f);
  }

  // ---- The end of the program ------------------------------------------------------------------

  private async finish(): Promise<void> {
    const sys = this.sys;
    const k = sys.k;
    this.finishStep = k.stepCount;
    sys.hw.faults.disarmAll();
    this.checker.faultsStoppedNs = k.nowNs;
    for (let t = 0; this.asyncLive > 0 && t < ASYNC_DRAIN_NS; t += 1_000_000)
      await k.sleep(1_000_000);
    for (const s of this.slots) await this.closeSlot(s);
    if (!(await probe(sys, k.nowNs + PROBE_NS))) {
      k.violation(
        'recovery',
        `the device did not complete a new job within ${PROBE_NS} ns after the program`,
      );
    }
    for (let t = 0; t < SETTLE_NS && measureLeaks(sys).total > 0; t += 50_000_000)
      await k.sleep(50_000_000);
    this.checker.final();
    this.leaks = measureLeaks(sys);
    this.daemon.stop();
    if (sys.dev !== null) await sys.unbind();
    k.stop();
  }
}

/**
 * Whether `file` holds a handle named `v` of `kind` right now. `v` is taken as the kernel reads
 * it (C conversion: a u32 handle field holds `v >>> 0`, an fd an s32), so a value like 1.5 is
 * handle 1.
 */
export function holds(file: PanthorFile, kind: HandleKind, v0: unknown): boolean {
  if (typeof v0 !== 'number' && typeof v0 !== 'bigint') return false;
  if (kind === 'fd') {
    const fops = file.owner.files.lookup(toC('s32', v0))?.fops;
    return fops === SYNCOBJ_FOPS || fops === SYNC_FILE_FOPS;
  }
  if ((kind === 'mmap' || kind === 'mapping') && !Number.isInteger(v0)) return false;
  const v = kind === 'mmap' || kind === 'mapping' ? (v0 as number) : toC('u32', v0);
  switch (kind) {
    case 'bo':
      return file.bos.get(v) !== undefined;
    case 'vm':
      return file.vms.get(v) !== undefined;
    case 'group':
      return file.groups.get(v) !== undefined;
    case 'syncobj':
      return file.syncobjs.get(v) !== undefined;
    case 'heap': {
      if (v < 0 || v > 0xffffffff) return false;
      const heaps = file.vms.get(v >>> 16)?.heapPool?.heaps;
      return heaps !== undefined && (heaps[v & 0xffff] ?? null) !== null;
    }
    case 'mmap':
      return file.mmapAllowed.has(v);
    case 'mapping':
      return file.mappings.has(v);
  }
  return false;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}
