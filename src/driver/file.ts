/**
 * Panthor's per-file state (`struct panthor_file`, the `driver_priv` of a `drm_file`): the VM
 * pool and the group pool (panthor_drv.c, `panthor_open`). The DRM core's part of the file (GEM
 * and syncobj handles, mmap rights) is `src/drm/file.ts`.
 */
import { DrmFile, HandleTable } from '../drm/file.js';
import type { Process } from '../kernel/fdtable.js';
import type { PanthorDevice } from './device.js';
import type { Bo } from './gem.js';
import type { Group } from './group.js';
import type { Vm } from './vm.js';

/** Bounds of the group and VM pools (the xa_alloc limits of panthor_group_create and panthor_vm_pool_create_vm). */
export const MAX_GROUPS_PER_FILE = 128;
export const MAX_VMS_PER_FILE = 32;

export class PanthorFile extends DrmFile<Bo> {
  /** `panthor_file.vms`: the file's VM pool. */
  readonly vms = new HandleTable<Vm>(MAX_VMS_PER_FILE);
  /** `panthor_file.groups`: the file's group pool. */
  readonly groups = new HandleTable<Group>(MAX_GROUPS_PER_FILE);

  constructor(
    readonly dev: PanthorDevice,
    privileged: boolean,
    owner: Process,
    /** The descriptor open(2) returned in `owner` (the file may be reached by others too). */
    readonly fd: number,
  ) {
    super(dev.k, privileged, owner);
  }
}
