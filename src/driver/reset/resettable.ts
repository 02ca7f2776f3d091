/**
 * DOC: The Resettable blocks and the order the reset calls them in, as data.
 *
 * Each block owns its own stop / drain / resume logic (`preReset` / `postReset`, the Tyr series'
 * `Resettable` trait and Panthor's per-block functions); the orchestrator (`src/driver/reset.ts`)
 * only walks a list of steps. Which list is the `order` factor:
 *
 * - `panthor` is panthor_device_reset_work in v7.0: panthor_sched_pre_reset,
 *   panthor_fw_pre_reset(on_hang = true), panthor_mmu_pre_reset, panthor_gpu_soft_reset,
 *   panthor_gpu_l2_power_on, panthor_mmu_post_reset, panthor_fw_post_reset,
 *   atomic_set(&reset.pending, 0), panthor_sched_post_reset(failed). The scheduler is stopped
 *   first and restarted last, after the pending flag is cleared: its works refuse to be queued
 *   while a reset is pending.
 * - `registration` is the Tyr series: the implementers in the order they registered at probe
 *   (MMU, firmware, scheduler, as panthor_device_init brings them up), the same order before and
 *   after the hardware reset, and the pending flag cleared once `run_reset` returned.
 *
 * The perfcnt block (Panfrost semantics, see docs/fidelity.md) joins when the design has perfcnt
 * reset hooks: after the scheduler before the reset, after the firmware after it.
 */

export type ResetStep =
  | 'sched.pre'
  | 'perfcnt.pre'
  | 'fw.pre'
  | 'mmu.pre'
  | 'gpu.soft-reset'
  | 'gpu.l2-on'
  | 'mmu.post'
  | 'fw.post'
  | 'perfcnt.post'
  | 'clear-pending'
  | 'sched.post';

/** The steps of one hardware reset, for an `order` value. */
export function resetSteps(order: 'panthor' | 'registration', perfcnt: boolean): ResetStep[] {
  const p = (s: ResetStep): ResetStep[] => (perfcnt ? [s] : []);
  if (order === 'panthor') {
    return [
      'sched.pre',
      ...p('perfcnt.pre'),
      'fw.pre',
      'mmu.pre',
      'gpu.soft-reset',
      'gpu.l2-on',
      'mmu.post',
      'fw.post',
      ...p('perfcnt.post'),
      'clear-pending',
      'sched.post',
    ];
  }
  return [
    'mmu.pre',
    'fw.pre',
    'sched.pre',
    ...p('perfcnt.pre'),
    'gpu.soft-reset',
    'gpu.l2-on',
    'mmu.post',
    'fw.post',
    'sched.post',
    ...p('perfcnt.post'),
    'clear-pending',
  ];
}

/** The blocks in the order the design calls their pre-reset hooks (for `resetlab designs`). */
export function resettableOrder(steps: readonly ResetStep[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    const block = s.split('.')[0] as string;
    if (s.endsWith('.pre') && !out.includes(block)) out.push(block);
  }
  return out;
}
