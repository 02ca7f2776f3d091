/**
 * libsync's helpers (what Android's and IGT's `sync_fence_status`, `sync_wait` do): a
 * sync_file read through the uAPI only, SYNC_IOC_FILE_INFO and poll(2).
 */

import { Errno } from '../kernel/errno.js';
import type { Process } from '../kernel/fdtable.js';
import type { Kernel } from '../kernel/kernel.js';
import {
  SYNC_IOC_FILE_INFO,
  type SyncFileInfo,
  syncFileFdget,
  syncFilePoll,
} from '../kernel/sync-file.js';

/** SYNC_IOC_FILE_INFO on `fd` of `proc`: 0 or a negative errno; `info` is filled in. */
export function syncFileInfo(proc: Process, fd: number, info: SyncFileInfo): Promise<number> {
  return proc.ioctl(fd, SYNC_IOC_FILE_INFO, info);
}

/**
 * `sync_fence_status`: the status of the sync_file `fd` (1 signalled, 0 pending, the negative
 * error of a fence that failed), or the ioctl's negative errno.
 */
export async function syncFenceStatus(proc: Process, fd: number): Promise<number> {
  const info: SyncFileInfo = { flags: 0, numFences: 0, pad: 0 };
  const r = await syncFileInfo(proc, fd, info);
  return r < 0 ? r : (info.status as number);
}

/**
 * `sync_wait(fd, timeout)`: poll(2) for POLLIN on a sync_file: 0 once it signalled, -ETIME
 * when `timeoutNs` passed first (< 0: no limit), -EBADF / -EINVAL for an fd that is not one.
 */
export async function syncWait(
  k: Kernel,
  proc: Process,
  fd: number,
  timeoutNs: number,
): Promise<number> {
  if (proc.files.lookup(fd) === null) return -Errno.EBADF;
  const sf = syncFileFdget(proc.files, fd);
  if (sf === null) return -Errno.EINVAL;
  return (await syncFilePoll(k, sf, timeoutNs)) === 1 ? 0 : -Errno.ETIME;
}
