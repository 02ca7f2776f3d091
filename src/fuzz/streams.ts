/**
 * Command streams the fuzzer writes into BOs (MAP_WRITE with a `stream` argument) before it
 * submits them: a small vocabulary of jobs that exercise different parts of the driver, kept
 * as JSON specs in the program (the heap context VA is a reference resolved at run time) and
 * assembled with `CsBuilder` when the call runs.
 *
 * | kind      | what the job does                                   | driver path it exercises        |
 * |-----------|-----------------------------------------------------|---------------------------------|
 * | `store`   | runs a while, stores a value into its own buffer     | normal completion               |
 * | `copy`    | loads from `src`, stores at `dst`                    | reads; `src` in another VM: fault |
 * | `hang`    | RUN that never ends                                  | job timeout, reset              |
 * | `fault`   | stores to an unmapped VA                             | MMU fault, fatal group          |
 * | `fatal`   | an invalid instruction                               | CS_FATAL                        |
 * | `wait`    | waits on a sync value nobody writes                  | timeout of a waiting queue      |
 * | `loop`    | a bounded loop of short RUNs                         | long jobs, time slicing         |
 * | `frame`   | binds the tiler heap, allocates from it, stores      | tiler OOM, heap growth          |
 * | `garbage` | raw words                                            | decoder robustness              |
 *
 * Limits: at most `MAX_STREAM_WORDS` words; RUN durations are capped by the generator.
 */
import { CsBuilder } from '../hw/cs-isa.js';

export const STREAM_KINDS = [
  'store',
  'copy',
  'hang',
  'fault',
  'fatal',
  'wait',
  'loop',
  'frame',
  'garbage',
] as const;

export type StreamKind = (typeof STREAM_KINDS)[number];

export const MAX_STREAM_WORDS = 256;

function num(spec: Record<string, unknown>, key: string, fallback = 0): number {
  const v = spec[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Non-negative integer below 2^48 (what a MOV48 can hold). */
function addr(v: number): number {
  return Number.isSafeInteger(v) && v >= 0 ? v % 2 ** 48 : 0;
}

/**
 * Assembles a resolved stream spec into words. Unknown kinds and odd values assemble into
 * something harmless: the spec comes from a (possibly hand-edited) program file.
 */
export function assembleStream(spec: Record<string, unknown>): number[] {
  const b = new CsBuilder();
  const runNs = Math.min(Math.max(0, Math.floor(num(spec, 'runNs', 1000))), 50_000_000);
  switch (spec.kind) {
    case 'store':
      b.run(runNs)
        .mov48(0, addr(num(spec, 'va')))
        .mov32(2, num(spec, 'value') >>> 0)
        .store32(2, 0, 0);
      break;
    case 'copy':
      b.mov48(0, addr(num(spec, 'src')))
        .load32(2, 0, 0)
        .mov48(4, addr(num(spec, 'dst')))
        .store32(2, 4, 0);
      break;
    case 'hang':
      b.runForever();
      break;
    case 'fault':
      b.mov48(0, addr(num(spec, 'va')))
        .mov32(2, 1)
        .store32(2, 0, 0);
      break;
    case 'fatal':
      b.run(100).invalid();
      break;
    case 'wait':
      // Wait until the 64-bit value at `va` exceeds 2^32: nothing ever writes it.
      b.mov48(0, addr(num(spec, 'va')))
        .mov48(2, 2 ** 32)
        .syncWait64(0, 2, true);
      break;
    case 'loop': {
      const n = Math.min(Math.max(0, Math.floor(num(spec, 'count', 4))), 64);
      b.mov32(1, n).run(runNs).branchNz(1, -2);
      break;
    }
    case 'frame':
      b.mov48(4, addr(num(spec, 'heapCtx')))
        .heapSet(4)
        .heapAlloc(Math.min(num(spec, 'heapBytes', 4096) >>> 0, 1 << 24))
        .run(runNs)
        .mov48(0, addr(num(spec, 'va')))
        .mov32(2, num(spec, 'value') >>> 0)
        .store32(2, 0, 0);
      break;
    case 'garbage': {
      const words = Array.isArray(spec.words) ? spec.words : [];
      const out: number[] = [];
      for (const w of words.slice(0, MAX_STREAM_WORDS))
        out.push(typeof w === 'number' ? w >>> 0 : 0);
      if (out.length % 2 === 1) out.push(0);
      return out;
    }
    default:
      b.nop();
  }
  return b.words().slice(0, MAX_STREAM_WORDS);
}

/** Size in bytes of the assembled stream (the generator needs it for GROUP_SUBMIT). */
export function streamBytes(spec: Record<string, unknown>): number {
  return assembleStream(spec).length * 4;
}
