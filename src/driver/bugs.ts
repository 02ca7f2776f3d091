/**
 * The historical bug corpus (docs/design.md §3). Each id re-introduces one real bug behind a switch
 * that is off by default; the driver code checks `dev.bug(id)` at the exact place where the
 * original code went wrong, so that the bug arises from the model's behaviour and the checker
 * must find it. docs/regressions.md gives the kernel commit or patch each one comes from.
 */
export const BUG_IDS = [
  'vm-destroy-no-evict',
  'perfcnt-as-underflow',
  'stale-reset-irq',
  'reset-lost-across-suspend',
  'irq-unmasked-after-unplug',
  'reset-in-timeout-handler',
  'duplicate-reset',
  'timeout-job-leak',
  'reset-work-after-unbind',
  'wedge-before-quiesce',
] as const;

export type BugId = (typeof BUG_IDS)[number];

export function isBugId(s: string): s is BugId {
  return (BUG_IDS as readonly string[]).includes(s);
}
