/**
 * `refcount_t`. Misuse is a finding, not an exception: dropping below zero is
 * `refcount-underflow`, and taking a reference on a zero count (the object is already being
 * freed) is `use-after-free`. Like the kernel's refcount_t the value then saturates instead of
 * wrapping, so one bug is reported once and the run can go on.
 *
 * Operations are decision points, like the atomics they are built from. `forceSet` exists for
 * code that the real drivers also have, such as a reset that zeroes every AS count; it is how
 * the `perfcnt-as-underflow` bug is expressed.
 */
import type { Kernel } from './kernel.js';

export class Refcount {
  constructor(
    private readonly k: Kernel,
    readonly name: string,
    private value = 1,
  ) {}

  peek(): number {
    return this.value;
  }

  async inc(): Promise<void> {
    await this.k.point();
    this.incNow();
  }

  /** refcount_inc without a decision point, for callers already inside an atomic step. */
  incNow(): void {
    if (this.value === 0) {
      this.k.violation('use-after-free', `refcount_t ${this.name}: addition on 0; use-after-free`);
      return;
    }
    this.value++;
  }

  async incNotZero(): Promise<boolean> {
    await this.k.point();
    if (this.value === 0) return false;
    this.value++;
    return true;
  }

  /** refcount_dec_and_test: true when this put dropped the last reference. */
  async decAndTest(): Promise<boolean> {
    await this.k.point();
    return this.decAndTestNow();
  }

  decAndTestNow(): boolean {
    if (this.value <= 0) {
      this.k.violation('refcount-underflow', `refcount_t ${this.name}: underflow; use-after-free`);
      return false;
    }
    this.value--;
    return this.value === 0;
  }

  /** refcount_dec: a put that must not be the last one. */
  async dec(): Promise<void> {
    await this.decAndTest();
  }

  forceSet(v: number): void {
    this.value = v;
  }
}
