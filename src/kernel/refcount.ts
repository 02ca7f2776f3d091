/**
 * `refcount_t`. Misuse is a finding, not an exception: dropping below zero is
 * `refcount-underflow`, and taking a reference on a zero count (the object is already being
 * freed) is `use-after-free`. Like the kernel's refcount_t the value then saturates instead of
 * wrapping, so one bug is reported once and the run can go on.
 *
 * Operations are decision points, like the atomics they are built from. `forceSet` exists for
 * code that the real drivers also have, such as a reset that zeroes every AS count; it is how
 * the `perfcnt-as-underflow` bug is expressed.
 *
 * Each counter keeps its last `REFCOUNT_HISTORY` operations (who, where, when, the value
 * before and after) in a ring, so that the report of a bad put shows the puts and gets that
 * led to it (bug-report.ts). The ring is two plain arrays made at the counter's first
 * operation (numbers in one, the task and call-site label in the other); recording writes six
 * slots and allocates nothing. A run makes a few hundred such operations.
 */
import { type RefEvent, refcountLines } from './bug-report.js';
import type { Kernel } from './kernel.js';
import { taskId } from './report-format.js';
import type { Task } from './task.js';

/** Operations kept per counter. */
export const REFCOUNT_HISTORY = 8;

const OPS: readonly RefEvent['op'][] = ['get', 'put', 'set'];
const GET = 0;
const PUT = 1;
const SET = 2;

/** Per entry: op, from, to, atNs in `nums`; task, site in `refs`. */
const NUMS = 4;
const REFS = 2;

interface Ring {
  n: number;
  nums: number[];
  refs: (Task | string | null)[];
}

function newRing(): Ring {
  return {
    n: 0,
    nums: new Array<number>(REFCOUNT_HISTORY * NUMS).fill(0),
    refs: new Array<Task | string | null>(REFCOUNT_HISTORY * REFS).fill(null),
  };
}

export class Refcount {
  private ring: Ring | null = null;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    private value = 1,
  ) {
    k.register(this);
  }

  peek(): number {
    this.k.access(this, false);
    return this.value;
  }

  private record(op: number, from: number, to: number, site: string): void {
    let r = this.ring;
    if (r === null) {
      r = newRing();
      this.ring = r;
    }
    const i = r.n % REFCOUNT_HISTORY;
    r.n++;
    const nums = r.nums;
    nums[i * NUMS] = op;
    nums[i * NUMS + 1] = from;
    nums[i * NUMS + 2] = to;
    nums[i * NUMS + 3] = this.k.nowNs;
    r.refs[i * REFS] = this.k.current;
    r.refs[i * REFS + 1] = site;
  }

  /** The recorded operations, oldest first. */
  history(): RefEvent[] {
    const r = this.ring;
    if (r === null) return [];
    const out: RefEvent[] = [];
    const first = Math.max(0, r.n - REFCOUNT_HISTORY);
    for (let n = first; n < r.n; n++) {
      const i = n % REFCOUNT_HISTORY;
      const t = r.refs[i * REFS] as Task | null;
      out.push({
        op: OPS[r.nums[i * NUMS] as number] as RefEvent['op'],
        from: r.nums[i * NUMS + 1] as number,
        to: r.nums[i * NUMS + 2] as number,
        task: t === null ? '(no task)' : taskId(t),
        site: r.refs[i * REFS + 1] as string,
        atNs: r.nums[i * NUMS + 3] as number,
      });
    }
    return out;
  }

  /** Operations recorded since the counter was created (the ring keeps the last few). */
  get operations(): number {
    return this.ring?.n ?? 0;
  }

  private report(what: string, site: string): string[] {
    return refcountLines(
      what,
      this.name,
      this.k.current,
      site,
      this.k.nowNs,
      this.history(),
      this.operations,
    );
  }

  async inc(site = ''): Promise<void> {
    await this.k.point();
    this.incNow(site);
  }

  /** refcount_inc without a decision point, for callers already inside an atomic step. */
  incNow(site = ''): void {
    this.k.access(this, true);
    if (this.value === 0) {
      this.record(GET, 0, 0, site);
      this.k.violation(
        'use-after-free',
        `refcount_t ${this.name}: addition on 0; use-after-free`,
        this.report('addition on 0; use-after-free', site),
      );
      return;
    }
    this.record(GET, this.value, this.value + 1, site);
    this.value++;
  }

  async incNotZero(site = ''): Promise<boolean> {
    await this.k.point();
    this.k.access(this, true);
    if (this.value === 0) return false;
    this.record(GET, this.value, this.value + 1, site);
    this.value++;
    return true;
  }

  /** refcount_dec_and_test: true when this put dropped the last reference. */
  async decAndTest(site = ''): Promise<boolean> {
    await this.k.point();
    return this.decAndTestNow(site);
  }

  decAndTestNow(site = ''): boolean {
    this.k.access(this, true);
    if (this.value <= 0) {
      this.record(PUT, this.value, -1, site);
      this.k.violation(
        'refcount-underflow',
        `refcount_t ${this.name}: underflow; use-after-free`,
        this.report('underflow; use-after-free', site),
      );
      return false;
    }
    this.record(PUT, this.value, this.value - 1, site);
    this.value--;
    return this.value === 0;
  }

  /** refcount_dec: a put that must not be the last one. */
  async dec(site = ''): Promise<void> {
    await this.decAndTest(site);
  }

  forceSet(v: number, site = ''): void {
    this.k.access(this, true);
    this.record(SET, this.value, v, site);
    this.value = v;
  }
}
