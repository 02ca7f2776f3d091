/**
 * Linux errno values used by the model. Ioctls return `-errno` style results as values; the
 * numbers match the kernel's so that traces and failure files read like real ones.
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ENOSYS: 38,
  ETIME: 62,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  EINPROGRESS: 115,
  ECANCELED: 125,
} as const;

export type ErrnoName = keyof typeof Errno;

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(Errno) as Array<[ErrnoName, number]>).map(([k, v]) => [v, k]),
);

/** `errnoName(22)` and `errnoName(-22)` are both 'EINVAL'. */
export function errnoName(e: number): string {
  return NAMES.get(Math.abs(e)) ?? `E${Math.abs(e)}`;
}
