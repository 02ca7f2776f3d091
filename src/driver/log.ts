/**
 * The driver's event log: facts the invariant oracles need that are not visible in hardware
 * state alone (when a reset was requested and by whom, when the reset path started and ended,
 * when a job was handed to the hardware, when the device was wedged). Writing here never
 * changes behaviour; it is the driver's equivalent of tracepoints.
 */

export type ResetReason =
  | 'job-timeout'
  | 'csg-ack-timeout'
  | 'fw-ping-timeout'
  | 'as-active-stuck'
  | 'mmu-unrecoverable'
  | 'cs-unrecoverable'
  | 'unknown-csg-state'
  | 'ioctl'
  | 'suspend-failure'
  | 'requeue'
  | 'test';

export interface ResetRequest {
  id: number;
  atNs: number;
  reason: ResetReason;
  /** Task that asked. */
  by: string;
  /** True when it started a new reset, false when it was coalesced into a pending one. */
  queued: boolean;
  /** When the evidence behind the request was collected (<= atNs). */
  causeNs: number;
  /**
   * The kernel step at which the cause was seen, when it is "now" at the request (-1 for
   * evidence collected earlier): it orders a request against a hardware reset issued in the
   * same virtual nanosecond (`newerThan`).
   */
  causeSeq: number;
}

/**
 * Whether (ns, seq) is strictly later than (refNs, refSeq): by time, and within one virtual
 * nanosecond by kernel step (a seq of -1 is earlier than any step of its instant).
 */
export function newerThan(ns: number, seq: number, refNs: number, refSeq: number): boolean {
  return ns > refNs || (ns === refNs && seq >= 0 && seq > refSeq);
}

export interface ResetRecord {
  id: number;
  startNs: number;
  endNs: number | null;
  slow: boolean;
  /** When this reset (last) issued its hardware reset, or -1. */
  hwResetNs: number;
  /** The kernel step of that hardware reset (see `newerThan`), or -1. */
  hwResetSeq: number;
  ok: boolean | null;
  /** Task running the reset path. */
  task: string;
}

export interface HandoffRecord {
  atNs: number;
  task: string;
  group: number;
  queue: number;
  seqno: number;
  /** The job's one name (`group3/q0#5`, Group.jobName) and its group's client. */
  job: string;
  client: string;
}

export interface WedgeRecord {
  atNs: number;
  /** Snapshot at the time the uevent was sent. */
  unsignalledFences: number;
  irqsMasked: boolean;
  dmaStopped: boolean;
  mappingsRedirected: boolean;
}

export class DriverLog {
  readonly requests: ResetRequest[] = [];
  readonly resets: ResetRecord[] = [];
  readonly handoffs: HandoffRecord[] = [];
  readonly wedges: WedgeRecord[] = [];
  /** The GPU soft resets the driver believed complete: when issued and when believed. */
  readonly resetBeliefs: Array<{ issuedNs: number; believedNs: number }> = [];
  /** Times a full GPU re-initialisation (slow reset, slow resume, probe) completed. */
  readonly fullReinits: number[] = [];
  /** When the device was unplugged (removed, or made unusable after a failed reset), or -1. */
  unpluggedAtNs = -1;
  /** Runtime resumes that could not bring the GPU back (fast and slow restart failed). */
  readonly failedResumes: number[] = [];
  /** Kernel oopses (a Rust panic in a work item): the task died there and never returned. */
  readonly oopses: Array<{ atNs: number; task: string; message: string }> = [];
  /** Reset requests the design chose to drop knowingly (e.g. device already unplugged). */
  readonly droppedRequests: Array<{ atNs: number; why: string }> = [];
  private nextRequestId = 1;
  private nextResetId = 1;

  request(
    atNs: number,
    reason: ResetReason,
    by: string,
    queued: boolean,
    causeNs: number,
    causeSeq = -1,
  ): ResetRequest {
    const r: ResetRequest = {
      id: this.nextRequestId++,
      atNs,
      reason,
      by,
      queued,
      causeNs,
      causeSeq,
    };
    this.requests.push(r);
    return r;
  }

  beginReset(startNs: number, slow: boolean, task: string): ResetRecord {
    const r: ResetRecord = {
      id: this.nextResetId++,
      startNs,
      endNs: null,
      slow,
      hwResetNs: -1,
      hwResetSeq: -1,
      ok: null,
      task,
    };
    this.resets.push(r);
    return r;
  }

  get resetRunning(): ResetRecord | null {
    const last = this.resets[this.resets.length - 1];
    return last !== undefined && last.endNs === null ? last : null;
  }
}
