/**
 * resetlab's command-stream instruction set: a tiny subset in the spirit of Mali CSF's, enough
 * to express a normal job, a job that never ends, a job that page-faults, a fatal fault, a
 * tiler-heap user and a job that waits on another.
 *
 * Like CSF, an instruction is 64 bits (two little-endian u32 words in memory: lo then hi), the
 * opcode is the top byte, and a queue has 96 32-bit registers; 64-bit operands (addresses,
 * sync values) use an even/odd register pair `r, r+1` (lo, hi).
 *
 *   bits 56..63  opcode
 *   bits 48..55  a   (register)
 *   bits 40..47  b   (register)
 *   bits  0..39  imm (MOV48 uses bits 0..47 and has no `b`)
 *
 * Every instruction costs `CS_INSTR_COST_NS` of GPU time, so even a tight `JUMP -1` loop lets
 * virtual time advance (and a timeout fire). Decoding is pure; execution lives in the hardware
 * model.
 */

export const CS_INSTR_BYTES = 8;
export const CS_REGS = 96;
export const CS_INSTR_COST_NS = 20;
/** RUN with this duration never completes: the queue hangs. */
export const CS_RUN_FOREVER = 0xff_ffff_ffff;

export const Op = {
  NOP: 0x00,
  /** r[a..a+1] = imm48 */
  MOV48: 0x01,
  /** r[a] = imm32 */
  MOV32: 0x02,
  /** r[a] += signed imm32 */
  ADD32: 0x10,
  /** r[a] = mem32[addr(r[b..b+1]) + simm16] */
  LOAD32: 0x14,
  /** mem32[addr(r[b..b+1]) + simm16] = r[a] */
  STORE32: 0x15,
  /** mem64[addr(r[b..b+1]) + simm16] = r[a..a+1] */
  STORE64: 0x16,
  /** execute the stream at addr(r[a..a+1]) of r[b] bytes, then continue here */
  CALL: 0x20,
  /** if r[a] != 0: r[a] -= 1 and jump by simm16 instructions (relative to the next one) */
  BRANCH_NZ: 0x21,
  /** jump by simm16 instructions (relative to the next one) */
  JUMP: 0x22,
  /** keep the engine busy for imm40 ns (CS_RUN_FOREVER: never finish) */
  RUN: 0x30,
  /** mem64[addr(r[a..a+1])] += r[b..b+1]; raises a sync-update event */
  SYNC_ADD64: 0x33,
  /** mem64[addr(r[a..a+1])] = r[b..b+1]; raises a sync-update event */
  SYNC_SET64: 0x34,
  /** wait until mem64[addr(r[a..a+1])] > r[b..b+1] (imm bit 0 = 1) or <= (imm bit 0 = 0) */
  SYNC_WAIT64: 0x35,
  /** the queue's tiler-heap context is at addr(r[a..a+1]) (in the group's VM) */
  HEAP_SET: 0x40,
  /** take imm32 bytes from the tiler heap; raises TILER_OOM when the current chunk is full */
  HEAP_ALLOC: 0x41,
  /** clean and invalidate caches (a latency) */
  FLUSH_CACHES: 0x50,
  /** not a valid encoding: CS_FATAL with INSTR_INVALID_ENC */
  INVALID: 0xff,
} as const;

export type OpName = keyof typeof Op;

export interface Instr {
  op: number;
  a: number;
  b: number;
  /** Immediate: 48 bits for MOV48, 40 bits otherwise (unsigned). */
  imm: number;
}

const TWO32 = 0x1_0000_0000;

/** Encodes one instruction as [lo, hi] words. */
export function encode(op: number, a = 0, b = 0, imm = 0): [number, number] {
  if (op === Op.MOV48) {
    const lo = (imm % TWO32) >>> 0;
    const hi = ((op << 24) | ((a & 0xff) << 16) | (Math.floor(imm / TWO32) & 0xffff)) >>> 0;
    return [lo, hi];
  }
  const lo = (imm % TWO32) >>> 0;
  const hi =
    ((op << 24) | ((a & 0xff) << 16) | ((b & 0xff) << 8) | (Math.floor(imm / TWO32) & 0xff)) >>> 0;
  return [lo, hi];
}

export function decode(lo: number, hi: number): Instr {
  const op = hi >>> 24;
  const a = (hi >>> 16) & 0xff;
  if (op === Op.MOV48) return { op, a, b: 0, imm: (lo >>> 0) + (hi & 0xffff) * TWO32 };
  return { op, a, b: (hi >>> 8) & 0xff, imm: (lo >>> 0) + (hi & 0xff) * TWO32 };
}

/** The low 16 bits of an immediate as a signed value (offsets, branch distances). */
export function simm16(imm: number): number {
  const v = imm & 0xffff;
  return v >= 0x8000 ? v - 0x10000 : v;
}

/** The low 32 bits of an immediate as a signed value (ADD32). */
export function simm32(imm: number): number {
  return (imm % TWO32) | 0;
}

/** Encodes a signed 16-bit immediate. */
export function imm16(v: number): number {
  return v & 0xffff;
}

/**
 * A small assembler used by the user-mode driver, the kernel driver's ring-buffer code and
 * tests. Each method appends one instruction; `words()` returns the u32 words to copy into GPU
 * memory.
 */
export class CsBuilder {
  private readonly out: number[] = [];

  get length(): number {
    return this.out.length / 2;
  }

  get bytes(): number {
    return this.out.length * 4;
  }

  raw(op: number, a = 0, b = 0, imm = 0): this {
    const [lo, hi] = encode(op, a, b, imm);
    this.out.push(lo, hi);
    return this;
  }

  nop(): this {
    return this.raw(Op.NOP);
  }
  mov48(r: number, v: number): this {
    return this.raw(Op.MOV48, r, 0, v);
  }
  mov32(r: number, v: number): this {
    return this.raw(Op.MOV32, r, 0, v >>> 0);
  }
  add32(r: number, v: number): this {
    return this.raw(Op.ADD32, r, 0, v >>> 0);
  }
  load32(dst: number, addrReg: number, offset = 0): this {
    return this.raw(Op.LOAD32, dst, addrReg, imm16(offset));
  }
  store32(src: number, addrReg: number, offset = 0): this {
    return this.raw(Op.STORE32, src, addrReg, imm16(offset));
  }
  store64(src: number, addrReg: number, offset = 0): this {
    return this.raw(Op.STORE64, src, addrReg, imm16(offset));
  }
  call(addrReg: number, sizeReg: number): this {
    return this.raw(Op.CALL, addrReg, sizeReg);
  }
  branchNz(counterReg: number, offset: number): this {
    return this.raw(Op.BRANCH_NZ, counterReg, 0, imm16(offset));
  }
  jump(offset: number): this {
    return this.raw(Op.JUMP, 0, 0, imm16(offset));
  }
  run(ns: number): this {
    return this.raw(Op.RUN, 0, 0, Math.min(ns, CS_RUN_FOREVER));
  }
  runForever(): this {
    return this.raw(Op.RUN, 0, 0, CS_RUN_FOREVER);
  }
  syncAdd64(addrReg: number, valueReg: number): this {
    return this.raw(Op.SYNC_ADD64, addrReg, valueReg);
  }
  syncSet64(addrReg: number, valueReg: number): this {
    return this.raw(Op.SYNC_SET64, addrReg, valueReg);
  }
  /** Waits until mem64 > value (`greater`) or mem64 <= value. */
  syncWait64(addrReg: number, valueReg: number, greater = true): this {
    return this.raw(Op.SYNC_WAIT64, addrReg, valueReg, greater ? 1 : 0);
  }
  heapSet(addrReg: number): this {
    return this.raw(Op.HEAP_SET, addrReg);
  }
  heapAlloc(bytes: number): this {
    return this.raw(Op.HEAP_ALLOC, 0, 0, bytes >>> 0);
  }
  flushCaches(): this {
    return this.raw(Op.FLUSH_CACHES);
  }
  invalid(): this {
    return this.raw(Op.INVALID);
  }

  words(): number[] {
    return this.out.slice();
  }
}
