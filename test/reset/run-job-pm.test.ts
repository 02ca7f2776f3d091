/**
 * The deadlock the DRM GPU scheduler brings into the reset path (docs/designs.md, "Mainline
 * Panthor"; docs/drm-sched.md): the reset work's pre-reset `drm_sched_stop` waits for the
 * queue's run work; its `queue_run_job` waits in `panthor_device_resume_and_get` for a runtime
 * suspend; the suspend callback `panthor_device_suspend` waits in `cancel_work_sync` for the
 * reset work. The fixture is a run of `suspend` on `default+runpm=resume` (run_job resuming
 * synchronously, as the kernel's does): it must still show that chain, and `default`
 * (`runpm=if-active`) must survive the same interleaving.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { differentialReplay } from '../../src/campaign/differential-replay.js';
import { readFailure, replayFailure } from '../../src/campaign/failure-file.js';
import { getProgram } from '../../src/explore/registry.js';
import '../../src/scenarios/register.js';

const FIXTURE = join(
  import.meta.dirname,
  'fixtures',
  'mainline',
  'suspend@default_runpm_resume.recovery.run44.json',
);

test('runpm=resume: drm_sched_stop in the reset waits for a run_job that waits for a suspend that waits for the reset', async () => {
  const read = readFailure(FIXTURE);
  assert.ok(read.ok, read.ok ? '' : read.error.message);
  const f = read.failure;
  assert.equal(f.program, 'suspend@default+runpm=resume');
  const program = getProgram(f.program);
  assert.ok(program !== undefined);
  const r = await replayFailure(program, f);
  assert.equal(r.invariant, 'recovery', 'the device never serves again');
  const works = (r.violationReport ?? []).filter((l) => l.includes(': running in '));
  // The three-way wait, as the stuck-work report lists it.
  assert.ok(
    works.some((l) =>
      /^\s*reset\.work: running in .*blocked on wait work drm_sched_run_job_work/.test(l),
    ),
    works.join('\n'),
  );
  assert.ok(
    works.some((l) => /pm_runtime_work: running in .*blocked on wait work reset\.work/.test(l)),
  );
  assert.ok(
    works.some((l) =>
      /drm_sched_run_job_work: running in .*blocked on wait panthor1 power\.wait_queue/.test(l),
    ),
  );
});

test('runpm=if-active (default): the same interleaving does no harm', async () => {
  const read = readFailure(FIXTURE);
  assert.ok(read.ok);
  const f = read.failure;
  const source = getProgram(f.program);
  const target = getProgram('suspend@default');
  assert.ok(source !== undefined && target !== undefined);
  const r = await differentialReplay(source, target, f);
  assert.ok(r.source.reproduced, 'the recording reproduces on its own design');
  assert.equal(r.sameInvariant, false);
  assert.ok(r.survives, r.violations.map((v) => `${v.invariant}: ${v.message}`).join('; '));
});
