/**
 * A CSG slot as the firmware runs it: the state requests START / SUSPEND / RESUME / TERMINATE,
 * the STATUS_UPDATE and ENDPOINT_CONFIG requests, the per-stream START/STOP requests and event
 * acknowledgements, and the events the firmware sends to the host (CSG_SYNC_UPDATE, CSG_IDLE,
 * CSG_PROGRESS_TIMER_EVENT, and per-stream CS_FATAL / CS_TILER_OOM through `csIrqReq`).
 *
 * Progress timer. A stream in a RUN for longer than the progress timeout the host configured
 * (GLB_PROGRESS_TIMER, units of 1024 cycles; Panthor programs PROGRESS_TIMEOUT_CYCLES >> 10 in
 * panthor_fw.c panthor_fw_init_global_iface, ~2.6 s at the model's 1 GHz) makes the firmware
 * raise CSG_PROGRESS_TIMER_EVENT. Progress is an endpoint job completing: a stream that keeps
 * finishing RUNs never trips it (only the driver's job timeout catches it), nor does one that
 * blocks in SYNC_WAIT or spins in a JUMP -1 (no endpoint job is running).
 *
 * Protocol (fw-iface.ts): the firmware looks at a slot when the host rings the global doorbell
 * with the slot's bit of `glb.input.doorbellReq` toggled. Per-stream requests (CS state, OOM
 * acknowledgements, new ring contents) are handled at once; a CSG request is acknowledged
 * `csgReqNs` later (jittered; `late-ack` makes it ~1 s), and its effects happen at that moment:
 * a group being suspended keeps running until the acknowledgement, which is the window the
 * VM-teardown bug lives in. After finishing a request the firmware checks the slot again, so a
 * request changed while one was in flight is not lost. Every acknowledgement and event raises
 * JOB_INT_CSG_IF(slot) when the matching `ackIrqMask` bit is set (Panthor sets all of them).
 *
 * START latches the group's AS (bits 0..3 of `csg.input.config`) and starts every stream whose
 * CS state request is START from ring position 0 (a new queue). SUSPEND stops the streams, writes
 * each stream's tiler heap context back into the group's VM through the group's AS (source
 * 'fw-heap': if the VM was torn down under the group, this is the page fault of docs/design.md §3
 * vm-destroy-no-evict), then writes the suspend-buffer header through AS0 (source 'fw-suspend')
 * and keeps the streams' detailed state keyed by the header's physical address. RESUME reads the
 * header back through AS0 and continues each stream where it stopped; a header that does not
 * match a save (never suspended, overwritten, freed) makes the resumed streams fail with
 * CS_FATAL DATA_INVALID_FAULT. TERMINATE drops the group's execution state.
 *
 * Rejected: serialising the streams' state into the suspend buffer word by word. It would only
 * add a format nobody reads; what matters to the reset story is *that* the firmware writes
 * through AS0 and the group's AS at suspend time, and that the state survives a GPU reset
 * because it lives in memory.
 */
import type { TimedEvent } from '../kernel/events.js';
import type { HwContext, HwEvents } from './context.js';
import type { CsEngine, StreamHost, StreamSnapshot } from './cs-exec.js';
import { Stream } from './cs-exec.js';
import type { CsgIface } from './fw-iface.js';
import type { IrqRegs } from './irq-regs.js';
import type { Mmu } from './mmu.js';
import {
  CS_REQ_MASK,
  CS_STATE_MASK,
  CS_STATE_START,
  CS_STATE_STOP,
  CS_TILER_OOM,
  CSG_CONFIG_AS_MASK,
  CSG_ENDPOINT_CONFIG,
  CSG_IDLE,
  CSG_PROGRESS_TIMER_EVENT,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_STATUS_STATE_IS_IDLE,
  CSG_STATUS_UPDATE,
  CSG_SYNC_UPDATE,
  Exception,
  JOB_INT_CSG_IF,
  SUSPEND_HDR_MAGIC_OFF,
  SUSPEND_HDR_SLOT_OFF,
  SUSPEND_HDR_STREAMS_OFF,
  SUSPEND_HDR_TOKEN_OFF,
  SUSPEND_MAGIC,
} from './regs.js';

/** A group's saved state, kept by the model for the suspend buffer at a physical address. */
export interface SavedGroup {
  token: number;
  slot: number;
  streams: StreamSnapshot[];
}

/** What a CSG slot needs from the firmware that runs it. */
export interface CsgFirmware {
  readonly ctx: HwContext;
  readonly mmu: Mmu;
  readonly engine: CsEngine;
  readonly jobIrq: IrqRegs;
  /** Firmware events: cancelled when the MCU stops, resets or hangs. */
  readonly events: HwEvents;
  readonly suspendStore: Map<number, SavedGroup>;
  /** The MCU is enabled and not hung. */
  readonly running: boolean;
  /** An acknowledgement latency (with the `late-ack` opportunity). */
  ackDelay(baseNs: number, what: string): number;
  /** A fresh suspend-buffer token. */
  nextToken(): number;
  /**
   * The progress timeout in ns (GLB_PROGRESS_TIMER x 1024 cycles at the model's 1 GHz), latched
   * when the firmware acknowledged GLB_CFG_PROGRESS_TIMER; 0 (never configured) disables it.
   */
  readonly progressTimeoutNs: number;
}

const STATE_NAMES = ['TERMINATE', 'START', 'SUSPEND', 'RESUME'];

export class CsgSlot implements StreamHost {
  /** The AS of the group's VM, latched at START/RESUME. */
  as = 0;
  /** A group is on the slot (started or resumed, not suspended or terminated). */
  running = false;
  readonly streams: Stream[];
  private idle = false;
  private reqEvent: TimedEvent | null = null;
  /** Per stream: the progress timer of its RUN, or null (no RUN, or one shorter than it). */
  private readonly progressEvents: (TimedEvent | null)[];
  private sliceId = 0;

  constructor(
    private readonly fw: CsgFirmware,
    readonly slot: number,
    readonly iface: CsgIface,
  ) {
    this.streams = iface.streams.map((cs, i) => new Stream(fw.engine, this, i, cs));
    this.progressEvents = this.streams.map(() => null);
  }

  private get lane() {
    return this.fw.ctx.lanes.csg[this.slot] ?? this.fw.ctx.lanes.fw;
  }

  // -------------------------------------------------------------------------------------------
  // Host requests

  /** The host rang this slot's doorbell (through the global doorbell). */
  process(): void {
    if (!this.fw.running) return;
    const inp = this.iface.input;
    const out = this.iface.output;
    out.doorbellAck = inp.doorbellReq;
    if (this.running) for (const s of this.streams) this.processCs(s);
    this.scheduleRequests();
  }

  /** Per-stream requests: state, event acknowledgements, new ring contents. */
  private processCs(s: Stream): void {
    const ci = s.iface;
    const reqState = ci.input.req & CS_STATE_MASK;
    if (reqState !== (ci.output.ack & CS_STATE_MASK)) {
      if (reqState === CS_STATE_START) {
        if (s.state === 'off') s.startFresh();
        else s.restart();
      } else if (reqState === CS_STATE_STOP) {
        s.stop();
      }
      this.activityChanged();
    }
    ci.output.ack = ((ci.output.ack & ~CS_REQ_MASK) | (ci.input.req & CS_REQ_MASK)) >>> 0;
    if (s.state === 'oom' && ((ci.input.req ^ ci.output.ack) & CS_TILER_OOM) === 0) {
      s.oomAcked();
    }
    s.kick();
  }

  private scheduleRequests(): void {
    if (this.reqEvent !== null || !this.fw.running) return;
    const inp = this.iface.input;
    const out = this.iface.output;
    const state = inp.req & CSG_STATE_MASK;
    const statePending = state !== (out.ack & CSG_STATE_MASK);
    const other = (inp.req ^ out.ack) & (CSG_ENDPOINT_CONFIG | CSG_STATUS_UPDATE);
    if (!statePending && other === 0) return;
    const what = `csg${this.slot} ${statePending ? STATE_NAMES[state] : 'req'}`;
    const delay = this.fw.ackDelay(this.fw.ctx.cfg.csgReqNs, what);
    this.reqEvent = this.fw.events.at(delay, 'csg-ack', () => {
      this.reqEvent = null;
      this.complete(statePending ? state : -1, other);
      this.scheduleRequests();
    });
  }

  /** The firmware carries out a request and acknowledges it. */
  private complete(state: number, other: number): void {
    const ctx = this.fw.ctx;
    const inp = this.iface.input;
    const out = this.iface.output;
    let acked = 0;
    if (state >= 0) {
      switch (state) {
        case CSG_STATE_START:
          this.start();
          break;
        case CSG_STATE_RESUME:
          this.resume();
          break;
        case CSG_STATE_SUSPEND:
          this.suspend();
          break;
        case CSG_STATE_TERMINATE:
          // The tiler's cached heap contexts are written back on termination too (model delta
          // `fw-heap-writeback-on-terminate`: the upstream fix 565ed40b5fc1 reports the fault
          // when destroyed, hence terminated, groups are evicted after the VM was unmapped).
          if (this.running) for (const s of this.streams) s.heapWriteBack('fw-heap');
          this.terminate();
          break;
        default:
          // States 4..7 are not defined: acknowledged without effect, as a lenient firmware.
          break;
      }
      out.ack = ((out.ack & ~CSG_STATE_MASK) | state) >>> 0;
      acked |= CSG_STATE_MASK;
    }
    if (other !== 0) {
      if ((other & CSG_STATUS_UPDATE) !== 0) this.updateStatus();
      if ((other & CSG_ENDPOINT_CONFIG) !== 0) out.statusEndpointCurrent = inp.endpointReq;
      out.ack = ((out.ack & ~other) | (inp.req & other)) >>> 0;
      acked |= other;
    }
    ctx.stats.csgAcks++;
    ctx.k.trace.instant(this.lane, 'fw', `ack ${state >= 0 ? STATE_NAMES[state] : 'req'}`, {
      slot: this.slot,
    });
    if ((inp.ackIrqMask & acked) !== 0) this.fw.jobIrq.raise(JOB_INT_CSG_IF(this.slot));
  }

  private begin(what: string): void {
    this.end();
    this.sliceId = this.fw.ctx.asyncId();
    this.fw.ctx.k.trace.asyncBegin(this.lane, 'csg', 'on slot', this.sliceId, { how: what });
  }

  private end(): void {
    if (this.sliceId !== 0) {
      this.fw.ctx.k.trace.asyncEnd(this.lane, 'csg', 'on slot', this.sliceId);
      this.sliceId = 0;
    }
  }

  private start(): void {
    this.as = this.iface.input.config & CSG_CONFIG_AS_MASK;
    this.running = true;
    this.idle = false;
    this.begin('start');
    for (const s of this.streams) {
      const ci = s.iface;
      if ((ci.input.req & CS_STATE_MASK) === CS_STATE_START) s.startFresh();
      else s.drop();
      ci.output.ack = ((ci.output.ack & ~CS_REQ_MASK) | (ci.input.req & CS_REQ_MASK)) >>> 0;
    }
    this.activityChanged();
  }

  private resume(): void {
    const mmu = this.fw.mmu;
    const buf = this.iface.input.suspendBuf;
    this.as = this.iface.input.config & CSG_CONFIG_AS_MASK;
    this.running = true;
    this.idle = false;
    this.begin('resume');
    let saved: SavedGroup | undefined;
    const magic = mmu.read32(0, buf + SUSPEND_HDR_MAGIC_OFF, 'fw-suspend', this.slot);
    if (magic === SUSPEND_MAGIC) {
      const token = mmu.read32(0, buf + SUSPEND_HDR_TOKEN_OFF, 'fw-suspend', this.slot);
      const pa = mmu.translate(0, buf, false, 'fw-suspend', this.slot);
      const entry = pa < 0 ? undefined : this.fw.suspendStore.get(pa);
      if (entry !== undefined && entry.token === token) saved = entry;
    }
    for (const s of this.streams) {
      const ci = s.iface;
      const run = (ci.input.req & CS_STATE_MASK) === CS_STATE_START;
      const snap = saved?.streams[s.cs];
      if (snap !== undefined) {
        s.restore(snap, run);
      } else {
        s.drop();
        if (run) s.failFatal(Exception.DATA_INVALID_FAULT, buf);
      }
      ci.output.ack = ((ci.output.ack & ~CS_REQ_MASK) | (ci.input.req & CS_REQ_MASK)) >>> 0;
    }
    this.activityChanged();
  }

  private suspend(): void {
    if (!this.running) return;
    const mmu = this.fw.mmu;
    // The tiler's cached heap contexts go back to the group's VM first.
    for (const s of this.streams) s.heapWriteBack('fw-heap');
    const snaps = this.streams.map((s) => s.save());
    const buf = this.iface.input.suspendBuf;
    const token = this.fw.nextToken();
    const ok =
      mmu.write32(0, buf + SUSPEND_HDR_MAGIC_OFF, SUSPEND_MAGIC, 'fw-suspend', this.slot) &&
      mmu.write32(0, buf + SUSPEND_HDR_TOKEN_OFF, token, 'fw-suspend', this.slot) &&
      mmu.write32(0, buf + SUSPEND_HDR_STREAMS_OFF, snaps.length, 'fw-suspend', this.slot) &&
      mmu.write32(0, buf + SUSPEND_HDR_SLOT_OFF, this.slot, 'fw-suspend', this.slot);
    if (ok) {
      const pa = mmu.translate(0, buf, true, 'fw-suspend', this.slot);
      if (pa >= 0) this.fw.suspendStore.set(pa, { token, slot: this.slot, streams: snaps });
    }
    this.terminate();
  }

  /** The group leaves the slot (terminated, or suspended once its state is saved). */
  private terminate(): void {
    for (const s of this.streams) s.drop();
    this.running = false;
    this.idle = false;
    this.iface.output.statusState = 0;
    this.end();
  }

  private updateStatus(): void {
    this.iface.output.statusState = this.idle ? CSG_STATUS_STATE_IS_IDLE : 0;
  }

  /** State loss (MCU stop, halt, reset, power-off): the group is gone from the slot. */
  drop(): void {
    this.fw.events.cancel(this.reqEvent);
    this.reqEvent = null;
    for (const s of this.streams) s.drop();
    this.running = false;
    this.idle = false;
    this.end();
  }

  // -------------------------------------------------------------------------------------------
  // Firmware events (StreamHost)

  private raiseEvent(bit: number): void {
    if (!this.fw.running) return;
    const inp = this.iface.input;
    const out = this.iface.output;
    // Toggle only when no event of this kind is pending: the host has one to acknowledge.
    if (((out.ack ^ inp.req) & bit) === 0) out.ack = (out.ack ^ bit) >>> 0;
    if ((inp.ackIrqMask & bit) !== 0) this.fw.jobIrq.raise(JOB_INT_CSG_IF(this.slot));
  }

  syncUpdate(): void {
    this.raiseEvent(CSG_SYNC_UPDATE);
  }

  csEvent(cs: number, bit: number): void {
    if (!this.fw.running) return;
    const s = this.streams[cs];
    if (s === undefined) return;
    const ci = s.iface;
    if (((ci.output.ack ^ ci.input.req) & bit) === 0) ci.output.ack = (ci.output.ack ^ bit) >>> 0;
    const inp = this.iface.input;
    const out = this.iface.output;
    const m = 1 << cs;
    if (((out.csIrqReq ^ inp.csIrqAck) & m) === 0) out.csIrqReq = (out.csIrqReq ^ m) >>> 0;
    this.fw.ctx.k.trace.instant(this.lane, 'fw', bit === CS_TILER_OOM ? 'TILER_OOM' : 'CS_FATAL', {
      cs,
      fatal: ci.output.fatal,
    });
    if ((ci.input.ackIrqMask & bit) !== 0) this.fw.jobIrq.raise(JOB_INT_CSG_IF(this.slot));
  }

  runStarted(cs: number, durNs: number): void {
    const timeout = this.fw.progressTimeoutNs;
    if (timeout <= 0 || durNs <= timeout || !this.fw.running) return;
    this.fw.events.cancel(this.progressEvents[cs] ?? null);
    this.progressEvents[cs] = this.fw.events.at(timeout, 'progress-timer', () => {
      this.progressEvents[cs] = null;
      this.progressTimeout(cs);
    });
  }

  runEnded(cs: number): void {
    const ev = this.progressEvents[cs] ?? null;
    if (ev === null) return;
    this.fw.events.cancel(ev);
    this.progressEvents[cs] = null;
  }

  /**
   * A RUN made no progress for the progress timeout: the firmware raises
   * CSG_PROGRESS_TIMER_EVENT on the slot (Panthor handles it in panthor_sched.c
   * csg_slot_process_progress_timer_event_locked: the group is marked timed out and a tick
   * evicts and terminates it). The timer lives in the firmware's event list, so a hung, stopped
   * or reset MCU raises nothing (its events are cancelled), and a suspended stream's RUN stops
   * the timer (the stream leaves its RUN); a resumed RUN starts it again from zero.
   */
  private progressTimeout(cs: number): void {
    if (!this.running || !this.fw.running) return;
    this.fw.ctx.stats.progressTimeouts++;
    this.fw.ctx.k.trace.instant(this.lane, 'fw', 'CSG_PROGRESS_TIMER_EVENT', {
      slot: this.slot,
      cs,
    });
    this.raiseEvent(CSG_PROGRESS_TIMER_EVENT);
  }

  activityChanged(): void {
    const idle = this.running && this.streams.every((s) => s.idle);
    this.iface.output.statusState = idle ? CSG_STATUS_STATE_IS_IDLE : 0;
    if (idle && !this.idle) this.raiseEvent(CSG_IDLE);
    this.idle = idle;
  }
}
