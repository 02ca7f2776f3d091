/**
 * DOC: The DRM wedged event (drivers/gpu/drm/drm_drv.c, `drm_dev_wedged_event`; the "Device
 * wedging" section of the DRM uAPI documentation).
 *
 * A driver that gives up on recovering a device tells user space with one KOBJ_CHANGE uevent
 * whose environment has `WEDGED=<methods>`: the recovery methods the consumer may use, in
 * order of increasing side effects (`none`, `rebind`, `bus-reset`, `vendor-specific`), or
 * `unknown` when the driver gives none. What the driver must do *before* sending it (stop DMA,
 * signal every fence, redirect mappings) is the driver's: `src/driver/wedge.ts`.
 */
import type { UeventBus } from '../kernel/uevent.js';

/** The recovery methods, in the order of increasing side effects the event lists them in. */
export const WEDGE_METHODS = ['none', 'rebind', 'bus-reset', 'vendor-specific'] as const;
export type WedgeMethod = (typeof WEDGE_METHODS)[number];

/** The `WEDGED=` value for a set of methods: in the kernel's order, `unknown` for none. */
export function wedgedValue(methods: readonly WedgeMethod[]): string {
  const sorted = WEDGE_METHODS.filter((m) => methods.includes(m));
  return sorted.length === 0 ? 'unknown' : sorted.join(',');
}

/** `drm_dev_wedged_event`: sends the uevent for the device at `devpath`. */
export function drmDevWedgedEvent(
  uevents: UeventBus,
  devpath: string,
  methods: readonly WedgeMethod[],
): void {
  uevents.emit(devpath, 'change', { WEDGED: wedgedValue(methods) });
}
