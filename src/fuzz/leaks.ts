/**
 * Leak accounting at the end of a fuzz program, after every file was closed and the device
 * had time to settle. A leak is something a file's activity created or took that is still
 * held once the file is closed:
 *
 * | field    | counts                                                                          |
 * |----------|---------------------------------------------------------------------------------|
 * | `pages`  | physical pages allocated that do not belong to a device's firmware VM (its page tables, firmware sections, and the suspend buffers of live groups): with every file closed, every other page belonged to a file |
 * | `groups` | scheduling groups still alive on any device, bound or removed                   |
 * | `vms`    | VMs other than the firmware's still alive on any device (a perfcnt session's VM counts once its owner closed) |
 * | `as`     | address-space slots other than AS0 still bound to a VM                          |
 * | `fences` | fences never signalled                                                          |
 * | `files`  | closed files a device still lists                                               |
 * | `pm`     | runtime-PM usage references held on the bound device (it can never suspend)     |
 *
 * `leaks` (the campaign total) is the sum of these: pages and objects together, a number that
 * must be 0. Not a file leak, reported apart: `removedFirmwarePages`, the firmware memory of
 * devices that were removed (unbind, rebind recovery), which the model's driver never frees
 * at removal (Panthor's panthor_fw_unplug does).
 *
 * BOs and syncobjs have no registry of their own: a BO that outlives its last handle and
 * mapping shows up in `pages`, a syncobj holds no memory and goes with its file's handle table
 * (structural, tested by the isolation tests). Page tables are counted by walking them from
 * the root (the table pages a firmware VM links).
 */
import type { PanthorDevice } from '../driver/device.js';
import type { Vm } from '../driver/vm.js';
import type { PhysMem } from '../hw/memory.js';
import * as R from '../hw/regs.js';
import { fenceRegistry } from '../kernel/fence.js';
import type { System } from '../system/system.js';

export interface LeakReport {
  pages: number;
  groups: number;
  vms: number;
  as: number;
  fences: number;
  files: number;
  pm: number;
  /** Sum of the above. */
  total: number;
  /** Firmware pages still held by removed devices (not counted in `total`). */
  removedFirmwarePages: number;
  /** What leaked, briefly (at most a few entries). */
  details: string[];
}

const MAX_DETAILS = 8;

/** The leak counters, in report order. */
export const LEAK_FIELDS = ['pages', 'groups', 'vms', 'as', 'fences', 'files', 'pm'] as const;

/** Pages of the page tables reachable from `root` (bounded by the table count of a 48-bit VA). */
function tablePages(mem: PhysMem, root: number): number {
  let n = 0;
  const stack: Array<[number, number]> = [[root, 0]];
  while (stack.length > 0 && n < 1_000_000) {
    const [table, level] = stack.pop() as [number, number];
    n++;
    if (level >= R.PT_LEVELS - 1 || !mem.isAllocated(table)) continue;
    for (let i = 0; i < R.PT_ENTRIES; i++) {
      const lo = mem.read32(table + i * 8);
      if ((lo & R.PTE_VALID) !== 0 && (lo & R.PTE_TABLE_OR_PAGE) !== 0)
        stack.push([(lo & R.PTE_ADDR_MASK) >>> 0, level + 1]);
    }
  }
  return n;
}

/** Pages a live VM accounts for: its page tables and the BOs mapped in it (each BO once). */
function vmPages(mem: PhysMem, vm: Vm, seenBos: Set<number>): number {
  if (!vm.alive) return 0;
  let n = tablePages(mem, vm.pt.root);
  for (const m of vm.mappings) {
    if (seenBos.has(m.bo.id) || !m.bo.alive) continue;
    seenBos.add(m.bo.id);
    n += m.bo.pages.length;
  }
  return n;
}

export function measureLeaks(sys: System): LeakReport {
  const mem = sys.hw.mem;
  const details: string[] = [];
  const note = (s: string) => {
    if (details.length < MAX_DETAILS) details.push(s);
  };
  const bound = sys.dev;
  const seenBos = new Set<number>();
  let firmware = 0;
  let removedFirmwarePages = 0;
  let groups = 0;
  let vms = 0;
  let as = 0;
  let files = 0;
  for (const dev of sys.platform.devices) {
    for (const vm of dev.mmu.vms) {
      if (!vm.forMcu) continue;
      const n = vmPages(mem, vm, seenBos);
      firmware += n;
      if (dev !== bound) removedFirmwarePages += n;
    }
    groups += countGroups(dev, note);
    const session = dev.perfcnt.session;
    for (const vm of dev.mmu.vms) {
      // The firmware VM lives as long as the device; a perfcnt session's VM as long as the
      // session, and a session whose owner closed its file is itself a leak.
      if (vm.forMcu || !vm.alive) continue;
      if (vm === session?.vm && !session.owner.closed) continue;
      vms++;
      note(`${dev.name}: VM ${vm.name} still alive (refcount ${vm.refs.peek()})`);
    }
    for (let slot = 1; slot < dev.mmu.slots.length; slot++) {
      const vm = dev.mmu.slots[slot];
      if (vm === null || vm === undefined) continue;
      if (vm === session?.vm && !session.owner.closed) continue;
      as++;
      note(`${dev.name}: AS${slot} still bound to ${vm.name} (activeCnt ${vm.activeCnt.peek()})`);
    }
    for (const f of dev.files) {
      if (!f.closed) continue;
      files++;
      note(`${dev.name}: closed file ${f.id} still listed`);
    }
  }
  const pages = Math.max(0, mem.allocatedPages - firmware);
  if (pages > 0) note(`${pages} physical page(s) allocated outside the firmware VMs`);
  const unsignalled = fenceRegistry(sys.k).unsignalled();
  if (unsignalled.length > 0)
    note(
      `${unsignalled.length} fence(s) never signalled: ${unsignalled
        .slice(0, 3)
        .map((f) => f.name)
        .join(', ')}`,
    );
  const pm = bound !== null && !bound.unplugged ? Math.max(0, bound.pm.usage) : 0;
  if (pm > 0) note(`${bound?.name}: ${pm} runtime-PM usage reference(s) held`);
  const total = pages + groups + vms + as + unsignalled.length + files + pm;
  return {
    pages,
    groups,
    vms,
    as,
    fences: unsignalled.length,
    files,
    pm,
    total,
    removedFirmwarePages,
    details,
  };
}

function countGroups(dev: PanthorDevice, note: (s: string) => void): number {
  let n = 0;
  for (const g of dev.sched.groups) {
    n++;
    note(`${dev.name}: group ${g.name} still alive (refcount ${g.refs.peek()})`);
  }
  return n;
}

/** A report with nothing in it (for sums). */
export function noLeaks(): LeakReport {
  return {
    pages: 0,
    removedFirmwarePages: 0,
    groups: 0,
    vms: 0,
    as: 0,
    fences: 0,
    files: 0,
    pm: 0,
    total: 0,
    details: [],
  };
}

/** Adds `b` into `a` (details are kept only from the first report that has some). */
export function addLeaks(a: LeakReport, b: LeakReport): void {
  for (const k of LEAK_FIELDS) a[k] += b[k];
  a.removedFirmwarePages += b.removedFirmwarePages;
  a.total += b.total;
  if (a.details.length === 0) a.details.push(...b.details);
}

/** The counters of a report, without the total and the details (the fuzz report's `leakCounts`). */
export function leakCounts(r: LeakReport): Omit<LeakReport, 'details' | 'total'> {
  return {
    pages: r.pages,
    groups: r.groups,
    vms: r.vms,
    as: r.as,
    fences: r.fences,
    files: r.files,
    pm: r.pm,
    removedFirmwarePages: r.removedFirmwarePages,
  };
}
