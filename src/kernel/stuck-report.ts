/**
 * What was stuck when a liveness bound expired (the `recovery` invariant): the blocked tasks
 * in hung_task's format (hung-task.ts), the work items still queued or running, and the fences
 * never signalled, oldest first. The kernel has no one report for this; it is what a developer
 * would collect from /proc/<pid>/stack, the workqueue debugfs and the fence debugfs files
 * (dma_buf's and the driver's) after a GPU failed to come back.
 */
import { fenceRegistry } from './fence.js';
import { hungTaskLines } from './hung-task.js';
import type { Kernel } from './kernel.js';
import { formatTime, taskId } from './report-format.js';
import { workqueuesOf } from './workqueue.js';

/** At most this many works and fences are listed one by one. */
const MAX_ITEMS = 12;

export function stuckLines(k: Kernel, what: string): string[] {
  const now = k.nowNs;
  const out = [`INFO: ${what} at ${formatTime(now)}; what was stuck then:`, ''];
  const blocked = k.blockedTasks(false);
  if (blocked.length === 0) out.push('no task was blocked.', '');
  else out.push(...hungTaskLines(now, blocked, k.allTasks()), '');

  const works: string[] = [];
  for (const t of k.allTasks()) {
    if (t.state === 'done' || t.workName === null) continue;
    const state = t.state === 'blocked' ? `blocked on ${t.blockedOn ?? '?'}` : t.state;
    works.push(`  ${t.workName}: running in ${taskId(t)} (${state})`);
  }
  for (const wq of workqueuesOf(k)) {
    for (const w of wq.pendingItems) works.push(`  ${w.name}: queued on ${wq.name}`);
  }
  out.push(`works queued or running: ${works.length === 0 ? 'none' : works.length}`);
  out.push(...works.slice(0, MAX_ITEMS));
  if (works.length > MAX_ITEMS) out.push(`  ... and ${works.length - MAX_ITEMS} more`);

  const fences = fenceRegistry(k)
    .unsignalled()
    .sort((a, b) => a.createdAtNs - b.createdAtNs);
  out.push(`fences not signalled: ${fences.length === 0 ? 'none' : fences.length}`);
  for (const f of fences.slice(0, MAX_ITEMS)) {
    out.push(
      `  ${f.name}: created ${formatTime(f.createdAtNs)}, ${formatTime(now - f.createdAtNs)} ago`,
    );
  }
  if (fences.length > MAX_ITEMS) out.push(`  ... and ${fences.length - MAX_ITEMS} more`);
  return out;
}
