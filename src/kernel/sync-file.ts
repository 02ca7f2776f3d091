/**
 * sync_file (drivers/dma-buf/sync_file.c, include/uapi/linux/sync_file.h): a fence as a file
 * descriptor, the explicit-sync currency between processes and drivers.
 *
 * A sync_file wraps one fence for its whole life (a snapshot: a syncobj exported to a
 * sync_file and later reset or re-signalled does not change it). User space reads it with
 * SYNC_IOC_FILE_INFO and waits for it with poll(); drivers take its fence with
 * `sync_file_get_fence`, which fails (NULL) for an fd that is not a sync_file.
 *
 * SYNC_IOC_FILE_INFO (`sync_file_ioctl_fence_info`): `flags` and `pad` must be 0 (EINVAL);
 * with `numFences` 0 the call only reports the count of fences inside (chains and arrays
 * unwrapped) and `status` is `dma_fence_get_status` of the file's fence itself: 1 signalled,
 * 0 pending, the negative error of a fence that failed. With `numFences` >= the count it
 * also fills `syncFenceInfo` (one entry per inner fence, EFAULT if that user array is
 * missing) and `status` becomes the first non-positive status among them, else 1; a smaller
 * non-zero `numFences` is EINVAL. This is where a job's error is visible: a syncobj wait
 * returns 0 for a fence that signalled with an error.
 */
import { Errno } from './errno.js';
import { type FdTable, type FileOperations, KFile } from './fdtable.js';
import type { Fence } from './fence.js';
import { fenceUnwrap } from './fence-array.js';
import { ioWR } from './ioctl.js';
import type { Kernel } from './kernel.js';
import { WaitQueue } from './waitqueue.js';

/** `_IOWR('>', 4, struct sync_file_info)` (56 bytes). */
export const SYNC_IOC_FILE_INFO = ioWR(0x3e, 4, 56);

export interface SyncFenceInfo {
  objName: string;
  driverName: string;
  /** `dma_fence_get_status`: 1 signalled, 0 pending, a negative errno for an error. */
  status: number;
  flags: number;
  /** When it signalled (virtual ns), 0 while pending. */
  timestampNs: number;
}

export interface SyncFileInfo {
  /** Out. */
  name?: string;
  /** Out. */
  status?: number;
  flags: number;
  /** In: how many entries `syncFenceInfo` has room for (0: only count them). Out: the count. */
  numFences: number;
  pad: number;
  /** In: the user array the per-fence entries are written to (null: NULL). */
  syncFenceInfo?: SyncFenceInfo[] | null;
}

export class SyncFile {
  constructor(readonly fence: Fence) {}
}

function release(_f: KFile): void {}

function ioctl(file: KFile, cmd: number, arg: unknown): number {
  if (cmd !== SYNC_IOC_FILE_INFO) return -Errno.ENOTTY;
  return syncFileIoctlFenceInfo(file.privateData as SyncFile, arg);
}

/** `sync_file_fops`: compared by identity to recognise a sync_file. */
export const SYNC_FILE_FOPS: FileOperations = { name: 'sync_file', release, ioctl };

/** `sync_file_create`: a new file holding `fence`. */
export function syncFileCreate(fence: Fence): KFile {
  return new KFile(SYNC_FILE_FOPS, new SyncFile(fence));
}

/** `sync_file_fdget`: the sync_file an fd names, or null. */
export function syncFileFdget(files: FdTable, fd: unknown): SyncFile | null {
  const f = files.lookup(fd);
  if (f === null || f.fops !== SYNC_FILE_FOPS) return null;
  return f.privateData as SyncFile;
}

/** `sync_file_get_fence`: the fence of the sync_file `fd`, or null (bad fd, not a sync_file). */
export function syncFileGetFence(files: FdTable, fd: unknown): Fence | null {
  return syncFileFdget(files, fd)?.fence ?? null;
}

function fenceStatus(f: Fence): number {
  if (!f.signalled) return 0;
  return f.error !== 0 ? f.error : 1;
}

/** `sync_file_ioctl_fence_info` on a user `struct sync_file_info`. */
export function syncFileIoctlFenceInfo(sf: SyncFile, arg: unknown): number {
  if (arg === null || typeof arg !== 'object') return -Errno.EFAULT;
  const info = arg as SyncFileInfo;
  const flags = Number(info.flags ?? 0) >>> 0;
  const pad = Number(info.pad ?? 0) >>> 0;
  if (flags !== 0 || pad !== 0) return -Errno.EINVAL;
  const fences = fenceUnwrap(sf.fence);
  const want = Number(info.numFences ?? 0) >>> 0;
  let status: number;
  if (want === 0) {
    status = fenceStatus(sf.fence);
  } else {
    if (want < fences.length) return -Errno.EINVAL;
    const out = info.syncFenceInfo;
    if (!Array.isArray(out) || out.length < fences.length) return -Errno.EFAULT;
    status = 1;
    for (let i = 0; i < fences.length; i++) {
      const f = fences[i] as Fence;
      const s = fenceStatus(f);
      out[i] = {
        objName: `ctx${f.context}`,
        driverName: f.name,
        status: s,
        flags: 0,
        timestampNs: f.signalled ? f.signalledAtNs : 0,
      };
      status = status <= 0 ? status : s;
    }
  }
  info.name = `${sf.fence.name}-${sf.fence.context}-${sf.fence.seqno}`;
  info.status = status;
  info.numFences = fences.length;
  return 0;
}

/**
 * poll(2) on a sync_file for POLLIN: 1 once the fence signalled, 0 when `timeoutNs` passed
 * first (`timeoutNs` < 0 waits for ever, 0 only looks). Sleeps on the kernel's wait queue.
 */
export async function syncFilePoll(k: Kernel, sf: SyncFile, timeoutNs: number): Promise<number> {
  const f = sf.fence;
  if (f.signalled) return 1;
  if (timeoutNs === 0) return 0;
  const wq = new WaitQueue(k, 'sync_file poll');
  const wake = () => wq.wakeUp();
  if (!f.addCallback(wake)) return 1;
  try {
    return (await wq.waitEvent(() => f.signalled, timeoutNs)) ? 1 : 0;
  } finally {
    f.removeCallback(wake);
  }
}
