/**
 * The command-stream front-end: executes the ISA of cs-isa.ts for every started stream (queue)
 * of every CSG slot.
 *
 * Execution model:
 * - A stream reads its ring buffer (`cs.input.ringbufBase/ringbufSize`, in the group's VM) from
 *   its position up to the host's `cs.input.insert`, and publishes `cs.output.extract` (byte
 *   offsets, monotonic). CALL runs a buffer elsewhere in the VM and returns; the CALL in the
 *   ring counts as consumed only when the call returns, so `extract` never runs ahead of work.
 *   Jumps inside the ring move the position; `extract` reports the furthest position reached.
 * - Instructions run in *batches*, one kernel event per batch, each instruction costing
 *   CS_INSTR_COST_NS. A batch ends when the stream blocks (RUN, SYNC_WAIT, TILER_OOM, fatal,
 *   empty ring) or after `batchLimit` instructions; the limit grows from 64 to 4096 while a
 *   stream runs undisturbed, so a long loop costs few events, and shrinks back whenever the
 *   stream is woken. Effects of a batch (stores, sync updates) become visible at the batch's
 *   start time, at most one batch (82 µs) early; RUN always ends a batch, so the timing of job
 *   completion after a RUN is exact. The next batch is an event `cost` ns later, so even an
 *   endless loop lets virtual time advance and never starves the event queue.
 * - `JUMP -1` (a jump to itself) can never change anything: the stream enters the `spin` state,
 *   which needs no events at all, and its instruction count is settled lazily. `BRANCH_NZ r, -1`
 *   (a countdown on the spot) is executed in one step.
 * - Memory accesses go through the group's AS (latched at CSG start/resume). A faulting access
 *   is a page fault (mmu.ts) and a CS_FATAL with the MMU's exception type and the VA in
 *   `fatalInfo`; the stream stops. INVALID or an unknown opcode: CS_FATAL INSTR_INVALID_ENC.
 * - RUN keeps the stream busy for imm ns; CS_RUN_FOREVER, or the `job-hang` fault, never ends.
 *   RUN time is settled into `stats.runNs` when a RUN ends and whenever someone reads the
 *   statistics (perf counters), so counters advance even during an endless RUN.
 * - SYNC_WAIT64 blocks (statusBlockedReason SYNC_WAIT) until its condition holds; waiting
 *   streams are re-evaluated after every SYNC_ADD64/SYNC_SET64 of any stream and after every
 *   doorbell (the host may have signalled the object from the CPU).
 * - HEAP_SET loads a tiler heap context (layout in regs.ts) into the stream; HEAP_ALLOC takes
 *   bytes from the current chunk; when it does not fit, the context is written back, TILER_OOM
 *   is raised with `heapAddress`, and the stream waits for the host's acknowledgement with a new
 *   chunk in `heapStart/heapEnd` (heapStart 0: CS_FATAL OOM), then retries the allocation.
 *
 * Rejected: one event per instruction (a 5 s infinite job would be 250 M events), and
 * interpreting a decoded program cached per ring (the host may rewrite the ring at any time,
 * and stale-translation bugs must stay visible, so fetches go through the MMU's TLB).
 */
import type { TimedEvent } from '../kernel/events.js';
import type { HwContext } from './context.js';
import { HwEvents } from './context.js';
import { CS_INSTR_COST_NS, CS_REGS, CS_RUN_FOREVER, Op, simm16 } from './cs-isa.js';
import type { CsIface } from './fw-iface.js';
import type { Mmu } from './mmu.js';
import {
  CS_FATAL,
  CS_STATUS_BLOCKED_REASON_SYNC_WAIT,
  CS_STATUS_BLOCKED_REASON_UNBLOCKED,
  CS_STATUS_WAIT_SYNC,
  CS_STATUS_WAIT_SYNC_64B,
  CS_STATUS_WAIT_SYNC_COND_GT,
  CS_STATUS_WAIT_SYNC_COND_LE,
  CS_TILER_OOM,
  Exception,
  HEAP_CTX_CHUNK_SIZE,
  HEAP_CTX_CHUNK_VA,
  HEAP_CTX_CHUNKS,
  HEAP_CTX_USED,
  HEAP_CTX_WRITEBACKS,
  PAGE_SIZE,
} from './regs.js';

const TWO32 = 0x1_0000_0000;
const MIN_BATCH = 64;
const MAX_BATCH = 4096;
const MAX_CALL_DEPTH = 8;
/** Words per call frame in `frames`: pc, start, end. */
const FRAME = 3;

export type StreamState =
  /** Not started, or its state was dropped (terminate, reset, MCU stop). */
  | 'off'
  /** Executing (a batch event is pending). */
  | 'ready'
  /** Ring empty: waits for the host to move `insert` and ring a doorbell. */
  | 'empty'
  /** In a RUN (an end event is pending unless it never ends). */
  | 'run'
  /** Blocked in SYNC_WAIT64. */
  | 'wait'
  /** Waiting for the host to acknowledge TILER_OOM. */
  | 'oom'
  /** Stopped by CS_FATAL. */
  | 'fatal'
  /** In a `JUMP -1` loop: busy forever, no events. */
  | 'spin'
  /** Stopped by a CS STOP request; keeps its state. */
  | 'stopped';

/** What a stream needs from the CSG slot it belongs to. */
export interface StreamHost {
  readonly slot: number;
  /** The AS of the group's VM, latched at CSG START/RESUME. */
  readonly as: number;
  /** A SYNC_ADD64/SYNC_SET64 ran: raise CSG_SYNC_UPDATE. */
  syncUpdate(): void;
  /** Raise a CS event (CS_FATAL, CS_FAULT, CS_TILER_OOM) for stream `cs`. */
  csEvent(cs: number, bit: number): void;
  /** A stream changed between busy and idle. */
  activityChanged(): void;
  /**
   * Stream `cs` entered a RUN (an endpoint job): the firmware's progress timer starts counting
   * (GLB_PROGRESS_TIMER, in units of 1024 GPU cycles). `durNs` is how long the RUN lasts
   * (infinite for one that never ends): a RUN shorter than the timeout cannot trip it, so the
   * host arms nothing for it (one timed event per RUN would be paid by every run).
   */
  runStarted(cs: number, durNs: number): void;
  /** Stream `cs` left its RUN (the job completed, or the stream stopped): the timer stops. */
  runEnded(cs: number): void;
}

/** A stream's state as saved in a suspend buffer. */
export interface StreamSnapshot {
  state: StreamState;
  pos: number;
  extract: number;
  frames: number[];
  regs: Uint32Array;
  runNs: number;
  /** Remaining RUN time, -1 for a RUN that never ends. */
  runRemainingNs: number;
  heapVa: number;
  heapChunkVa: number;
  heapUsed: number;
  heapChunkSize: number;
  heapChunks: number;
  heapWritebacks: number;
}

/** The execution engine shared by all streams: events, waiters, the frozen (fw-hang) flag. */
export class CsEngine {
  readonly events: HwEvents;
  readonly waiters = new Set<Stream>();
  /** Virtual time at which the engine froze (the firmware hung), or -1. */
  frozenAtNs = -1;

  constructor(
    readonly ctx: HwContext,
    readonly mmu: Mmu,
  ) {
    this.events = new HwEvents(ctx.k);
  }

  get frozen(): boolean {
    return this.frozenAtNs >= 0;
  }

  /** "Now" for accounting: time stops for a frozen engine. */
  get nowNs(): number {
    return this.frozenAtNs >= 0 ? this.frozenAtNs : this.ctx.k.nowNs;
  }

  /** Re-evaluates every stream blocked in SYNC_WAIT64. */
  wakeWaiters(): void {
    if (this.frozen || this.waiters.size === 0) return;
    const list = [...this.waiters];
    this.waiters.clear();
    for (const s of list) s.wake();
  }

  /** The firmware hung: nothing progresses any more (until the engine is reset). */
  freeze(streams: Iterable<Stream>): void {
    if (this.frozen) return;
    for (const s of streams) s.settle();
    this.frozenAtNs = this.ctx.k.nowNs;
    this.events.cancelAll();
  }

  /** State loss: every stream is dropped by its owner; the engine forgets its events. */
  reset(): void {
    this.events.cancelAll();
    this.waiters.clear();
    this.frozenAtNs = -1;
  }
}

export class Stream {
  state: StreamState = 'off';
  readonly regs = new Uint32Array(CS_REGS);
  /** Ring position of the next ring instruction (byte offset, like insert/extract). */
  pos = 0;
  /** Published extract: the furthest ring position reached. */
  extract = 0;
  /** Call frames, FRAME numbers each: pc, start, end. */
  frames: number[] = [];
  /** RUN time of the queue on this stream since it was started (carried across suspend). */
  runNs = 0;
  private event: TimedEvent | null = null;
  private batchLimit = MIN_BATCH;
  private runEndNs = 0;
  private runForever = false;
  private runAccountedNs = 0;
  private spinSinceNs = 0;
  heapVa = 0;
  private heapChunkVa = 0;
  private heapUsed = 0;
  private heapChunkSize = 0;
  private heapChunks = 0;
  private heapWritebacks = 0;
  // Instruction-fetch translation cache (one page), valid while the AS's TLB generation holds.
  private fetchVpn = -1;
  private fetchPaBase = 0;
  private fetchGen = -1;
  private fetchAs = -1;
  // The sync object the last readSync() read (scratch: meaningful only right after the call).
  private syncLo = 0;
  private syncHi = 0;

  constructor(
    private readonly engine: CsEngine,
    private readonly host: StreamHost,
    readonly cs: number,
    readonly iface: CsIface,
  ) {}

  /** Idle for CSG_IDLE purposes: nothing to execute without outside help. */
  get idle(): boolean {
    const s = this.state;
    return s === 'off' || s === 'empty' || s === 'wait' || s === 'fatal' || s === 'stopped';
  }

  /** Doing work (GPU_STATUS.ACTIVE). */
  get busy(): boolean {
    const s = this.state;
    return s === 'ready' || s === 'run' || s === 'spin';
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle, driven by the CSG slot

  /** A fresh start (CSG START): empty registers, ring position 0. */
  startFresh(): void {
    this.drop();
    this.pos = 0;
    this.extract = 0;
    this.runNs = 0;
    this.iface.output.extract = 0;
    this.setState('ready');
    this.schedule(0);
  }

  /** CS START on a stream that was stopped (its state kept), or a restored stream. */
  restart(): void {
    if (this.state === 'stopped') {
      this.setState('ready');
      this.schedule(0);
    }
  }

  /** CS STOP: stop executing, keep the state. */
  stop(): void {
    if (this.state === 'off' || this.state === 'stopped') return;
    this.save();
    this.setState('stopped');
  }

  /** Forget all execution state (terminate, reset, MCU stop). */
  drop(): void {
    this.settle();
    this.cancel();
    this.engine.waiters.delete(this);
    this.regs.fill(0);
    this.frames = [];
    this.runForever = false;
    this.heapVa = 0;
    this.heapChunkVa = 0;
    this.heapUsed = 0;
    this.heapChunkSize = 0;
    this.heapChunks = 0;
    this.heapWritebacks = 0;
    this.fetchVpn = -1;
    this.setState('off');
  }

  /**
   * Saves the state for a suspend buffer and stops. Blocked states are saved as `ready`, so
   * that the blocking instruction runs again on resume (a SYNC_WAIT re-evaluates, a HEAP_ALLOC
   * raises TILER_OOM again if the heap is still full).
   */
  save(): StreamSnapshot {
    this.settle();
    this.cancel();
    this.engine.waiters.delete(this);
    let state = this.state;
    if (state === 'wait' || state === 'oom' || state === 'empty') state = 'ready';
    let runRemainingNs = 0;
    if (state === 'run') {
      runRemainingNs = this.runForever ? -1 : Math.max(0, this.runEndNs - this.engine.ctx.k.nowNs);
    }
    return {
      state,
      pos: this.pos,
      extract: this.extract,
      frames: this.frames.slice(),
      regs: this.regs.slice(),
      runNs: this.runNs,
      runRemainingNs,
      heapVa: this.heapVa,
      heapChunkVa: this.heapChunkVa,
      heapUsed: this.heapUsed,
      heapChunkSize: this.heapChunkSize,
      heapChunks: this.heapChunks,
      heapWritebacks: this.heapWritebacks,
    };
  }

  /** RESUME: continues from a snapshot. `run` says whether the host asked the stream to run. */
  restore(snap: StreamSnapshot, run: boolean): void {
    this.drop();
    this.pos = snap.pos;
    this.extract = snap.extract;
    this.iface.output.extract = snap.extract;
    this.frames = snap.frames.slice();
    this.regs.set(snap.regs);
    this.runNs = snap.runNs;
    this.heapVa = snap.heapVa;
    this.heapChunkVa = snap.heapChunkVa;
    this.heapUsed = snap.heapUsed;
    this.heapChunkSize = snap.heapChunkSize;
    this.heapChunks = snap.heapChunks;
    this.heapWritebacks = snap.heapWritebacks;
    const now = this.engine.ctx.k.nowNs;
    if (!run) {
      this.setState(snap.state === 'off' ? 'off' : 'stopped');
      return;
    }
    switch (snap.state) {
      case 'run':
        this.runAccountedNs = now;
        this.setState('run');
        if (snap.runRemainingNs < 0) {
          this.runForever = true;
          this.host.runStarted(this.cs, Number.POSITIVE_INFINITY);
        } else {
          this.runEndNs = now + snap.runRemainingNs;
          this.scheduleRunEnd(snap.runRemainingNs);
          this.host.runStarted(this.cs, snap.runRemainingNs);
        }
        return;
      case 'spin':
        this.spinSinceNs = now;
        this.setState('spin');
        return;
      case 'stopped':
      case 'off':
        this.setState('ready');
        this.schedule(0);
        return;
      default:
        this.setState(snap.state);
        if (snap.state === 'ready') this.schedule(0);
    }
  }

  /** A doorbell for this stream: new work may be in the ring. */
  kick(): void {
    if (this.engine.frozen) return;
    if (this.state === 'empty') {
      if (this.frames.length === 0 && this.pos >= this.iface.input.insert) return;
      this.batchLimit = MIN_BATCH;
      this.setState('ready');
      this.schedule(0);
      this.host.activityChanged();
    }
  }

  /** Re-evaluate a SYNC_WAIT64 (called by the engine). */
  wake(): void {
    if (this.state !== 'wait' || this.engine.frozen) return;
    this.batchLimit = MIN_BATCH;
    this.setState('ready');
    this.schedule(0);
  }

  /** The host acknowledged TILER_OOM: take the new chunk, or die of OOM. */
  oomAcked(): void {
    if (this.state !== 'oom' || this.engine.frozen) return;
    const start = this.iface.input.heapStart;
    const end = this.iface.input.heapEnd;
    if (start === 0 || end <= start) {
      this.fatal(Exception.OOM, this.heapVa);
      this.host.activityChanged();
      return;
    }
    this.heapChunkVa = start;
    this.heapChunkSize = end - start;
    this.heapUsed = 0;
    this.heapChunks++;
    if (!this.heapWriteBack('cs')) {
      this.host.activityChanged();
      return;
    }
    this.batchLimit = MIN_BATCH;
    this.setState('ready');
    this.schedule(0);
    this.host.activityChanged();
  }

  /**
   * Writes the cached tiler heap context back to the group's VM (on suspend the source is
   * 'fw-heap'). Returns false after a page fault. A stream without a heap context writes
   * nothing.
   */
  heapWriteBack(source: 'cs' | 'fw-heap'): boolean {
    if (this.heapVa === 0) return true;
    const mmu = this.engine.mmu;
    const as = this.host.as;
    const va = this.heapVa;
    const slot = this.host.slot;
    this.heapWritebacks++;
    const ok =
      mmu.write32(as, va + HEAP_CTX_CHUNK_VA, this.heapChunkVa % TWO32, source, slot, this.cs) &&
      mmu.write32(
        as,
        va + HEAP_CTX_CHUNK_VA + 4,
        Math.floor(this.heapChunkVa / TWO32),
        source,
        slot,
        this.cs,
      ) &&
      mmu.write32(as, va + HEAP_CTX_USED, this.heapUsed, source, slot, this.cs) &&
      mmu.write32(as, va + HEAP_CTX_CHUNK_SIZE, this.heapChunkSize, source, slot, this.cs) &&
      mmu.write32(as, va + HEAP_CTX_CHUNKS, this.heapChunks, source, slot, this.cs) &&
      mmu.write32(as, va + HEAP_CTX_WRITEBACKS, this.heapWritebacks, source, slot, this.cs);
    if (!ok && source === 'cs') this.fatal(mmu.lastFaultException, va);
    return ok;
  }

  /** Brings in-progress RUN time and spin instructions into the statistics. */
  settle(): void {
    const now = this.engine.nowNs;
    const stats = this.engine.ctx.stats;
    if (this.state === 'run') {
      const to = this.runForever ? now : Math.min(now, this.runEndNs);
      if (to > this.runAccountedNs) {
        stats.runNs += to - this.runAccountedNs;
        this.runNs += to - this.runAccountedNs;
        this.runAccountedNs = to;
      }
    } else if (this.state === 'spin' && now > this.spinSinceNs) {
      const n = Math.floor((now - this.spinSinceNs) / CS_INSTR_COST_NS);
      stats.instructions += n;
      this.spinSinceNs += n * CS_INSTR_COST_NS;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Execution

  private setState(s: StreamState): void {
    if (this.state === 'run' && s !== 'run') this.host.runEnded(this.cs);
    this.state = s;
    const out = this.iface.output;
    const stopped = s === 'off' || s === 'stopped';
    out.active = stopped ? 0 : 1;
    // A stream that stops (suspend, STOP, state loss) leaves its status where it was: Panthor
    // reads CS_STATUS_BLOCKED_REASON and the wait object after the SUSPEND acknowledgement
    // (panthor_sched.c csg_slot_sync_state_locked -> csg_slot_sync_queues_state_locked).
    if (stopped) return;
    out.statusBlockedReason =
      s === 'wait' ? CS_STATUS_BLOCKED_REASON_SYNC_WAIT : CS_STATUS_BLOCKED_REASON_UNBLOCKED;
  }

  private cancel(): void {
    this.engine.events.cancel(this.event);
    this.event = null;
  }

  private schedule(delayNs: number): void {
    this.cancel();
    this.event = this.engine.events.at(delayNs, 'cs-batch', () => {
      this.event = null;
      this.step();
    });
  }

  private scheduleRunEnd(delayNs: number): void {
    this.cancel();
    this.event = this.engine.events.at(delayNs, 'cs-run-end', () => {
      this.event = null;
      this.settle();
      this.batchLimit = MIN_BATCH;
      this.setState('ready');
      this.step();
    });
  }

  /** Stops the stream with CS_FATAL (the firmware's verdict, e.g. an unusable suspend buffer). */
  failFatal(exception: number, info: number): void {
    this.fatal(exception, info);
  }

  private fatal(exception: number, info: number): void {
    const out = this.iface.output;
    out.fatal = exception & 0xff;
    out.fatalInfo = info;
    out.statusCmdPtr = this.currentVa();
    this.engine.ctx.stats.csFatals++;
    this.cancel();
    this.engine.waiters.delete(this);
    this.setState('fatal');
    this.host.csEvent(this.cs, CS_FATAL);
  }

  /** The VA of the instruction at the current position. */
  private currentVa(): number {
    const depth = this.frames.length;
    if (depth > 0) return this.frames[depth - FRAME] as number;
    const size = this.iface.input.ringbufSize;
    return this.iface.input.ringbufBase + (size > 0 ? this.pos % size : 0);
  }

  private advance(delta: number): void {
    const depth = this.frames.length;
    if (depth === 0) this.pos += delta;
    else this.frames[depth - FRAME] = (this.frames[depth - FRAME] as number) + delta;
  }

  /** Jumps by `off` instructions relative to the next one; false (and fatal) if out of range. */
  private jump(off: number): boolean {
    const depth = this.frames.length;
    if (depth === 0) {
      const p = this.pos + 8 + off * 8;
      if (p < 0) {
        this.fatal(Exception.INSTR_INVALID_PC, this.currentVa());
        return false;
      }
      this.pos = p;
      return true;
    }
    const pc = (this.frames[depth - FRAME] as number) + 8 + off * 8;
    if (pc < (this.frames[depth - 2] as number) || pc > (this.frames[depth - 1] as number)) {
      this.fatal(Exception.INSTR_INVALID_PC, this.currentVa());
      return false;
    }
    this.frames[depth - FRAME] = pc;
    return true;
  }

  /** 64-bit address held in the register pair r, r+1. */
  private pair(r: number): number {
    return (this.regs[r] as number) + (this.regs[r + 1] as number) * TWO32;
  }

  /**
   * The sync object of a SYNC_*64 instruction at `va`, addressed by the pair `a` with its value
   * in the pair `b`: its VA, or -1 after CS_FATAL (a pair past the last register, or an object
   * not 8-byte aligned).
   */
  private syncObject(a: number, b: number, va: number): number {
    if (a + 1 >= CS_REGS || b + 1 >= CS_REGS) {
      this.fatal(Exception.INSTR_INVALID_ENC, va);
      return -1;
    }
    const addr = this.pair(a);
    if (addr % 8 !== 0) {
      this.fatal(Exception.DATA_INVALID_FAULT, addr);
      return -1;
    }
    return addr;
  }

  /**
   * Reads the 64-bit sync object at `addr` into `syncLo`/`syncHi` (two words, no allocation per
   * instruction). False after CS_FATAL: a page fault on either word.
   */
  private readSync(addr: number): boolean {
    const mmu = this.engine.mmu;
    const as = this.host.as;
    const slot = this.host.slot;
    const lo = mmu.read32(as, addr, 'cs', slot, this.cs);
    const hi = lo < 0 ? -1 : mmu.read32(as, addr + 4, 'cs', slot, this.cs);
    if (hi < 0) {
      this.fatal(mmu.lastFaultException, addr);
      return false;
    }
    this.syncLo = lo;
    this.syncHi = hi;
    return true;
  }

  /** One batch of instructions (the event callback). */
  private step(): void {
    if (this.state !== 'ready' || this.engine.frozen) return;
    const eng = this.engine;
    const ctx = eng.ctx;
    const mmu = eng.mmu;
    const mem = ctx.mem;
    const regs = this.regs;
    const inp = this.iface.input;
    const as = this.host.as;
    const slot = this.host.slot;
    const cs = this.cs;
    const limit = this.batchLimit;
    let n = 0;
    let cost = 0;
    let sync = false;
    let delay = -1;

    while (n < limit && this.state === 'ready') {
      // Where is the next instruction?
      let va: number;
      const depth = this.frames.length;
      if (depth === 0) {
        if (this.pos >= inp.insert) {
          this.setState('empty');
          break;
        }
        const size = inp.ringbufSize;
        if (!(size > 0 && size % 8 === 0 && inp.ringbufBase % 8 === 0)) {
          this.fatal(Exception.CS_CONFIG_FAULT, inp.ringbufBase);
          break;
        }
        va = inp.ringbufBase + (this.pos % size);
      } else {
        const pc = this.frames[depth - FRAME] as number;
        if (pc >= (this.frames[depth - 1] as number)) {
          // The call returns: the caller's CALL instruction is now complete.
          this.frames.length = depth - FRAME;
          this.advance(8);
          continue;
        }
        va = pc;
      }

      // Fetch through the MMU (one cached page translation per stream).
      const vpn = Math.floor(va / PAGE_SIZE);
      if (vpn !== this.fetchVpn || as !== this.fetchAs || mmu.tlbGen(as) !== this.fetchGen) {
        const pa = mmu.fetchPa(as, va, slot, cs);
        if (pa < 0) {
          this.fatal(mmu.lastFaultException, va);
          break;
        }
        this.fetchVpn = vpn;
        this.fetchAs = as;
        this.fetchGen = mmu.tlbGen(as);
        this.fetchPaBase = pa - (va % PAGE_SIZE);
      } else {
        mmu.touchFetch(as, va, this.fetchPaBase + (va % PAGE_SIZE));
      }
      const ipa = this.fetchPaBase + (va % PAGE_SIZE);
      const lo = mem.read32(ipa);
      const hi = mem.read32(ipa + 4);
      n++;
      cost += CS_INSTR_COST_NS;

      const op = hi >>> 24;
      const a = (hi >>> 16) & 0xff;
      const b = (hi >>> 8) & 0xff;
      switch (op) {
        case Op.NOP:
          this.advance(8);
          break;
        case Op.MOV48:
          if (a + 1 >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          regs[a] = lo;
          regs[a + 1] = hi & 0xffff;
          this.advance(8);
          break;
        case Op.MOV32:
          if (a >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          regs[a] = lo;
          this.advance(8);
          break;
        case Op.ADD32:
          if (a >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          regs[a] = ((regs[a] as number) + (lo | 0)) >>> 0;
          this.advance(8);
          break;
        case Op.LOAD32:
        case Op.STORE32:
        case Op.STORE64: {
          const wide = op === Op.STORE64;
          if (a + (wide ? 1 : 0) >= CS_REGS || b + 1 >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          const addr = this.pair(b) + simm16(lo);
          if (addr % (wide ? 8 : 4) !== 0) {
            this.fatal(Exception.DATA_INVALID_FAULT, addr);
            break;
          }
          if (op === Op.LOAD32) {
            const v = mmu.read32(as, addr, 'cs', slot, cs);
            if (v < 0) {
              this.fatal(mmu.lastFaultException, addr);
              break;
            }
            regs[a] = v;
          } else if (
            !mmu.write32(as, addr, regs[a] as number, 'cs', slot, cs) ||
            (wide && !mmu.write32(as, addr + 4, regs[a + 1] as number, 'cs', slot, cs))
          ) {
            this.fatal(mmu.lastFaultException, addr);
            break;
          }
          this.advance(8);
          break;
        }
        case Op.CALL: {
          if (a + 1 >= CS_REGS || b >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          const target = this.pair(a);
          const size = regs[b] as number;
          if (size === 0) {
            this.advance(8);
            break;
          }
          if (target % 8 !== 0 || size % 8 !== 0) {
            this.fatal(Exception.INSTR_INVALID_PC, target);
            break;
          }
          if (depth / FRAME >= MAX_CALL_DEPTH) {
            this.fatal(Exception.CS_CALL_STACK_OVERFLOW, va);
            break;
          }
          this.frames.push(target, target, target + size);
          break;
        }
        case Op.BRANCH_NZ: {
          if (a >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          const r = regs[a] as number;
          const off = simm16(lo);
          if (r === 0) {
            this.advance(8);
          } else if (off === -1) {
            // A countdown on the spot: r more executions, then fall through.
            n += r;
            cost += r * CS_INSTR_COST_NS;
            regs[a] = 0;
            this.advance(8);
          } else {
            regs[a] = r - 1;
            this.jump(off);
          }
          break;
        }
        case Op.JUMP: {
          const off = simm16(lo);
          if (off === -1) {
            // Jumping to itself changes nothing, ever: busy forever at no cost in events.
            this.spinSinceNs = ctx.k.nowNs + cost;
            this.setState('spin');
            break;
          }
          this.jump(off);
          break;
        }
        case Op.RUN: {
          const dur = lo + (hi & 0xff) * TWO32;
          this.advance(8);
          ctx.stats.runs++;
          this.runAccountedNs = ctx.k.nowNs + cost;
          this.setState('run');
          if (
            dur === CS_RUN_FOREVER ||
            ctx.faults.take('job-hang', `csg${slot} cs${cs} RUN ${dur} ns`)
          ) {
            this.runForever = true;
            this.runEndNs = Number.POSITIVE_INFINITY;
          } else {
            this.runForever = false;
            this.runEndNs = ctx.k.nowNs + cost + dur;
            delay = cost + dur;
          }
          this.host.runStarted(cs, this.runEndNs - ctx.k.nowNs);
          break;
        }
        case Op.SYNC_ADD64:
        case Op.SYNC_SET64: {
          const addr = this.syncObject(a, b, va);
          if (addr < 0) break;
          let newLo = regs[b] as number;
          let newHi = regs[b + 1] as number;
          if (op === Op.SYNC_ADD64) {
            if (!this.readSync(addr)) break;
            const sum = this.syncLo + newLo;
            newLo = sum >>> 0;
            newHi = (this.syncHi + newHi + (sum >= TWO32 ? 1 : 0)) >>> 0;
            ctx.stats.syncAdds++;
          } else {
            ctx.stats.syncSets++;
          }
          if (
            !mmu.write32(as, addr, newLo, 'cs', slot, cs) ||
            !mmu.write32(as, addr + 4, newHi, 'cs', slot, cs)
          ) {
            this.fatal(mmu.lastFaultException, addr);
            break;
          }
          sync = true;
          this.advance(8);
          break;
        }
        case Op.SYNC_WAIT64: {
          const addr = this.syncObject(a, b, va);
          if (addr < 0 || !this.readSync(addr)) break;
          const curLo = this.syncLo;
          const curHi = this.syncHi;
          const vLo = regs[b] as number;
          const vHi = regs[b + 1] as number;
          const greater = curHi > vHi || (curHi === vHi && curLo > vLo);
          if ((lo & 1) === 1 ? greater : !greater) {
            this.advance(8);
            break;
          }
          const out = this.iface.output;
          out.statusWaitSyncPtr = addr;
          out.statusWaitSyncValue = vLo;
          out.statusWaitSyncValueHi = vHi;
          out.statusWait =
            (CS_STATUS_WAIT_SYNC |
              CS_STATUS_WAIT_SYNC_64B |
              ((lo & 1) === 1 ? CS_STATUS_WAIT_SYNC_COND_GT : CS_STATUS_WAIT_SYNC_COND_LE)) >>>
            0;
          this.setState('wait');
          eng.waiters.add(this);
          break;
        }
        case Op.HEAP_SET: {
          if (a + 1 >= CS_REGS) {
            this.fatal(Exception.INSTR_INVALID_ENC, va);
            break;
          }
          const ctxVa = this.pair(a);
          if (ctxVa === 0 || ctxVa % 8 !== 0) {
            this.fatal(Exception.DATA_INVALID_FAULT, ctxVa);
            break;
          }
          const w = [
            HEAP_CTX_CHUNK_VA,
            HEAP_CTX_CHUNK_VA + 4,
            HEAP_CTX_USED,
            HEAP_CTX_CHUNK_SIZE,
            HEAP_CTX_CHUNKS,
            HEAP_CTX_WRITEBACKS,
          ].map((off) => mmu.read32(as, ctxVa + off, 'cs', slot, cs));
          if (w.some((v) => v < 0)) {
            this.fatal(mmu.lastFaultException, ctxVa);
            break;
          }
          this.heapVa = ctxVa;
          this.heapChunkVa = (w[0] as number) + (w[1] as number) * TWO32;
          this.heapUsed = w[2] as number;
          this.heapChunkSize = w[3] as number;
          this.heapChunks = w[4] as number;
          this.heapWritebacks = w[5] as number;
          this.advance(8);
          break;
        }
        case Op.HEAP_ALLOC: {
          const bytes = lo >>> 0;
          if (this.heapVa === 0) {
            this.fatal(Exception.DATA_INVALID_FAULT, va);
            break;
          }
          if (this.heapChunkVa !== 0 && this.heapUsed + bytes <= this.heapChunkSize) {
            this.heapUsed += bytes;
            ctx.stats.tilerBytes += bytes;
            ctx.stats.heapAllocs++;
            this.advance(8);
            break;
          }
          // Out of heap: publish the context, tell the host, wait for a new chunk.
          if (!this.heapWriteBack('cs')) break;
          const out = this.iface.output;
          out.heapAddress = this.heapVa;
          out.heapVtStart = this.heapChunkVa;
          out.heapVtEnd = this.heapChunkVa + this.heapChunkSize;
          ctx.stats.tilerOoms++;
          this.setState('oom');
          this.host.csEvent(cs, CS_TILER_OOM);
          break;
        }
        case Op.FLUSH_CACHES:
          cost += ctx.cfg.cacheFlushNs;
          ctx.stats.cacheFlushes++;
          this.advance(8);
          break;
        default:
          this.fatal(Exception.INSTR_INVALID_ENC, va);
      }
    }

    ctx.stats.instructions += n;
    if (this.pos > this.extract) this.extract = this.pos;
    const out = this.iface.output;
    out.extract = this.extract;
    // Re-read: the instructions above changed the state through setState().
    const state = this.state as StreamState;
    if (state !== 'fatal') out.statusCmdPtr = this.currentVa();
    if (state === 'ready') {
      if (n >= limit && this.batchLimit < MAX_BATCH) this.batchLimit *= 2;
      this.schedule(cost);
    } else if (state === 'run' && delay >= 0) {
      this.scheduleRunEnd(delay);
    }
    if (sync) {
      this.host.syncUpdate();
      eng.wakeWaiters();
    }
    if (state !== 'ready') this.host.activityChanged();
  }
}
