/**
 * The errnos each fuzzed call may return: the uAPI audit (docs/uapi.md, the kernel's checks
 * in order) plus what the reset designs answer while a reset runs. An errno outside its call's set is
 * reported by the fuzzer (`errno` finding): either the driver returns something the kernel
 * never would, or the table is missing a legitimate case, and both deserve a look.
 *
 * Every call may fail with ENODEV (the device was unplugged or wedged, or the file was closed
 * under a call in flight: the model answers ENODEV there, where Linux would say EBADF before
 * reaching the driver) and with EBADF (what the executor returns for a file slot that is
 * closed or could not be opened). Calls that enter the reset gate may get EAGAIN from designs
 * that refuse instead of waiting (`rwsem`'s trylock, `srcu-epoch`), and calls that program the
 * MMU ETIMEDOUT when an address space stays stuck (`as-active-stuck`).
 */
import { Errno, type ErrnoName } from '../kernel/errno.js';
import type { FuzzOp } from './program.js';

const GATE: ErrnoName[] = ['EAGAIN', 'ETIMEDOUT'];

/** Array ioctls of the syncobj core: drm_syncobj_array_find's ENOMEM / EFAULT / ENOENT. */
const SYNCOBJ_ARRAY: ErrnoName[] = ['EINVAL', 'ENOENT', 'EFAULT', 'ENOMEM'];
/** panthor_get_uobj_array's errnos. */
const UOBJ: ErrnoName[] = ['EINVAL', 'E2BIG', 'EFAULT', 'ENOMEM'];

const TABLE: Record<FuzzOp, ErrnoName[]> = {
  DEV_QUERY: ['EINVAL', 'EFAULT'],
  VM_CREATE: ['EINVAL', 'EBUSY', 'ENOMEM'],
  VM_DESTROY: ['EINVAL', ...GATE],
  VM_BIND: [...UOBJ, 'ENOENT', ...GATE],
  VM_GET_STATE: ['EINVAL'],
  BO_CREATE: ['EINVAL', 'ENOMEM', 'ENOSPC'],
  BO_MMAP_OFFSET: ['EINVAL', 'ENOENT', 'EPERM'],
  GEM_CLOSE: ['EINVAL'],
  MMAP: ['EACCES', 'EINVAL', 'EBADF'],
  MAP_READ: ['EFAULT'],
  MAP_WRITE: ['EFAULT'],
  MUNMAP: ['EINVAL'],
  GROUP_CREATE: [...UOBJ, 'EACCES', 'EBUSY', ...GATE],
  GROUP_DESTROY: ['EINVAL'],
  GROUP_SUBMIT: [...UOBJ, 'ENOENT', 'EBUSY'],
  GROUP_GET_STATE: ['EINVAL'],
  TILER_HEAP_CREATE: ['EINVAL', 'ENOMEM', 'EBUSY', ...GATE],
  TILER_HEAP_DESTROY: ['EINVAL', 'ENOENT', ...GATE],
  SYNCOBJ_CREATE: ['EINVAL', 'ENOSPC'],
  SYNCOBJ_DESTROY: ['EINVAL'],
  SYNCOBJ_WAIT: [...SYNCOBJ_ARRAY, 'ETIME'],
  SYNCOBJ_QUERY: SYNCOBJ_ARRAY,
  SYNCOBJ_TIMELINE_WAIT: [...SYNCOBJ_ARRAY, 'ETIME'],
  SYNCOBJ_RESET: SYNCOBJ_ARRAY,
  SYNCOBJ_SIGNAL: SYNCOBJ_ARRAY,
  SYNCOBJ_TIMELINE_SIGNAL: SYNCOBJ_ARRAY,
  SYNCOBJ_TRANSFER: ['EINVAL', 'ENOENT', 'ETIME'],
  SYNCOBJ_HANDLE_TO_FD: ['EINVAL', 'ENOENT', 'EMFILE'],
  SYNCOBJ_FD_TO_HANDLE: ['EINVAL', 'ENOENT', 'ENOSPC'],
  SYNC_FILE_INFO: ['EINVAL', 'EFAULT', 'ENOTTY'],
  FD_CLOSE: [],
  SEND_FD: [],
  GET_CAP: ['EOPNOTSUPP'],
  PERFCNT_ENABLE: ['EINVAL', 'EBUSY', 'ENOSYS', 'ENOMEM', ...GATE],
  PERFCNT_DUMP: ['EINVAL', 'EFAULT', 'ENOSYS', ...GATE],
  CLOSE: [],
  REOPEN: [],
  FAULT: ['EINVAL'],
  RESET: [],
  SLEEP: [],
};

const ALLOWED = new Map<FuzzOp, Set<number>>(
  (Object.entries(TABLE) as Array<[FuzzOp, ErrnoName[]]>).map(([op, names]) => [
    op,
    new Set([...names, 'ENODEV', 'EBADF'].map((n) => Errno[n as ErrnoName])),
  ]),
);

/** Whether `errno` (positive) is one `op` may return. */
export function errnoAllowed(op: FuzzOp, errno: number): boolean {
  return ALLOWED.get(op)?.has(errno) ?? false;
}

/** The allowed errno names of `op`, for messages and docs. */
export function allowedErrnos(op: FuzzOp): string[] {
  return [...TABLE[op], 'ENODEV', 'EBADF'];
}
