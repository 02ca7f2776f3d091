/**
 * An open DRM file (`struct drm_file` + `struct panthor_file`): the per-file handle tables.
 *
 * Handles are small integers allocated per table, starting at 1 (xa_alloc with XA_FLAGS_ALLOC1),
 * so two files routinely have the same handle numbers for different objects: a lookup only ever
 * searches the calling file's table, which is what keeps files isolated from each other.
 */
import { nextId } from '../kernel/ids.js';
import type { PanthorDevice } from './device.js';
import type { Bo } from './gem.js';
import type { Group } from './group.js';
import type { Syncobj } from './syncobj.js';
import type { Vm } from './vm.js';

export const MAX_GROUPS_PER_FILE = 128;
export const MAX_VMS_PER_FILE = 256;

/** A small handle allocator: lowest free id from 1. */
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

export interface UserMappingRecord {
  id: number;
  bo: Bo;
  /** Set when the mapping was unmapped. */
  unmapped: boolean;
}

export class DrmFile {
  readonly id: number;
  closed = false;
  readonly bos = new HandleTable<Bo>(1 << 20);
  readonly vms = new HandleTable<Vm>(MAX_VMS_PER_FILE);
  readonly groups = new HandleTable<Group>(MAX_GROUPS_PER_FILE);
  readonly syncobjs = new HandleTable<Syncobj>(1 << 20);
  /** BOs this file may mmap, by fake offset (drm_vma_node_allow). */
  readonly mmapAllowed = new Map<number, Bo>();
  readonly mappings = new Map<number, UserMappingRecord>();
  nextMappingId = 1;

  constructor(
    readonly dev: PanthorDevice,
    /** CAP_SYS_NICE or DRM master: may create HIGH and REALTIME groups. */
    readonly privileged: boolean,
  ) {
    this.id = nextId(dev.k, 'file');
  }
}
