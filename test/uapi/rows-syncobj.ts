/**
 * Audit rows of the syncobj ioctls (drivers/gpu/drm/drm_syncobj.c), in the kernel's check
 * order per ioctl.
 */
import {
  DriverFeature,
  SyncobjCreateFlags,
  SyncobjFdToHandleFlags,
  SyncobjHandleToFdFlags,
  SyncobjQueryFlags,
  SyncobjWaitFlags,
  UINT64_MAX,
} from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { sendFd } from '../../src/kernel/fdtable.js';
import { streams } from '../../src/userspace/umd.js';
import { assert, type Env, errnoOf, MS, type Row, S, signalOp, unwrap } from './env.js';

const { EINVAL, ENOENT, EFAULT, ENOMEM, EOPNOTSUPP, ETIME, EMFILE } = Errno;
const F = 'drm_syncobj.c';

const ALL = SyncobjWaitFlags.WAIT_ALL;
const FOR_SUBMIT = SyncobjWaitFlags.WAIT_FOR_SUBMIT;
const AVAILABLE = SyncobjWaitFlags.WAIT_AVAILABLE;

/** Clears a driver feature for the rest of the row. */
function without(e: Env, feature: number): void {
  e.dev.drm.driverFeatures &= ~feature;
}

function wait(e: Env, handles: number[], flags = 0, timeoutNsec: number | bigint = 0) {
  return e.c.syncobjWait({ handles, countHandles: handles.length, timeoutNsec, flags });
}

function twait(
  e: Env,
  handles: number[],
  points: number[] | null,
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

async function query(e: Env, so: number, flags = 0): Promise<number> {
  return unwrap(await e.c.queryPoint(so, flags), 'QUERY');
}

export const SYNCOBJ_ROWS: Row[] = [
  // ---- CREATE ----
  {
    id: 'SO-CREATE-1',
    ioctl: 'SYNCOBJ_CREATE',
    check: 'driver without DRIVER_SYNCOBJ (checked before the flags)',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_create_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await e.c.syncobjCreate(0xdeadbeef)), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-CREATE-2',
    ioctl: 'SYNCOBJ_CREATE',
    check: 'flags other than CREATE_SIGNALED',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_create_ioctl`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjCreate(0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjCreate(2)), EINVAL);
    },
  },
  {
    id: 'SO-CREATE-3',
    ioctl: 'SYNCOBJ_CREATE',
    check: 'handle written back: the lowest free id from 1, reused after DESTROY',
    errno: 'WB handle',
    kernel: `${F} drm_syncobj_get_handle (idr_alloc(.., 1, 0))`,
    run: async (e) => {
      const a = await e.syncobj();
      const b = await e.syncobj();
      assert.deepEqual([a, b], [1, 2]);
      unwrap(await e.c.syncobjDestroy(a), 'DESTROY');
      assert.equal(await e.syncobj(), 1, 'the freed id comes back');
    },
  },
  {
    id: 'SO-CREATE-4',
    ioctl: 'SYNCOBJ_CREATE',
    check: 'CREATE_SIGNALED: a signalled private stub; no flag: no fence (waits are EINVAL)',
    errno: '0',
    kernel: `${F} drm_syncobj_create, drm_syncobj_assign_null_handle`,
    run: async (e) => {
      const s = await e.syncobj(SyncobjCreateFlags.SIGNALED);
      const u = await e.syncobj();
      assert.equal(errnoOf(await wait(e, [s])), 0);
      assert.equal(errnoOf(await wait(e, [u])), EINVAL);
      assert.equal(unwrap(await e.c.fenceStatus(s), 'status'), 1);
    },
  },
  // ---- DESTROY ----
  {
    id: 'SO-DESTROY-1',
    ioctl: 'SYNCOBJ_DESTROY',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_destroy_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await e.c.syncobjDestroy(so, 1)), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-DESTROY-2',
    ioctl: 'SYNCOBJ_DESTROY',
    check: 'pad not zero (the handle stays)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_destroy_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjDestroy(so, 0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjDestroy(so)), 0, 'still there');
    },
  },
  {
    id: 'SO-DESTROY-3',
    ioctl: 'SYNCOBJ_DESTROY',
    check: 'unknown handle (idr_remove finds nothing): EINVAL, not ENOENT',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_destroy`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjDestroy(0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjDestroy(0)), EINVAL);
    },
  },
  {
    id: 'SO-DESTROY-4',
    ioctl: 'SYNCOBJ_DESTROY',
    check: 'drops the handle only: an exported fd and other handles keep the syncobj',
    errno: '0',
    kernel: `${F} drm_syncobj_destroy (drm_syncobj_put)`,
    run: async (e) => {
      const so = await e.syncobj(SyncobjCreateFlags.SIGNALED);
      const fd = unwrap(await e.c.exportSyncobj(so), 'export');
      unwrap(await e.c.syncobjDestroy(so), 'DESTROY');
      const h = unwrap(await e.c.importSyncobj(fd), 'import');
      assert.equal(errnoOf(await wait(e, [h])), 0, 'the same signalled syncobj');
    },
  },
  // ---- HANDLE_TO_FD ----
  {
    id: 'SO-H2FD-1',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_handle_to_fd_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: 1, pad: 1 })), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-H2FD-2',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_handle_to_fd_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, pad: 0xdeadbeef })), EINVAL);
    },
  },
  {
    id: 'SO-H2FD-3',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'flags outside TIMELINE | EXPORT_SYNC_FILE',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_handle_to_fd_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, flags: 0xdeadbeef })), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, flags: 4 })), EINVAL);
    },
  },
  {
    id: 'SO-H2FD-4',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: '`point` is read only with the TIMELINE flag (garbage there is ignored)',
    errno: '0',
    kernel: `${F} drm_syncobj_handle_to_fd_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, point: 77 })), 0);
    },
  },
  {
    id: 'SO-H2FD-5',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'plain export with TIMELINE and a point (only a sync_file has points)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_handle_to_fd_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      const flags = SyncobjHandleToFdFlags.TIMELINE;
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, flags, point: 1 })), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: so, flags, point: 0 })), 0);
    },
  },
  {
    id: 'SO-H2FD-6',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'plain export of an unknown handle: EINVAL, not ENOENT',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_handle_to_fd`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjHandleToFd({ handle: 0xdeadbeef })), EINVAL);
    },
  },
  {
    id: 'SO-H2FD-7',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'EXPORT_SYNC_FILE of an unknown handle',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_export_sync_file, drm_syncobj_find_fence`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.exportSyncFile(0xdeadbeef)), ENOENT);
    },
  },
  {
    id: 'SO-H2FD-8',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'EXPORT_SYNC_FILE with no fence: EINVAL, and the reserved fd is given back',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_export_sync_file (put_unused_fd)`,
    run: async (e) => {
      const so = await e.syncobj();
      const before = e.c.proc.files.openCount;
      assert.equal(errnoOf(await e.c.exportSyncFile(so)), EINVAL);
      assert.equal(e.c.proc.files.openCount, before);
      const fd = unwrap(await e.c.exportSyncobj(so), 'plain export');
      assert.equal(fd, 4, 'the fd after the DRM file (3) was not kept');
    },
  },
  {
    id: 'SO-H2FD-9',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'EXPORT_SYNC_FILE of a timeline point not submitted yet',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_find_fence, dma_fence_chain_find_seqno`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 2);
      assert.equal(errnoOf(await e.c.exportSyncFile(so, 3)), EINVAL);
      assert.equal(errnoOf(await e.c.exportSyncFile(so, 2)), 0);
    },
  },
  {
    id: 'SO-H2FD-10',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'EXPORT_SYNC_FILE of a point already signalled and collected: the signalled stub',
    errno: '0 (status 1)',
    kernel: `${F} drm_syncobj_find_fence (dma_fence_get_stub)`,
    run: async (e) => {
      const so = await e.syncobj();
      for (const p of [1, 2, 3]) await tsignal(e, so, p);
      assert.equal(unwrap(await e.c.fenceStatus(so, 1), 'point 1'), 1);
    },
  },
  {
    id: 'SO-H2FD-11',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'the process has no free fd (RLIMIT_NOFILE)',
    errno: 'EMFILE',
    kernel: `${F} drm_syncobj_get_fd (get_unused_fd_flags)`,
    run: async (e) => {
      const so = await e.syncobj(SyncobjCreateFlags.SIGNALED);
      while (e.c.proc.files.openCount < e.c.proc.files.limit) e.c.proc.openNull();
      assert.equal(errnoOf(await e.c.exportSyncobj(so)), EMFILE);
      assert.equal(errnoOf(await e.c.exportSyncFile(so)), EMFILE);
    },
  },
  {
    id: 'SO-H2FD-12',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: '`fd` written back: the lowest free fd of the calling process',
    errno: 'WB fd',
    kernel: `${F} drm_syncobj_get_fd`,
    run: async (e) => {
      const so = await e.syncobj();
      const r = unwrap(await e.c.syncobjHandleToFd({ handle: so, fd: -1 }), 'export');
      assert.equal(r.fd, 4);
      await e.c.proc.close(4);
      assert.equal(unwrap(await e.c.exportSyncobj(so), 'again'), 4, 'reused');
    },
  },
  {
    id: 'SO-H2FD-13',
    ioctl: 'SYNCOBJ_HANDLE_TO_FD',
    check: 'a sync_file is a snapshot: RESET or SIGNAL of the syncobj later does not change it',
    errno: '0',
    kernel: `${F} drm_syncobj_export_sync_file (sync_file_create)`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * S), 0);
      const fd = unwrap(await e.c.exportSyncFile(so), 'export');
      unwrap(await e.c.signal(so), 'SIGNAL');
      const h = await e.syncobj();
      unwrap(await e.c.importSyncFile(h, fd), 'import');
      assert.equal(errnoOf(await wait(e, [h])), ETIME, 'still the pending job fence');
    },
  },
  // ---- FD_TO_HANDLE ----
  {
    id: 'SO-FD2H-1',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_fd_to_handle_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: -1, pad: 1 })), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-FD2H-2',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle_ioctl`,
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncobj(await e.syncobj()), 'export');
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd, pad: 0xdeadbeef })), EINVAL);
    },
  },
  {
    id: 'SO-FD2H-3',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'flags outside TIMELINE | IMPORT_SYNC_FILE',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle_ioctl`,
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncobj(await e.syncobj()), 'export');
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd, flags: 0xdeadbeef })), EINVAL);
    },
  },
  {
    id: 'SO-FD2H-4',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'plain import with TIMELINE and a point',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle_ioctl`,
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncobj(await e.syncobj()), 'export');
      const flags = SyncobjFdToHandleFlags.TIMELINE;
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd, flags, point: 5 })), EINVAL);
    },
  },
  {
    id: 'SO-FD2H-5',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'plain import of a bad fd (-1)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle (fd_empty)`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: -1 })), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: 99 })), EINVAL);
    },
  },
  {
    id: 'SO-FD2H-6',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'plain import of an fd that is not a syncobj (the DRM fd, a sync_file, /dev/null)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle (f_op != &drm_syncobj_file_fops)`,
    run: async (e) => {
      const sf = unwrap(await e.c.exportSyncFile(await e.syncobj(1)), 'sync_file');
      for (const fd of [e.c.fd, sf, e.c.proc.openNull()])
        assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd })), EINVAL, `fd ${fd}`);
    },
  },
  {
    id: 'SO-FD2H-7',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'handle written back: a new handle per import (no de-duplication)',
    errno: 'WB handle',
    kernel: `${F} drm_syncobj_fd_to_handle`,
    run: async (e) => {
      const so = await e.syncobj();
      const fd = unwrap(await e.c.exportSyncobj(so), 'export');
      const a = unwrap(await e.c.importSyncobj(fd), 'import');
      const b = unwrap(await e.c.importSyncobj(fd), 'import');
      assert.deepEqual([a, b], [2, 3]);
    },
  },
  {
    id: 'SO-FD2H-8',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'IMPORT_SYNC_FILE of an fd that is not a sync_file (checked before the handle)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_import_sync_file_fence (sync_file_get_fence)`,
    run: async (e) => {
      const flags = SyncobjFdToHandleFlags.IMPORT_SYNC_FILE;
      const sfd = unwrap(await e.c.exportSyncobj(await e.syncobj()), 'syncobj fd');
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: sfd, handle: 999, flags })), EINVAL);
      assert.equal(errnoOf(await e.c.syncobjFdToHandle({ fd: -1, handle: 999, flags })), EINVAL);
    },
  },
  {
    id: 'SO-FD2H-9',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'IMPORT_SYNC_FILE into an unknown handle',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_import_sync_file_fence`,
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncFile(await e.syncobj(1)), 'sync_file');
      assert.equal(errnoOf(await e.c.importSyncFile(999, fd)), ENOENT);
    },
  },
  {
    id: 'SO-FD2H-10',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: 'IMPORT_SYNC_FILE: point 0 replaces the fence, a point adds a timeline point',
    errno: '0',
    kernel: `${F} drm_syncobj_import_sync_file_fence (replace_fence / add_point)`,
    run: async (e) => {
      const fd = unwrap(await e.c.exportSyncFile(await e.syncobj(1)), 'sync_file');
      const a = await e.syncobj();
      unwrap(await e.c.importSyncFile(a, fd), 'import');
      assert.equal(errnoOf(await wait(e, [a])), 0);
      assert.equal(await query(e, a), 0, 'a binary fence');
      const t = await e.syncobj();
      unwrap(await e.c.importSyncFile(t, fd, 5), 'import at 5');
      assert.equal(await query(e, t), 5);
    },
  },
  {
    id: 'SO-FD2H-11',
    ioctl: 'SYNCOBJ_FD_TO_HANDLE',
    check: "an fd is the calling process's: another process must receive it first (SCM_RIGHTS)",
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_fd_to_handle (fdget in current's table)`,
    run: async (e) => {
      const b = e.other();
      const fd = unwrap(await e.c.exportSyncobj(await e.syncobj(1)), 'export');
      const theirs = errnoOf(await b.syncobjFdToHandle({ fd }));
      assert.equal(theirs, EINVAL, 'fd 4 is nothing (or something else) in the other process');
      const passed = sendFd(e.c.proc, fd, b.proc);
      assert.equal(errnoOf(await b.syncobjFdToHandle({ fd: passed })), 0);
    },
  },
  // ---- WAIT ----
  {
    id: 'SO-WAIT-1',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_wait_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await wait(e, [], 0xdeadbeef)), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-WAIT-2',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'flags outside WAIT_ALL | WAIT_FOR_SUBMIT | WAIT_DEADLINE (WAIT_AVAILABLE too)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_wait_ioctl`,
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await wait(e, [so], 0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await wait(e, [so], AVAILABLE)), EINVAL);
      assert.equal(errnoOf(await wait(e, [so], SyncobjWaitFlags.WAIT_DEADLINE)), 0);
    },
  },
  {
    id: 'SO-WAIT-3',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'count_handles 0: nothing to wait for (current kernels; older ones said EINVAL)',
    errno: '0',
    kernel: `${F} drm_syncobj_wait_ioctl`,
    run: async (e) => {
      const r = await e.c.syncobjWait({ handles: null, countHandles: 0, timeoutNsec: 0, flags: 0 });
      assert.equal(errnoOf(r), 0);
    },
  },
  {
    id: 'SO-WAIT-4',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'handles pointer NULL or too short for count_handles',
    errno: 'EFAULT',
    kernel: `${F} drm_syncobj_array_find (copy_from_user)`,
    run: async (e) => {
      const so = await e.syncobj(1);
      const a = { countHandles: 2, timeoutNsec: 0, flags: 0 };
      assert.equal(errnoOf(await e.c.syncobjWait({ ...a, handles: null })), EFAULT);
      assert.equal(errnoOf(await e.c.syncobjWait({ ...a, handles: [so] })), EFAULT);
    },
  },
  {
    id: 'SO-WAIT-5',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'an unknown handle among them (handle 0 too)',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_array_find`,
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await wait(e, [0])), ENOENT);
      assert.equal(errnoOf(await wait(e, [so, 77])), ENOENT);
    },
  },
  {
    id: 'SO-WAIT-6',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'a count kmalloc_array cannot hold',
    errno: 'ENOMEM',
    kernel: `${F} drm_syncobj_array_find (kmalloc_array)`,
    run: async (e) => {
      const r = await e.c.syncobjWait({
        handles: [1],
        countHandles: 0xffff_ffff,
        timeoutNsec: 0,
        flags: 0,
      });
      assert.equal(errnoOf(r), ENOMEM);
    },
  },
  {
    id: 'SO-WAIT-7',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'one syncobj without a fence fails the whole wait, even with others signalled',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_array_wait_timeout (first pass)`,
    run: async (e) => {
      const s = await e.syncobj(1);
      const u = await e.syncobj();
      assert.equal(errnoOf(await wait(e, [s, u])), EINVAL);
      assert.equal(errnoOf(await wait(e, [s, u], 0, e.at(100 * MS))), EINVAL, 'any timeout');
    },
  },
  {
    id: 'SO-WAIT-8',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'WAIT_FOR_SUBMIT on a syncobj without a fence: waits for one (a poll is ETIME)',
    errno: 'ETIME',
    kernel: `${F} drm_syncobj_array_wait_timeout`,
    run: async (e) => {
      const u = await e.syncobj();
      assert.equal(errnoOf(await wait(e, [u], FOR_SUBMIT)), ETIME);
      e.sys.spawn('signaller', async () => {
        await e.k.sleep(10 * MS);
        await e.c.signal(u);
      });
      assert.equal(errnoOf(await wait(e, [u], FOR_SUBMIT, e.at(100 * MS))), 0);
    },
  },
  {
    id: 'SO-WAIT-9',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'timeout 0 polls: a pending fence is ETIME at once',
    errno: 'ETIME',
    kernel: `${F} drm_timeout_abs_to_jiffies`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * S), 0);
      const t0 = e.k.nowNs;
      assert.equal(errnoOf(await wait(e, [so], 0, 0)), ETIME);
      assert.equal(e.k.nowNs, t0);
    },
  },
  {
    id: 'SO-WAIT-10',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'a timeout not after now (a past time, -1, UINT64_MAX as s64) is a poll too',
    errno: 'ETIME',
    kernel: `${F} drm_timeout_abs_to_jiffies (!ktime_after)`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * S), 0);
      await e.k.sleep(1 * MS);
      for (const t of [1, e.k.nowNs, -1, UINT64_MAX]) {
        const t0 = e.k.nowNs;
        assert.equal(errnoOf(await wait(e, [so], 0, t)), ETIME, `timeout ${t}`);
        assert.equal(e.k.nowNs, t0, 'no sleep');
      }
    },
  },
  {
    id: 'SO-WAIT-11',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'the timeout is absolute: ETIME when the clock reaches it',
    errno: 'ETIME',
    kernel: `${F} drm_syncobj_array_wait_timeout`,
    model: 'ns exact: the kernel rounds to jiffies and adds one, so may return up to a tick later',
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * S), 0);
      const deadline = e.at(20 * MS);
      assert.equal(errnoOf(await wait(e, [so], 0, deadline)), ETIME);
      assert.equal(e.k.nowNs, deadline);
    },
  },
  {
    id: 'SO-WAIT-12',
    ioctl: 'SYNCOBJ_WAIT',
    check:
      'first_signaled: not written on a failed wait; with WAIT_ALL the first index signalled at entry, else 0xffffffff',
    errno: 'WB first_signaled (on success)',
    kernel: `${F} drm_syncobj_array_wait`,
    dirty: true,
    run: async (e) => {
      const s = await e.syncobj(1);
      const p = await e.syncobj();
      assert.equal(await e.job(p, 5 * MS), 0);
      const failed = { handles: [p], countHandles: 1, timeoutNsec: 0, flags: 0, firstSignaled: 77 };
      assert.equal(errnoOf(await e.c.syncobjWait(failed)), ETIME);
      assert.equal(failed.firstSignaled, 77, "the user's value comes back");
      const all = { handles: [p, s], countHandles: 2, timeoutNsec: e.at(S), flags: ALL };
      assert.equal(unwrap(await e.c.syncobjWait(all), 'WAIT_ALL').firstSignaled, 1);
      const q = await e.syncobj();
      assert.equal(await e.job(q, 5 * MS), 0);
      const none = { handles: [q], countHandles: 1, timeoutNsec: e.at(S), flags: ALL };
      assert.equal(unwrap(await e.c.syncobjWait(none), 'WAIT_ALL').firstSignaled, 0xffff_ffff);
    },
  },
  {
    id: 'SO-WAIT-13',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'any-mode first_signaled: the lowest index signalled when the waiter looks',
    errno: 'WB first_signaled',
    kernel: `${F} drm_syncobj_array_wait_timeout`,
    dirty: true,
    run: async (e) => {
      const slow = await e.syncobj();
      const fast = await e.syncobj();
      assert.equal(await e.job(slow, 1 * S), 0);
      unwrap(
        await e.c.syncobjTimelineSignal({ handles: [fast], points: [1], countHandles: 1 }),
        'TS',
      );
      unwrap(await e.c.reset(fast), 'RESET');
      e.sys.spawn('signaller', async () => {
        await e.k.sleep(5 * MS);
        await e.c.signal(fast);
      });
      const w = unwrap(await wait(e, [slow, fast], FOR_SUBMIT, e.at(S)), 'WAIT');
      assert.equal(w.firstSignaled, 1);
      unwrap(await e.c.signal(slow), 'SIGNAL');
      assert.equal(unwrap(await wait(e, [slow, fast]), 'WAIT').firstSignaled, 0, 'lowest');
    },
  },
  {
    id: 'SO-WAIT-14',
    ioctl: 'SYNCOBJ_WAIT',
    check:
      'a fence signalled with an error counts as signalled (the error is in the sync_file status)',
    errno: '0',
    kernel: `${F} drm_syncobj_array_wait_timeout (dma_fence_is_signaled)`,
    dirty: true,
    run: async (e) => {
      const g = await e.jobGroup();
      const so = await e.syncobj();
      const words = streams.fatal().words();
      unwrap(g.cmd.map.writeWords(0x800, words), 'stream');
      unwrap(
        await e.c.submit(g.group, 0, g.cmd.va + 0x800, words.length * 4, [signalOp(so)]),
        'GROUP_SUBMIT',
      );
      assert.equal(errnoOf(await wait(e, [so], 0, e.at(S))), 0);
      assert.equal(unwrap(await e.c.fenceStatus(so), 'status'), -EINVAL);
    },
  },
  {
    id: 'SO-WAIT-15',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'pad is not checked',
    errno: '0',
    kernel: `${F} drm_syncobj_wait_ioctl`,
    run: async (e) => {
      const so = await e.syncobj(1);
      const r = await e.c.syncobjWait({
        handles: [so],
        countHandles: 1,
        timeoutNsec: 0,
        flags: 0,
        pad: 0xdeadbeef,
      });
      assert.equal(errnoOf(r), 0);
    },
  },
  {
    id: 'SO-WAIT-16',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'snapshot: a fence picked up by a waiter stays its fence through RESET and replacement',
    errno: '0',
    kernel: `${F} syncobj_wait_syncobj_func, drm_syncobj_array_wait_timeout`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 20 * MS), 0);
      e.sys.spawn('meddler', async () => {
        await e.k.sleep(1 * MS);
        await e.c.reset(so);
        await e.job(so, 10 * S);
      });
      assert.equal(errnoOf(await wait(e, [so], 0, e.at(100 * MS))), 0, 'the first job');
    },
  },
  {
    id: 'SO-WAIT-17',
    ioctl: 'SYNCOBJ_WAIT',
    check: 'WAIT_DEADLINE: deadline_nsec is read only with the flag, and is a hint',
    errno: '0',
    kernel: `${F} drm_syncobj_wait_ioctl (dma_fence_set_deadline)`,
    model: "the deadline hint has no effect on the model's signallers",
    run: async (e) => {
      const so = await e.syncobj(1);
      const r = await e.c.syncobjWait({
        handles: [so],
        countHandles: 1,
        timeoutNsec: 0,
        flags: SyncobjWaitFlags.WAIT_DEADLINE,
        deadlineNsec: 1,
      });
      assert.equal(errnoOf(r), 0);
    },
  },
  // ---- TIMELINE_WAIT ----
  {
    id: 'SO-TWAIT-1',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'driver without DRIVER_SYNCOBJ_TIMELINE',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_timeline_wait_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ_TIMELINE);
      assert.equal(errnoOf(await twait(e, [], null, 0xdeadbeef)), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-TWAIT-2',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'flags outside WAIT_ALL | WAIT_FOR_SUBMIT | WAIT_AVAILABLE | WAIT_DEADLINE',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_timeline_wait_ioctl`,
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await twait(e, [so], [0], 0xdeadbeef)), EINVAL);
      assert.equal(errnoOf(await twait(e, [so], [0], AVAILABLE)), 0);
    },
  },
  {
    id: 'SO-TWAIT-3',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'count_handles 0',
    errno: '0',
    kernel: `${F} drm_syncobj_timeline_wait_ioctl`,
    run: async (e) => {
      assert.equal(errnoOf(await twait(e, [], null)), 0);
    },
  },
  {
    id: 'SO-TWAIT-4',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'points pointer NULL: every point is 0',
    errno: '0',
    kernel: `${F} drm_syncobj_array_wait_timeout (!user_points)`,
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await twait(e, [so], null)), 0);
    },
  },
  {
    id: 'SO-TWAIT-5',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'points array shorter than count_handles (after the handle lookups)',
    errno: 'EFAULT',
    kernel: `${F} drm_syncobj_array_wait_timeout (copy_from_user)`,
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await twait(e, [so, so], [0])), EFAULT);
      assert.equal(errnoOf(await twait(e, [so, 99], [0])), ENOENT, 'the lookup comes first');
    },
  },
  {
    id: 'SO-TWAIT-6',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'a point not submitted yet (without WAIT_FOR_SUBMIT / WAIT_AVAILABLE)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_array_wait_timeout, dma_fence_chain_find_seqno`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 3);
      assert.equal(errnoOf(await twait(e, [so], [4])), EINVAL);
      assert.equal(errnoOf(await twait(e, [so], [4], FOR_SUBMIT)), ETIME);
      assert.equal(errnoOf(await twait(e, [so], [2])), 0, 'an earlier point of the run');
    },
  },
  {
    id: 'SO-TWAIT-7',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'WAIT_AVAILABLE: done once the point has a fence, signalled or not',
    errno: '0',
    kernel: `${F} drm_syncobj_array_wait_timeout (WAIT_AVAILABLE)`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      e.sys.spawn('submitter', async () => {
        await e.k.sleep(5 * MS);
        await e.job(so, 1 * S, 1);
      });
      assert.equal(errnoOf(await twait(e, [so], [1], AVAILABLE, e.at(100 * MS))), 0);
      assert.equal(errnoOf(await twait(e, [so], [1], 0, 0)), ETIME, 'not signalled');
    },
  },
  {
    id: 'SO-TWAIT-8',
    ioctl: 'SYNCOBJ_TIMELINE_WAIT',
    check: 'a binary (non-chain) fence with a point > 0 counts as not submitted',
    errno: 'EINVAL',
    kernel: 'dma-fence-chain.c dma_fence_chain_find_seqno',
    run: async (e) => {
      const so = await e.syncobj(1);
      assert.equal(errnoOf(await twait(e, [so], [1])), EINVAL);
    },
  },
  // ---- RESET ----
  {
    id: 'SO-RESET-1',
    ioctl: 'SYNCOBJ_RESET',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_reset_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(
        errnoOf(await e.c.syncobjReset({ handles: null, countHandles: 0, pad: 1 })),
        EOPNOTSUPP,
      );
    },
  },
  {
    id: 'SO-RESET-2',
    ioctl: 'SYNCOBJ_RESET',
    check: 'pad not zero (checked before the handles)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_reset_ioctl`,
    run: async (e) => {
      assert.equal(
        errnoOf(await e.c.syncobjReset({ handles: [99], countHandles: 1, pad: 0xdeadbeef })),
        EINVAL,
      );
    },
  },
  {
    id: 'SO-RESET-3',
    ioctl: 'SYNCOBJ_RESET',
    check: 'count_handles 0',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_reset_ioctl`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.reset()), EINVAL);
    },
  },
  {
    id: 'SO-RESET-4',
    ioctl: 'SYNCOBJ_RESET',
    check: 'one unknown handle: ENOENT and nothing is reset',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_array_find`,
    run: async (e) => {
      const a = await e.syncobj(1);
      const b = await e.syncobj(1);
      assert.equal(errnoOf(await e.c.reset(a, 0, b)), ENOENT);
      assert.equal(errnoOf(await wait(e, [a, b], ALL)), 0);
    },
  },
  {
    id: 'SO-RESET-5',
    ioctl: 'SYNCOBJ_RESET',
    check: 'the fence becomes NULL; a timeline loses its whole chain',
    errno: '0',
    kernel: `${F} drm_syncobj_reset_ioctl (drm_syncobj_replace_fence(NULL))`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 3);
      unwrap(await e.c.reset(so), 'RESET');
      assert.equal(await query(e, so), 0);
      assert.equal(errnoOf(await twait(e, [so], [1])), EINVAL);
    },
  },
  // ---- SIGNAL ----
  {
    id: 'SO-SIGNAL-1',
    ioctl: 'SYNCOBJ_SIGNAL',
    check: 'driver without DRIVER_SYNCOBJ',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_signal_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ);
      assert.equal(errnoOf(await e.c.signal()), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-SIGNAL-2',
    ioctl: 'SYNCOBJ_SIGNAL',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_signal_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(
        errnoOf(await e.c.syncobjSignal({ handles: [so], countHandles: 1, pad: 0xdeadbeef })),
        EINVAL,
      );
    },
  },
  {
    id: 'SO-SIGNAL-3',
    ioctl: 'SYNCOBJ_SIGNAL',
    check: 'count_handles 0',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_signal_ioctl`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.signal()), EINVAL);
    },
  },
  {
    id: 'SO-SIGNAL-4',
    ioctl: 'SYNCOBJ_SIGNAL',
    check: 'one unknown handle: ENOENT and nothing is signalled',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_array_find`,
    run: async (e) => {
      const a = await e.syncobj();
      const b = await e.syncobj();
      assert.equal(errnoOf(await e.c.signal(a, 0, b)), ENOENT);
      assert.equal(errnoOf(await wait(e, [a])), EINVAL, 'still no fence');
    },
  },
  {
    id: 'SO-SIGNAL-5',
    ioctl: 'SYNCOBJ_SIGNAL',
    check: 'a new signalled stub replaces the fence; a timeline becomes binary (QUERY 0)',
    errno: '0',
    kernel: `${F} drm_syncobj_signal_ioctl, drm_syncobj_assign_null_handle`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 3);
      unwrap(await e.c.signal(so), 'SIGNAL');
      assert.equal(await query(e, so), 0);
      assert.equal(errnoOf(await wait(e, [so])), 0);
    },
  },
  // ---- TIMELINE_SIGNAL ----
  {
    id: 'SO-TSIGNAL-1',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'driver without DRIVER_SYNCOBJ_TIMELINE',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_timeline_signal_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ_TIMELINE);
      const r = await e.c.syncobjTimelineSignal({ handles: null, points: null, countHandles: 0 });
      assert.equal(errnoOf(r), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-TSIGNAL-2',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'flags not zero',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_timeline_signal_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      const r = await e.c.syncobjTimelineSignal({
        handles: [so],
        points: [1],
        countHandles: 1,
        flags: 0xdeadbeef,
      });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-TSIGNAL-3',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'count_handles 0',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_timeline_signal_ioctl`,
    run: async (e) => {
      const r = await e.c.syncobjTimelineSignal({ handles: [], points: [], countHandles: 0 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-TSIGNAL-4',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'one unknown handle: ENOENT, no point added',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_array_find`,
    run: async (e) => {
      const so = await e.syncobj();
      const r = await e.c.syncobjTimelineSignal({
        handles: [so, 0],
        points: [1, 1],
        countHandles: 2,
      });
      assert.equal(errnoOf(r), ENOENT);
      assert.equal(await query(e, so, SyncobjQueryFlags.LAST_SUBMITTED), 0);
    },
  },
  {
    id: 'SO-TSIGNAL-5',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'points NULL: point 0, which still adds a chain node (binary waits succeed)',
    errno: '0',
    kernel: `${F} drm_syncobj_timeline_signal_ioctl, drm_syncobj_add_point`,
    run: async (e) => {
      const so = await e.syncobj();
      unwrap(
        await e.c.syncobjTimelineSignal({ handles: [so], points: null, countHandles: 1 }),
        'TIMELINE_SIGNAL',
      );
      assert.equal(errnoOf(await wait(e, [so], FOR_SUBMIT)), 0);
      assert.equal(errnoOf(await twait(e, [so], [0])), 0);
    },
  },
  {
    id: 'SO-TSIGNAL-6',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'points array shorter than count_handles (after the lookups)',
    errno: 'EFAULT',
    kernel: `${F} drm_syncobj_timeline_signal_ioctl (copy_from_user)`,
    run: async (e) => {
      const so = await e.syncobj();
      const r = await e.c.syncobjTimelineSignal({
        handles: [so, so],
        points: [1],
        countHandles: 2,
      });
      assert.equal(errnoOf(r), EFAULT);
    },
  },
  {
    id: 'SO-TSIGNAL-7',
    ioctl: 'SYNCOBJ_TIMELINE_SIGNAL',
    check: 'a point not above the last is accepted: a new context, its seqno bumped to the last',
    errno: '0',
    kernel: 'dma-fence-chain.c dma_fence_chain_init; drm_syncobj.c drm_syncobj_add_point',
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 5);
      await tsignal(e, so, 2);
      assert.equal(await query(e, so, SyncobjQueryFlags.LAST_SUBMITTED), 5);
      assert.equal(await query(e, so), 5);
    },
  },
  // ---- QUERY ----
  {
    id: 'SO-QUERY-1',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'driver without DRIVER_SYNCOBJ_TIMELINE',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_query_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ_TIMELINE);
      assert.equal(errnoOf(await e.c.queryPoint(1)), EOPNOTSUPP);
    },
  },
  {
    id: 'SO-QUERY-2',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'flags other than LAST_SUBMITTED',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_query_ioctl`,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(errnoOf(await e.c.queryPoint(so, 0xdeadbeef)), EINVAL);
    },
  },
  {
    id: 'SO-QUERY-3',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'count_handles 0',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_query_ioctl`,
    run: async (e) => {
      const r = await e.c.syncobjQuery({ handles: [], points: [], countHandles: 0 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-QUERY-4',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'an unknown handle among them (nothing written)',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_array_find`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 1);
      const points = [9, 9, 9];
      const r = await e.c.syncobjQuery({ handles: [so, 0, so], points, countHandles: 3 });
      assert.equal(errnoOf(r), ENOENT);
      assert.deepEqual(points, [9, 9, 9]);
    },
  },
  {
    id: 'SO-QUERY-5',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'a binary syncobj (no fence, or a plain fence, signalled or not) reports 0',
    errno: 'WB points[i] = 0',
    kernel: `${F} drm_syncobj_query_ioctl (to_dma_fence_chain)`,
    run: async (e) => {
      assert.equal(await query(e, await e.syncobj()), 0);
      assert.equal(await query(e, await e.syncobj(1)), 0);
    },
  },
  {
    id: 'SO-QUERY-6',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'an unsignalled point reports the point before it on its run (0 for a lone one)',
    errno: 'WB points[i] = prev_seqno',
    kernel: `${F} drm_syncobj_query_ioctl (dma_fence_chain_for_each)`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 1);
      await tsignal(e, so, 2);
      assert.equal(await e.job(so, 1 * S, 3), 0);
      assert.equal(await query(e, so), 2);
      const lone = await e.syncobj();
      assert.equal(await e.job(lone, 1 * S, 7), 0);
      assert.equal(await query(e, lone), 0);
    },
  },
  {
    id: 'SO-QUERY-7',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'LAST_SUBMITTED: the head point, signalled or not',
    errno: 'WB points[i] = head seqno',
    kernel: `${F} drm_syncobj_query_ioctl`,
    dirty: true,
    run: async (e) => {
      const so = await e.syncobj();
      assert.equal(await e.job(so, 1 * S, 4), 0);
      assert.equal(await query(e, so, SyncobjQueryFlags.LAST_SUBMITTED), 4);
    },
  },
  {
    id: 'SO-QUERY-8',
    ioctl: 'SYNCOBJ_QUERY',
    check: 'points NULL or too short: EFAULT after the lookups, earlier entries already written',
    errno: 'EFAULT',
    kernel: `${F} drm_syncobj_query_ioctl (copy_to_user)`,
    run: async (e) => {
      const so = await e.syncobj();
      await tsignal(e, so, 6);
      assert.equal(
        errnoOf(await e.c.syncobjQuery({ handles: [so], points: null, countHandles: 1 })),
        EFAULT,
      );
      const points = [0];
      const r = await e.c.syncobjQuery({ handles: [so, so], points, countHandles: 2 });
      assert.equal(errnoOf(r), EFAULT);
      assert.deepEqual(points, [6], 'the first one was written');
    },
  },
  // ---- TRANSFER ----
  {
    id: 'SO-TRANSFER-1',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'driver without DRIVER_SYNCOBJ_TIMELINE',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_syncobj_transfer_ioctl`,
    run: async (e) => {
      without(e, DriverFeature.SYNCOBJ_TIMELINE);
      assert.equal(
        errnoOf(await e.c.syncobjTransfer({ srcHandle: 1, dstHandle: 1, pad: 1 })),
        EOPNOTSUPP,
      );
    },
  },
  {
    id: 'SO-TRANSFER-2',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'pad not zero',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_transfer_ioctl`,
    run: async (e) => {
      const so = await e.syncobj(1);
      const r = await e.c.syncobjTransfer({ srcHandle: so, dstHandle: so, pad: 0xdeadbeef });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-TRANSFER-3',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'unknown destination (looked up before the source)',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_transfer_to_timeline / _to_binary`,
    run: async (e) => {
      for (const dstPoint of [0, 3]) {
        const r = await e.c.syncobjTransfer({ srcHandle: 77, dstHandle: 88, dstPoint, flags: 4 });
        assert.equal(errnoOf(r), ENOENT, `dst_point ${dstPoint}`);
      }
    },
  },
  {
    id: 'SO-TRANSFER-4',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'flags other than WAIT_FOR_SUBMIT (checked before the source handle)',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_find_fence`,
    run: async (e) => {
      const dst = await e.syncobj();
      const r = await e.c.syncobjTransfer({ srcHandle: 77, dstHandle: dst, flags: ALL });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-TRANSFER-5',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'unknown source',
    errno: 'ENOENT',
    kernel: `${F} drm_syncobj_find_fence`,
    run: async (e) => {
      const dst = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjTransfer({ srcHandle: 77, dstHandle: dst })), ENOENT);
    },
  },
  {
    id: 'SO-TRANSFER-6',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'source without a fence, or its point not submitted',
    errno: 'EINVAL',
    kernel: `${F} drm_syncobj_find_fence`,
    run: async (e) => {
      const src = await e.syncobj();
      const dst = await e.syncobj();
      assert.equal(errnoOf(await e.c.syncobjTransfer({ srcHandle: src, dstHandle: dst })), EINVAL);
      await tsignal(e, src, 2);
      const r = await e.c.syncobjTransfer({ srcHandle: src, dstHandle: dst, srcPoint: 3 });
      assert.equal(errnoOf(r), EINVAL);
    },
  },
  {
    id: 'SO-TRANSFER-7',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'WAIT_FOR_SUBMIT: waits up to 5 s for the source point',
    errno: 'ETIME',
    kernel: `${F} drm_syncobj_find_fence (DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT)`,
    run: async (e) => {
      const src = await e.syncobj();
      const dst = await e.syncobj();
      const t0 = e.k.nowNs;
      const r = await e.c.syncobjTransfer({ srcHandle: src, dstHandle: dst, flags: FOR_SUBMIT });
      assert.equal(errnoOf(r), ETIME);
      assert.equal(e.k.nowNs - t0, 5 * S);
    },
  },
  {
    id: 'SO-TRANSFER-8',
    ioctl: 'SYNCOBJ_TRANSFER',
    check: 'dst_point 0 replaces the fence; a dst_point adds a point; src and dst may be one',
    errno: '0',
    kernel: `${F} drm_syncobj_transfer_to_binary / _to_timeline (dma_fence_unwrap_merge)`,
    run: async (e) => {
      const tl = await e.syncobj();
      await tsignal(e, tl, 63);
      unwrap(
        await e.c.syncobjTransfer({ srcHandle: tl, dstHandle: tl, srcPoint: 63, dstPoint: 74 }),
        'to 74',
      );
      assert.equal(await query(e, tl), 74);
      const bin = await e.syncobj();
      unwrap(
        await e.c.syncobjTransfer({ srcHandle: tl, dstHandle: bin, srcPoint: 74 }),
        'to binary',
      );
      assert.equal(errnoOf(await wait(e, [bin])), 0);
    },
  },
];
