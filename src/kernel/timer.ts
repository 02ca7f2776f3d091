/**
 * A kernel timer (`struct timer_list`). Its callback runs as a task in *timer* context, which is
 * atomic: sleeping there is `atomic-sleep`. `delSync()` waits for a running callback, as
 * `timer_delete_sync` does; `shutdown()` also refuses later re-arming (`timer_shutdown_sync`),
 * which is how a driver makes sure that a timer cannot fire after teardown.
 */
import type { TimedEvent } from './events.js';
import type { Kernel } from './kernel.js';
import { WaitQueue } from './waitqueue.js';

export class Timer {
  private event: TimedEvent | null = null;
  private running = 0;
  private isShutdown = false;
  private readonly idle: WaitQueue;
  /** Names built once (event label, callback task, its lane). */
  private readonly eventLabel: string;
  private readonly taskName: string;
  private readonly laneName: string;
  /** Set when the callback ran after `shutdown()` (a model bug; see `use-after-free`). */
  firedAfterShutdown = false;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    private readonly fn: () => Promise<void> | void,
  ) {
    this.idle = new WaitQueue(k, `timer ${name}`);
    this.eventLabel = `timer ${name}`;
    this.taskName = `timer:${name}`;
    this.laneName = `timer ${name}`;
    k.register(this);
  }

  get pending(): boolean {
    this.k.access(this, false);
    return this.event !== null;
  }

  /** mod_timer: (re-)arms the timer `delayNs` from now; returns whether it was pending. */
  mod(delayNs: number): boolean {
    this.k.access(this, true);
    const was = this.del();
    if (this.isShutdown) return was;
    this.event = this.k.at(delayNs, this.eventLabel, () => this.expire());
    return was;
  }

  /** timer_delete: disarms; returns whether it was pending. Does not wait for the callback. */
  del(): boolean {
    this.k.access(this, true);
    if (this.event === null) return false;
    this.k.cancelEvent(this.event);
    this.event = null;
    return true;
  }

  /** timer_delete_sync: disarms and waits for a running callback. */
  async delSync(): Promise<boolean> {
    const was = this.del();
    await this.idle.waitEvent(() => {
      this.k.access(this, false);
      return this.running === 0;
    });
    return was;
  }

  /** timer_shutdown_sync: like delSync, and later `mod` calls are ignored. */
  async shutdown(): Promise<void> {
    this.k.access(this, true);
    this.isShutdown = true;
    await this.delSync();
  }

  private expire(): void {
    this.k.access(this, true);
    this.event = null;
    this.running++;
    this.k.spawn(
      this.taskName,
      async () => {
        try {
          await this.fn();
        } finally {
          this.k.access(this, true);
          this.running--;
          this.idle.wakeUp();
        }
      },
      { ctx: 'timer', lane: this.laneName },
    );
  }
}
