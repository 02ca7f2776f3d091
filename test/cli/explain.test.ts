/**
 * `resetlab explain` on three shrunk failures, each found here by a short campaign with a bug
 * switch of the historical corpus (a refcount underflow after a reset, a fence leaked by a
 * timeout handler, a use after free on a removed device): at most 40 lines of at most 100
 * columns, the faults, the steps chosen by the documented rule in time order ending with the
 * violation, the invariant and why, the replay command; exit 0 because the replay reproduces.
 * Bad input exits 2.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFailure } from '../../src/campaign/failure-file.js';
import { programsModuleUrl } from '../../src/campaign/programs.js';
import { loadRegistry, resolveRegistry } from '../../src/campaign/worker.js';
import { explore } from '../../src/explore/explore.js';
import { getProgram } from '../../src/explore/registry.js';
import { MAX_STORY_LINES } from '../../src/report/story.js';
import { type CliResult, inProcess, oneJson, tmp } from './helpers.js';

const dir = tmp('resetlab-explain-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Finds, shrinks and writes the first failure of `program` violating `invariant`. */
async function failureFile(program: string, invariant: string, runs: number): Promise<string> {
  assert.equal(await loadRegistry(resolveRegistry(programsModuleUrl())), null);
  const p = getProgram(program);
  assert.ok(p !== undefined, program);
  const r = await explore(p, {
    strategy: 'pct',
    runs,
    seed: 1,
    stopAfterFirst: true,
    shrink: { budget: 40 },
  });
  const f = r.failures.find((x) => x.invariant === invariant);
  assert.ok(f !== undefined, `${program}: ${invariant} within ${runs} runs`);
  assert.ok(f.shrunk?.verified, `${program}: shrunk and verified`);
  return writeFailure(dir, f);
}

function checkStory(r: CliResult, file: string, invariant: string): string[] {
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length <= MAX_STORY_LINES, `${lines.length} lines:\n${r.stdout}`);
  for (const l of lines) assert.ok([...l].length <= 100, `over 100 columns: ${l}`);
  assert.match(lines[0] ?? '', new RegExp(`^${invariant} \\(harm\\) on `));
  assert.match(lines[1] ?? '', /shrunk from \d+ to \d+ scheduling decisions/);
  assert.ok(
    lines.some((l) => /^Faults(:| none)/.test(l)),
    'the faults',
  );
  const head = lines.indexOf('What happens (virtual time, task, step):');
  assert.ok(head > 0, 'the steps');
  const broken = lines.findIndex((l) => l.startsWith(`Broken: ${invariant}, which holds when `));
  assert.ok(broken > head + 2, 'at least two steps, then why');
  const steps = lines.slice(head + 1, broken - 1).filter((l) => !l.startsWith('  ('));
  assert.match(steps[steps.length - 1] ?? '', new RegExp(`VIOLATION ${invariant}$`));
  // The command, on one line or split with a shell continuation.
  const tail = lines.slice(-2).join('\n');
  assert.ok(
    lines[lines.length - 1] === `Replay: resetlab replay ${file}` ||
      tail === `Replay: resetlab replay \\\n  ${file}`,
    tail,
  );
  return lines;
}

test('explain: three shrunk failures, each a short story in 100 columns', async () => {
  const refcount = await failureFile(
    'perfcnt@default+perfcnt-as-underflow',
    'refcount-underflow',
    4,
  );
  const leak = await failureFile('hang@default+timeout-job-leak', 'fence-signalled', 6);
  const uaf = await failureFile('unbind@tyr+reset-work-after-unbind', 'use-after-free', 4);

  const a = checkStory(await inProcess(['explain', refcount]), refcount, 'refcount-underflow');
  // The reset flow is in the story, and the report's history names the put that underflowed.
  assert.ok(
    a.some((l) => /panthor\d+ reset +request /.test(l)),
    a.join('\n'),
  );
  assert.ok(a.some((l) => l.includes('refcount_t: underflow; use-after-free.')));

  const b = checkStory(await inProcess(['explain', leak]), leak, 'fence-signalled');
  // The job the fence belongs to, by its one name, with its client (the one whose job only the
  // job timeout ends), and its timeout.
  assert.ok(b.some((l) => /job group\d+\/q\d+#\d+ \(busy\) handed to the GPU/.test(l)));
  assert.ok(
    b.some((l) => /job timeout group\d+\/q\d+/.test(l)),
    b.join('\n'),
  );

  const c = checkStory(await inProcess(['explain', uaf]), uaf, 'use-after-free');
  assert.ok(
    c.some((l) => /unplug$/.test(l)),
    c.join('\n'),
  );
  assert.ok(c.some((l) => l.includes('Freed by task action0:unbind/')));

  const j = await inProcess(['explain', uaf, '--json']);
  assert.equal(j.code, 0);
  const o = oneJson(j);
  assert.equal(o.reproduced, true);
  assert.equal(o.invariant, 'use-after-free');
  assert.ok(Array.isArray(o.steps) && (o.steps as unknown[]).length >= 2);
});

test('explain: a missing file, a summary and a non-failure exit 2 naming the file', async () => {
  const summary = join(dir, 'summary.json');
  writeFileSync(summary, JSON.stringify({ version: 1, kind: 'resetlab-explore' }));
  const cases: [string, RegExp][] = [
    [join(dir, 'missing.json'), /missing\.json: ENOENT/],
    [summary, /summary\.json: a campaign summary, not a failure file/],
  ];
  for (const [f, re] of cases) {
    const r = await inProcess(['explain', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
