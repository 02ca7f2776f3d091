/**
 * The executor's per-call checks: a call the uAPI must reject that succeeds is reported
 * (`must-fail`), a call naming a handle the file does not hold that succeeds is an `isolation`
 * finding, while a handle the file does hold is fine; stale and foreign handles are refused by
 * the driver; and the leak check sees a clean end after a closed file.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { execProgram } from '../../src/fuzz/execute.js';
import type { FuzzCall } from '../../src/fuzz/program.js';
import { jobCalls, program } from './programs.js';

const vmCreate = (file: number, out: string): FuzzCall => ({
  op: 'VM_CREATE',
  file,
  args: { flags: 0, userVaRange: 0 },
  out,
});

test('a valid call marked must-fail is reported when it succeeds', async () => {
  const r = await execProgram(
    program([{ ...vmCreate(0, 'a'), check: { mustFail: true }, mut: 'test' }]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.kind),
    ['must-fail'],
  );
});

test('handles: held is fine, foreign and stale are refused by the driver', async () => {
  const calls: FuzzCall[] = [
    vmCreate(0, 'a'),
    vmCreate(1, 'b1'),
    vmCreate(1, 'b2'),
    // File 0 holds VM 1: querying it is fine even though file 1 also has a VM 1.
    {
      op: 'VM_GET_STATE',
      file: 0,
      args: { vmId: { ref: 'b1' }, pad: 0 },
      check: { handle: { kind: 'vm', path: ['vmId'] } },
    },
    // File 0 has no VM 2: file 1's VM 2 is foreign, and refused.
    {
      op: 'VM_GET_STATE',
      file: 0,
      args: { vmId: { ref: 'b2' }, pad: 0 },
      check: { handle: { kind: 'vm', path: ['vmId'] } },
    },
    { op: 'VM_DESTROY', file: 0, args: { id: { ref: 'a' }, pad: 0 } },
    // Stale: destroyed.
    {
      op: 'VM_DESTROY',
      file: 0,
      args: { id: { ref: 'a' }, pad: 0 },
      check: { handle: { kind: 'vm', path: ['id'] } },
    },
    { op: 'CLOSE', file: 1, args: {} },
    // A closed file's slot has no file any more: EBADF, as for a closed fd.
    { op: 'VM_GET_STATE', file: 1, args: { vmId: { ref: 'b1' }, pad: 0 } },
    { op: 'REOPEN', file: 1, args: {} },
    {
      op: 'VM_GET_STATE',
      file: 1,
      args: { vmId: { ref: 'b1' }, pad: 0 },
      check: { handle: { kind: 'vm', path: ['vmId'] } },
    },
  ];
  const r = await execProgram(program(calls));
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.errnos, { OK: 7, EINVAL: 3, EBADF: 1 });
  assert.equal(r.leaks?.total, 0);
});

test('a job that completes leaves nothing behind once its file is closed', async () => {
  const r = await execProgram(
    program([
      ...jobCalls({ kind: 'store', va: 0x10_1000, value: 5, runNs: 1000 }),
      {
        op: 'SYNCOBJ_WAIT',
        file: 0,
        args: { handles: [{ ref: 'so' }], points: [0], timeoutNs: 1e9, flags: 0 },
      },
      { op: 'SYNCOBJ_QUERY', file: 0, args: { handle: { ref: 'so' } } },
      { op: 'MAP_READ', file: 0, args: { map: { ref: 'map' }, offset: 0x1000 } },
      { op: 'CLOSE', file: 0, args: {} },
    ]),
  );
  assert.deepEqual(r.findings, []);
  assert.equal(r.errnos.OK, r.executed);
  assert.deepEqual(
    { ...r.leaks, details: [] },
    {
      pages: 0,
      groups: 0,
      vms: 0,
      as: 0,
      fences: 0,
      files: 0,
      pm: 0,
      total: 0,
      removedFirmwarePages: 0,
      details: [],
    },
  );
});
