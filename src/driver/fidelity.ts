/**
 * DOC: The fidelity ledger: every deliberate difference between the model and the pinned kernel.
 *
 * The pinned kernel is Linux v7.0 (docs/fidelity.md names the tag, its commit and the file
 * versions read). A behaviour that differs from it on purpose is a *delta*, listed here once,
 * with the kernel function it departs from and why. Two kinds:
 *
 * - `design` deltas are chosen: a factor value that is not the kernel's (`reset/factors.ts`)
 *   introduces one, and a design's deltas follow from its factors. The `panthor` preset has
 *   none: what it does is what v7.0 does, as far as the model goes.
 * - `model` deltas are where the model cannot (or does not yet) do what the kernel does; they
 *   apply to every run, whatever the design, and say what that changes.
 *
 * docs/fidelity.md carries the same table; test/fidelity/ledger.test.ts fails when the two
 * differ, or when a factor value names a delta that is not here.
 */

export type DeltaKind = 'design' | 'model';

export interface Delta {
  readonly id: string;
  readonly kind: DeltaKind;
  /** One line: what the model does instead. */
  readonly summary: string;
  /** The kernel function (file and function) it departs from. */
  readonly kernel: string;
  /** Why. */
  readonly why: string;
}

const d = (id: string, kind: DeltaKind, summary: string, kernel: string, why: string): Delta => ({
  id,
  kind,
  summary,
  kernel,
  why,
});

export const DELTAS: readonly Delta[] = [
  // ---- Design deltas: one per non-kernel factor value ------------------------------------------
  d(
    'gate-rwsem',
    'design',
    'hardware sections outside the reset take a read guard (try_access); the reset worker takes the write side',
    'panthor_sched.c sched_queue_work (the only gate in v7.0)',
    'the r/w-semaphore proposal of the Tyr reset review, to be compared with mainline',
  ),
  d(
    'gate-srcu-epoch',
    'design',
    'hardware sections are SRCU read sections reading a reset counter; the worker sets a sentinel, synchronises, resets, sets a new epoch',
    'panthor_sched.c sched_queue_work',
    'the SRCU-plus-counter alternative of the Tyr reset thread, to be compared',
  ),
  d(
    'gate-at-request',
    'design',
    'the gate closes when a reset is requested, from any context, until the reset that serves it ends',
    'panthor_device_schedule_reset (which only sets reset.pending)',
    'closes the window between "the hardware broke" and "the worker runs", in which the other gates still hand jobs to a broken GPU',
  ),
  d(
    'refused-waits',
    'design',
    'an ioctl refused by the gate sleeps until the reset is over, then proceeds',
    'panfrost_ioctl_perfcnt_dump (no reset handling)',
    'a perfcnt DUMP during a reset should wait and then succeed, not fail (the perfcnt discussion)',
  ),
  d(
    'drain-sections',
    'design',
    'before the first pre-reset hook, the reset waits for the hardware sections already inside the gate',
    'panthor_sched_pre_reset (cancels its works; nothing else drains)',
    'in-flight register accesses and job hand-offs must finish before the soft reset, or they act on a GPU being reset',
  ),
  d(
    'wedge-on-failure',
    'design',
    'a reset that fails wedges the device (quiesce, signal every fence, redirect mappings, WEDGED=rebind,bus-reset) instead of unplugging it',
    'panthor_device_reset_work (panthor_device_unplug on failure)',
    'an unplugged device tells user space nothing; the wedged protocol lets a daemon recover it',
  ),
  d(
    'failure-panic',
    'design',
    'a failed reset panics in the reset work (todo!): an oops; the worker never returns, its queue stops, the pending flag stays set',
    'panthor_device_reset_work',
    'what the Tyr series does until its unplug API exists',
  ),
  d(
    'failure-log',
    'design',
    'a failed reset is logged and the pending flag cleared; nothing else happens',
    'panthor_device_reset_work',
    'the Tyr reset series v1 as posted',
  ),
  d(
    'recover-by-rebind',
    'design',
    'a reset request is served by unbinding the driver and probing it again',
    'panthor_device_reset_work',
    'the "rebind" alternative of the reset discussion, to be compared',
  ),
  d(
    'reset-retry',
    'design',
    'a failed reset is retried once as a slow reset before the failure policy applies',
    'panthor_device_reset_work (no retry)',
    'a firmware that fails to boot once often boots on the second try; unplugging at the first failure throws the device away',
  ),
  d(
    'reset-checks-hw',
    'design',
    'a soft reset or L2 power-on that times out fails the reset',
    'panthor_device_reset_work (ignores panthor_gpu_soft_reset and panthor_gpu_l2_power_on)',
    'a GPU that did not reset is not reset; booting firmware on it hides the problem',
  ),
  d(
    'reset-propagates-errors',
    'design',
    'the first failing step ends the reset sequence (Rust `?`)',
    'panthor_device_reset_work',
    'the Tyr reset series: run_reset() propagates every error',
  ),
  d(
    'resettable-registration-order',
    'design',
    'the blocks are called in registration order (mmu, fw, sched) before and after the reset; reset.pending is cleared at the end',
    'panthor_device_reset_work (sched, fw, mmu; then mmu, fw; pending cleared; sched)',
    'the Tyr reset series calls its Resettable implementers in registration order',
  ),
  d(
    'ping-before-blame',
    'design',
    'a job timeout first pings the firmware and handles unreported slot events; only then is the job blamed',
    'panthor_sched.c queue_timeout_work / queue_timedout_job',
    'a silent firmware stalls every queue, and a lost interrupt stalls one: blaming them kills innocent work',
  ),
  d(
    'defer-timeouts',
    'design',
    'a job timeout that fires while a reset is pending is put off; the restarted queue gets a full timeout',
    'panthor_sched.c queue_timedout_job',
    'a queue stalled by someone else’s fault makes no progress; blaming it kills innocent work',
  ),
  d(
    'serve-late-requests',
    'design',
    'a request whose evidence is newer than the running reset’s hardware reset keeps the flag set, and another reset serves it; a reset work that finds the flag clear (its request was served meanwhile) does not reset',
    'panthor_device_reset_work (atomic_set(&reset.pending, 0) absorbs it)',
    'a problem that appeared after the hardware was reset is not fixed by that reset ("coalesce, but do not lose")',
  ),
  d(
    'reset-only-queue',
    'design',
    'the reset work has an ordered queue to itself; job timeouts and the watchdog run on the system queue',
    'panthor_device_init / group_create_queue (one ordered panthor-reset-wq for all three)',
    'the Tyr series creates tyr-reset-wq for resets only',
  ),
  d(
    'requeue-after-resume',
    'design',
    'a request made while the device resumes is queued once it is active, and a device left suspended under work is resumed',
    'panthor_device_reset_work (returns when not ACTIVE) and panthor_device_resume (checks reset.pending once, at its start)',
    'a request that arrives during a resume otherwise waits for the next suspend/resume cycle, and the scheduler queues nothing while it is pending',
  ),
  d(
    'tick-get-if-active',
    'design',
    'the tick takes pm_runtime_get_if_active and asks for an asynchronous resume instead of resuming synchronously',
    'panthor_sched.c tick_work (panthor_device_resume_and_get)',
    'a tick waiting for a resume waits for a suspend that waits for the reset work, which waits for the tick',
  ),
  d(
    'run-job-get-if-active',
    'design',
    'queue_run_job takes pm_runtime_get_if_active; on a device that is not active it writes the job to the ring without handing it over and asks for an asynchronous resume',
    'panthor_sched.c queue_run_job (panthor_device_resume_and_get)',
    'a run_job waiting for a resume waits for a suspend (panthor_device_suspend cancels the reset work synchronously) that waits for the reset work, whose pre-reset drm_sched_stop waits for the run_job',
  ),
  d(
    'oom-if-raised',
    'design',
    'the tiler-OOM work serves an OOM only if the stream still raises TILER_OOM when the work holds the scheduler lock',
    'panthor_sched.c group_process_tiler_oom (csg_id >= 0 is the only check)',
    'a work queued before a reset that gets the lock after the group was resumed reads a heap address the firmware has not raised again, fails to grow the heap and flags the queue fatal',
  ),
  d(
    'vm-destroy-evicts-groups',
    'design',
    'VM_DESTROY makes the VM’s groups unable to run, flushes the tick (which may be binding one of them), and waits for their eviction before destroying the heap pool',
    'panthor_vm_destroy (flushes the tick only; relies on groups being destroyed first)',
    'user space that destroys a VM before its groups otherwise gets a GPU page fault when the firmware writes the heap context back',
  ),
  d(
    'unplug-signals-fences',
    'design',
    'unplug takes groups off their slots and signals every pending fence with -ENODEV',
    'panthor_sched_unplug (disables works only)',
    'after an unplug nothing else will ever signal them, and waiters in other processes hang',
  ),
  d(
    'perfcnt-disable-on-reset',
    'design',
    'a reset disables the perfcnt session; dumps fail with EAGAIN until it is re-enabled',
    'panfrost_reset (does not tell perfcnt)',
    "Adrián Larumbe's v1",
  ),
  d(
    'perfcnt-unlocked-as-put',
    'design',
    'pre-reset returns the session’s AS reference and post-reset re-takes it, outside the perfcnt lock',
    'panfrost_reset',
    "Adrián Larumbe's v2, with the race its review found",
  ),
  d(
    'perfcnt-restore',
    'design',
    'pre-reset returns the AS reference; post-reset re-takes it and reprograms the counters; a dump waits and reports lost samples; a teardown puts the AS reference under the slots lock, only if the MMU still counts it',
    'panfrost_reset',
    "Boris Brezillon's proposal",
  ),
  d(
    'wedge-on-resume-failure',
    'design',
    'a runtime resume that cannot bring the GPU back wedges the device',
    'panthor_device_resume (stays suspended, recovery_needed)',
    'a device that cannot resume serves nobody; wedging lets the daemon recover it',
  ),
  d(
    'reset-work-no-dev-enter',
    'design',
    'the reset work runs without drm_dev_enter()',
    'panthor_device_reset_work',
    "the Tyr series' reset_work assumes the device is still bound",
  ),
  d(
    'soft-reset-poll',
    'design',
    'the soft reset polls GPU_IRQ_RAWSTAT for RESET_COMPLETED (1 ms, 100 ms) and the GPU interrupt does not handle it',
    'panthor_gpu_soft_reset',
    "Tyr's issue_soft_reset()",
  ),
  d(
    'soft-reset-drops-timed-out',
    'design',
    'a soft reset that timed out drops its pending request, so the next soft reset (a retry, the next reset) writes GPU_CMD again',
    'panthor_gpu_soft_reset (on timeout pending_reqs keeps RESET_COMPLETED: the next call only warns, sends nothing, and after 100 ms believes any RESET_COMPLETED left in RAWSTAT)',
    'a retried reset must reset the GPU; mainline can believe a reset it never requested (reset-storm@default with a stuck soft reset and a stale RESET_COMPLETED)',
  ),
  // ---- Model deltas: what the model does not do as the kernel does -------------------------------
  d(
    'probe-failure-unplugs',
    'model',
    'a probe that fails unplugs the DRM device before its unwind, so a reset requested during probe (an AS stuck in panthor_mmu wait_ready) finds the device gone and does nothing',
    'panthor_device_init error unwind (no drm_dev_unplug: the queued reset work passes drm_dev_enter on the half-initialised device until the drmm release disables it)',
    'the model has no NULL scheduler to dereference; the unplug keeps the leftover work off a device that never finished probing',
  ),
  d(
    'wedged-event-needs-minor',
    'model',
    'a device whose probe failed (its DRM minor never registered) sends no WEDGED uevent when its leftover reset work wedges it',
    'drm_dev_wedged_event (kobject_uevent_env on the minor, registered or not)',
    'the event of a never-added minor carries a DEVPATH outside the platform device, which no recovery rule for the device matches',
  ),
  d(
    'perfcnt-panfrost-on-csf',
    'model',
    'Panfrost’s PERFCNT_ENABLE / PERFCNT_DUMP (and its AS reference) on the CSF model; every perfcnt result is Panfrost semantics',
    'panfrost_perfcnt.c (Panthor has no such ioctls)',
    'the perfcnt-across-reset question of the seed discussion is Panfrost’s; the CSF model is what the reset designs run on',
  ),
  d(
    'no-cs-scoreboards',
    'model',
    'the virtual command-stream front-end runs every operation synchronously: CS_STATUS_SCOREBOARDS is always 0, so a queue is never held non-idle, nor a waiting queue unblocked-but-pending, by deferred operations',
    'panthor_sched.c cs_slot_sync_queue_state_locked (status_scoreboards)',
    'the driver reads the field as Panthor does; no reset path depends on deferred scoreboard operations',
  ),
  d(
    'job-credits-8',
    'model',
    'a job takes 8 drm_sched credits (the model ring sequence is 8 instructions), not 16 or 24',
    'panthor_sched.c calc_job_credits (prepare_job_instrs: 16, or 24 with both profiling modes)',
    'the virtual ring sequence has no cache flush, profiling or error barrier instructions; credits are still ring slots, so a 4 KiB ring holds 64 jobs instead of 32',
  ),
  d(
    'fw-heap-writeback-on-terminate',
    'model',
    'the virtual firmware writes a stream’s tiler heap context back on CSG TERMINATE as well as on SUSPEND',
    'Mali CSF firmware (not public)',
    'the upstream fix 565ed40b5fc1 reports the page fault when destroyed (so terminated) groups are evicted after the VM was unmapped',
  ),
  d(
    'fw-iface-objects',
    'model',
    'firmware interfaces are objects the driver reads and writes, not shared memory sections parsed from a firmware image',
    'panthor_fw.c panthor_fw_load / panthor_init_cs_iface',
    'reset behaviour depends on the req/ack protocol, not on the binary layout',
  ),
  d(
    'pm-core-subset',
    'model',
    'the runtime-PM core without parents, suppliers, QoS, an idle callback or timer slack',
    'drivers/base/power/runtime.c',
    'Panthor’s platform device uses none of them',
  ),
  d(
    'no-devfreq-clocks',
    'model',
    'no clocks, regulators or devfreq: suspend and resume switch the GPU’s power directly',
    'panthor_device_suspend / panthor_device_resume (clk_*, panthor_devfreq_*)',
    'they never fail in the cases modelled and carry no reset logic',
  ),
  d(
    'no-user-mmio',
    'model',
    'no USER_FLUSH_ID MMIO mapping and no dummy-page swap on suspend',
    'panthor_device_mmap_io / panthor_mmio_vm_fault',
    'no reset design touches it',
  ),
  d(
    'vm-unusable-stops-groups',
    'model',
    'a group whose VM became unusable (a failed asynchronous bind) can no longer run',
    'panthor_sched.c group_can_run (has no such term)',
    'kept from the first version of the model; the jobs of such a group would otherwise fault on unmapped memory',
  ),
  d(
    'l2-power-on-first-group',
    'model',
    'L2 power-on powers every present L2 and polls L2_READY',
    'panthor_gpu_l2_power_on (mask 1, polls PWRTRANS)',
    'the virtual GPU has one L2',
  ),
  d(
    'poll-skips-quiet-ticks',
    'model',
    'a register poll that nothing can change before the next event (no other task runnable, no event within the jump horizon, a register that does not move with time and that no observer watches) waits once for its ticks up to there; each skipped read is counted in the MMIO statistics, the poll ends at the same instant with the same value, and the trace shows one instant (`poll: identical reads skipped`) instead of a wake per tick',
    'readx_poll_timeout / readx_poll_timeout_atomic (include/linux/iopoll.h) as panthor_mmu.c wait_ready, panthor_gpu.c panthor_gpu_l2_power_on and panthor_fw.c use them',
    'the skipped wakes are steps in which nothing can differ: a stuck AS_STATUS poll (10 us ticks, 100 ms) was nine steps in ten of a run; decisions, outcomes and times are unchanged (test/driver/io-poll.test.ts), only the step count and the trace hash',
  ),
] as const;

export function delta(id: string): Delta | undefined {
  return DELTAS.find((x) => x.id === id);
}

export const MODEL_DELTAS: readonly Delta[] = DELTAS.filter((x) => x.kind === 'model');
