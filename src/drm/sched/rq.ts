/**
 * DOC: The scheduler's run queue (`struct drm_sched_rq`; drivers/gpu/drm/scheduler/sched_rq.c:
 * drm_sched_rq_add_entity, _remove_entity, _pop_entity, drm_sched_select_entity).
 *
 * One run queue per scheduler, as in the kernel followed (the per-priority run queues are
 * gone). It has two views of its entities: `entities`, every entity that ever pushed a job and
 * was not removed (the kernel's `rq->entities` list, which `drm_sched_entity_is_idle` looks
 * at), and an ordered queue of the entities that have jobs (the kernel's rb-tree), which the
 * run work walks in order to find the first entity that is ready.
 *
 * Order: the kernel orders the tree by a virtual runtime (the "fair" policy: GPU time scaled
 * by priority); the model orders it by the submit time of each entity's first queued job,
 * which is the FIFO policy that preceded it (`drm_sched_rq_update_fifo_locked`). With one
 * entity per scheduler, as Panthor has, the two are the same. Equal keys keep arrival order,
 * as `rb_add_cached` puts an equal key after the ones already there.
 */
import { Errno } from '../../kernel/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import { Spinlock } from '../../kernel/spinlock.js';
import type { SchedEntity } from './entity.js';
import type { GpuScheduler } from './scheduler.js';

export class SchedRunQueue {
  /** `rq->lock`. Taken after the entity's lock. */
  readonly lock: Spinlock;
  /** `rq->entities`: membership, in the order entities joined. */
  readonly entities = new Set<SchedEntity>();
  /** `rq->rb_tree_root`: entities with queued jobs, by key, then by arrival. */
  private readonly tree: Array<{ entity: SchedEntity; key: number }> = [];

  constructor(
    private readonly k: Kernel,
    readonly sched: GpuScheduler,
  ) {
    this.lock = new Spinlock(k, 'drm_sched_rq.lock');
  }

  /** The entities in the order the run work considers them (for tests and the doc). */
  get order(): SchedEntity[] {
    return this.tree.map((n) => n.entity);
  }

  /**
   * drm_sched_rq_add_entity (sched_rq.c): under the entity's lock, refuse a stopped (killed)
   * entity — "Trying to push to a killed entity", null, and no wake-up — else join the list
   * and (re)key the entity in the tree. Returns the scheduler to wake.
   */
  async addEntity(entity: SchedEntity): Promise<GpuScheduler | null> {
    await entity.lock.lock('addEntity [drm/sched/rq.ts]');
    if (entity.stopped) {
      entity.lock.unlock();
      this.sched.warn('Trying to push to a killed entity');
      return null;
    }
    await this.lock.lock('addEntity [drm/sched/rq.ts]');
    this.entities.add(entity);
    this.updateTree(entity, entity.headSubmitTsNs());
    this.lock.unlock();
    entity.lock.unlock();
    return this.sched;
  }

  /**
   * drm_sched_rq_remove_entity (sched_rq.c): leave the list and the tree. The caller holds the
   * entity's lock.
   */
  async removeEntity(entity: SchedEntity): Promise<void> {
    if (entity.lock.owner !== this.k.current)
      throw new Error('drm_sched_rq_remove_entity: entity lock not held');
    if (!this.entities.has(entity)) return;
    await this.lock.lock('removeEntity [drm/sched/rq.ts]');
    this.entities.delete(entity);
    this.removeTree(entity);
    this.lock.unlock();
  }

  /**
   * drm_sched_rq_pop_entity (sched_rq.c), after a job was taken from `entity`: re-key it by
   * its next job, or take it out of the tree (it stays on the list) when it has none.
   */
  async popEntity(entity: SchedEntity): Promise<void> {
    await entity.lock.lock('popEntity [drm/sched/rq.ts]');
    await this.lock.lock('popEntity [drm/sched/rq.ts]');
    if (entity.queued > 0) this.updateTree(entity, entity.headSubmitTsNs());
    else this.removeTree(entity);
    this.lock.unlock();
    entity.lock.unlock();
  }

  /**
   * drm_sched_select_entity (sched_rq.c): the first entity in order that is ready (a queued
   * job, no dependency pending). If the scheduler cannot take that entity's job for want of
   * credits, -ENOSPC: the entity keeps its place. Else its `entity_idle` completion is re-armed
   * (the scheduler now uses it) and it is returned. Null when no entity is ready.
   */
  async selectEntity(): Promise<SchedEntity | number | null> {
    await this.lock.lock('selectEntity [drm/sched/rq.ts]');
    try {
      for (const { entity } of this.tree) {
        if (!entity.isReady()) continue;
        if (!this.sched.canQueue(entity)) return -Errno.ENOSPC;
        entity.entityIdle.reinit();
        return entity;
      }
      return null;
    } finally {
      this.lock.unlock();
    }
  }

  private removeTree(entity: SchedEntity): void {
    const i = this.tree.findIndex((n) => n.entity === entity);
    if (i >= 0) this.tree.splice(i, 1);
  }

  private updateTree(entity: SchedEntity, key: number): void {
    this.removeTree(entity);
    let i = this.tree.length;
    while (i > 0 && (this.tree[i - 1] as { key: number }).key > key) i--;
    this.tree.splice(i, 0, { entity, key });
  }
}
