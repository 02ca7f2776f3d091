/**
 * The hung-task report, after kernel/hung_task.c (check_hung_task: "INFO: task %s:%d blocked
 * for more than %ld seconds.", then sched_show_task and, with lockdep, debug_show_all_locks):
 * every blocked task, what it waits for, who holds that, and every lock held in the system.
 *
 * The kernel's watchdog reports a task blocked for 120 s; the model reports when it knows a
 * task can never run again (nothing runnable, no event pending: the `deadlock` invariant) or
 * when the `recovery` bound expired. So the seconds are the virtual time the task has been
 * blocked, which may be under one; the exact duration follows on the next line.
 */
import { heldLocks } from './lockdep.js';
import { formatTime, heldLocksLines, siteText, taskId } from './report-format.js';
import type { Task } from './task.js';

/** At most this many tasks are described one by one (a limit on everything). */
const MAX_TASKS = 12;

function holderLines(t: Task, all: readonly Task[]): string[] {
  const cls = t.waitingFor;
  if (cls === null) return [];
  const out: string[] = [];
  for (const o of all) {
    if (o === t || o.state === 'done') continue;
    const i = o.held.lastIndexOf(cls);
    if (i < 0) continue;
    const e = o.heldInfo?.[i];
    out.push(
      `  held by: ${taskId(o)} (taken at ${siteText(e?.site ?? '')}, ${formatTime(e?.atNs ?? 0)})`,
    );
  }
  if (out.length === 0) out.push(`  held by: no task (${cls.name} is free, or held by a callback)`);
  return out;
}

/** The lines for `blocked` (each one blocked now), given every task of the kernel. */
export function hungTaskLines(nowNs: number, blocked: readonly Task[], all: readonly Task[]) {
  const out: string[] = [];
  for (const t of blocked.slice(0, MAX_TASKS)) {
    const forNs = nowNs - t.blockedAtNs;
    out.push(
      `INFO: task ${t.name}:${t.id} blocked for more than ${Math.floor(forNs / 1e9)} seconds.`,
    );
    out.push(`      blocked since ${formatTime(t.blockedAtNs)}, ${formatTime(forNs)} ago`);
    const state = t.sleeping ? 'D' : 'R (spinning)';
    out.push(`task:${t.name} state:${state} pid:${t.id} ctx:${t.ctx}`);
    out.push(`  waiting for: ${t.blockedOn ?? '?'}`);
    out.push(...holderLines(t, all));
    out.push(...heldLocksLines(taskId(t), heldLocks(t)), '');
  }
  if (blocked.length > MAX_TASKS) {
    out.push(`... and ${blocked.length - MAX_TASKS} more blocked tasks`, '');
  }
  // debug_show_all_locks: the locks of tasks not listed above, which the blocked ones may
  // wait for.
  const listed = new Set(blocked.slice(0, MAX_TASKS));
  const holders = all.filter((t) => t.state !== 'done' && t.held.length > 0 && !listed.has(t));
  out.push('Showing all locks held in the system:');
  if (holders.length === 0) out.push('  (no other task holds a lock)');
  for (const t of holders.slice(0, MAX_TASKS)) {
    out.push(...heldLocksLines(`${taskId(t)} (${t.state})`, heldLocks(t)));
  }
  if (holders.length > MAX_TASKS) out.push(`... and ${holders.length - MAX_TASKS} more`);
  return out;
}
