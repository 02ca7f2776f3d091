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
 */

export interface LockClass {
  readonly id: number;
  readonly name: string;
}

export interface CycleReport {
  cycle: string[];
}

export class Lockdep {
  private readonly classes = new Map<string, LockClass>();
  /** Adjacency: edges[a.id] is the set of class ids acquired (blocking) while a was held. */
  private readonly edges: Set<number>[] = [];
  private readonly byId: LockClass[] = [];
  private readonly reported = new Set<string>();

  classFor(name: string): LockClass {
    let cls = this.classes.get(name);
    if (cls === undefined) {
      cls = { id: this.byId.length, name };
      this.classes.set(name, cls);
      this.byId.push(cls);
      this.edges.push(new Set());
    }
    return cls;
  }

  /**
   * Records a blocking acquisition of `cls` while `held` are held. Returns the cycle when a new
   * edge closes one (each distinct cycle is reported once), else null.
   */
  acquire(held: readonly LockClass[], cls: LockClass): CycleReport | null {
    let report: CycleReport | null = null;
    for (const h of held) {
      if (h.id === cls.id) {
        // Re-acquiring a held class (a self-deadlock for mutexes, and the kernel's
        // "wait on a fence inside a signalling section" rule for dma_fence_map).
        report ??= this.once([h.name, cls.name]);
        continue;
      }
      const out = this.edges[h.id] as Set<number>;
      if (out.has(cls.id)) continue;
      out.add(cls.id);
      const path = this.path(cls.id, h.id);
      if (path !== null) report ??= this.once([h.name, ...path.map((id) => this.name(id))]);
    }
    return report;
  }

  private name(id: number): string {
    return (this.byId[id] as LockClass).name;
  }

  private once(cycle: string[]): CycleReport | null {
    const key = [...cycle].sort().join('|');
    if (this.reported.has(key)) return null;
    this.reported.add(key);
    return { cycle };
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
