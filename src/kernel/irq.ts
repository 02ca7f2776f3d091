/**
 * Level-triggered interrupt lines with hard and threaded handlers (`request_threaded_irq`).
 *
 * The hardware drives the line level. While the line is high, enabled, and no hard handler
 * runs, the kernel spawns the hard handler in hard-IRQ context (atomic). If it returns
 * `'wake-thread'`, the threaded handler runs in its own task (one instance at a time; a wake
 * while it runs makes it run again, like IRQTF_RUNTHREAD). After the hard handler returns, a
 * line that is still high fires again: a handler that neither clears nor masks its source
 * storms, as on real hardware, until the step limit.
 *
 * `synchronize()` waits for running hard and threaded handlers (`synchronize_irq`), `disable()`
 * also stops new ones (`disable_irq`), `free()` removes the handler (`free_irq`).
 */
import type { Kernel } from './kernel.js';
import type { Lane } from './trace.js';
import { WaitQueue } from './waitqueue.js';

export type IrqReturn = 'none' | 'handled' | 'wake-thread';

export interface IrqHandlers {
  hard: () => Promise<IrqReturn>;
  thread?: () => Promise<void>;
}

export class IrqLine {
  level = false;
  private handlers: IrqHandlers | null = null;
  private disableDepth = 0;
  private hardRunning = false;
  private threadRunning = false;
  private threadAgain = false;
  private readonly idle: WaitQueue;
  private readonly lane: Lane;
  /** Names built once; handlers are spawned and levels traced on every interrupt. */
  private readonly levelCounter: string;
  private readonly hardTask: string;
  private readonly threadTask: string;
  private readonly threadLane: string;
  /** Handler invocations, for tests and oracles. */
  fired = 0;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    this.idle = new WaitQueue(k, `irq ${name}`);
    this.lane = k.trace.lane('irq', `irq ${name}`);
    this.levelCounter = `${name} level`;
    this.hardTask = `irq:${name}`;
    this.threadTask = `irq-thread:${name}`;
    this.threadLane = `irq ${name} thread`;
  }

  get requested(): boolean {
    return this.handlers !== null;
  }

  get enabled(): boolean {
    return this.disableDepth === 0;
  }

  get busy(): boolean {
    return this.hardRunning || this.threadRunning;
  }

  /** Called by the hardware model whenever the line's level may have changed. */
  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.k.trace.counter(this.lane, this.levelCounter, level ? 1 : 0);
    if (level) this.maybeFire();
  }

  request(h: IrqHandlers): void {
    if (this.handlers !== null) throw new Error(`request_irq(${this.name}): already requested`);
    this.handlers = h;
    this.maybeFire();
  }

  /** free_irq: waits for running handlers, then removes the handler. */
  async free(): Promise<void> {
    await this.synchronize();
    this.handlers = null;
  }

  /** disable_irq: no new handlers, and waits for running ones. Sleeps. */
  async disable(): Promise<void> {
    this.disableDepth++;
    await this.synchronize();
  }

  /** disable_irq_nosync: usable from atomic context. */
  disableNosync(): void {
    this.disableDepth++;
  }

  enable(): void {
    if (this.disableDepth === 0) throw new Error(`enable_irq(${this.name}): unbalanced`);
    this.disableDepth--;
    if (this.disableDepth === 0) this.maybeFire();
  }

  /** synchronize_irq: waits until no handler of this line runs. Sleeps. */
  async synchronize(): Promise<void> {
    await this.idle.waitEvent(() => !this.busy);
  }

  private maybeFire(): void {
    if (!this.level || this.handlers === null || this.disableDepth > 0 || this.hardRunning) return;
    const h = this.handlers;
    this.hardRunning = true;
    this.fired++;
    this.k.spawn(this.hardTask, () => this.runHard(h), { ctx: 'hardirq', lane: this.name });
  }

  private async runHard(h: IrqHandlers): Promise<void> {
    let ret: IrqReturn = 'none';
    try {
      ret = await h.hard();
    } finally {
      this.hardRunning = false;
    }
    if (ret === 'wake-thread' && h.thread !== undefined) this.wakeThread(h.thread);
    if (!this.busy) this.idle.wakeUp();
    this.maybeFire();
  }

  private wakeThread(thread: () => Promise<void>): void {
    if (this.threadRunning) {
      this.threadAgain = true;
      return;
    }
    this.threadRunning = true;
    this.k.spawn(this.threadTask, () => this.runThread(thread), {
      ctx: 'irq-thread',
      lane: this.threadLane,
    });
  }

  private async runThread(thread: () => Promise<void>): Promise<void> {
    try {
      do {
        this.threadAgain = false;
        await thread();
      } while (this.threadAgain);
    } finally {
      this.threadRunning = false;
    }
    if (!this.busy) this.idle.wakeUp();
  }
}
