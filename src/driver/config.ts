/**
 * Driver configuration: the reset design under test, the bug switches, and the timeouts.
 *
 * Timeouts default to Panthor's (5 s job timeout, 12 s firmware ping, 100 ms CSG and global
 * acknowledgement timeouts, 1 s firmware boot, 100 ms soft reset, 100 ms AS_ACTIVE wait
 * (panthor_mmu.c wait_ready), 50 ms autosuspend). Virtual
 * time costs nothing, so scenarios keep these values unless they test the timing itself.
 */
import type { BugId } from './bugs.js';
import type { DesignSpec } from './reset/design.js';
import { DEFAULT } from './reset/designs/default.js';
import { resolveDesign } from './reset/designs/index.js';

export {
  DESIGN_NAMES,
  type DesignName,
  DesignRefError,
  designClaimsHarm,
  isDesignName,
  PRESETS,
  resolveDesign,
} from './reset/designs/index.js';

export interface DriverConfig {
  /** The reset design: a preset, a composition, or a design read from a file. */
  design: DesignSpec;
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
  /**
   * Test hook, never set outside tests: the MMU block forgets its TLB invalidations (the
   * FLUSH_PT after a page-table change, and on an AS slot reused by another VM the FLUSH_MEM and
   * UPDATE that retire the previous VM's translations), so that the isolation tests can show
   * the `isolation` oracle catching a missing flush. Default false.
   */
  testSkipTlbFlush: boolean;
}

/** A design given as a preset name or composition string, or as a spec. */
export function designSpecOf(d: string | DesignSpec): DesignSpec {
  return typeof d === 'string' ? resolveDesign(d) : d;
}

export function defaultDriverConfig(
  overrides: Partial<Omit<DriverConfig, 'design'>> & { design?: string | DesignSpec } = {},
): DriverConfig {
  const { design, ...rest } = overrides;
  return {
    design: design === undefined ? DEFAULT : designSpecOf(design),
    bugs: new Set(),
    unstableIoctls: true,
    jobTimeoutNs: 5_000_000_000,
    pingIntervalNs: 12_000_000_000,
    tickPeriodNs: 10_000_000,
    csgAckTimeoutNs: 100_000_000,
    glbAckTimeoutNs: 100_000_000,
    fwBootTimeoutNs: 1_000_000_000,
    softResetTimeoutNs: 100_000_000,
    asCommandTimeoutNs: 100_000_000,
    perfcntSampleTimeoutNs: 1_000_000_000,
    autosuspendDelayNs: 50_000_000,
    runtimePm: true,
    testSkipTlbFlush: false,
    ...rest,
  };
}
