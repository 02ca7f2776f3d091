/**
 * A read/write semaphore (`struct rw_semaphore`).
 *
 * As in the kernel, a waiting writer blocks new readers (no writer starvation), and
 * `down_read_trylock` fails while a writer holds the semaphore or waits for it. That last rule
 * is what the "r/w-semaphore reset gate" proposal relies on: once the reset worker waits for
 * the write side, `tryAccess()` fails. Before the worker gets there, it succeeds: that is the
 * proposal's window, and this model keeps it.
 */
import type { Kernel } from './kernel.js';
import type { LockClass } from './lockdep.js';
import type { Task } from './task.js';

export class RwSemaphore {
  readers = 0;
  writer: Task | null = null;
  private waitingWriters = 0;
  private readonly waiters: Task[] = [];
  readonly cls: LockClass;
  /** Trace event names, built once. */
  private readonly downWriteEvent: string;
  private readonly upWriteEvent: string;
  /** Traced when a writer finds the semaphore taken and starts to wait. */
  private readonly waitWriteEvent: string;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
    this.cls = k.lockdep.classFor(name, 'rwsem');
    this.downWriteEvent = `down_write ${name}`;
    this.upWriteEvent = `up_write ${name}`;
    this.waitWriteEvent = `wait ${name}`;
  }

  private readBlocked(): boolean {
    return this.writer !== null || this.waitingWriters > 0;
  }

  /** down_read, from the call site labelled `site` (see Mutex.lock). */
  async downRead(site = ''): Promise<void> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('down_read', this.name, site);
    await k.point();
    k.access(this, true);
    k.lockdepAcquire(this.cls, site, 'rlock');
    if (this.readBlocked()) {
      t.waitingFor = this.cls;
      while (this.readBlocked()) {
        this.waiters.push(t);
        await k.block(`down_read ${this.name}`);
        k.access(this, true);
      }
      t.waitingFor = null;
    }
    this.readers++;
    k.lockdepHold(this.cls, site, 'rlock');
  }

  async downReadTrylock(site = ''): Promise<boolean> {
    const k = this.k;
    k.self();
    await k.point();
    k.access(this, true);
    if (this.readBlocked()) return false;
    this.readers++;
    k.lockdepHold(this.cls, site, 'rlock');
    return true;
  }

  upRead(): void {
    const k = this.k;
    k.self();
    k.access(this, true);
    if (this.readers <= 0) throw new Error(`up_read(${this.name}) without readers`);
    this.readers--;
    k.lockdepRelease(this.cls);
    if (this.readers === 0) this.wakeAll();
  }

  /** down_write, from the call site labelled `site` (see Mutex.lock). */
  async downWrite(site = ''): Promise<void> {
    const k = this.k;
    const t = k.self();
    k.mightSleepOp('down_write', this.name, site);
    await k.point();
    k.access(this, true);
    k.lockdepAcquire(this.cls, site);
    if (this.writer !== null || this.readers > 0) {
      this.waitingWriters++;
      t.waitingFor = this.cls;
      k.trace.instant(t.lane, 'lock', this.waitWriteEvent);
      while (this.writer !== null || this.readers > 0) {
        this.waiters.push(t);
        await k.block(`down_write ${this.name}`);
        k.access(this, true);
      }
      t.waitingFor = null;
      this.waitingWriters--;
    }
    this.writer = t;
    k.lockdepHold(this.cls, site);
    k.trace.instant(t.lane, 'lock', this.downWriteEvent);
  }

  async downWriteTrylock(site = ''): Promise<boolean> {
    const k = this.k;
    const t = k.self();
    await k.point();
    k.access(this, true);
    if (this.writer !== null || this.readers > 0) return false;
    this.writer = t;
    k.lockdepHold(this.cls, site);
    return true;
  }

  upWrite(): void {
    const k = this.k;
    const t = k.self();
    k.access(this, true);
    if (this.writer !== t) throw new Error(`up_write(${this.name}) by ${t.name}, not the writer`);
    this.writer = null;
    k.lockdepRelease(this.cls);
    k.trace.instant(t.lane, 'lock', this.upWriteEvent);
    this.wakeAll();
  }

  /** Every waiter re-checks its condition; FIFO order keeps the model fair. */
  private wakeAll(): void {
    const ws = this.waiters.splice(0);
    for (const w of ws) this.k.wake(w);
  }
}
