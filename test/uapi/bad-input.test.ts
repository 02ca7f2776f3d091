/**
 * Bad input never throws: every ioctl answers malformed arguments with an errno.
 *
 * 1. The fuzzer's own argument mutations (src/fuzz/mutate.ts) applied to every ioctl that has
 *    some, run through the fuzzer's executor: no model error, no errno outside the call's
 *    table, no mutation the uAPI must reject accepted.
 * 2. Every ioctl command the model has, with structs whose fields are garbage of every JS kind
 *    (NaN, strings, bigints, nested nulls, arrays where structs belong, ...): each call returns
 *    0 or a known negative errno, and nothing escapes as an exception.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import * as U from '../../src/driver/uapi.js';
import { execProgram } from '../../src/fuzz/execute.js';
import { generateProgram } from '../../src/fuzz/generate.js';
import { Errno } from '../../src/kernel/errno.js';
import { Prng } from '../../src/kernel/prng.js';
import type { Layout } from '../../src/kernel/uaccess.js';
import { onMachine, open } from '../driver/helpers.js';

test("every ioctl with the fuzzer's mutations: errnos only, never an exception", async () => {
  const mutated = new Set<string>();
  for (let seed = 1; seed <= 24; seed++) {
    const program = generateProgram({ seed, calls: 80, mutationRate: 0.9, design: 'default' });
    for (const c of program.calls) if (c.mut !== undefined) mutated.add(c.op);
    const r = await execProgram(program);
    assert.notEqual(r.outcome, 'model-error', `seed ${seed}`);
    const bad = r.findings.filter((f) => f.kind !== 'leak');
    assert.deepEqual(
      bad.map((f) => `${f.kind}: ${f.message}`),
      [],
      `seed ${seed}`,
    );
  }
  for (const op of [
    'VM_BIND',
    'GROUP_CREATE',
    'GROUP_SUBMIT',
    'SYNCOBJ_WAIT',
    'SYNCOBJ_TIMELINE_WAIT',
    'SYNCOBJ_QUERY',
    'SYNCOBJ_TRANSFER',
    'SYNCOBJ_HANDLE_TO_FD',
    'SYNCOBJ_FD_TO_HANDLE',
    'SYNCOBJ_RESET',
    'SYNCOBJ_SIGNAL',
    'SYNCOBJ_TIMELINE_SIGNAL',
    'BO_CREATE',
    'TILER_HEAP_CREATE',
  ])
    assert.ok(mutated.has(op), `${op} was mutated`);
});

const GARBAGE: unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 64,
  -(2 ** 63),
  'str',
  true,
  {},
  [],
  [1, 2, 3],
  { x: 1 },
  10n,
  -1n,
  2n ** 70n,
  0xffff_ffff,
];

function garbageStruct(rng: Prng, l: Layout, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of l.fields) {
    if (rng.chance(0.2)) continue;
    if (f.type === 'struct' && f.struct !== undefined && depth < 3 && rng.chance(0.7)) {
      o[f.name] = garbageStruct(rng, f.struct, depth + 1);
    } else if (f.type === 'ptr' && rng.chance(0.6)) {
      const n = rng.below(4);
      o[f.name] = Array.from({ length: n }, () =>
        rng.chance(0.5) ? garbageStruct(rng, l, depth + 1) : rng.pick(GARBAGE),
      );
    } else {
      o[f.name] = rng.pick(GARBAGE);
    }
  }
  return o;
}

const COMMANDS: Array<[string, number, Layout]> = [
  ['GET_CAP', U.DRM_IOCTL_GET_CAP, U.GET_CAP_LAYOUT],
  ['GEM_CLOSE', U.DRM_IOCTL_GEM_CLOSE, U.GEM_CLOSE_LAYOUT],
  ['SYNCOBJ_CREATE', U.DRM_IOCTL_SYNCOBJ_CREATE, U.SYNCOBJ_CREATE_LAYOUT],
  ['SYNCOBJ_DESTROY', U.DRM_IOCTL_SYNCOBJ_DESTROY, U.SYNCOBJ_DESTROY_LAYOUT],
  ['SYNCOBJ_HANDLE_TO_FD', U.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, U.SYNCOBJ_HANDLE_LAYOUT],
  ['SYNCOBJ_FD_TO_HANDLE', U.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, U.SYNCOBJ_HANDLE_LAYOUT],
  ['SYNCOBJ_WAIT', U.DRM_IOCTL_SYNCOBJ_WAIT, U.SYNCOBJ_WAIT_LAYOUT],
  ['SYNCOBJ_TIMELINE_WAIT', U.DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, U.SYNCOBJ_TIMELINE_WAIT_LAYOUT],
  ['SYNCOBJ_RESET', U.DRM_IOCTL_SYNCOBJ_RESET, U.SYNCOBJ_ARRAY_LAYOUT],
  ['SYNCOBJ_SIGNAL', U.DRM_IOCTL_SYNCOBJ_SIGNAL, U.SYNCOBJ_ARRAY_LAYOUT],
  ['SYNCOBJ_TIMELINE_SIGNAL', U.DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, U.SYNCOBJ_TIMELINE_ARRAY_LAYOUT],
  ['SYNCOBJ_QUERY', U.DRM_IOCTL_SYNCOBJ_QUERY, U.SYNCOBJ_TIMELINE_ARRAY_LAYOUT],
  ['SYNCOBJ_TRANSFER', U.DRM_IOCTL_SYNCOBJ_TRANSFER, U.SYNCOBJ_TRANSFER_LAYOUT],
  ['DEV_QUERY', U.DRM_IOCTL_PANTHOR_DEV_QUERY, U.DEV_QUERY_LAYOUT],
  ['VM_CREATE', U.DRM_IOCTL_PANTHOR_VM_CREATE, U.VM_CREATE_LAYOUT],
  ['VM_DESTROY', U.DRM_IOCTL_PANTHOR_VM_DESTROY, U.VM_DESTROY_LAYOUT],
  ['VM_BIND', U.DRM_IOCTL_PANTHOR_VM_BIND, U.VM_BIND_LAYOUT],
  ['VM_GET_STATE', U.DRM_IOCTL_PANTHOR_VM_GET_STATE, U.VM_GET_STATE_LAYOUT],
  ['BO_CREATE', U.DRM_IOCTL_PANTHOR_BO_CREATE, U.BO_CREATE_LAYOUT],
  ['BO_MMAP_OFFSET', U.DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, U.BO_MMAP_OFFSET_LAYOUT],
  ['GROUP_CREATE', U.DRM_IOCTL_PANTHOR_GROUP_CREATE, U.GROUP_CREATE_LAYOUT],
  ['GROUP_DESTROY', U.DRM_IOCTL_PANTHOR_GROUP_DESTROY, U.GROUP_DESTROY_LAYOUT],
  ['GROUP_SUBMIT', U.DRM_IOCTL_PANTHOR_GROUP_SUBMIT, U.GROUP_SUBMIT_LAYOUT],
  ['GROUP_GET_STATE', U.DRM_IOCTL_PANTHOR_GROUP_GET_STATE, U.GROUP_GET_STATE_LAYOUT],
  ['TILER_HEAP_CREATE', U.DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, U.TILER_HEAP_CREATE_LAYOUT],
  ['TILER_HEAP_DESTROY', U.DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, U.TILER_HEAP_DESTROY_LAYOUT],
  ['PERFCNT_ENABLE', U.DRM_IOCTL_PANFROST_PERFCNT_ENABLE, U.PERFCNT_ENABLE_LAYOUT],
  ['PERFCNT_DUMP', U.DRM_IOCTL_PANFROST_PERFCNT_DUMP, U.PERFCNT_DUMP_LAYOUT],
];

const KNOWN = new Set<number>(Object.values(Errno));

test('every ioctl command with garbage structs: 0 or a known errno, never an exception', async () => {
  const m = await onMachine(
    { seed: 5 },
    async (sys) => {
      const c = open(sys);
      const rng = new Prng(5, 0);
      // Some objects to name: handles 1.. exist for each kind.
      await c.vmCreate();
      await c.boCreate(4096);
      await c.syncobjCreate(1);
      for (const [name, cmd, l] of COMMANDS) {
        for (let i = 0; i < 60; i++) {
          const arg = rng.chance(0.05) ? rng.pick(GARBAGE) : garbageStruct(rng, l);
          let r: number;
          try {
            r = await c.ioctl(cmd, arg);
          } catch (err) {
            assert.fail(
              `${name} threw on ${String(JSON.stringify(arg, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)))}: ${String(err)}`,
            );
          }
          assert.ok(r === 0 || (r < 0 && KNOWN.has(-r)), `${name} returned ${r}`);
        }
      }
    },
    false,
  );
  assert.deepEqual(
    m.violations.filter((v) => v.invariant === 'model-error').map((v) => v.message),
    [],
  );
});
