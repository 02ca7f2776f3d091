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
import { nextId } from '../kernel/ids.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Syncobj } from './syncobj.js';

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
export class DrmFile<Bo> {
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
  ) {
    this.id = nextId(k, 'file');
  }
}
