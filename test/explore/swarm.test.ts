/**
 * Swarm draws: deterministic per seed, different across seeds, within their bounds, and
 * actually used by the explorer (runs see different fault mixes).
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { explore, faultsFor, runSeed } from '../../src/explore/explore.js';
import { drawFaults } from '../../src/explore/swarm.js';
import { kernelProgram } from './programs.js';

const VOCAB = [
  'job-hang',
  'lost-irq',
  'late-ack',
  'soft-reset-stuck',
  'fw-boot-fail',
  'as-active-stuck',
];

test('swarm: the same seed gives the same draw', () => {
  for (let seed = 0; seed < 50; seed++) {
    assert.deepEqual(drawFaults(VOCAB, seed), drawFaults(VOCAB, seed));
  }
});

test('swarm: draws differ between runs, in which faults and in their parameters', () => {
  const mixes = new Set<string>();
  const params = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const d = drawFaults(VOCAB, runSeed(1, i));
    mixes.add(d.map((f) => f.name).join(','));
    for (const f of d) params.add(`${f.name}:${f.atNs}:${f.count}:${f.rate}`);
  }
  // 2^6 subsets exist; 200 draws with p = 1/2 each should meet most of them.
  assert.ok(mixes.size > 40, `only ${mixes.size} distinct fault mixes`);
  assert.ok(mixes.has(''), 'some runs have no fault at all');
  assert.ok(mixes.has(VOCAB.join(',')), 'some runs have every fault');
  assert.ok(params.size > 300, `only ${params.size} distinct parameter sets`);
});

test('swarm: parameters stay within their bounds', () => {
  for (let seed = 0; seed < 500; seed++) {
    const d = drawFaults(VOCAB, seed, { maxArmNs: 1e6, maxCount: 2, maxFaults: 3 });
    assert.ok(d.length <= 3);
    for (const f of d) {
      assert.ok(VOCAB.includes(f.name));
      assert.ok(f.atNs >= 0 && f.atNs <= 1e6, `atNs ${f.atNs}`);
      assert.ok(f.count >= 0 && f.count <= 2);
      assert.ok(f.rate > 0 && f.rate <= 1);
    }
  }
});

test('swarm: a fault kind’s parameters do not depend on the kinds before it', () => {
  // Both vocabularies draw the same values for 'lost-irq' because every kind consumes the same
  // draws whether or not it is enabled.
  const a = drawFaults(['job-hang', 'lost-irq'], 7, { enableProb: 1 });
  const b = drawFaults(['other', 'lost-irq'], 7, { enableProb: 1 });
  assert.deepEqual(
    a.find((f) => f.name === 'lost-irq'),
    b.find((f) => f.name === 'lost-irq'),
  );
});

test('swarm: the explorer gives each run its own draw, and none when swarm is off', async () => {
  const seen: string[] = [];
  const bySeed = new Map<number, string>();
  const p = kernelProgram('faults@test', VOCAB, (k, input) => {
    seen.push(input.faults.map((f) => f.name).join(','));
    bySeed.set(input.seed, input.faults.map((f) => f.name).join(','));
    k.spawn('t', async () => {});
  });
  await explore(p, { strategy: 'random', runs: 40, seed: 3, selfCheckEvery: 1_000_000 });
  assert.ok(new Set(seen).size > 10);
  assert.equal(
    bySeed.get(runSeed(3, 5)),
    faultsFor(p, { strategy: 'random', runs: 40, seed: 3 }, runSeed(3, 5))
      .map((f) => f.name)
      .join(','),
  );
  seen.length = 0;
  await explore(p, {
    strategy: 'random',
    runs: 10,
    seed: 3,
    swarm: false,
    selfCheckEvery: 1_000_000,
  });
  assert.deepEqual(new Set(seen), new Set(['']));
});
