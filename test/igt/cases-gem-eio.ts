/**
 * IGT intel/gem_eio's in-flight, wait and banned subtests, as their semantics apply to
 * Panthor (env.ts): a wait on work that a hang or a wedge ends returns 0, and the error is in
 * the fence, read here through sync_files exported before the wedge (a wedged device refuses
 * every DRM ioctl with ENODEV, the model's wedge; SYNC_IOC_FILE_INFO is the sync_file's own
 * ioctl and still answers). The fence error of a wedge is -ENODEV, of a hang -ETIMEDOUT (i915
 * uses -EIO for both).
 *
 * "Immediate", "1us" and "10ms" are how long after the work was queued the hang or wedge
 * comes, with the waiter already blocked.
 */
import { Errno } from '../../src/kernel/errno.js';
import { sendFd } from '../../src/kernel/fdtable.js';
import { syncFenceStatus } from '../../src/userspace/libsync.js';
import { assert, type Env, errnoOf, MS, S, unwrap, waitOp } from '../uapi/env.js';
import type { IgtCase } from './env.js';

const { ETIMEDOUT, ENODEV, EINVAL } = Errno;
const SPIN = 3600 * S;
const DELAYS: Array<[string, number]> = [
  ['immediate', 0],
  ['1us', 1000],
  ['10ms', 10 * MS],
];

/** Wedges the device `delayNs` from now (the waiter is blocked by then). */
function wedgeIn(e: Env, delayNs: number): void {
  e.sys.spawn('wedger', async () => {
    await e.k.sleep(delayNs);
    await e.dev.wedge.wedge('igt gem_eio');
  });
}

/** The status of each syncobj's fence, exported now as a sync_file and read later. */
async function exported(e: Env, hs: number[]): Promise<() => Promise<number[]>> {
  const fds: number[] = [];
  for (const h of hs) fds.push(unwrap(await e.c.exportSyncFile(h), 'EXPORT_SYNC_FILE'));
  return async () => {
    const out: number[] = [];
    for (const fd of fds) out.push(await syncFenceStatus(e.c.proc, fd));
    return out;
  };
}

/** A spinner and `n` jobs queued behind it, each with its own syncobj (the last first). */
async function inFlight(e: Env, n: number, lane = 0): Promise<number[]> {
  const spin = await e.syncobj();
  assert.equal(await e.job(spin, SPIN, 0, [], e.c, lane), 0);
  const hs = [spin];
  for (let i = 0; i < n; i++) {
    const so = await e.syncobj();
    assert.equal(await e.job(so, 1 * MS, 0, [], e.c, lane), 0);
    hs.push(so);
  }
  return hs;
}

async function waitAll(e: Env, hs: number[], timeoutNs: number) {
  return e.c.syncobjWait({
    handles: hs,
    countHandles: hs.length,
    timeoutNsec: e.at(timeoutNs),
    flags: 1,
  });
}

export const GEM_EIO: IgtCase[] = [
  ...DELAYS.map(
    ([name, d]): IgtCase => ({
      test: 'gem_eio',
      subtest: `wait-${name}`,
      what: 'a spinner with hang recovery on: the blocked wait returns 0 when the hang is dealt with (the job timeout kills it: ETIMEDOUT)',
      dirty: true,
      run: async (e) => {
        const so = await e.syncobj();
        assert.equal(await e.job(so, SPIN), 0);
        await e.k.sleep(d);
        assert.equal(errnoOf(await e.c.wait(so, 10 * S)), 0);
        assert.equal(unwrap(await e.c.fenceStatus(so), 'status'), -ETIMEDOUT);
      },
    }),
  ),
  ...DELAYS.map(
    ([name, d]): IgtCase => ({
      test: 'gem_eio',
      subtest: `wait-wedge-${name}`,
      what: 'a spinner, then the device wedged while the wait blocks: the wait returns 0, the fence ends -ENODEV',
      dirty: true,
      run: async (e) => {
        const so = await e.syncobj();
        assert.equal(await e.job(so, SPIN), 0);
        const status = await exported(e, [so]);
        wedgeIn(e, d);
        assert.equal(errnoOf(await e.c.wait(so, 1 * S)), 0);
        assert.deepEqual(await status(), [-ENODEV]);
      },
    }),
  ),
  ...DELAYS.map(
    ([name, d]): IgtCase => ({
      test: 'gem_eio',
      subtest: `in-flight-${name}`,
      what: 'jobs queued behind a spinner, the device wedged: the wait on all returns 0, every fence ends with an error',
      dirty: true,
      run: async (e) => {
        const hs = await inFlight(e, 16);
        const status = await exported(e, hs);
        wedgeIn(e, d);
        assert.equal(errnoOf(await waitAll(e, hs, 1 * S)), 0);
        for (const s of await status()) assert.equal(s, -ENODEV);
      },
    }),
  ),
  ...DELAYS.map(
    ([name, d]): IgtCase => ({
      test: 'gem_eio',
      subtest: `in-flight-contexts-${name}`,
      what: 'the same across eight contexts (groups), each with a spinner and jobs behind it',
      dirty: true,
      run: async (e) => {
        const hs: number[] = [];
        for (let lane = 0; lane < 8; lane++) hs.push(...(await inFlight(e, 2, lane)));
        const status = await exported(e, hs);
        wedgeIn(e, d);
        assert.equal(errnoOf(await waitAll(e, hs, 1 * S)), 0);
        for (const s of await status()) assert.equal(s, -ENODEV);
      },
    }),
  ),
  ...DELAYS.map(
    ([name, d]): IgtCase => ({
      test: 'gem_eio',
      subtest: `in-flight-internal-${name}`,
      what: 'jobs on other groups that depend on the spinner (a wait op on its syncobj): wedged, every fence ends with an error',
      dirty: true,
      run: async (e) => {
        const spin = await e.syncobj();
        assert.equal(await e.job(spin, SPIN), 0);
        const hs = [spin];
        for (let lane = 1; lane <= 3; lane++) {
          const so = await e.syncobj();
          assert.equal(await e.job(so, 1 * MS, 0, [waitOp(spin)], e.c, lane), 0);
          hs.push(so);
        }
        const status = await exported(e, hs);
        wedgeIn(e, d);
        assert.equal(errnoOf(await waitAll(e, hs, 1 * S)), 0);
        for (const s of await status()) assert.equal(s, -ENODEV);
      },
    }),
  ),
  {
    test: 'gem_eio',
    subtest: 'in-flight-external',
    what: "a job corked by a fence another file handed over (a sync_file passed between processes) behind a spinner; wedged: the wait returns 0 and the fence ends with an error. The model's wedge ends every fence of the device at once, the cork's too (i915 waits for the cork)",
    dirty: true,
    run: async (e) => {
      const b = e.other();
      const cork = await e.syncobj(0, b);
      assert.equal(await e.job(cork, SPIN, 0, [], b), 0);
      const fd = sendFd(b.proc, unwrap(await b.exportSyncFile(cork), 'cork'), e.c.proc);
      const gate = await e.syncobj();
      unwrap(await e.c.importSyncFile(gate, fd), 'import the cork');
      const spin = await e.syncobj();
      assert.equal(await e.job(spin, SPIN), 0);
      const corked = await e.syncobj();
      assert.equal(await e.job(corked, 1 * MS, 0, [waitOp(gate)], e.c, 1), 0);
      const status = await exported(e, [spin, corked]);
      wedgeIn(e, 1 * MS);
      assert.equal(errnoOf(await waitAll(e, [corked], 1 * S)), 0);
      assert.deepEqual(await status(), [-ENODEV, -ENODEV]);
    },
  },
  {
    test: 'gem_eio',
    subtest: 'banned',
    what: 'a context that hangs is banned (Panthor: a timed-out group cannot run, submit EINVAL); the file is not: a new context works',
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, SPIN), 0);
      assert.equal(errnoOf(await e.c.wait(so, 10 * S)), 0);
      assert.equal(await e.job(await e.syncobj(), 1 * MS), EINVAL, 'banned');
      const next = await e.syncobj();
      assert.equal(await e.job(next, 1 * MS, 0, [], e.c, 1), 0);
      assert.equal(errnoOf(await e.c.wait(next, 1 * S)), 0);
      assert.equal(unwrap(await e.c.fenceStatus(next), 'status'), 1);
    },
  },
];
