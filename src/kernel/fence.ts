/**
 * dma-fence: the kernel's one-shot completion for GPU work.
 *
 * Rules enforced here (docs/design.md §2 `fence-signalled`, `fence-error-code`, `deadlock`):
 * - a fence is signalled exactly once; a second signal is reported;
 * - an error is set *before* signalling; setting one afterwards is reported, because a waiter
 *   may already have seen success;
 * - callbacks run synchronously in the signaller's context, in registration order;
 * - waiting sleeps (so not in atomic context) and, like the kernel's lockdep annotation, is an
 *   acquisition of `dma_fence_map`: a wait inside a fence-signalling critical section, or while
 *   holding a lock that signalling paths take, is a potential deadlock.
 *
 * Every fence created through a kernel is registered in `FenceRegistry`, so that the liveness
 * oracle can check at the end of a run that every fence was signalled.
 *
 * Fences, their contexts and the registry report their accesses to the explorer's
 * happens-before hashing (`Kernel.access`, docs/explorer.md §11): a look at a fence's state
 * (`signalled`, `error`, the signal instant, the callback list) is a read, signalling, setting
 * an error and adding or removing a callback are writes, and creating a fence or a context
 * writes the registry (the fence's trace id and the context number depend on the order).
 */
import type { Kernel } from './kernel.js';
import type { LockClass } from './lockdep.js';
import { WaitQueue } from './waitqueue.js';

const FENCE_MAP = 'dma_fence_map';

export class FenceRegistry {
  readonly all: Fence[] = [];
  private nextContext = 1;

  constructor(private readonly k: Kernel) {
    k.register(this);
  }

  allocContext(): number {
    this.k.access(this, true);
    return this.nextContext++;
  }

  unsignalled(): Fence[] {
    return this.all.filter((f) => !f.signalled);
  }
}

const registries = new WeakMap<Kernel, FenceRegistry>();

export function fenceRegistry(k: Kernel): FenceRegistry {
  let r = registries.get(k);
  if (r === undefined) {
    r = new FenceRegistry(k);
    registries.set(k, r);
  }
  return r;
}

export type FenceCallback = (f: Fence) => void;

export class Fence {
  private isSignalled = false;
  private errno = 0;
  private signalInstantNs = -1;
  readonly createdAtNs: number;
  private callbacks: FenceCallback[] = [];
  private waiters: WaitQueue | null = null;
  private readonly asyncId: number;

  constructor(
    protected readonly k: Kernel,
    readonly context: number,
    readonly seqno: number,
    readonly name: string,
  ) {
    k.register(this);
    const reg = fenceRegistry(k);
    k.access(reg, true);
    this.asyncId = reg.all.length + 1;
    reg.all.push(this);
    this.createdAtNs = k.nowNs;
  }

  get signalled(): boolean {
    this.k.access(this, false);
    return this.isSignalled;
  }

  /** 0, or a negative errno set before signalling. */
  get error(): number {
    this.k.access(this, false);
    return this.errno;
  }

  /** The virtual instant of the signal, -1 while pending. */
  get signalledAtNs(): number {
    this.k.access(this, false);
    return this.signalInstantNs;
  }

  /** 0 while pending, 1 when signalled without error, the negative errno otherwise. */
  get status(): number {
    this.k.access(this, false);
    if (!this.isSignalled) return 0;
    return this.errno !== 0 ? this.errno : 1;
  }

  setError(err: number): void {
    if (err >= 0)
      throw new Error(`dma_fence_set_error(${this.name}, ${err}): not a negative errno`);
    this.k.access(this, true);
    if (this.isSignalled) {
      this.k.violation(
        'fence-error-code',
        `fence ${this.name}: error ${err} set after it was signalled`,
      );
      return;
    }
    this.errno = err;
  }

  /** dma_fence_signal. Returns false (and reports) if it was already signalled. */
  signal(): boolean {
    const k = this.k;
    k.access(this, true);
    if (this.isSignalled) {
      k.violation('fence-signalled', `fence ${this.name} signalled twice`);
      return false;
    }
    this.isSignalled = true;
    this.signalInstantNs = k.nowNs;
    const lane = k.current?.lane ?? k.trace.lane('cpu', 'runtime');
    k.trace.instant(lane, 'fence', `signal ${this.name}`, { error: this.errno });
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb(this);
    this.waiters?.wakeUp();
    return true;
  }

  /** dma_fence_add_callback: false when already signalled (the callback is not called). */
  addCallback(cb: FenceCallback): boolean {
    this.k.access(this, true);
    if (this.isSignalled) return false;
    this.callbacks.push(cb);
    return true;
  }

  removeCallback(cb: FenceCallback): boolean {
    this.k.access(this, true);
    const i = this.callbacks.indexOf(cb);
    if (i < 0) return false;
    this.callbacks.splice(i, 1);
    return true;
  }

  /** dma_fence_wait_timeout: true when signalled, false on timeout. Sleeps. */
  async wait(timeoutNs = -1, site = ''): Promise<boolean> {
    const k = this.k;
    k.mightSleepOp('dma_fence_wait', this.name, site);
    k.lockdepAcquire(fenceMapClass(k), site, 'sync');
    if (this.signalled) {
      await k.point();
      return true;
    }
    if (this.waiters === null) {
      // The first waiter hangs the queue on the fence: a write.
      k.access(this, true);
      this.waiters = new WaitQueue(k, `fence ${this.name}`);
    }
    return this.waiters.waitEvent(() => this.signalled, timeoutNs);
  }

  /** For traces: an id for async slices. */
  get traceId(): number {
    return this.asyncId;
  }
}

function fenceMapClass(k: Kernel): LockClass {
  return k.lockdep.classFor(FENCE_MAP, 'fence');
}

/** dma_fence_begin_signalling: returns a cookie for `endSignalling`. */
export function beginSignalling(k: Kernel, site = ''): number {
  const t = k.self();
  t.signallingDepth++;
  k.lockdepHold(fenceMapClass(k), site);
  return t.signallingDepth;
}

export function endSignalling(k: Kernel, cookie: number): void {
  const t = k.self();
  if (cookie !== t.signallingDepth) throw new Error('dma_fence_end_signalling: unbalanced');
  t.signallingDepth--;
  k.lockdepRelease(fenceMapClass(k));
}

/** A fence context: a timeline of fences with increasing seqnos (one per queue in Panthor). */
export class FenceContext {
  readonly id: number;
  private seqno = 0;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {
    k.register(this);
    this.id = fenceRegistry(k).allocContext();
  }

  /** The seqno of the last fence created (`atomic64_read(&fence_ctx.seqno)`). */
  get lastSeqno(): number {
    this.k.access(this, false);
    return this.seqno;
  }

  create(label?: string): Fence {
    this.k.access(this, true);
    this.seqno++;
    return new Fence(this.k, this.id, this.seqno, label ?? `${this.name}#${this.seqno}`);
  }
}
