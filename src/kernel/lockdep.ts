/**
 * A lockdep-like dependency checker.
 *
 * Like the kernel's lockdep, it reasons about lock *classes* (all locks created with the same
 * name share a class) and records an edge A -> B whenever a task that holds A performs an
 * acquisition of B that can block. A new edge that closes a cycle is a potential deadlock and is
 * reported as `deadlock`, even if this particular run did not hang: that is the point of
 * lockdep, it finds the ABBA pattern from a single lucky interleaving.
 *
 * Beyond mutexes, rw-semaphores and spinlocks, the same graph carries the kernel's
 * cross-primitive annotations:
 * - SRCU: `srcu_read_lock` is a non-blocking read acquisition (no edges into it, so readers
 *   never depend on each other) and `synchronize_srcu` a blocking acquisition (edges from every
 *   held lock), so "hold M and synchronize S" plus "read S then take M" is a cycle;
 * - work items: running a work item holds the work's class, and `flush_work` /
 *   `cancel_work_sync` acquire it, so flushing a work while holding a lock that the work takes
 *   is a cycle;
 * - dma-fence signalling: `dma_fence_begin_signalling` holds the `dma_fence_map` class and
 *   `dma_fence_wait` acquires it, so waiting on a fence while holding a lock that a signalling
 *   path takes is a cycle.
 *
 * For the report (lockdep-report.ts, in kernel/locking/lockdep.c's format), every edge keeps
 * what the kernel keeps as a stack trace: who created it, where (the call-site label passed
 * at acquisition), when, and the locks that task held. That is recorded only when an edge is
 * new, which happens a few dozen times per run, not per acquisition.
 */
import type { HeldHow, Task } from './task.js';

/** What kind of primitive a class belongs to (reports say "spin_lock" or "mutex"). */
export type LockKind = 'mutex' | 'rwsem' | 'spinlock' | 'srcu' | 'work' | 'fence' | 'other';

export interface LockClass {
  readonly id: number;
  readonly name: string;
  /** The kind of the first lock created with this name. */
  readonly kind: LockKind;
}

/** One held lock, as a report prints it. */
export interface HeldLockInfo {
  name: string;
  site: string;
  atNs: number;
  how: HeldHow;
}

/** What created a dependency edge A -> B (lockdep's per-entry stack trace). */
export interface EdgeInfo {
  /** `name/id` of the task. */
  task: string;
  /** Where B was acquired. */
  site: string;
  how: HeldHow;
  atNs: number;
  /** Everything the task held then, A among them. */
  held: HeldLockInfo[];
}

export interface CycleReport {
  /**
   * `circular`: the new edge prev -> next closes a cycle through existing edges
   * (print_circular_bug); `recursive`: `next` is already held (print_deadlock_bug).
   */
  kind: 'circular' | 'recursive';
  /** Class names around the cycle, for the one-line message. */
  cycle: string[];
  /** The held lock and the one being acquired. */
  prev: LockClass;
  next: LockClass;
  /**
   * circular: the existing path next = c0 -> c1 -> ... -> ck = prev, as the classes c1..ck
   * with the edge that reached each one (c(i-1) -> ci). Empty for recursive.
   */
  chain: { cls: LockClass; edge: EdgeInfo | null }[];
}

/** The locks `t` holds, as reports print them. */
export function heldLocks(t: Task): HeldLockInfo[] {
  return t.held.map((c, i) => {
    const e = t.heldInfo?.[i];
    return { name: c.name, site: e?.site ?? '', atNs: e?.atNs ?? 0, how: e?.how ?? 'lock' };
  });
}

export class Lockdep {
  private readonly classes = new Map<string, LockClass>();
  /** Adjacency: edges[a.id] is the set of class ids acquired (blocking) while a was held. */
  private readonly edges: Set<number>[] = [];
  private readonly byId: LockClass[] = [];
  private readonly reported = new Set<string>();
  /** Edge (from.id * 65536 + to.id: one class per lock name, far fewer than 65536) -> info. */
  private readonly edgeInfo = new Map<number, EdgeInfo>();

  classFor(name: string, kind: LockKind = 'other'): LockClass {
    let cls = this.classes.get(name);
    if (cls === undefined) {
      cls = { id: this.byId.length, name, kind };
      this.classes.set(name, cls);
      this.byId.push(cls);
      this.edges.push(new Set());
    }
    return cls;
  }

  /**
   * Records a blocking acquisition of `cls` by `t` (edges from every class `t` holds), at
   * `site`, at `nowNs`. Returns the cycle when a new edge closes one (each distinct cycle is
   * reported once), else null.
   */
  acquire(t: Task, cls: LockClass, site: string, how: HeldHow, nowNs: number): CycleReport | null {
    const held = t.held;
    let report: CycleReport | null = null;
    for (let i = 0; i < held.length; i++) {
      const h = held[i] as LockClass;
      if (h.id === cls.id) {
        // Re-acquiring a held class (a self-deadlock for mutexes, and the kernel's
        // "wait on a fence inside a signalling section" rule for dma_fence_map).
        if (report === null && this.once([h.name, cls.name])) {
          report = { kind: 'recursive', cycle: [h.name, cls.name], prev: h, next: cls, chain: [] };
        }
        continue;
      }
      const out = this.edges[h.id] as Set<number>;
      if (out.has(cls.id)) continue;
      out.add(cls.id);
      this.edgeInfo.set(h.id * 65536 + cls.id, {
        task: `${t.name}/${t.id}`,
        site,
        how,
        atNs: nowNs,
        held: heldLocks(t),
      });
      if (report !== null) continue;
      const path = this.path(cls.id, h.id);
      if (path === null) continue;
      const cycle = [h.name, ...path.map((id) => this.name(id))];
      if (!this.once(cycle)) continue;
      const chain: CycleReport['chain'] = [];
      for (let j = 1; j < path.length; j++) {
        const from = path[j - 1] as number;
        const to = path[j] as number;
        chain.push({
          cls: this.byId[to] as LockClass,
          edge: this.edgeInfo.get(from * 65536 + to) ?? null,
        });
      }
      report = { kind: 'circular', cycle, prev: h, next: cls, chain };
    }
    return report;
  }

  private name(id: number): string {
    return (this.byId[id] as LockClass).name;
  }

  /** True the first time this cycle is seen. */
  private once(cycle: string[]): boolean {
    const key = [...cycle].sort().join('|');
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }

  /** Breadth-first path from `from` to `to` over recorded edges, as class ids. */
  private path(from: number, to: number): number[] | null {
    const prev = new Map<number, number>([[from, -1]]);
    const queue = [from];
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi] as number;
      if (node === to) {
        const out: number[] = [];
        for (let n = to; n !== -1; n = prev.get(n) as number) out.push(n);
        return out.reverse();
      }
      for (const next of this.edges[node] as Set<number>) {
        if (!prev.has(next)) {
          prev.set(next, node);
          queue.push(next);
        }
      }
    }
    return null;
  }
}
