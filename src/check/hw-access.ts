/**
 * `hw-access-during-reset`: while a reset is in progress on a device, only the reset path
 * touches the GPU registers. The reset path is the task running the reset sequence, plus the
 * interrupt handlers it still relies on: the sequence waits for CSG acknowledgements (job
 * interrupt) while it suspends the groups, and for RESET_COMPLETED (GPU interrupt) during the
 * soft reset, and it masks each interrupt and synchronises with its handler before it stops
 * needing it. What must not run is process or worker code: ioctls, scheduler works, timeouts.
 *
 * Register accesses while the GPU has no power are a different bug, `powered-off-access`: on
 * hardware they end in an external abort or a bus hang (an IRQ handler left running while the
 * device is suspended does this).
 */
import type { PanthorDevice } from '../driver/device.js';
import { regName } from '../hw/reg-names.js';
import type { Task } from '../kernel/task.js';
import type { CheckContext, Oracle } from './oracle.js';

/** Violations of the rule reported per run; later accesses are not reported. */
const MAX_REPORTS = 3;

export class HwAccessOracle implements Oracle {
  readonly name = 'hw-access-during-reset';
  private reported = 0;
  private offCursor = 0;
  /** `step` reads `hw.offAccesses` only. */
  readonly logsOnly = true;

  constructor(
    private readonly ctx: CheckContext,
    /** Whether the design claims the rule (`hw-access-during-reset`); the power part always runs. */
    checkRule: boolean,
  ) {
    if (checkRule) {
      const hw = ctx.sys.hw;
      hw.onRegisterAccess = (offset, write) => this.access(offset, write);
      hw.registerAccessQuiet = () => this.reported >= MAX_REPORTS || !this.anyViolated();
    }
  }

  /** Whether an access by `task` breaks the rule on `dev`: it is resetting, by someone else. */
  private violates(task: Task, dev: PanthorDevice): boolean {
    const worker = dev.reset.worker;
    if (dev.reset.current === null || worker === null || task === worker) return false;
    return task.ctx !== 'hardirq' && task.ctx !== 'irq-thread';
  }

  /** Whether an access by the running task, now, would break the rule on some device. */
  private anyViolated(): boolean {
    const task = this.ctx.sys.k.current;
    if (task === null) return false;
    for (const dev of this.ctx.sys.platform.devices) if (this.violates(task, dev)) return true;
    return false;
  }

  private access(offset: number, write: boolean): void {
    const { sys } = this.ctx;
    const task = sys.k.current;
    if (task === null) return;
    for (const dev of sys.platform.devices) {
      if (!this.violates(task, dev)) continue;
      if (this.reported++ < MAX_REPORTS) {
        this.ctx.report(
          'hw-access-during-reset',
          `${task.name} ${write ? 'wrote' : 'read'} ${regName(offset)} while ${dev.reset.worker?.name} was resetting ${dev.name}`,
        );
      }
    }
  }

  step(): void {
    const off = this.ctx.sys.hw.offAccesses;
    while (this.offCursor < off.length) {
      const a = off[this.offCursor++];
      if (a === undefined) break;
      if (this.offCursor <= 3) {
        this.ctx.report(
          'powered-off-access',
          `${regName(a.offset)} ${a.write ? 'written' : 'read'} while the GPU was powered down`,
        );
      }
    }
  }
}
