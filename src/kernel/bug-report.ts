/**
 * The kernel's report formats for the other bugs the runtime detects itself, each after the
 * code that prints it in Linux:
 *
 * - sleeping in atomic context: kernel/sched/core.c __might_resched ("BUG: sleeping function
 *   called from invalid context at ...", in_atomic/irqs_disabled/pid/name, preempt_count,
 *   the held locks, "Preemption disabled at:");
 * - refcount misuse: lib/refcount.c refcount_warn_saturate ("refcount_t: underflow;
 *   use-after-free.", inside a WARN's cut-here markers), followed by the counter's recent
 *   get/put history, which the kernel does not keep (ref_tracker comes closest) and which is
 *   what one needs to find the extra put;
 * - use after free: mm/kasan/report.c print_report's shape ("BUG: KASAN: ...-use-after-free
 *   in ...", the access and the task, then "Freed by task"), with the model's call sites for
 *   stack traces.
 */
import { type HeldLockInfo, heldLocks } from './lockdep.js';
import { formatTime, heldLocksLines, siteText, taskId } from './report-format.js';
import type { Task } from './task.js';

/** preempt_count()'s fields (include/linux/preempt.h): SOFTIRQ_OFFSET, HARDIRQ_OFFSET. */
const SOFTIRQ_OFFSET = 0x100;
const HARDIRQ_OFFSET = 0x10000;

/**
 * __might_resched's report for task `t` about to sleep in `what` (`mutex_lock(sched.lock)`),
 * called from `site`; with a spinlock held, where the innermost one was taken.
 */
export function mightSleepLines(t: Task, what: string, site: string): string[] {
  const hardirq = t.ctx === 'hardirq';
  const softirq = t.ctx === 'timer';
  const count = t.atomicDepth + (hardirq ? HARDIRQ_OFFSET : 0) + (softirq ? SOFTIRQ_OFFSET : 0);
  const where = site === '' ? what : `${what} in ${site}`;
  const out = [
    `BUG: sleeping function called from invalid context at ${where}`,
    `in_atomic(): 1, irqs_disabled(): ${hardirq ? 1 : 0}, non_block: 0, pid: ${t.id}, name: ${t.name}`,
    `preempt_count: ${count.toString(16)}, expected: 0`,
  ];
  const held = heldLocks(t);
  out.push(...heldLocksLines(taskId(t), held));
  if (hardirq) out.push(`Context: hard IRQ: ${t.name} is a hard interrupt handler`);
  if (softirq) out.push(`Context: timer (softirq): ${t.name} is a timer callback`);
  const spin = innermostSpinlock(t, held);
  if (spin !== null) {
    out.push('Preemption disabled at:');
    out.push(` ${siteText(spin.site)} (spin_lock(${spin.name}), ${formatTime(spin.atNs)})`);
  }
  return out;
}

function innermostSpinlock(t: Task, held: readonly HeldLockInfo[]): HeldLockInfo | null {
  for (let i = t.held.length - 1; i >= 0; i--) {
    if (t.held[i]?.kind === 'spinlock') return held[i] ?? null;
  }
  return null;
}

/** One entry of a refcount's history. */
export interface RefEvent {
  op: 'get' | 'put' | 'set';
  /** The value before and after (after: -1 for an underflow, which saturates instead). */
  from: number;
  to: number;
  task: string;
  site: string;
  atNs: number;
}

/** refcount_warn_saturate's WARN, then the history up to and including the bad operation. */
export function refcountLines(
  what: string,
  name: string,
  t: Task | null,
  site: string,
  atNs: number,
  history: readonly RefEvent[],
  total: number,
): string[] {
  const out = [
    '------------[ cut here ]------------',
    `refcount_t: ${what}.`,
    `WARNING: refcount_t ${name} at ${siteText(site)}, task ${t === null ? '(none)' : taskId(t)}, ${formatTime(atNs)}`,
    `get/put history of ${name} (the last ${history.length} of ${total} operations):`,
  ];
  const taskW = Math.min(24, Math.max(4, ...history.map((e) => e.task.length)));
  for (const e of history) {
    const to = e.to < 0 ? 'underflow' : String(e.to);
    out.push(
      `  ${formatTime(e.atNs)}  ${e.task.padEnd(taskW)}  ${e.op.padEnd(3)} ${e.from} -> ${to}  at ${siteText(e.site)}`,
    );
  }
  out.push('---[ end trace ]---');
  return out;
}

/** How an object was freed (Kernel.markFreed). */
export interface FreeRecord {
  task: string;
  site: string;
  atNs: number;
}

export interface UseAfterFree {
  /** The object (`vm3`, `work panthor.reset.work`). */
  obj: string;
  /** The use (`gpu_read(AS_COMMAND(2))`, `queue_work(panthor-reset)`). */
  what: string;
  task: Task | null;
  /** Where the use happens ('' when not recorded: then `what` says it). */
  site: string;
  atNs: number;
  /** How it was freed; null when the model did not record it. */
  freed: FreeRecord | null;
  /** `use-after-free` unless said otherwise (`work run after disable_work_sync`). */
  bug?: string;
  /** `Freed` unless said otherwise (`Disabled`). */
  freedVerb?: string;
}

/** KASAN's report shape for a use of an object after it was freed (or a work disabled). */
export function useAfterFreeLines(u: UseAfterFree): string[] {
  const bar = '='.repeat(66);
  const where = u.site === '' ? u.what : u.site;
  const who = u.task === null ? '(no task)' : taskId(u.task);
  const out = [
    bar,
    `BUG: ${u.bug ?? 'use-after-free'} in ${where}`,
    `${u.what} on ${u.obj} by task ${who} at ${formatTime(u.atNs)}`,
    '',
  ];
  const verb = u.freedVerb ?? 'Freed';
  if (u.freed === null) {
    out.push(`${verb} where the model does not record it.`);
  } else {
    out.push(`${verb} by task ${u.freed.task} at ${formatTime(u.freed.atNs)}:`);
    out.push(` ${siteText(u.freed.site)}`);
  }
  out.push(bar);
  return out;
}
