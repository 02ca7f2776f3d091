/**
 * The fuzzer is deterministic: a seed gives one program, a program gives one run (the same
 * trace hash, errnos and findings), and a program survives a JSON round trip unchanged, which
 * is what makes written programs replayable.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { DESIGN_NAMES } from '../../src/driver/config.js';
import { execProgram } from '../../src/fuzz/execute.js';
import { generateProgram } from '../../src/fuzz/generate.js';
import { FUZZ_OPS, parseFuzzProgram } from '../../src/fuzz/program.js';

test('same seed, same program; another seed, another program', () => {
  for (const design of DESIGN_NAMES) {
    const a = generateProgram({ seed: 11, design, calls: 60 });
    const b = generateProgram({ seed: 11, design, calls: 60 });
    assert.deepEqual(a, b);
    assert.equal(a.calls.length, 60);
    assert.notDeepEqual(generateProgram({ seed: 12, design, calls: 60 }).calls, a.calls);
  }
});

test('a program survives a JSON round trip', () => {
  const p = generateProgram({ seed: 5, calls: 80 });
  assert.deepEqual(parseFuzzProgram(JSON.parse(JSON.stringify(p))), p);
});

test('same program, same outcome', async () => {
  for (const design of ['default', 'rwsem'] as const) {
    const p = generateProgram({ seed: 21, design, calls: 40 });
    const a = await execProgram(p);
    const b = await execProgram(JSON.parse(JSON.stringify(p)));
    assert.equal(a.traceHash, b.traceHash);
    assert.deepEqual(a.errnos, b.errnos);
    assert.deepEqual(a.findings, b.findings);
    assert.deepEqual(a.leaks, b.leaks);
  }
});

test('the generator covers every op and every mutation', () => {
  const ops = new Set<string>();
  const muts = new Set<string>();
  for (let seed = 1; seed <= 300; seed++) {
    for (const c of generateProgram({ seed, calls: 60 }).calls) {
      ops.add(c.op);
      if (c.mut !== undefined) muts.add(c.mut);
    }
  }
  assert.deepEqual(
    [...FUZZ_OPS].filter((o) => !ops.has(o)),
    [],
  );
  const expected = [
    'bad-handle',
    'stale-handle',
    'foreign-handle',
    'pad',
    'flags',
    'unaligned',
    'overflow',
    'zero-size',
    'null-array',
    'huge-count',
    'zero-stride',
    'count',
    'short-array',
    'bad-fd',
    'enum',
    'reserved',
    'priority',
  ];
  assert.deepEqual(
    expected.filter((m) => !muts.has(m)),
    [],
  );
});
