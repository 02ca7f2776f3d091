/**
 * IGT syncobj_basic, syncobj_wait and syncobj_timeline, ported (see env.ts): the fixed
 * subtests one by one, and the generated wait matrices from their names and the expectations
 * IGT computes for them.
 */
import {
  SyncobjCreateFlags,
  SyncobjQueryFlags,
  SyncobjWaitFlags,
  UINT64_MAX,
} from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { assert, type Env, errnoOf, MS, S, unwrap } from '../uapi/env.js';
import type { IgtCase } from './env.js';

const { EINVAL, ENOENT, ETIME } = Errno;
const ALL = SyncobjWaitFlags.WAIT_ALL;
const FOR_SUBMIT = SyncobjWaitFlags.WAIT_FOR_SUBMIT;
const AVAILABLE = SyncobjWaitFlags.WAIT_AVAILABLE;
/** IGT's short_timeout(): now + 100 ms. */
const SHORT = 100 * MS;
/** A job that outlives every case (until the 5 s job timeout): a fence that never signals here. */
const NEVER = 10 * S;

function wait(e: Env, handles: number[], flags = 0, timeoutNsec: number | bigint = 0) {
  return e.c.syncobjWait({ handles, countHandles: handles.length, timeoutNsec, flags });
}

function twait(
  e: Env,
  handles: number[],
  points: number[],
  flags = 0,
  timeoutNsec: number | bigint = 0,
) {
  return e.c.syncobjTimelineWait({
    handles,
    points,
    countHandles: handles.length,
    timeoutNsec,
    flags,
  });
}

async function tsignal(e: Env, so: number, point: number) {
  unwrap(
    await e.c.syncobjTimelineSignal({ handles: [so], points: [point], countHandles: 1 }),
    'TIMELINE_SIGNAL',
  );
}

/** "Trigger": a fence attached now that signals `afterNs` later (a job on its own lane). */
async function triggerIn(e: Env, so: number, afterNs: number, point = 0, lane = 1) {
  assert.equal(await e.job(so, afterNs, point, [], e.c, lane), 0, 'attach');
}

// ---- syncobj_basic ---------------------------------------------------------------------------

export const SYNCOBJ_BASIC: IgtCase[] = [
  {
    test: 'syncobj_basic',
    subtest: 'bad-destroy',
    what: 'DESTROY of handle 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjDestroy(0xdeadbeef)), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-create-flags',
    what: 'CREATE with flags 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjCreate(0xdeadbeef)), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-handle-to-fd',
    what: 'HANDLE_TO_FD of handle 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: 0xdeadbeef, flags: 0 })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-fd-to-handle',
    what: 'FD_TO_HANDLE of fd -1: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: -1, flags: 0 })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-flags-handle-to-fd',
    what: 'HANDLE_TO_FD with flags 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ flags: 0xdeadbeef })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-flags-fd-to-handle',
    what: 'FD_TO_HANDLE with flags 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ flags: 0xdeadbeef })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-pad-handle-to-fd',
    what: 'HANDLE_TO_FD with pad 0xdeadbeef: EINVAL',
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, pad: 0xdeadbeef })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-pad-fd-to-handle',
    what: 'FD_TO_HANDLE with pad 0xdeadbeef: EINVAL',
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncobj(await e.syncobj()), 'export');
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd, pad: 0xdeadbeef })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'illegal-fd-to-handle',
    what: 'FD_TO_HANDLE of the DRM fd itself (not a syncobj): EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: e.c.fd })), EINVAL);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'bad-destroy-pad',
    what: 'DESTROY of a valid handle with pad 0xdeadbeef: EINVAL, the handle survives',
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjDestroy(so, 0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjDestroy(so)), 0);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'create-signaled',
    what: 'CREATE_SIGNALED, then WAIT with timeout 0 and no flags: 0',
    run: async (e) => {
      const so = await e.syncobj(SyncobjCreateFlags.SIGNALED);
      assert.equal(errnoOf(await wait(e, [so])), 0);
    },
  },
  {
    test: 'syncobj_basic',
    subtest: 'test-valid-cycle',
    what: 'create, HANDLE_TO_FD, FD_TO_HANDLE gives a different handle; both destroyable',
    run: async (e) => {
      const a = await e.syncobj();
      const fd = unwrap(await e.c.exportSyncobj(a), 'export');
      const b = unwrap(await e.c.importSyncobj(fd), 'import');
      assert.notEqual(a, b);
      assert.equal(errnoOf(await e.c.syncobjDestroy(a)), 0);
      assert.equal(errnoOf(await e.c.syncobjDestroy(b)), 0);
      await e.c.proc.close(fd);
    },
  },
];

// ---- The shared fixed subtests of syncobj_wait and syncobj_timeline --------------------------

/**
 * The subtests both files have, at point 0 (syncobj_wait, binary ioctls) or point 1
 * (syncobj_timeline, timeline ioctls).
 */
function shared(test: string, point: number): IgtCase[] {
  const tl = point !== 0;
  const w = (e: Env, hs: number[], flags = 0, t: number | bigint = 0) =>
    tl
      ? twait(
          e,
          hs,
          hs.map(() => point),
          flags,
          t,
        )
      : wait(e, hs, flags, t);
  const signalNow = async (e: Env, so: number) => {
    if (tl) await tsignal(e, so, point);
    else unwrap(await e.c.signal(so), 'SIGNAL');
  };
  const cases: IgtCase[] = [
    {
      test,
      subtest: 'invalid-wait-bad-flags',
      what: 'a wait with flags 0xdeadbeef: EINVAL',
      run: async (e) => {
        assert.equal(errnoOf(await w(e, [], 0xdeadbeef)), EINVAL);
      },
    },
    {
      test,
      subtest: 'wait-zero-handles',
      what: 'a zeroed wait struct (no handles): 0 on current kernels',
      run: async (e) => {
        assert.equal(errnoOf(await w(e, [])), 0);
      },
    },
    {
      test,
      subtest: 'invalid-wait-illegal-handle',
      what: 'a wait on handle 0: ENOENT',
      run: async (e) => {
        assert.equal(errnoOf(await w(e, [0])), ENOENT);
      },
    },
    {
      test,
      subtest: 'wait-delayed-signal',
      what: 'a fence that signals 100 ms in; a wait until now + 200 ms succeeds',
      run: async (e) => {
        const so = await e.syncobj();
        await triggerIn(e, so, 100 * MS, point);
        assert.equal(errnoOf(await w(e, [so], 0, e.at(200 * MS))), 0);
      },
    },
    {
      test,
      subtest: 'wait-all-delayed-signal',
      what: 'the same with WAIT_ALL',
      run: async (e) => {
        const so = await e.syncobj();
        await triggerIn(e, so, 100 * MS, point);
        assert.equal(errnoOf(await w(e, [so], ALL, e.at(200 * MS))), 0);
      },
    },
    {
      test,
      subtest: 'wait-for-submit-delayed-submit',
      what: 'an empty syncobj that gets a signalled fence 100 ms in; WAIT_FOR_SUBMIT succeeds',
      run: async (e) => {
        const so = await e.syncobj();
        e.sys.spawn('submitter', async () => {
          await e.k.sleep(100 * MS);
          await signalNow(e, so);
        });
        assert.equal(errnoOf(await w(e, [so], FOR_SUBMIT, e.at(200 * MS))), 0);
      },
    },
    {
      test,
      subtest: 'wait-all-for-submit-delayed-submit',
      what: 'the same with WAIT_ALL',
      run: async (e) => {
        const so = await e.syncobj();
        e.sys.spawn('submitter', async () => {
          await e.k.sleep(100 * MS);
          await signalNow(e, so);
        });
        assert.equal(errnoOf(await w(e, [so], ALL | FOR_SUBMIT, e.at(200 * MS))), 0);
      },
    },
    {
      test,
      subtest: 'reset-unsignaled',
      what: 'an empty syncobj: wait EINVAL, still EINVAL after RESET',
      run: async (e) => {
        const so = await e.syncobj();
        assert.equal(errnoOf(await w(e, [so])), EINVAL);
        unwrap(await e.c.reset(so), 'RESET');
        assert.equal(errnoOf(await w(e, [so])), EINVAL);
      },
    },
    {
      test,
      subtest: 'reset-signaled',
      what: 'signalled: wait 0; after RESET: EINVAL',
      run: async (e) => {
        const so = await e.syncobj();
        await signalNow(e, so);
        assert.equal(errnoOf(await w(e, [so])), 0);
        unwrap(await e.c.reset(so), 'RESET');
        assert.equal(errnoOf(await w(e, [so])), EINVAL);
      },
    },
    {
      test,
      subtest: 'reset-multiple-signaled',
      what: 'three signalled: WAIT_ALL 0; one RESET of all three: each EINVAL',
      run: async (e) => {
        const hs = [await e.syncobj(), await e.syncobj(), await e.syncobj()];
        for (const h of hs) await signalNow(e, h);
        assert.equal(errnoOf(await w(e, hs, ALL)), 0);
        unwrap(await e.c.reset(...hs), 'RESET');
        for (const h of hs) assert.equal(errnoOf(await w(e, [h])), EINVAL);
      },
    },
    {
      test,
      subtest: 'reset-during-wait-for-submit',
      what: 'a WAIT_FOR_SUBMIT waiter; 100 ms in, RESET then a signalled fence: the wait succeeds',
      run: async (e) => {
        const so = await e.syncobj();
        e.sys.spawn('resetter', async () => {
          await e.k.sleep(100 * MS);
          await e.c.reset(so);
          await signalNow(e, so);
        });
        assert.equal(errnoOf(await w(e, [so], FOR_SUBMIT, e.at(200 * MS))), 0);
      },
    },
    {
      test,
      subtest: 'signal',
      what: 'nothing submitted: EINVAL, WAIT_FOR_SUBMIT polls ETIME; after a signal both succeed',
      run: async (e) => {
        const so = await e.syncobj();
        assert.equal(errnoOf(await w(e, [so])), EINVAL);
        assert.equal(errnoOf(await w(e, [so], FOR_SUBMIT)), ETIME);
        await signalNow(e, so);
        assert.equal(errnoOf(await w(e, [so])), 0);
        assert.equal(errnoOf(await w(e, [so], FOR_SUBMIT)), 0);
      },
    },
    ...(['any', 'all', 'for-submit', 'all-for-submit'] as const).map(
      (kind): IgtCase => ({
        test,
        subtest: `wait-${kind}-snapshot`,
        what: 'syncobj 0 is reset and given a fence that never signals while the wait runs: the waiter keeps the fence it had',
        dirty: true,
        run: (e) => snapshot(e, kind, point, w),
      }),
    ),
    ...(['any', 'all', 'for-submit', 'all-for-submit'] as const).map(
      (kind): IgtCase => ({
        test,
        subtest: `wait-${kind}-complex`,
        what: 'eight syncobjs go through submit, signal, reset and resubmit in a shuffled order while a wait on the first two runs',
        dirty: true,
        run: (e) => complex(e, kind, point, w),
      }),
    ),
    ...(['any', 'all'] as const).map(
      (kind): IgtCase => ({
        test,
        subtest: `wait-${kind}-interrupted`,
        what: 'a fence that never signals: ETIME at the deadline (IGT adds signals, which restart the wait; the model has none)',
        dirty: true,
        run: async (e) => {
          const so = await e.syncobj();
          assert.equal(await e.job(so, NEVER, point), 0);
          assert.equal(errnoOf(await w(e, [so], kind === 'all' ? ALL : 0, e.at(SHORT))), ETIME);
        },
      }),
    ),
  ];
  return cases;
}

type Waiter = (
  e: Env,
  hs: number[],
  flags?: number,
  t?: number | bigint,
) => Promise<{ ok: boolean; errno?: number; value?: { firstSignaled: number } }>;

/** IGT test_wait_snapshot. */
async function snapshot(
  e: Env,
  kind: 'any' | 'all' | 'for-submit' | 'all-for-submit',
  point: number,
  w: Waiter,
): Promise<void> {
  const all = kind === 'all' || kind === 'all-for-submit';
  const forSubmit = kind === 'for-submit' || kind === 'all-for-submit';
  const s0 = await e.syncobj();
  const s1 = await e.syncobj();
  if (!forSubmit) {
    // Both have a fence when the wait starts; syncobj 0's signals first when waiting for all.
    await triggerIn(e, s0, all ? 10 * MS : NEVER, point, 1);
    await triggerIn(e, s1, 30 * MS, point, 2);
  }
  e.sys.spawn('meddler', async () => {
    if (forSubmit) {
      await e.k.sleep(5 * MS);
      await triggerIn(e, s0, all ? 5 * MS : NEVER, point, 1);
    }
    await e.k.sleep(15 * MS);
    await e.c.reset(s0);
    await e.job(s0, NEVER, point, [], e.c, 3);
    if (forSubmit) await triggerIn(e, s1, 5 * MS, point, 2);
  });
  const r = await w(e, [s0, s1], (all ? ALL : 0) | (forSubmit ? FOR_SUBMIT : 0), e.at(SHORT));
  assert.equal(errnoOf(r as never), 0, 'the replacement fence is not picked up');
  if (!all) assert.equal(r.value?.firstSignaled, 1);
}

/**
 * IGT test_wait_complex: eight syncobjs go through submitted, signalled, reset and resubmitted
 * in a seeded shuffle while a wait on the first two runs; the wait succeeds, and without
 * WAIT_ALL `first_signaled` is whichever of the two signalled first. The two waited on get
 * fences that signal at shuffled times (jobs on two lanes); the other six churn through the
 * host ioctls, which the wait must not notice.
 */
async function complex(
  e: Env,
  kind: 'any' | 'all' | 'for-submit' | 'all-for-submit',
  point: number,
  w: Waiter,
): Promise<void> {
  const all = kind === 'all' || kind === 'all-for-submit';
  const forSubmit = kind === 'for-submit' || kind === 'all-for-submit';
  const hs: number[] = [];
  for (let i = 0; i < 8; i++) hs.push(await e.syncobj());
  const rng = e.k.scenarioRng;
  const submitAt = [rng.range(1, 20) * MS, rng.range(1, 20) * MS];
  const runNs = [rng.range(1, 20) * MS, rng.range(1, 20) * MS];
  if (runNs[0] === runNs[1]) (runNs as number[])[1] = (runNs[0] as number) + MS;
  const t0 = e.k.nowNs;
  const signalAt = [0, 1].map(
    (i) => (forSubmit ? (submitAt[i] as number) : 0) + (runNs[i] as number),
  );
  if (!forSubmit)
    for (const i of [0, 1]) await triggerIn(e, hs[i] as number, runNs[i] as number, point, 1 + i);
  e.sys.spawn('stager', async () => {
    if (forSubmit) {
      const order = [0, 1].sort((a, b) => (submitAt[a] as number) - (submitAt[b] as number));
      for (const i of order) {
        await e.k.sleep(Math.max(0, t0 + (submitAt[i] as number) - e.k.nowNs));
        await triggerIn(e, hs[i] as number, runNs[i] as number, point, 1 + i);
      }
    }
    // The others: signalled, reset, signalled again, in a shuffled order.
    const rest = hs.slice(2);
    for (let n = 0; n < 12; n++) {
      const h = rest[rng.below(rest.length)] as number;
      await e.k.sleep(rng.range(0, 3) * MS);
      if (rng.chance(0.5)) await e.c.signal(h);
      else await e.c.reset(h);
    }
  });
  const r = await w(e, hs.slice(0, 2), (all ? ALL : 0) | (forSubmit ? FOR_SUBMIT : 0), e.at(SHORT));
  assert.equal(errnoOf(r as never), 0);
  if (!all) {
    const first = (signalAt[0] as number) < (signalAt[1] as number) ? 0 : 1;
    assert.equal(r.value?.firstSignaled, first);
  }
}

// ---- syncobj_wait ------------------------------------------------------------------------------

const WAIT_FIXED: IgtCase[] = [
  {
    test: 'syncobj_wait',
    subtest: 'invalid-reset-zero-handles',
    what: 'RESET of no handle: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.reset()), EINVAL);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-reset-illegal-handle',
    what: 'RESET of handle 0: ENOENT',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.reset(0)), ENOENT);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-reset-one-illegal-handle',
    what: 'RESET of {signalled, 0, signalled}: ENOENT and neither was reset',
    run: async (e) => {
      const a = await e.syncobj(1);
      const b = await e.syncobj(1);
      assert.equal(errnoOf(await e.c.reset(a, 0, b)), ENOENT);
      assert.equal(errnoOf(await wait(e, [a])), 0);
      assert.equal(errnoOf(await wait(e, [b])), 0);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-reset-bad-pad',
    what: 'RESET with pad 0xdeadbeef: EINVAL (before the handles)',
    run: async (e) => {
      assert.equal(
        errnoOf(await e.c.syncobjReset({ handles: [0], countHandles: 1, pad: 0xdeadbeef })),
        EINVAL,
      );
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-signal-zero-handles',
    what: 'SIGNAL of no handle: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.signal()), EINVAL);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-signal-illegal-handle',
    what: 'SIGNAL of handle 0: ENOENT',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.signal(0)), ENOENT);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-signal-one-illegal-handle',
    what: 'SIGNAL of {empty, 0, empty}: ENOENT and neither was signalled',
    run: async (e) => {
      const a = await e.syncobj();
      const b = await e.syncobj();
      assert.equal(errnoOf(await e.c.signal(a, 0, b)), ENOENT);
      assert.equal(errnoOf(await wait(e, [a])), EINVAL);
      assert.equal(errnoOf(await wait(e, [b])), EINVAL);
    },
  },
  {
    test: 'syncobj_wait',
    subtest: 'invalid-signal-bad-pad',
    what: 'SIGNAL with pad 0xdeadbeef: EINVAL',
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(
        errnoOf(await e.c.syncobjSignal({ handles: [so], countHandles: 1, pad: 0xdeadbeef })),
        EINVAL,
      );
    },
  },
];

type State = 'unsubmitted' | 'submitted' | 'signaled';

/** Puts `so` in `st`: nothing, a running job's fence, or a signalled one (at `point`). */
async function setState(e: Env, so: number, st: State, point: number): Promise<void> {
  if (st === 'submitted') assert.equal(await e.job(so, NEVER, point), 0);
  else if (st === 'signaled') {
    if (point !== 0) await tsignal(e, so, point);
    else unwrap(await e.c.signal(so), 'SIGNAL');
  }
}

interface MatrixCase {
  name: string;
  expect: number;
}

/** Parses a generated matrix name: its members' states and its flags. */
function parse(name: string) {
  const rest = name.replace(/^(invalid|etime)-/, '');
  const multi = rest.startsWith('multi-');
  const flags =
    (rest.includes('-all') ? ALL : 0) |
    (rest.includes('-for-submit') ? FOR_SUBMIT : 0) |
    (rest.includes('-available') ? AVAILABLE : 0);
  const states = (['unsubmitted', 'submitted', 'signaled'] as const).filter((s) =>
    new RegExp(`-${s}(-|$)`).test(rest),
  );
  return { multi, flags, states };
}

/**
 * Runs one matrix case as IGT does: timeout 0, then now + 100 ms, then UINT64_MAX (a poll,
 * as an s64) unless ETIME is expected. `points` are the members' points (0: binary).
 */
async function matrix(e: Env, c: MatrixCase, points: readonly number[], timeline: boolean) {
  const { multi, flags, states } = parse(c.name);
  const n = multi ? points.length : 1;
  const hs: number[] = [];
  const ps: number[] = [];
  for (let i = 0; i < n; i++) {
    const so = await e.syncobj();
    const p = multi ? (points[i] as number) : (points[0] as number);
    await setState(e, so, states[Math.min(i, states.length - 1)] as State, p);
    hs.push(so);
    ps.push(p);
  }
  const run = (t: number | bigint) =>
    timeline ? twait(e, hs, ps, flags, t) : wait(e, hs, flags, t);
  assert.equal(errnoOf(await run(0)), c.expect, 'timeout 0');
  assert.equal(errnoOf(await run(e.at(SHORT))), c.expect, 'short timeout');
  if (c.expect !== ETIME) assert.equal(errnoOf(await run(UINT64_MAX)), c.expect, 'UINT64_MAX');
}

/** syncobj_wait's generated names with IGT's expectation (39). */
const BINARY_MATRIX: MatrixCase[] = `
invalid-single-wait-unsubmitted EINVAL
single-wait-for-submit-unsubmitted ETIME
invalid-single-wait-all-unsubmitted EINVAL
single-wait-all-for-submit-unsubmitted ETIME
single-wait-submitted ETIME
single-wait-for-submit-submitted ETIME
single-wait-all-submitted ETIME
single-wait-all-for-submit-submitted ETIME
single-wait-signaled 0
single-wait-for-submit-signaled 0
single-wait-all-signaled 0
single-wait-all-for-submit-signaled 0
invalid-multi-wait-unsubmitted EINVAL
multi-wait-for-submit-unsubmitted ETIME
invalid-multi-wait-all-unsubmitted EINVAL
multi-wait-all-for-submit-unsubmitted ETIME
multi-wait-submitted ETIME
multi-wait-for-submit-submitted ETIME
multi-wait-all-submitted ETIME
multi-wait-all-for-submit-submitted ETIME
invalid-multi-wait-unsubmitted-submitted EINVAL
multi-wait-for-submit-unsubmitted-submitted ETIME
invalid-multi-wait-all-unsubmitted-submitted EINVAL
multi-wait-all-for-submit-unsubmitted-submitted ETIME
multi-wait-signaled 0
multi-wait-for-submit-signaled 0
multi-wait-all-signaled 0
multi-wait-all-for-submit-signaled 0
invalid-multi-wait-unsubmitted-signaled EINVAL
multi-wait-for-submit-unsubmitted-signaled 0
invalid-multi-wait-all-unsubmitted-signaled EINVAL
multi-wait-all-for-submit-unsubmitted-signaled ETIME
multi-wait-submitted-signaled 0
multi-wait-for-submit-submitted-signaled 0
multi-wait-all-submitted-signaled ETIME
multi-wait-all-for-submit-submitted-signaled ETIME
invalid-multi-wait-unsubmitted-submitted-signaled EINVAL
multi-wait-for-submit-unsubmitted-submitted-signaled 0
invalid-multi-wait-all-unsubmitted-submitted-signaled EINVAL
`
  .trim()
  .split('\n')
  .map((l) => {
    const [name, want] = l.split(' ') as [string, string];
    return { name, expect: want === '0' ? 0 : Errno[want as 'EINVAL' | 'ETIME'] };
  });

/** syncobj_timeline's generated names with IGT's expectation (79). */
const TIMELINE_MATRIX: MatrixCase[] = `
invalid-single-wait-unsubmitted EINVAL
etime-single-wait-for-submit-unsubmitted ETIME
invalid-single-wait-all-unsubmitted EINVAL
etime-single-wait-all-for-submit-unsubmitted ETIME
etime-single-wait-available-unsubmitted ETIME
etime-single-wait-for-submit-available-unsubmitted ETIME
etime-single-wait-all-available-unsubmitted ETIME
etime-single-wait-all-for-submit-available-unsubmitted ETIME
etime-single-wait-submitted ETIME
etime-single-wait-for-submit-submitted ETIME
etime-single-wait-all-submitted ETIME
etime-single-wait-all-for-submit-submitted ETIME
single-wait-available-submitted 0
single-wait-for-submit-available-submitted 0
single-wait-all-available-submitted 0
single-wait-all-for-submit-available-submitted 0
single-wait-signaled 0
single-wait-for-submit-signaled 0
single-wait-all-signaled 0
single-wait-all-for-submit-signaled 0
single-wait-available-signaled 0
single-wait-for-submit-available-signaled 0
single-wait-all-available-signaled 0
single-wait-all-for-submit-available-signaled 0
invalid-multi-wait-unsubmitted EINVAL
etime-multi-wait-for-submit-unsubmitted ETIME
invalid-multi-wait-all-unsubmitted EINVAL
etime-multi-wait-all-for-submit-unsubmitted ETIME
etime-multi-wait-available-unsubmitted ETIME
etime-multi-wait-for-submit-available-unsubmitted ETIME
etime-multi-wait-all-available-unsubmitted ETIME
etime-multi-wait-all-for-submit-available-unsubmitted ETIME
etime-multi-wait-submitted ETIME
etime-multi-wait-for-submit-submitted ETIME
etime-multi-wait-all-submitted ETIME
etime-multi-wait-all-for-submit-submitted ETIME
multi-wait-available-submitted 0
multi-wait-for-submit-available-submitted 0
multi-wait-all-available-submitted 0
multi-wait-all-for-submit-available-submitted 0
invalid-multi-wait-unsubmitted-submitted EINVAL
etime-multi-wait-for-submit-unsubmitted-submitted ETIME
invalid-multi-wait-all-unsubmitted-submitted EINVAL
etime-multi-wait-all-for-submit-unsubmitted-submitted ETIME
multi-wait-available-unsubmitted-submitted 0
multi-wait-for-submit-available-unsubmitted-submitted 0
etime-multi-wait-all-available-unsubmitted-submitted ETIME
etime-multi-wait-all-for-submit-available-unsubmitted-submitted ETIME
multi-wait-signaled 0
multi-wait-for-submit-signaled 0
multi-wait-all-signaled 0
multi-wait-all-for-submit-signaled 0
multi-wait-available-signaled 0
multi-wait-for-submit-available-signaled 0
multi-wait-all-available-signaled 0
multi-wait-all-for-submit-available-signaled 0
invalid-multi-wait-unsubmitted-signaled EINVAL
multi-wait-for-submit-unsubmitted-signaled 0
invalid-multi-wait-all-unsubmitted-signaled EINVAL
etime-multi-wait-all-for-submit-unsubmitted-signaled ETIME
multi-wait-available-unsubmitted-signaled 0
multi-wait-for-submit-available-unsubmitted-signaled 0
etime-multi-wait-all-available-unsubmitted-signaled ETIME
etime-multi-wait-all-for-submit-available-unsubmitted-signaled ETIME
multi-wait-submitted-signaled 0
multi-wait-for-submit-submitted-signaled 0
etime-multi-wait-all-submitted-signaled ETIME
etime-multi-wait-all-for-submit-submitted-signaled ETIME
multi-wait-available-submitted-signaled 0
multi-wait-for-submit-available-submitted-signaled 0
multi-wait-all-available-submitted-signaled 0
multi-wait-all-for-submit-available-submitted-signaled 0
invalid-multi-wait-unsubmitted-submitted-signaled EINVAL
multi-wait-for-submit-unsubmitted-submitted-signaled 0
invalid-multi-wait-all-unsubmitted-submitted-signaled EINVAL
etime-multi-wait-all-for-submit-unsubmitted-submitted-signaled ETIME
multi-wait-available-unsubmitted-submitted-signaled 0
multi-wait-for-submit-available-unsubmitted-submitted-signaled 0
etime-multi-wait-all-available-unsubmitted-submitted-signaled ETIME
`
  .trim()
  .split('\n')
  .map((l) => {
    const [name, want] = l.split(' ') as [string, string];
    return { name, expect: want === '0' ? 0 : Errno[want as 'EINVAL' | 'ETIME'] };
  });

export const SYNCOBJ_WAIT: IgtCase[] = [
  ...shared('syncobj_wait', 0),
  ...WAIT_FIXED,
  ...BINARY_MATRIX.map(
    (c): IgtCase => ({
      test: 'syncobj_wait',
      subtest: c.name,
      what: `generated matrix (3 syncobjs for multi): ${c.expect === 0 ? '0' : c.expect === ETIME ? 'ETIME' : 'EINVAL'}`,
      dirty: true,
      run: (e) => matrix(e, c, [0, 0, 0], false),
    }),
  ),
];

// ---- syncobj_timeline --------------------------------------------------------------------------

/** Points of the five members of a timeline multi-wait (two binary ones), as IGT has. */
const TIMELINE_POINTS = [7, 0, 7, 7, 0];

async function query(e: Env, so: number, flags = 0): Promise<number> {
  return unwrap(await e.c.queryPoint(so, flags), 'QUERY');
}

const TIMELINE_FIXED: IgtCase[] = [
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-query-zero-handles',
    what: 'QUERY of no handle: EINVAL',
    run: async (e) => {
      const r = await e.c.syncobjQuery({ handles: [], points: [], countHandles: 0 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-query-illegal-handle',
    what: 'QUERY of handle 0: ENOENT',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.queryPoint(0)), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-query-one-illegal-handle',
    what: 'QUERY of {signalled at 1, 0, signalled at 1}: ENOENT',
    run: async (e) => {
      const a = await e.syncobj();
      const b = await e.syncobj();
      await tsignal(e, a, 1);
      await tsignal(e, b, 1);
      const r = await e.c.syncobjQuery({ handles: [a, 0, b], points: [0, 0, 0], countHandles: 3 });
      assert.equal(errnoOf(r), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-query-bad-pad',
    what: 'QUERY with flags 0xdeadbeef: EINVAL',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.queryPoint(await e.syncobj(), 0xdeadbeef)), EINVAL);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-signal-zero-handles',
    what: 'TIMELINE_SIGNAL of no handle: EINVAL',
    run: async (e) => {
      const r = await e.c.syncobjTimelineSignal({ handles: [], points: [], countHandles: 0 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-signal-illegal-handle',
    what: 'TIMELINE_SIGNAL of handle 0: ENOENT',
    run: async (e) => {
      const r = await e.c.syncobjTimelineSignal({ handles: [0], points: [1], countHandles: 1 });
      assert.equal(errnoOf(r), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-signal-illegal-point',
    what: 'TIMELINE_SIGNAL of handle 1 of a fresh file at point 0: ENOENT',
    run: async (e) => {
      const r = await e.c.syncobjTimelineSignal({ handles: [1], points: [0], countHandles: 1 });
      assert.equal(errnoOf(r), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-signal-one-illegal-handle',
    what: 'TIMELINE_SIGNAL of {ok, 0, ok}: ENOENT',
    run: async (e) => {
      const a = await e.syncobj();
      const r = await e.c.syncobjTimelineSignal({
        handles: [a, 0, a],
        points: [1, 1, 1],
        countHandles: 3,
      });
      assert.equal(errnoOf(r), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-signal-bad-pad',
    what: 'TIMELINE_SIGNAL with flags 0xdeadbeef: EINVAL',
    run: async (e) => {
      const a = await e.syncobj();
      const r = await e.c.syncobjTimelineSignal({
        handles: [a],
        points: [1],
        countHandles: 1,
        flags: 0xdeadbeef,
      });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'signal-array',
    what: 'TIMELINE_SIGNAL of four syncobjs at {1,1,1,0}: TIMELINE_WAIT on the first three at 1, WAIT on the fourth',
    run: async (e) => {
      const hs = [await e.syncobj(), await e.syncobj(), await e.syncobj(), await e.syncobj()];
      unwrap(
        await e.c.syncobjTimelineSignal({ handles: hs, points: [1, 1, 1, 0], countHandles: 4 }),
        'TIMELINE_SIGNAL',
      );
      assert.equal(errnoOf(await twait(e, hs.slice(0, 3), [1, 1, 1])), 0);
      assert.equal(errnoOf(await wait(e, [hs[3] as number])), 0);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-transfer-illegal-handle',
    what: 'TRANSFER between handles that are garbage: ENOENT',
    run: async (e) => {
      const r = await e.c.syncobjTransfer({ srcHandle: 0x7ffd_1234, dstHandle: 0x7ffd_5678 });
      assert.equal(errnoOf(r), ENOENT);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-transfer-bad-pad',
    what: 'TRANSFER with pad 0xdeadbeef: EINVAL',
    run: async (e) => {
      const so = await e.syncobj(1);
      const r = await e.c.syncobjTransfer({ srcHandle: so, dstHandle: so, pad: 0xdeadbeef });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'invalid-transfer-non-existent-point',
    what: 'point 63 signalled, TRANSFER 63 to 74 on the same handle: 0',
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 63);
      const r = await e.c.syncobjTransfer({
        srcHandle: so,
        dstHandle: so,
        srcPoint: 63,
        dstPoint: 74,
      });
      assert.equal(errnoOf(r), 0);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'transfer-timeline-point',
    what: 'a pending binary fence moved to point 1 (QUERY 0, wait ETIME), then signalled (QUERY 1); point 2 moved to 3 (QUERY 3)',
    run: async (e) => {
      const bin = await e.syncobj();
      const tl = await e.syncobj();
      assert.equal(await e.job(bin, 20 * MS), 0);
      unwrap(await e.c.syncobjTransfer({ srcHandle: bin, dstHandle: tl, dstPoint: 1 }), 'TRANSFER');
      assert.equal(await query(e, tl), 0);
      assert.equal(errnoOf(await twait(e, [tl], [1], ALL)), ETIME);
      unwrap(await e.c.wait(bin, 1 * S), 'the job');
      assert.equal(await query(e, tl), 1);
      assert.equal(errnoOf(await twait(e, [tl], [1], ALL)), 0);
      await tsignal(e, tl, 2);
      unwrap(
        await e.c.syncobjTransfer({ srcHandle: tl, dstHandle: tl, srcPoint: 2, dstPoint: 3 }),
        'TRANSFER',
      );
      assert.equal(await query(e, tl), 3);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'signal-point-0',
    what: 'TIMELINE_SIGNAL at point 0: TIMELINE_WAIT at 0 and WAIT with WAIT_FOR_SUBMIT succeed',
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 0);
      assert.equal(errnoOf(await twait(e, [so], [0])), 0);
      assert.equal(errnoOf(await wait(e, [so], FOR_SUBMIT)), 0);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'host-signal-points',
    what: '100 host signals at increasing points: QUERY follows, waits on the point and the one below succeed',
    run: async (e) => {
      const so = await e.syncobj();
      const rng = e.k.scenarioRng;
      let value = 0;
      for (let i = 0; i < 100; i++) {
        value += rng.range(1, 1000);
        await tsignal(e, so, value);
        assert.equal(await query(e, so), value);
        assert.equal(errnoOf(await twait(e, [so], [value])), 0);
        assert.equal(errnoOf(await twait(e, [so], [value - 1])), 0);
      }
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'device-signal-unordered',
    what: 'points 1..5 from fences that signal in the order 1, 3, 2, 5, 4: QUERY never decreases and covers the signalled prefix',
    dirty: true,
    run: async (e) => {
      const tl = await e.syncobj();
      const doneAt = [10, 30, 20, 50, 40].map((ms) => ms * MS);
      for (let p = 1; p <= 5; p++) {
        const bin = await e.syncobj();
        assert.equal(await e.job(bin, doneAt[p - 1] as number, 0, [], e.c, p), 0);
        unwrap(
          await e.c.syncobjTransfer({ srcHandle: bin, dstHandle: tl, dstPoint: p }),
          'TRANSFER',
        );
      }
      let last = 0;
      const t0 = e.k.nowNs;
      for (let i = 0; i < 80; i++) {
        await e.k.sleep(1 * MS);
        const q = await query(e, tl);
        let prefix = 0;
        while (prefix < 5 && e.k.nowNs - t0 > (doneAt[prefix] as number) + 5 * MS) prefix++;
        assert.ok(q >= last, `QUERY went back from ${last} to ${q}`);
        assert.ok(q >= prefix, `QUERY ${q} below the signalled prefix ${prefix}`);
        if (q > 0) assert.equal(errnoOf(await twait(e, [tl], [q])), 0);
        last = q;
      }
      assert.equal(last, 5);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'device-submit-unordered',
    what: 'points 1, 5, 3, 6, 7 added in that order, signalled in order: after the first three, QUERY is 5',
    dirty: true,
    run: async (e) => {
      const tl = await e.syncobj();
      const points = [1, 5, 3, 6, 7];
      for (let i = 0; i < points.length; i++) {
        const bin = await e.syncobj();
        assert.equal(await e.job(bin, (i + 1) * 10 * MS, 0, [], e.c, i + 1), 0);
        unwrap(
          await e.c.syncobjTransfer({
            srcHandle: bin,
            dstHandle: tl,
            dstPoint: points[i] as number,
          }),
          'TRANSFER',
        );
      }
      await e.k.sleep(35 * MS);
      assert.equal(await query(e, tl), 5, 'point 3 came after 5: a new run at seqno 5');
      assert.equal(errnoOf(await twait(e, [tl], [5])), 0);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: 'host-signal-ordered',
    what: 'points 1..5 from fences, 1..3 signalled (QUERY 3); a host signal at 8 leaves QUERY at 3; the rest signal: 8',
    run: async (e) => {
      const tl = await e.syncobj();
      for (let p = 1; p <= 5; p++) {
        const bin = await e.syncobj();
        assert.equal(await e.job(bin, p <= 3 ? p * MS : 50 * MS, 0, [], e.c, p), 0);
        unwrap(
          await e.c.syncobjTransfer({ srcHandle: bin, dstHandle: tl, dstPoint: p }),
          'TRANSFER',
        );
      }
      await e.k.sleep(10 * MS);
      assert.equal(await query(e, tl), 3);
      await tsignal(e, tl, 8);
      assert.equal(await query(e, tl), 3);
      unwrap(await e.c.wait(tl, 1 * S, 8), 'the rest');
      assert.equal(await query(e, tl), 8);
    },
  },
  {
    test: 'syncobj_timeline',
    subtest: '32bits-limit',
    what: 'points 1, 5, 2^31+4, 2^31+5, 2^32-2 signalled in order: QUERY never decreases (64-bit seqnos)',
    dirty: true,
    run: async (e) => {
      const tl = await e.syncobj();
      const points = [1, 5, 2 ** 31 + 4, 2 ** 31 + 5, 2 ** 32 - 2];
      for (let i = 0; i < points.length; i++) {
        const bin = await e.syncobj();
        assert.equal(await e.job(bin, (i + 1) * 5 * MS, 0, [], e.c, 1), 0);
        unwrap(
          await e.c.syncobjTransfer({
            srcHandle: bin,
            dstHandle: tl,
            dstPoint: points[i] as number,
          }),
          'TRANSFER',
        );
      }
      let last = 0;
      // The jobs run one after the other on one lane: 75 ms in all.
      for (let i = 0; i < 100; i++) {
        await e.k.sleep(1 * MS);
        const q = await query(e, tl);
        assert.ok(q >= last, `QUERY went back from ${last} to ${q}`);
        last = q;
      }
      assert.equal(last, 2 ** 32 - 2);
      assert.equal(await query(e, tl, SyncobjQueryFlags.LAST_SUBMITTED), 2 ** 32 - 2);
    },
  },
];

export const SYNCOBJ_TIMELINE: IgtCase[] = [
  ...shared('syncobj_timeline', 1),
  ...TIMELINE_FIXED,
  ...TIMELINE_MATRIX.map(
    (c): IgtCase => ({
      test: 'syncobj_timeline',
      subtest: c.name,
      what: `generated matrix (points {r,0,r,r,0} for multi): ${c.expect === 0 ? '0' : c.expect === ETIME ? 'ETIME' : 'EINVAL'}`,
      dirty: true,
      run: (e) => matrix(e, c, TIMELINE_POINTS, true),
    }),
  ),
];
