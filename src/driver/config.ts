/**
 * Driver configuration: the reset design under test, the bug switches, and the timeouts.
 *
 * Timeouts default to Panthor's (5 s job timeout, 12 s firmware ping, 100 ms CSG and global
 * acknowledgement timeouts, 1 s firmware boot, 100 ms soft reset, 50 ms autosuspend). Virtual
 * time costs nothing, so scenarios keep these values unless they test the timing itself.
 */
import type { BugId } from './bugs.js';

export const DESIGN_NAMES = ['default', 'panthor', 'rwsem', 'srcu-epoch', 'rebind'] as const;
export type DesignName = (typeof DESIGN_NAMES)[number];

export function isDesignName(s: string): s is DesignName {
  return (DESIGN_NAMES as readonly string[]).includes(s);
}

export interface DriverConfig {
  design: DesignName;
  bugs: ReadonlySet<BugId>;
  /** Panfrost's `unstable_ioctls` module parameter: PERFCNT_* return ENOSYS without it. */
  unstableIoctls: boolean;
  jobTimeoutNs: number;
  pingIntervalNs: number;
  /** Scheduler tick period (time slice when groups outnumber CSG slots). */
  tickPeriodNs: number;
  csgAckTimeoutNs: number;
  glbAckTimeoutNs: number;
  fwBootTimeoutNs: number;
  softResetTimeoutNs: number;
  asCommandTimeoutNs: number;
  perfcntSampleTimeoutNs: number;
  autosuspendDelayNs: number;
  /** Runtime PM enabled (the device powers down when idle). */
  runtimePm: boolean;
  /** Maximum resets tolerated before the device is wedged, per design of `wedge.ts`. */
  maxResetRetries: number;
  /**
   * Test hook, never set outside tests: the MMU block forgets its TLB invalidations (the
   * FLUSH_PT after a page-table change, and on an AS slot reused by another VM the FLUSH_MEM and
   * UPDATE that retire the previous VM's translations), so that the isolation tests can show
   * the `isolation` oracle catching a missing flush. Default false.
   */
  testSkipTlbFlush: boolean;
}

export function defaultDriverConfig(overrides: Partial<DriverConfig> = {}): DriverConfig {
  return {
    design: 'default',
    bugs: new Set(),
    unstableIoctls: true,
    jobTimeoutNs: 5_000_000_000,
    pingIntervalNs: 12_000_000_000,
    tickPeriodNs: 10_000_000,
    csgAckTimeoutNs: 100_000_000,
    glbAckTimeoutNs: 100_000_000,
    fwBootTimeoutNs: 1_000_000_000,
    softResetTimeoutNs: 100_000_000,
    asCommandTimeoutNs: 10_000_000,
    perfcntSampleTimeoutNs: 1_000_000_000,
    autosuspendDelayNs: 50_000_000,
    runtimePm: true,
    maxResetRetries: 1,
    testSkipTlbFlush: false,
    ...overrides,
  };
}
