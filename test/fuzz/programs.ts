/**
 * Hand-written fuzz programs for the tests: small, readable, and independent of the
 * generator (so a change to the generator's draws does not change what these tests check).
 */
import type { FuzzCall, FuzzProgram } from '../../src/fuzz/program.js';

const r = (ref: string, f?: string) => (f === undefined ? { ref } : { ref, f });
const noSyncs = { stride: 16, count: 0, array: [] };

/** One job on one queue; `stream` is a stream spec (see src/fuzz/streams.ts). */
export function jobCalls(stream: Record<string, number | string>, file = 0): FuzzCall[] {
  return [
    { op: 'VM_CREATE', file, args: { flags: 0, userVaRange: 0 }, out: 'vm' },
    { op: 'BO_CREATE', file, args: { size: 8192, flags: 0, exclusiveVmId: 0, pad: 0 }, out: 'cmd' },
    {
      op: 'VM_BIND',
      file,
      args: {
        vmId: r('vm'),
        flags: 0,
        ops: {
          stride: 48,
          count: 1,
          array: [
            {
              flags: 0,
              boHandle: r('cmd'),
              boOffset: 0,
              va: 0x10_0000,
              size: 8192,
              syncs: noSyncs,
            },
          ],
        },
      },
    },
    { op: 'BO_MMAP_OFFSET', file, args: { handle: r('cmd'), pad: 0 }, out: 'off' },
    { op: 'MMAP', file, args: { offset: r('off') }, out: 'map' },
    { op: 'MAP_WRITE', file, args: { map: r('map'), offset: 0, stream } },
    {
      op: 'GROUP_CREATE',
      file,
      args: {
        queues: {
          stride: 8,
          count: 1,
          array: [{ priority: 0, pad: [0, 0, 0], ringbufSize: 4096 }],
        },
        maxComputeCores: 1,
        maxFragmentCores: 1,
        maxTilerCores: 1,
        priority: 1,
        pad: 0,
        computeCoreMask: 1,
        fragmentCoreMask: 1,
        tilerCoreMask: 1,
        vmId: r('vm'),
      },
      out: 'g',
    },
    { op: 'SYNCOBJ_CREATE', file, args: { flags: 0 }, out: 'so' },
    {
      op: 'GROUP_SUBMIT',
      file,
      args: {
        groupHandle: r('g'),
        pad: 0,
        queueSubmits: {
          stride: 40,
          count: 1,
          array: [
            {
              queueIndex: 0,
              streamSize: 8 * 8,
              streamAddr: 0x10_0000,
              latestFlush: 0,
              pad: 0,
              syncs: {
                stride: 16,
                count: 1,
                array: [{ flags: 0x8000_0000, handle: r('so'), timelineValue: 0 }],
              },
            },
          ],
        },
      },
    },
  ];
}

/** Calls that do nothing in particular (what a shrinker should remove). */
export function noise(file = 0): FuzzCall[] {
  return [
    { op: 'DEV_QUERY', file, args: { type: 0, size: 80, pointer: true } },
    { op: 'BO_CREATE', file, args: { size: 4096, flags: 0, exclusiveVmId: 0, pad: 0 }, out: 'n1' },
    { op: 'SYNCOBJ_CREATE', file, args: { flags: 1 }, out: 'n2' },
    { op: 'SYNCOBJ_QUERY', file, args: { handle: r('n2') } },
    { op: 'VM_CREATE', file, args: { flags: 0, userVaRange: 2 ** 32 }, out: 'n3' },
    { op: 'VM_GET_STATE', file, args: { vmId: r('n3'), pad: 0 } },
    { op: 'GEM_CLOSE', file, args: { handle: r('n1') } },
  ];
}

export function program(calls: FuzzCall[], over: Partial<FuzzProgram> = {}): FuzzProgram {
  return {
    version: 1,
    seed: 7,
    design: 'default',
    strategy: 'fifo',
    files: [{ privileged: false }, { privileged: false }],
    driver: { jobTimeoutNs: 50_000_000 },
    calls,
    ...over,
  };
}

/** A job that hangs, waited for past its timeout, among noise. */
export function hangProgram(): FuzzProgram {
  return program([
    ...noise(0),
    ...jobCalls({ kind: 'hang' }),
    ...noise(1),
    {
      op: 'SYNCOBJ_WAIT',
      file: 0,
      args: { handles: [r('so')], points: [0], timeoutNs: 200_000_000, flags: 0 },
    },
    { op: 'SYNCOBJ_QUERY', file: 0, args: { handle: r('so') } },
    { op: 'SLEEP', file: 0, args: { ns: 100_000_000 } },
  ]);
}
