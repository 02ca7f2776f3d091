/**
 * DOC: The DRM core's ioctl table (drivers/gpu/drm/drm_ioctl.c, `drm_ioctls[]`), as far as a
 * render-only GEM driver like Panthor reaches it: GET_CAP (`drm_getcap`), GEM_CLOSE
 * (`drm_gem_close_ioctl`) and the syncobj ioctls (src/drm/syncobj-ioctl.ts). All are
 * DRM_RENDER_ALLOW. A core number with no entry here is EINVAL from drm_ioctl.
 */
import { Errno } from '../kernel/errno.js';
import { DRM_RENDER_ALLOW, type DrmIoctlDesc } from './ioctl.js';
import { type DrmCoreCtx, SYNCOBJ_IOCTLS } from './syncobj-ioctl.js';
import {
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GET_CAP,
  DRM_PRIME_CAP_EXPORT,
  DRM_PRIME_CAP_IMPORT,
  DriverFeature,
  DrmCap,
  GEM_CLOSE_LAYOUT,
  GET_CAP_LAYOUT,
} from './uapi.js';

interface K {
  [field: string]: unknown;
}

/**
 * `drm_getcap`: `value` is zeroed first (so it comes back 0 on an error); the caps that make
 * sense without modesetting are answered, the syncobj ones from the driver's features; any
 * other cap on a driver without DRIVER_MODESET is EOPNOTSUPP.
 */
function getCap(ctx: DrmCoreCtx, a: K): number {
  a.value = 0;
  switch (a.capability) {
    case DrmCap.TIMESTAMP_MONOTONIC:
      a.value = 1;
      return 0;
    case DrmCap.PRIME:
      a.value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
      return 0;
    case DrmCap.SYNCOBJ:
      a.value = ctx.features & DriverFeature.SYNCOBJ ? 1 : 0;
      return 0;
    case DrmCap.SYNCOBJ_TIMELINE:
      a.value = ctx.features & DriverFeature.SYNCOBJ_TIMELINE ? 1 : 0;
      return 0;
  }
  if ((ctx.features & DriverFeature.MODESET) === 0) return -Errno.EOPNOTSUPP;
  return -Errno.EINVAL;
}

/** `drm_gem_close_ioctl`: `pad` is not checked; an unknown handle is EINVAL. */
function gemClose(ctx: DrmCoreCtx, a: K): number {
  if ((ctx.features & DriverFeature.GEM) === 0) return -Errno.EOPNOTSUPP;
  return ctx.file.gemHandleDelete(a.handle as number);
}

function entry(
  name: string,
  cmd: number,
  layout: DrmIoctlDesc<DrmCoreCtx>['layout'],
  func: (ctx: DrmCoreCtx, a: K) => number,
): [number, DrmIoctlDesc<DrmCoreCtx>] {
  return [cmd & 0xff, { name, cmd, layout, flags: DRM_RENDER_ALLOW, func: func as never }];
}

/** `drm_ioctls[]`: the core entries, by number. */
export const DRM_CORE_IOCTLS: ReadonlyMap<number, DrmIoctlDesc<DrmCoreCtx>> = new Map([
  entry('GEM_CLOSE', DRM_IOCTL_GEM_CLOSE, GEM_CLOSE_LAYOUT, gemClose),
  entry('GET_CAP', DRM_IOCTL_GET_CAP, GET_CAP_LAYOUT, getCap),
  ...SYNCOBJ_IOCTLS,
]);
