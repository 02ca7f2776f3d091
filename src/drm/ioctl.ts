/**
 * DOC: The DRM ioctl dispatcher (drivers/gpu/drm/drm_ioctl.c, `drm_ioctl` and
 * `drm_ioctl_kernel`), from the command check on.
 *
 * For a command on a DRM file, in the kernel's order:
 * 1. (the caller) an unplugged device is ENODEV;
 * 2. a type other than 'd' is ENOTTY;
 * 3. the number picks the driver's table (DRM_COMMAND_BASE .. DRM_COMMAND_END) or the core's;
 *    a number with no entry is EINVAL (not ENOTTY);
 * 4. sizes: the kernel's struct size comes from its own table, the user's from the command;
 *    the copy in is the user's size if both commands have IOC_WRITE (else nothing), the copy
 *    out likewise with IOC_READ. A user struct shorter than the kernel's has the rest of the
 *    kernel copy zero-filled (an old binary never sets new fields); a longer one has its extra
 *    bytes ignored and handed back unchanged;
 * 5. the copy in (EFAULT), the permission check (every ioctl modelled is DRM_RENDER_ALLOW,
 *    allowed on the render nodes the model's files are), the handler;
 * 6. the copy out runs whatever the handler returned: on an error user space gets its own
 *    input back plus whatever the handler had written before failing. A failing copy out
 *    turns the result into EFAULT.
 */
import { Errno } from '../kernel/errno.js';
import { IOC_READ, IOC_WRITE, iocDir, iocNr, iocSize, iocType } from '../kernel/ioctl.js';
import { copyFromUser, copyToUser, type Layout } from '../kernel/uaccess.js';
import { DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_IOCTL_BASE } from './uapi.js';

/** drm_ioctl_desc flags. */
export const DRM_AUTH = 1 << 0;
export const DRM_MASTER = 1 << 1;
export const DRM_ROOT_ONLY = 1 << 2;
export const DRM_RENDER_ALLOW = 1 << 5;

/** `struct drm_ioctl_desc`. */
export interface DrmIoctlDesc<C> {
  readonly name: string;
  /** The kernel's command for this number: its direction and struct size. */
  readonly cmd: number;
  readonly layout: Layout;
  readonly flags: number;
  /** The handler: 0 or a negative errno; `kdata` is the kernel copy of the struct. */
  readonly func: (ctx: C, kdata: never) => number | Promise<number>;
}

export interface DrmIoctlTable<C> {
  /** `drm_ioctls[]`, by number. */
  readonly core: ReadonlyMap<number, DrmIoctlDesc<C>>;
  /** The driver's table, indexed by `nr - DRM_COMMAND_BASE`. */
  readonly driver: ReadonlyArray<DrmIoctlDesc<C> | undefined>;
}

/** The entry a command selects, or null (ENOTTY / EINVAL, see `drmIoctl`). */
export function drmIoctlDesc<C>(t: DrmIoctlTable<C>, cmd: number): DrmIoctlDesc<C> | null {
  if (iocType(cmd) !== DRM_IOCTL_BASE) return null;
  const nr = iocNr(cmd);
  const isDriver = nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END;
  return (isDriver ? t.driver[nr - DRM_COMMAND_BASE] : t.core.get(nr)) ?? null;
}

/**
 * `drm_ioctl` after its unplugged check: decodes `cmd`, copies `arg` in and out around the
 * handler, and returns 0 or a negative errno.
 */
export async function drmIoctl<C>(
  t: DrmIoctlTable<C>,
  ctx: C,
  cmd: number,
  arg: unknown,
): Promise<number> {
  if (iocType(cmd) !== DRM_IOCTL_BASE) return -Errno.ENOTTY;
  const desc = drmIoctlDesc(t, cmd);
  if (desc === null) return -Errno.EINVAL;
  const usize = iocSize(cmd);
  const both = iocDir(cmd) & iocDir(desc.cmd);
  const inSize = both & IOC_WRITE ? usize : 0;
  const outSize = both & IOC_READ ? usize : 0;
  const kdata = copyFromUser<Record<string, unknown>>(desc.layout, arg, inSize);
  if (typeof kdata === 'number') return kdata;
  let ret = await desc.func(ctx, kdata as never);
  if (copyToUser(desc.layout, kdata, arg, outSize) < 0) ret = -Errno.EFAULT;
  return ret;
}
