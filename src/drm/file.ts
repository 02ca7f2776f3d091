/**
 * An open DRM file (`struct drm_file`, drivers/gpu/drm/drm_file.c): what the DRM core keeps per
 * open file — the GEM handle table (`object_idr`, drm_gem.c), the syncobj table
 * (`syncobj_idr`, drm_syncobj.c), the fake mmap offsets this file may map
 * (`drm_vma_node_allow`) and its user mappings. The driver's own per-file state
 * (`driver_priv`: Panthor's VM and group pools) lives in the driver's subclass
 * (`src/driver/file.ts`).
 *
 * Handles are small integers allocated per table, starting at 1 (`idr_alloc(..., 1, 0)` for GEM
 * handles and syncobjs, `xa_alloc` with `XA_FLAGS_ALLOC1` for Panthor's pools), so two files
 * routinely have the same handle numbers for different objects: a lookup only ever searches the
 * calling file's table, which is what keeps files isolated from each other.
 */
import { Errno } from '../kernel/errno.js';
import type { Process } from '../kernel/fdtable.js';
import { nextId } from '../kernel/ids.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Syncobj } from './syncobj.js';

/** What the DRM core needs of a driver's GEM object. */
export interface GemObject {
  /** The fake mmap offset (drm_vma_node), 0 while none was asked for. */
  readonly mmapOffset: number;
  /** Drops a reference (drm_gem_object_put). */
  put(): void;
}

/** A small handle allocator: lowest free id from 1, at most `limit` entries. */
export class HandleTable<T> {
  readonly map = new Map<number, T>();

  constructor(private readonly limit: number) {}

  alloc(obj: T): number {
    for (let h = 1; h <= this.limit; h++) {
      if (!this.map.has(h)) {
        this.map.set(h, obj);
        return h;
      }
    }
    return 0;
  }

  get(h: number): T | undefined {
    return Number.isInteger(h) ? this.map.get(h) : undefined;
  }

  remove(h: number): T | undefined {
    const obj = this.map.get(h);
    this.map.delete(h);
    return obj;
  }

  get size(): number {
    return this.map.size;
  }
}

export interface UserMappingRecord<Bo> {
  id: number;
  bo: Bo;
  /** Set when the mapping was unmapped. */
  unmapped: boolean;
}

/** `struct drm_file`; `Bo` is the driver's GEM object type. */
export class DrmFile<Bo extends GemObject = GemObject> {
  readonly id: number;
  closed = false;
  /** GEM handles (`object_idr`). */
  readonly bos = new HandleTable<Bo>(1 << 20);
  /** Syncobj handles (`syncobj_idr`). */
  readonly syncobjs = new HandleTable<Syncobj>(1 << 20);
  /** BOs this file may mmap, by fake offset (drm_vma_node_allow). */
  readonly mmapAllowed = new Map<number, Bo>();
  readonly mappings = new Map<number, UserMappingRecord<Bo>>();
  nextMappingId = 1;

  constructor(
    k: Kernel,
    /** CAP_SYS_NICE or DRM master: may create HIGH and REALTIME groups. */
    readonly privileged: boolean,
    /**
     * The process that opened the file: the `current` of calls made without naming one (a
     * file can be shared, so an ioctl that allocates or looks up fds is told its caller).
     */
    readonly owner: Process,
  ) {
    this.id = nextId(k, 'file');
  }

  /**
   * `drm_gem_handle_delete` (GEM_CLOSE): -EINVAL for no such handle; otherwise the handle
   * goes, the file loses its right to mmap the object (`drm_vma_node_revoke`: without it an
   * mmap after the close would reach an object that may be freed) and the handle's reference
   * is dropped.
   */
  gemHandleDelete(handle: number): number {
    const bo = this.bos.remove(handle);
    if (bo === undefined) return -Errno.EINVAL;
    if (bo.mmapOffset !== 0 && this.mmapAllowed.get(bo.mmapOffset) === bo)
      this.mmapAllowed.delete(bo.mmapOffset);
    bo.put();
    return 0;
  }
}
