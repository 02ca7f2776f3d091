/**
 * Lockdep's splats, in the layout of kernel/locking/lockdep.c, so that a kernel developer
 * reads them as they read dmesg:
 *
 * - a new edge that closes a cycle: print_circular_bug (print_circular_bug_header, one
 *   print_circular_bug_entry per lock of the existing chain in reverse order,
 *   print_circular_lock_scenario's "Chain exists of" and CPU0/CPU1 columns, then
 *   lockdep_print_held_locks);
 * - re-acquiring a held class: print_deadlock_bug and print_deadlock_scenario.
 *
 * Where lockdep prints a stack trace, the model prints the call-site label recorded at the
 * acquisition, the task that made it and the virtual time; under each chain entry it also
 * lists what that task held, which lockdep leaves to the reader's memory of the code. Lock
 * addresses and usage bits (`{+.+.}-{3:3}`) are left out: the model has no addresses and does
 * not track IRQ-safety states.
 */
import type { CycleReport, EdgeInfo, HeldLockInfo } from './lockdep.js';
import { formatTime, heldLine, heldLocksLines, siteText } from './report-format.js';
import type { HeldHow } from './task.js';

/** What the acquiring task is doing, for the header and the `#0` entry. */
export interface AcquireContext {
  /** `comm/pid`. */
  task: string;
  site: string;
  how: HeldHow;
  atNs: number;
  held: HeldLockInfo[];
}

function entryLines(depth: number, name: string, e: EdgeInfo | null): string[] {
  const out = [`-> #${depth} (${name}):`];
  if (e === null) {
    out.push('       (the dependency was recorded before its details were)');
    return out;
  }
  out.push(`       ${siteText(e.site)}`);
  out.push(`       by ${e.task} at ${formatTime(e.atNs)}, holding:`);
  for (const [i, h] of e.held.entries()) out.push(`       ${heldLine(i, h)}`);
  return out;
}

/** print_circular_bug and print_deadlock_bug, as lines (no trailing newline). */
export function lockdepSplat(c: CycleReport, now: AcquireContext): string[] {
  const prevHeld = [...now.held].reverse().find((h) => h.name === c.prev.name);
  const prevLine = ` (${c.prev.name}), at: ${siteText(prevHeld?.site ?? '')}`;
  const nextLine = ` (${c.next.name}), at: ${siteText(now.site)}`;
  const out: string[] = [];
  if (c.kind === 'recursive') {
    const bar = '============================================';
    out.push(bar, 'WARNING: possible recursive locking detected');
    out.push('-'.repeat(bar.length));
    out.push(`${now.task} is trying to acquire lock:`, nextLine, '');
    out.push('but task is already holding lock:', prevLine, '');
    out.push('other info that might help us debug this:');
    out.push(' Possible unsafe locking scenario:', '');
    out.push('       CPU0', '       ----');
    out.push(`  ${prevHeld?.how ?? 'lock'}(${c.prev.name});`);
    out.push(`  ${now.how}(${c.next.name});`, '');
    out.push(' *** DEADLOCK ***', '');
    out.push(' May be due to missing lock nesting notation', '');
    out.push(...heldLocksLines(now.task, now.held));
    return out;
  }
  const bar = '======================================================';
  out.push(bar, 'WARNING: possible circular locking dependency detected');
  out.push('-'.repeat(bar.length));
  out.push(`${now.task} is trying to acquire lock:`, nextLine, '');
  out.push('but task is already holding lock:', prevLine, '');
  out.push('which lock already depends on the new lock.', '');
  out.push('the existing dependency chain (in reverse order) is:', '');
  // chain[i] is class c(i+1) reached from c(i); print from the deepest (prev) back to #1,
  // then #0: the lock being acquired, with the current task (save_trace of this acquisition).
  for (let i = c.chain.length - 1; i >= 0; i--) {
    const link = c.chain[i] as CycleReport['chain'][number];
    out.push(...entryLines(i + 1, link.cls.name, link.edge), '');
  }
  out.push(
    ...entryLines(0, c.next.name, {
      task: now.task,
      site: now.site,
      how: now.how,
      atNs: now.atNs,
      held: now.held,
    }),
    '',
  );
  out.push('other info that might help us debug this:', '');
  // print_circular_lock_scenario: source = the new lock, target = the held one, parent = the
  // lock just before the target in the chain.
  // The scenario's verbs say how each lock is taken (`rlock(` for a read side, `sync(` for a
  // wait on others, as newer lockdep prints for SRCU): CPU1 holds the parent as it held it
  // when it created the last edge, and takes the target as that edge did.
  const last = c.chain[c.chain.length - 1]?.edge ?? null;
  const parent = c.chain.length >= 2 ? (c.chain[c.chain.length - 2]?.cls ?? c.next) : c.next;
  const parentHow: HeldHow =
    [...(last?.held ?? [])].reverse().find((h) => h.name === parent.name)?.how ?? 'lock';
  const targetHow: HeldHow = last?.how ?? 'lock';
  if (parent !== c.next) {
    out.push('Chain exists of:');
    out.push(`  ${c.next.name} --> ${parent.name} --> ${c.prev.name}`, '');
  }
  const col = ' '.repeat(31);
  out.push(' Possible unsafe locking scenario:', '');
  out.push('       CPU0                    CPU1');
  out.push('       ----                    ----');
  out.push(`  ${prevHeld?.how ?? 'lock'}(${c.prev.name});`);
  out.push(`${col}${parentHow}(${parent.name});`);
  out.push(`${col}${targetHow}(${c.prev.name});`);
  out.push(`  ${now.how}(${c.next.name});`, '');
  out.push(' *** DEADLOCK ***', '');
  out.push(...heldLocksLines(now.task, now.held));
  return out;
}
