/**
 * The firmware's shared-memory interfaces (panthor_fw.h): a global interface, one interface per
 * CSG slot and one per command stream (CS) inside each CSG slot.
 *
 * Abstraction (documented in docs/hardware.md): on real hardware these structures live in
 * memory shared between the MCU and the host, at MCU virtual addresses the firmware
 * advertises. resetlab keeps them as plain objects owned by the virtual GPU. The protocol is
 * kept exactly: the host writes only `input`, the firmware writes only `output`; a request is
 * a bit of `input.req` toggled to differ from `output.ack`, and the firmware acknowledges by
 * toggling the same bit of `ack` to match, after a latency, then raises the job interrupt.
 * Events from the firmware (sync update, idle, CS fault/fatal, tiler OOM) are the reverse: the
 * firmware toggles a bit of `output.ack` (or `cs_irq_req`) and the host acknowledges by making
 * its `input` bit match. The firmware looks at `input` only when a doorbell is rung.
 *
 * When the MCU is reset or halted, every field is zeroed and the firmware re-initialises the
 * read-only control fields at boot: state held here does not survive a reset, as on hardware.
 */

/** panthor_fw_global_control_iface (read-only to the host). */
export interface GlbControl {
  version: number;
  features: number;
  /** Number of CSG slots. */
  groupNum: number;
  /** Size of a perf-counter sample, when the firmware's counters are used. */
  perfcntSize: number;
}

/** panthor_fw_global_input_iface (written by the host). */
export interface GlbInput {
  req: number;
  ackIrqMask: number;
  /** One bit per CSG slot: toggled by the host to ring that slot's doorbell. */
  doorbellReq: number;
  progressTimer: number;
  poweroffTimer: number;
  coreEnMask: number;
  idleTimer: number;
}

/** panthor_fw_global_output_iface (written by the firmware). */
export interface GlbOutput {
  ack: number;
  doorbellAck: number;
  haltStatus: number;
}

/** panthor_fw_csg_control_iface. */
export interface CsgControl {
  features: number;
  suspendSize: number;
  streamNum: number;
}

/** panthor_fw_csg_input_iface. */
export interface CsgInput {
  req: number;
  ackIrqMask: number;
  /** One bit per CS: toggled by the host to ring that stream's doorbell through the CSG. */
  doorbellReq: number;
  /** Host acknowledgement of CS events (matches `CsgOutput.csIrqReq` bit per CS). */
  csIrqAck: number;
  allowCompute: number;
  allowFragment: number;
  allowOther: number;
  endpointReq: number;
  /** MCU VA (AS0) of this group's suspend buffer. */
  suspendBuf: number;
  /** resetlab: the address space (AS slot) the group's VM is bound to; bits 0..3 of `config`. */
  config: number;
}

/** panthor_fw_csg_output_iface. */
export interface CsgOutput {
  ack: number;
  doorbellAck: number;
  /** One bit per CS with a pending event (differs from `CsgInput.csIrqAck`). */
  csIrqReq: number;
  statusEndpointCurrent: number;
  statusState: number;
}

/** panthor_fw_cs_control_iface. */
export interface CsControl {
  features: number;
}

/** panthor_fw_cs_input_iface. */
export interface CsInput {
  req: number;
  /** CS_CONFIG_PRIORITY(x) | CS_CONFIG_DOORBELL(id). */
  config: number;
  ackIrqMask: number;
  /** GPU VA of the ring buffer, in the group's VM. */
  ringbufBase: number;
  ringbufSize: number;
  /** Host-written insert pointer (byte offset, monotonically increasing). */
  insert: number;
  heapStart: number;
  heapEnd: number;
}

/** panthor_fw_cs_output_iface. */
export interface CsOutput {
  ack: number;
  /** Firmware-written extract pointer (byte offset, monotonically increasing). */
  extract: number;
  /** Whether the stream is currently active (ringbuf_output.active). */
  active: number;
  statusCmdPtr: number;
  /** CS_STATUS_WAIT: SYNC | SYNC_64B | the condition (COND_GT or COND_LE), regs.ts. */
  statusWait: number;
  /**
   * CS_STATUS_BLOCKED_REASON. Like the other status fields it keeps the value it had when the
   * stream stopped (a suspend, a STOP): the driver reads it after a SUSPEND is acknowledged.
   */
  statusBlockedReason: number;
  statusWaitSyncPtr: number;
  /** The low 32 bits of the value a SYNC_WAIT compares with, and the high 32 bits. */
  statusWaitSyncValue: number;
  statusWaitSyncValueHi: number;
  /**
   * CS_STATUS_SCOREBOARDS: the scoreboard entries with deferred operations pending. The
   * virtual command-stream front-end runs every operation synchronously, so it is always 0;
   * the driver reads it as Panthor does.
   */
  statusScoreboards: number;
  /** CS_EXCEPTION_TYPE | CS_EXCEPTION_DATA << 8 of the last fault / fatal event. */
  fault: number;
  fatal: number;
  faultInfo: number;
  fatalInfo: number;
  /** Tiler OOM event details: the heap context that ran out. */
  heapAddress: number;
  heapVtStart: number;
  heapVtEnd: number;
}

export interface CsIface {
  control: CsControl;
  input: CsInput;
  output: CsOutput;
}

export interface CsgIface {
  control: CsgControl;
  input: CsgInput;
  output: CsgOutput;
  streams: CsIface[];
}

export interface GlbIface {
  control: GlbControl;
  input: GlbInput;
  output: GlbOutput;
}

export interface FwIface {
  glb: GlbIface;
  csg: CsgIface[];
}

/*
 * Every record's zero value, once: `new*Iface` copies them and `zeroFwIface` assigns them back
 * in place, so the field lists are written once and a reset costs one Object.assign per record
 * (a reset and every power-off zero the interfaces, and a recursive walk over the keys was the
 * largest single cost of a litmus run's boot in a profile).
 */
const CS_CONTROL: Readonly<CsControl> = { features: 0 };
const CS_INPUT: Readonly<CsInput> = {
  req: 0,
  config: 0,
  ackIrqMask: 0,
  ringbufBase: 0,
  ringbufSize: 0,
  insert: 0,
  heapStart: 0,
  heapEnd: 0,
};
const CS_OUTPUT: Readonly<CsOutput> = {
  ack: 0,
  extract: 0,
  active: 0,
  statusCmdPtr: 0,
  statusWait: 0,
  statusBlockedReason: 0,
  statusWaitSyncPtr: 0,
  statusWaitSyncValue: 0,
  statusWaitSyncValueHi: 0,
  statusScoreboards: 0,
  fault: 0,
  fatal: 0,
  faultInfo: 0,
  fatalInfo: 0,
  heapAddress: 0,
  heapVtStart: 0,
  heapVtEnd: 0,
};
const CSG_CONTROL: Readonly<CsgControl> = { features: 0, suspendSize: 0, streamNum: 0 };
const CSG_INPUT: Readonly<CsgInput> = {
  req: 0,
  ackIrqMask: 0,
  doorbellReq: 0,
  csIrqAck: 0,
  allowCompute: 0,
  allowFragment: 0,
  allowOther: 0,
  endpointReq: 0,
  suspendBuf: 0,
  config: 0,
};
const CSG_OUTPUT: Readonly<CsgOutput> = {
  ack: 0,
  doorbellAck: 0,
  csIrqReq: 0,
  statusEndpointCurrent: 0,
  statusState: 0,
};
const GLB_CONTROL: Readonly<GlbControl> = { version: 0, features: 0, groupNum: 0, perfcntSize: 0 };
const GLB_INPUT: Readonly<GlbInput> = {
  req: 0,
  ackIrqMask: 0,
  doorbellReq: 0,
  progressTimer: 0,
  poweroffTimer: 0,
  coreEnMask: 0,
  idleTimer: 0,
};
const GLB_OUTPUT: Readonly<GlbOutput> = { ack: 0, doorbellAck: 0, haltStatus: 0 };

export function newCsIface(): CsIface {
  return { control: { ...CS_CONTROL }, input: { ...CS_INPUT }, output: { ...CS_OUTPUT } };
}

export function newCsgIface(streams: number): CsgIface {
  return {
    control: { ...CSG_CONTROL },
    input: { ...CSG_INPUT },
    output: { ...CSG_OUTPUT },
    streams: Array.from({ length: streams }, newCsIface),
  };
}

export function newFwIface(csgSlots: number, streamsPerCsg: number): FwIface {
  return {
    glb: { control: { ...GLB_CONTROL }, input: { ...GLB_INPUT }, output: { ...GLB_OUTPUT } },
    csg: Array.from({ length: csgSlots }, () => newCsgIface(streamsPerCsg)),
  };
}

/** Zeroes every field of `fw` in place (the host keeps references to the records). */
export function zeroFwIface(fw: FwIface): void {
  Object.assign(fw.glb.control, GLB_CONTROL);
  Object.assign(fw.glb.input, GLB_INPUT);
  Object.assign(fw.glb.output, GLB_OUTPUT);
  for (const g of fw.csg) {
    Object.assign(g.control, CSG_CONTROL);
    Object.assign(g.input, CSG_INPUT);
    Object.assign(g.output, CSG_OUTPUT);
    for (const cs of g.streams) {
      Object.assign(cs.control, CS_CONTROL);
      Object.assign(cs.input, CS_INPUT);
      Object.assign(cs.output, CS_OUTPUT);
    }
  }
}
