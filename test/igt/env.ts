/**
 * IGT-derived tests: the semantics (not the code) of IGT's syncobj_basic, syncobj_wait,
 * syncobj_timeline, panfrost_submit, panthor_* and gem_eio subtests, ported to this model's
 * uAPI. Each case is one test named `igt-<test>-<subtest>`; docs/uapi.md lists them with the
 * IGT test each comes from (`table.ts` prints that list, `test/uapi/audit.test.ts` checks it).
 *
 * Where IGT uses sw_sync (a CPU timeline whose fences user space signals), a case uses what the
 * uAPI has here: a GPU job that runs for a given time signals its fence then (an unsignalled
 * "submitted" fence is a job still running), SYNCOBJ_SIGNAL / TIMELINE_SIGNAL signal from the
 * host, and jobs on separate groups ("lanes") run side by side. The model has no signals, so
 * the `*-interrupted` subtests check the outcome IGT expects (ETIME) without them.
 */
import test from 'node:test';
import { assertClean, onMachine } from '../driver/helpers.js';
import { type Env, makeEnv } from '../uapi/env.js';

export interface IgtCase {
  /** IGT test binary, e.g. `syncobj_wait`. */
  test: string;
  subtest: string;
  /** One line: what IGT checks, and how the port reaches it. */
  what: string;
  run: (e: Env) => Promise<void>;
  /** Leaves jobs pending or faults on purpose: skip the clean-run assertion. */
  dirty?: boolean;
}

export function igtName(c: IgtCase): string {
  return `igt-${c.test}-${c.subtest}`;
}

export function igtTest(c: IgtCase): void {
  test(igtName(c), async () => {
    const m = await onMachine({ seed: 11 }, async (sys) => {
      await c.run(makeEnv(sys));
    });
    if (c.dirty !== true) assertClean(m);
  });
}
