/**
 * DOC: The factors of a reset design, and their values.
 *
 * A design is one value per factor. The factors are the mechanisms the seed discussions argue
 * about one by one (the gate, what a refused section does, how sections in flight drain, what
 * happens when a reset fails, when a job is blamed, ...), kept independent so that a comparison
 * can change one and keep the rest: `rwsem` is mainline Panthor with the r/w-semaphore gate and
 * nothing else, so whatever it does differently is the gate's doing. The named designs
 * (`designs/`) are presets; `rwsem+failure=wedge` changes one factor of a preset.
 *
 * The first value of every factor is what the pinned kernel does (docs/fidelity.md). Every other
 * value departs from it, and names the delta of the fidelity ledger it introduces
 * (`src/driver/fidelity.ts`), so that a design's list of deltas follows from its factors.
 *
 * Rejected: a class per design with overridable hooks (the first version). It hid which
 * mechanism a result came from, and let one design get behaviour no other could ask for.
 */

export interface FactorValue {
  /** The value as written on the command line and in design files. */
  readonly value: string;
  /** What it does, in one sentence. */
  readonly summary: string;
  /** The kernel code, patch or proposal it follows. */
  readonly follows: string;
  /** The fidelity-ledger delta it introduces; none for the pinned kernel's own value. */
  readonly delta: string | null;
}

export interface FactorDef {
  readonly name: string;
  /** What the factor decides. */
  readonly question: string;
  /** The pinned kernel's value first. */
  readonly values: readonly FactorValue[];
}

const v = <V extends string>(
  value: V,
  summary: string,
  follows: string,
  delta: string | null = null,
) => ({ value, summary, follows, delta }) as const;

/** Every factor, in the order they are printed. */
export const FACTORS = [
  {
    name: 'gate',
    question: 'how code outside the reset path is kept off the hardware',
    values: [
      v(
        'none',
        "no gate: only the scheduler's own works look at reset.pending before they are queued",
        'panthor_sched.c sched_queue_work / sched_queue_delayed_work; panthor_device_schedule_reset',
      ),
      v(
        'rwsem',
        'hardware sections take the read side with try_access() (down_read_trylock); the reset worker holds the write side',
        "the r/w-semaphore gate of the Tyr reset review (Daniel Almeida's reset_gate sketch; amdgpu's reset domain)",
        'gate-rwsem',
      ),
      v(
        'srcu-epoch',
        'hardware sections are SRCU read sections that read a reset counter; the worker sets a "resetting" sentinel',
        'the SRCU-plus-counter alternative of the Tyr reset thread',
        'gate-srcu-epoch',
      ),
      v(
        'request',
        'the gate closes when the reset is requested (any context), not when the worker runs; SRCU read sections',
        "resetlab's own (the answer to the window between the fault and the worker)",
        'gate-at-request',
      ),
    ],
  },
  {
    name: 'refused',
    question: 'what an ioctl the gate refuses does',
    values: [
      v(
        'fail',
        'it fails with EAGAIN (try_access() returned nothing)',
        'the rwsem and SRCU proposals; panthor has no gate to refuse',
      ),
      v(
        'wait',
        'it sleeps until the reset is over, then proceeds (a perfcnt DUMP during a reset)',
        "Boris Brezillon's perfcnt proposal: DUMP blocks on the reset",
        'refused-waits',
      ),
    ],
  },
  {
    name: 'drain',
    question: 'whether the reset waits for hardware sections already in flight',
    values: [
      v(
        'none',
        "no: pre-reset cancels the scheduler's works (cancel_work_sync) and that is all",
        'panthor_sched_pre_reset, panthor_fw_pre_reset',
      ),
      v(
        'wait',
        "yes: the gate's own wait before the first pre-reset hook (down_write, synchronize_srcu)",
        'the rwsem and SRCU proposals ("wait for everyone using that state to finish")',
        'drain-sections',
      ),
    ],
  },
  {
    name: 'failure',
    question: 'what happens when a reset fails',
    values: [
      v(
        'unplug',
        'the device is unplugged: every later ioctl fails with ENODEV, nothing tells user space',
        'panthor_device_reset_work -> panthor_device_unplug ("Failed to boot MCU after reset")',
      ),
      v(
        'wedge',
        'the device is quiesced, every fence signalled with an error, mappings redirected, then WEDGED=rebind,bus-reset is sent once',
        'drm_dev_wedged_event and the DRM uAPI "Device wedging" protocol',
        'wedge-on-failure',
      ),
      v(
        'panic',
        'todo!("unplug the GPU"): a Rust panic in the reset work, an oops; the worker never returns',
        'the Tyr reset series: unplug on failure is still a todo!()',
        'failure-panic',
      ),
      v(
        'log',
        'the error is logged, the pending flag cleared, and the device carries on as it is',
        'the Tyr reset series v1 as posted (reset_work logs "GPU reset failed")',
        'failure-log',
      ),
    ],
  },
  {
    name: 'recovery',
    question: 'how the device is brought back',
    values: [
      v('reset', 'the reset sequence on the reset workqueue', 'panthor_device_reset_work'),
      v(
        'rebind',
        'a full unbind and probe, from a work outside the device',
        'the "rebind" alternative of the reset discussion',
        'recover-by-rebind',
      ),
    ],
  },
  {
    name: 'retry',
    question: 'how many times a failed reset is retried as a slow reset before the failure policy',
    values: [
      v('0', 'never', 'panthor_device_reset_work has no retry'),
      v('1', 'once', "resetlab's own", 'reset-retry'),
    ],
  },
  {
    name: 'success',
    question: 'which results decide that a reset succeeded',
    values: [
      v(
        'fw',
        'only the firmware restart: the soft-reset and L2 results are ignored',
        'panthor_device_reset_work (ret = panthor_fw_post_reset())',
      ),
      v(
        'all',
        'every hardware step: a soft reset or L2 power-on that times out fails the reset',
        "resetlab's own",
        'reset-checks-hw',
      ),
      v(
        'propagate',
        'the first error ends the sequence at once (Rust `?`)',
        'the Tyr reset series: run_reset() is issue_soft_reset()?; l2_power_on()?',
        'reset-propagates-errors',
      ),
    ],
  },
  {
    name: 'order',
    question: 'in which order the Resettable blocks are called',
    values: [
      v(
        'panthor',
        'pre: sched, fw, mmu; soft reset, L2; post: mmu, fw; pending cleared; sched',
        'panthor_device_reset_work',
      ),
      v(
        'registration',
        'pre and post in registration order (mmu, fw, sched), the pending flag cleared at the very end',
        'the Tyr reset series: Resettable implementers called in the order they were registered',
        'resettable-registration-order',
      ),
    ],
  },
  {
    name: 'blame',
    question: 'whether a job timeout rules out causes that are not the job’s before blaming it',
    values: [
      v(
        'immediate',
        'the queue that timed out is blamed',
        'panthor_sched.c queue_timeout_work / queue_timedout_job',
      ),
      v(
        'ping',
        'ping the firmware and handle unreported slot events first; a silent firmware gets a reset instead; a queue that drained while its timer was suspended gives its next job the full timeout',
        "resetlab's own",
        'ping-before-blame',
      ),
    ],
  },
  {
    name: 'timeouts',
    question: 'what a job timeout that fires while a reset is pending does',
    values: [
      v('act', 'it blames the job anyway', 'panthor_sched.c queue_timedout_job'),
      v(
        'defer',
        'it is put off; the restarted queue gets a full timeout',
        "resetlab's own",
        'defer-timeouts',
      ),
    ],
  },
  {
    name: 'late',
    question: 'what happens to a request that arrives after the running reset reset the hardware',
    values: [
      v(
        'absorb',
        'it is absorbed: reset.pending is cleared at the end of the running reset',
        'panthor_device_reset_work (atomic_set(&reset.pending, 0))',
      ),
      v(
        'serve',
        'it is kept and served by another reset; one whose evidence predates the last hardware reset is served by that reset; a reset work that finds nothing pending does not reset',
        "resetlab's own",
        'serve-late-requests',
      ),
    ],
  },
  {
    name: 'queue',
    question: 'which works share the reset workqueue',
    values: [
      v(
        'shared',
        'one ordered queue runs the reset work, the firmware watchdog and every job timeout',
        'panthor-reset-wq (panthor_device_init, group_create_queue, panthor_fw_init)',
      ),
      v(
        'reset-only',
        'the reset has its ordered queue to itself; timeouts and the watchdog run elsewhere',
        'the Tyr reset series: tyr-reset-wq (OrderedQueue) for resets only',
        'reset-only-queue',
      ),
    ],
  },
  {
    name: 'resuming',
    question: 'what happens to a request made while the device suspends or resumes',
    values: [
      v(
        'keep',
        'it stays pending; only the next resume serves it (a slow reset)',
        'panthor_device_reset_work and panthor_device_resume',
      ),
      v(
        'requeue',
        'the reset is queued once the device is active, and a device left suspended under work is resumed',
        "resetlab's own",
        'requeue-after-resume',
      ),
    ],
  },
  {
    name: 'tickpm',
    question: 'how the scheduler tick gets the device powered',
    values: [
      v(
        'resume',
        'panthor_device_resume_and_get: a synchronous resume',
        'panthor_sched.c tick_work',
      ),
      v(
        'if-active',
        'pm_runtime_get_if_active, and an asynchronous resume request when it is not active',
        "resetlab's own (a tick that waits for a resume can wait for a suspend that waits for the reset work)",
        'tick-get-if-active',
      ),
    ],
  },
  {
    name: 'runpm',
    question: 'how queue_run_job gets the device powered',
    values: [
      v(
        'resume',
        'panthor_device_resume_and_get: a synchronous resume',
        'panthor_sched.c queue_run_job',
      ),
      v(
        'if-active',
        'pm_runtime_get_if_active; when the device is not active the job is written to the ring but not handed over, an asynchronous resume is requested, and the resume hands it over',
        "resetlab's own (a run_job that waits for a resume waits for a suspend that waits for the reset work, whose drm_sched_stop waits for the run_job)",
        'run-job-get-if-active',
      ),
    ],
  },
  {
    name: 'oom',
    question: 'what a tiler-OOM work does once it holds the scheduler lock',
    values: [
      v(
        'serve',
        'serves the heap of the address the CS interface shows, whether or not the event it was queued for is still raised',
        'panthor_sched.c group_process_tiler_oom',
      ),
      v(
        'if-raised',
        'serves only a TILER_OOM the stream still raises (CS_REQ and CS_ACK differ for it); a work left over from before a suspend or reset ends, and the resumed stream raises the event again',
        "resetlab's own (a work that waited for the lock across a reset read the heap address of the group's new slot before the firmware raised it again, failed to grow and killed the group)",
        'oom-if-raised',
      ),
    ],
  },
  {
    name: 'vmdestroy',
    question: 'what VM_DESTROY does about groups still using the VM',
    values: [
      v(
        'flush',
        'if the VM is active, flush the tick (groups destroyed first were being evicted)',
        'panthor_vm_destroy + panthor_sched_prepare_for_vm_destruction (565ed40b5fc1)',
      ),
      v(
        'evict',
        'its groups can no longer run; the tick is flushed (one may be binding a group) and the groups are evicted before the heap pool is destroyed',
        "resetlab's own",
        'vm-destroy-evicts-groups',
      ),
    ],
  },
  {
    name: 'unplug',
    question: 'what an unplug does with the jobs that are still pending',
    values: [
      v(
        'leave',
        'nothing: the works are disabled, the jobs and their fences are left as they are',
        'panthor_sched_unplug',
      ),
      v(
        'signal',
        'groups leave their slots and every pending fence is signalled with -ENODEV',
        "resetlab's own (what the wedged protocol asks before the event, applied to unplug)",
        'unplug-signals-fences',
      ),
    ],
  },
  {
    name: 'perfcnt',
    question: 'what a reset does to a Panfrost-style perfcnt session',
    values: [
      v(
        'none',
        'nothing: the reset zeroes the AS counts and the session later puts a reference it no longer has',
        'panfrost_reset / panfrost_mmu_reset (Panfrost semantics on this CSF model)',
      ),
      v(
        'disable',
        'the reset disables the session: later dumps fail with EAGAIN until it is re-enabled',
        "Adrián Larumbe's v1 (hw_reset_happened)",
        'perfcnt-disable-on-reset',
      ),
      v(
        'v2',
        'pre-reset returns the AS reference and post-reset re-takes it, without the perfcnt lock',
        "Adrián Larumbe's v2 (the double put its review found)",
        'perfcnt-unlocked-as-put',
      ),
      v(
        'restore',
        'pre-reset returns the AS reference, post-reset re-takes it and reprograms the counters; a dump waits for the reset and says samples were lost',
        "Boris Brezillon's proposal",
        'perfcnt-restore',
      ),
    ],
  },
  {
    name: 'resumefail',
    question: 'what a runtime resume that cannot bring the GPU back does',
    values: [
      v(
        'stay',
        'the device stays suspended with a runtime-PM error; the next user retries',
        'panthor_device_resume (recovery_needed) and panthor_device_resume_and_get',
      ),
      v(
        'wedge',
        'the device is wedged',
        "resetlab's own (the failure policy applied to a failed resume)",
        'wedge-on-resume-failure',
      ),
    ],
  },
  {
    name: 'entry',
    question: 'how the reset work checks that the device is still there',
    values: [
      v(
        'drm-dev-enter',
        'drm_dev_enter(); nothing runs on an unplugged device',
        'panthor_device_reset_work',
      ),
      v(
        'assumed',
        'it assumes the device is bound (no check)',
        "the Tyr reset series: reset_work's unsafe as_bound()",
        'reset-work-no-dev-enter',
      ),
    ],
  },
  {
    name: 'softreset',
    question: 'how the soft reset waits for RESET_COMPLETED',
    values: [
      v(
        'irq',
        'the GPU interrupt acknowledges it (RAWSTAT re-read on timeout)',
        'panthor_gpu.c panthor_gpu_soft_reset',
      ),
      v(
        'poll',
        'RAWSTAT is polled every 1 ms for 100 ms; no interrupt handler for it',
        'Tyr: issue_soft_reset() (read_poll_timeout)',
        'soft-reset-poll',
      ),
      v(
        'irq-rearm',
        'as irq, but a request that timed out is dropped, so the next soft reset sends its command',
        "resetlab's own: mainline leaves it pending, and the next soft reset only warns and trusts RAWSTAT",
        'soft-reset-drops-timed-out',
      ),
    ],
  },
] as const satisfies readonly FactorDef[];

export type FactorName = (typeof FACTORS)[number]['name'];
type ValuesOf<F> = F extends { values: readonly (infer V)[] }
  ? V extends { value: infer S }
    ? S
    : never
  : never;
export type Factors = { [F in (typeof FACTORS)[number] as F['name']]: ValuesOf<F> };

export const FACTOR_NAMES: readonly FactorName[] = FACTORS.map((f) => f.name);

/** The pinned kernel's value of every factor. */
export const MAINLINE_FACTORS = Object.fromEntries(
  FACTORS.map((f) => [f.name, f.values[0].value]),
) as Factors;

export function factorDef(name: string): FactorDef | undefined {
  return FACTORS.find((f) => f.name === name);
}

export function isFactorName(name: string): name is FactorName {
  return FACTOR_NAMES.includes(name as FactorName);
}

/** The deltas a set of factor values introduces, in factor order. */
export function deltasOfFactors(f: Factors): string[] {
  const out: string[] = [];
  for (const def of FACTORS) {
    const val = (def.values as readonly FactorValue[]).find((x) => x.value === f[def.name]);
    if (val?.delta) out.push(val.delta);
  }
  return out;
}

/**
 * Combinations that mean nothing: a gate that refuses nobody cannot make a refused section
 * wait, nor drain; the r/w semaphore cannot take its write side without waiting for readers.
 * Returns the problem, naming the factors, or null.
 */
export function factorConflict(f: Factors): string | null {
  if (f.gate === 'none' && f.refused !== 'fail')
    return 'refused=wait needs a gate (gate=none refuses nothing)';
  if (f.gate === 'none' && f.drain !== 'none')
    return 'drain=wait needs a gate (gate=none has no sections to wait for)';
  if (f.gate === 'rwsem' && f.drain !== 'wait')
    return 'gate=rwsem always drains: down_write waits for the readers (drain=none is not possible)';
  if (f.recovery === 'rebind' && f.retry !== '0')
    return 'recovery=rebind has no reset to retry (retry must be 0)';
  return null;
}
