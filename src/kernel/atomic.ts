/**
 * `atomic_t`: every operation is atomic, and each is a decision point *before* it executes,
 * so the explorer can interleave other tasks between a read and a later action that depends
 * on it (the window in "check pending, then queue the work"). `peek()` reads without a decision
 * point and is meant for observers and assertions only.
 *
 * Every operation reports its access to the step it runs in (`Kernel.access`, hb.ts): a read
 * for `read` and `peek`, a write for the others.
 */
import type { Kernel } from './kernel.js';

export class Atomic {
  constructor(
    private readonly k: Kernel,
    readonly name: string,
    private value = 0,
  ) {
    k.register(this);
  }

  peek(): number {
    this.k.access(this, false);
    return this.value;
  }

  async read(): Promise<number> {
    await this.k.point();
    this.k.access(this, false);
    return this.value;
  }

  async set(v: number): Promise<void> {
    await this.k.point();
    this.k.access(this, true);
    this.value = v;
  }

  /**
   * A read-modify-write computed from the old value (what a cmpxchg loop, or a field updated
   * under a spinlock together with other checks, achieves): one decision point, then `fn` runs
   * and its result is stored in the same step. `fn` must not sleep. Returns the old value.
   */
  async fetchUpdate(fn: (old: number) => number): Promise<number> {
    await this.k.point();
    this.k.access(this, true);
    const old = this.value;
    this.value = fn(old);
    return old;
  }

  /** Returns the old value; stores `next` only when the old value was `expected`. */
  async cmpxchg(expected: number, next: number): Promise<number> {
    await this.k.point();
    this.k.access(this, true);
    const old = this.value;
    if (old === expected) this.value = next;
    return old;
  }

  async xchg(next: number): Promise<number> {
    await this.k.point();
    this.k.access(this, true);
    const old = this.value;
    this.value = next;
    return old;
  }

  /** atomic_add_return. */
  async add(delta: number): Promise<number> {
    await this.k.point();
    this.k.access(this, true);
    this.value += delta;
    return this.value;
  }

  /** atomic_or: returns the old value. */
  async or(bits: number): Promise<number> {
    await this.k.point();
    this.k.access(this, true);
    const old = this.value;
    this.value = (old | bits) >>> 0;
    return old;
  }

  inc(): Promise<number> {
    return this.add(1);
  }

  dec(): Promise<number> {
    return this.add(-1);
  }
}
