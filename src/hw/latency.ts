/**
 * The virtual GPU's configuration: its shape (slots, cores, memory) and how long each hardware
 * operation takes.
 *
 * Latencies are nominal values in virtual nanoseconds, of the order a Mali-G610 class part
 * shows; every use is jittered by ±`jitter` (20% by default) with the kernel's hardware PRNG, so
 * that the explorer sees many orderings of "the hardware answered" versus "a driver timeout
 * fired" without any of them being hard-coded. The jitter is drawn from `k.hwRng` only; fault
 * draws use their own stream (see faults.ts) so that arming a fault never shifts the latencies
 * of an otherwise identical run.
 *
 * Rejected: per-operation distributions (long tails, bimodal firmware latencies). They would
 * add parameters nobody calibrates; the `late-ack` fault already models the long tail that
 * matters to the reset story (an acknowledgement that arrives after the driver gave up).
 */
import type { Prng } from '../kernel/prng.js';

export interface GpuConfig {
  /** CSG slots exposed by the firmware (1..31; JOB_INT bit 31 is the global interface). */
  csgSlots: number;
  /** Command streams per CSG slot (1..32). */
  streamsPerCsg: number;
  /** MMU address spaces (1..16); AS0 is the MCU's. */
  asSlots: number;
  shaderPresent: number;
  tilerPresent: number;
  l2Present: number;
  /** Simulated physical memory, a multiple of 4 KiB, at most 4 GiB. */
  physMemBytes: number;
  /** GPU_ID register value. */
  gpuId: number;
  softResetNs: number;
  l2PowerNs: number;
  mcuBootNs: number;
  glbReqNs: number;
  csgReqNs: number;
  asCommandNs: number;
  prfcntSampleNs: number;
  cacheFlushNs: number;
  /** Time for the firmware to notice a doorbell and look at the interfaces. */
  doorbellNs: number;
  /** How late a `late-ack` acknowledgement arrives (far beyond a 100 ms driver timeout). */
  lateAckNs: number;
  /** Relative jitter applied to every latency, in [0, 1). */
  jitter: number;
}

export const DEFAULT_GPU_CONFIG: Readonly<GpuConfig> = Object.freeze({
  csgSlots: 4,
  streamsPerCsg: 4,
  asSlots: 8,
  shaderPresent: 0xf,
  tilerPresent: 1,
  l2Present: 1,
  physMemBytes: 256 * 1024 * 1024,
  // Mali-G610 (arch 10.8, product 0x7): the GPU_ID Panthor would read on an RK3588.
  gpuId: 0xa8670005,
  softResetNs: 100_000,
  l2PowerNs: 20_000,
  mcuBootNs: 500_000,
  glbReqNs: 10_000,
  csgReqNs: 20_000,
  asCommandNs: 2_000,
  prfcntSampleNs: 10_000,
  cacheFlushNs: 5_000,
  doorbellNs: 1_000,
  lateAckNs: 1_000_000_000,
  jitter: 0.2,
});

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`GpuConfig.${name} = ${v}: expected an integer in [${lo}, ${hi}]`);
  }
}

/** Fills in defaults and rejects impossible shapes (a configuration error is a caller bug). */
export function resolveGpuConfig(cfg: Partial<GpuConfig> = {}): GpuConfig {
  const c: GpuConfig = { ...DEFAULT_GPU_CONFIG, ...cfg };
  checkInt('csgSlots', c.csgSlots, 1, 31);
  checkInt('streamsPerCsg', c.streamsPerCsg, 1, 32);
  checkInt('asSlots', c.asSlots, 1, 16);
  checkInt('shaderPresent', c.shaderPresent, 1, 0xffffffff);
  checkInt('tilerPresent', c.tilerPresent, 0, 0xffffffff);
  checkInt('l2Present', c.l2Present, 1, 0xffffffff);
  checkInt('physMemBytes', c.physMemBytes, 2 * 4096, 0x1_0000_0000);
  if (c.physMemBytes % 4096 !== 0) {
    throw new RangeError(`GpuConfig.physMemBytes = ${c.physMemBytes}: not a multiple of 4096`);
  }
  checkInt('gpuId', c.gpuId, 0, 0xffffffff);
  for (const key of [
    'softResetNs',
    'l2PowerNs',
    'mcuBootNs',
    'glbReqNs',
    'csgReqNs',
    'asCommandNs',
    'prfcntSampleNs',
    'cacheFlushNs',
    'doorbellNs',
    'lateAckNs',
  ] as const) {
    checkInt(key, c[key], 0, 1e13);
  }
  if (!(c.jitter >= 0 && c.jitter < 1)) {
    throw new RangeError(`GpuConfig.jitter = ${c.jitter}: expected a number in [0, 1)`);
  }
  return c;
}

/** `ns` jittered uniformly by ±`spread`, rounded to a whole nanosecond, at least 1 ns. */
export function jitter(rng: Prng, ns: number, spread: number): number {
  if (ns <= 0) return 0;
  const f = 1 - spread + 2 * spread * rng.unit();
  return Math.max(1, Math.round(ns * f));
}
