/**
 * Small pieces shared by the kernel's report formats (lockdep-report.ts, hung-task.ts,
 * bug-report.ts): how a time, a task, a lock and a call site are printed.
 *
 * The kernel prints a printk timestamp and a stack trace; the model has virtual time and the
 * call-site label the caller passed (`groupDestroy [driver/sched.ts]`), so a report line says
 * `at <site>` where lockdep says `at: <function>+0x../0x..`, and adds the virtual time.
 */
import type { HeldLockInfo } from './lockdep.js';
import type { Task } from './task.js';

/** Virtual time as seconds with microseconds, as printk's timestamp: `0.301234 s`. */
export function formatTime(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

/** `comm/pid`, as lockdep names a task. */
export function taskId(t: Task): string {
  return `${t.name}/${t.id}`;
}

/** A call site, or a note that the caller did not pass one. */
export function siteText(site: string): string {
  return site === '' ? '(call site not recorded)' : site;
}

/** ` #0: (sched.lock), at: tick [driver/sched.ts] (0.301234 s)`, as lockdep's print_lock. */
export function heldLine(i: number, h: HeldLockInfo): string {
  const how = h.how === 'rlock' ? ' (read)' : '';
  return ` #${i}: (${h.name})${how}, at: ${siteText(h.site)}, ${formatTime(h.atNs)}`;
}

/** lockdep_print_held_locks: `2 locks held by tick/7:` and one line per lock. */
export function heldLocksLines(who: string, held: readonly HeldLockInfo[]): string[] {
  if (held.length === 0) return [`no locks held by ${who}.`];
  return [
    `${held.length} lock${held.length > 1 ? 's' : ''} held by ${who}:`,
    ...held.map((h, i) => heldLine(i, h)),
  ];
}
