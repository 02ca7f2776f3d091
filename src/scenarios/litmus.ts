/**
 * Litmus scenarios: one small scenario per question of the reset-design threads, a few tasks
 * and one or two faults lined up on one virtual instant `T` (the race): clients open the
 * device and set up before `T` (`firstAtNs`), actions and faults fire at `T` (`absolute`).
 *
 * Each is an ordinary scenario: `run`, `explore`, `compare` and the report take it by name
 * (its programs are `<name>@<design>`), and `resetlab litmus` lists them with the question
 * each answers, the guarantee a design that answers it right gives, and the invariants that
 * decide it. They are not among the built-in scenarios a `compare` or a soak runs by default:
 * ask for them with `--scenarios`.
 *
 * Timeouts are shortened where the question does not depend on them (a 20 ms CSG
 * acknowledgement timeout instead of 100 ms changes no ordering, only how long nothing happens).
 */
import type { InvariantId } from '../kernel/violations.js';
import type { ScenarioSpec } from './spec.js';

const US = 1_000;
const MS = 1_000_000;

/** The race instant of every litmus: the setup (boot, opens, contexts) is over by then. */
const T = 5 * MS;

export interface Litmus {
  readonly name: string;
  /** The question of the design debate it answers. */
  readonly question: string;
  /** What a design that answers it right guarantees. */
  readonly guarantee: string;
  /** The invariants that decide the answer (a violation of another one is reported too). */
  readonly invariants: readonly InvariantId[];
  readonly spec: ScenarioSpec;
}

/** Driver timeouts shortened for litmus runs (see the file comment). */
const SHORT = {
  csgAckTimeoutNs: 20 * MS,
  glbAckTimeoutNs: 20 * MS,
  fwBootTimeoutNs: 50 * MS,
  softResetTimeoutNs: 20 * MS,
  asCommandTimeoutNs: 20 * MS,
  jobTimeoutNs: 200 * MS,
  perfcntSampleTimeoutNs: 50 * MS,
} as const;

function litmusSpec(
  name: string,
  description: string,
  s: Omit<ScenarioSpec, 'name' | 'description' | 'faultVocabulary' | 'settleNs'> & {
    settleNs?: number;
  },
): ScenarioSpec {
  return {
    name,
    description,
    settleNs: s.settleNs ?? 2000 * MS,
    faultVocabulary: [],
    // The race is at T and decided within the active phase; the setup before it and the
    // liveness and teardown phase after it run the default schedule in a systematic search
    // (docs/explorer.md §13).
    raceWindow: { fromNs: T, untilNs: s.durationNs },
    ...s,
    driver: { ...SHORT, ...(s.driver ?? {}) },
  };
}

const LITMUS: readonly Litmus[] = [
  {
    name: 'window',
    question:
      'the window: the hardware breaks and a submit races the reset worker; is the job handed to the broken GPU, and what becomes of it?',
    guarantee:
      'the innocent job completes (after the reset) or is reported innocent; its fence is signalled with a kernel error code',
    invariants: ['innocent-survives', 'fence-signalled', 'fence-error-code', 'submit-after-fault'],
    spec: litmusSpec(
      'window',
      'the firmware hangs and a reset is requested at T; at the same instant an innocent client submits a job',
      {
        durationNs: T + 120 * MS,
        clients: [{ name: 'app', workload: 'compute', jobs: 1, jobNs: 1 * MS, firstAtNs: T }],
        actions: [{ atNs: T, absolute: true, action: 'reset-request' }],
        faults: [{ name: 'fw-hang', atNs: T, count: 1, rate: 1 }],
      },
    ),
  },
  {
    name: 'inflight',
    question:
      'in-flight hardware work when the reset starts: must it complete, or be reported, and can the reset lose it?',
    guarantee:
      'a job on the GPU when the reset is requested completes, or fails and is reported innocent; its fence is signalled',
    invariants: ['innocent-survives', 'fence-signalled', 'fence-error-code'],
    spec: litmusSpec(
      'inflight',
      'a 2 ms job is running when a reset is requested 500 us after it started',
      {
        durationNs: T + 120 * MS,
        clients: [{ name: 'app', workload: 'compute', jobs: 1, jobNs: 2 * MS, firstAtNs: T }],
        actions: [{ atNs: T + 500 * US, absolute: true, action: 'reset-request' }],
        faults: [],
      },
    ),
  },
  {
    name: 'reentry',
    question:
      're-entry after the reset counter changed: a submit refused during the reset retries and lands as the gate reopens (SRCU + epoch sentinel, r/w semaphore), before the scheduler restarted',
    guarantee:
      'the retried job runs and completes; nothing is handed to a scheduler that is stopped',
    invariants: ['innocent-survives', 'fence-signalled', 'recovery'],
    spec: litmusSpec(
      'reentry',
      'a reset is requested at T; a client submits 100 us later and retries every 250 us while refused',
      {
        durationNs: T + 120 * MS,
        clients: [
          {
            name: 'app',
            workload: 'compute',
            jobs: 1,
            jobNs: 200 * US,
            firstAtNs: T + 100 * US,
            retryBusyNs: 250 * US,
          },
        ],
        actions: [{ atNs: T, absolute: true, action: 'reset-request' }],
        faults: [],
      },
    ),
  },
  {
    name: 'coalesce',
    question:
      'a request arriving while a reset runs: it must be coalesced with a pending one, but not lost when it reports a problem newer than the running reset',
    guarantee:
      'at most one reset queued or running; every request is served by a reset that began after it',
    invariants: ['reset-dedup', 'recovery'],
    spec: litmusSpec(
      'coalesce',
      'a reset is requested at T, and again 300 us later while the first reset restarts the firmware',
      {
        durationNs: T + 120 * MS,
        clients: [{ name: 'app', workload: 'compute', jobs: 1, jobNs: 200 * US, firstAtNs: T }],
        actions: [
          { atNs: T, absolute: true, action: 'reset-request' },
          { atNs: T + 300 * US, absolute: true, action: 'reset-request' },
        ],
        faults: [],
      },
    ),
  },
  {
    name: 'suspend-race',
    question:
      'a reset requested while suspending (runtime PM): does the request survive the suspend, and does the device come back?',
    guarantee:
      'the request is served (by a reset, or by the slow resume) and the device serves new work',
    invariants: ['reset-dedup', 'recovery', 'deadlock'],
    spec: litmusSpec(
      'suspend-race',
      'a job finishes before T; the device autosuspends about 50 ms later and a reset is requested at that instant',
      {
        durationNs: T + 120 * MS,
        clients: [
          { name: 'app', workload: 'compute', jobs: 1, jobNs: 200 * US, firstAtNs: T - 2 * MS },
        ],
        actions: [
          { atNs: T, absolute: true, action: 'reset-at-autosuspend', durationNs: 100 * MS },
        ],
        faults: [],
      },
    ),
  },
  {
    name: 'vm-destroy-tick',
    question:
      'VM destroy against a tick suspending its group: the firmware writes the tiler heap context back when the group leaves its slot; does VM_DESTROY wait for that (Panthor evicts groups first)?',
    guarantee: 'no GPU page fault caused by the teardown order; no use after free',
    invariants: ['teardown-page-fault', 'use-after-free', 'refcount-underflow'],
    spec: litmusSpec(
      'vm-destroy-tick',
      'one CSG slot and two groups: a group with a tiler heap is destroyed, then at once its VM, while the tick rotates the other group in',
      {
        durationNs: T + 60 * MS,
        clients: [
          {
            name: 'teardown',
            workload: 'vm-teardown',
            jobs: 1,
            jobNs: 2 * MS,
            periodNs: 1 * MS,
            firstAtNs: T,
          },
          { name: 'other', workload: 'compute', jobs: 1, jobNs: 4 * MS, firstAtNs: T },
        ],
        gpu: { csgSlots: 1 },
        faults: [],
      },
    ),
  },
  {
    name: 'perfcnt-reset',
    question:
      'a perfcnt DUMP and ENABLE across a reset (Panfrost semantics): the session must survive, say samples were lost, and keep its address-space reference balanced',
    guarantee:
      'a dump after the reset is restored and reports lost samples; no reference count underflows',
    invariants: ['perfcnt-continuity', 'refcount-underflow', 'use-after-free'],
    spec: litmusSpec(
      'perfcnt-reset',
      'a profiler dumps at T while a reset is requested at T, dumps again 2 ms later and disables its session',
      {
        durationNs: T + 60 * MS,
        clients: [
          { name: 'profiler', workload: 'profiler', jobs: 2, periodNs: 2 * MS, firstAtNs: T },
        ],
        actions: [{ atNs: T, absolute: true, action: 'reset-request' }],
        faults: [],
      },
    ),
  },
  {
    name: 'wedge-order',
    question:
      'the wedge ordering: when a reset fails for good, are fences signalled, DMA stopped and mappings redirected before the WEDGED uevent, and ioctls refused after it?',
    guarantee:
      'the wedged event is sent once, after quiescing; every fence is signalled; the daemon recovers the device',
    invariants: ['wedge-protocol', 'fence-signalled', 'recovery'],
    spec: litmusSpec(
      'wedge-order',
      'a job is running when a reset is requested; the firmware fails to boot after the reset and after its retry',
      {
        durationNs: T + 200 * MS,
        clients: [{ name: 'app', workload: 'compute', jobs: 1, jobNs: 2 * MS, firstAtNs: T }],
        actions: [{ atNs: T + 500 * US, absolute: true, action: 'reset-request' }],
        faults: [{ name: 'fw-boot-fail', atNs: T, count: 2, rate: 1 }],
      },
    ),
  },
];

export const LITMUS_SCENARIOS: readonly Litmus[] = LITMUS;

export function litmus(name: string): Litmus | undefined {
  return LITMUS.find((l) => l.name === name);
}

export function litmusNames(): string[] {
  return LITMUS.map((l) => l.name);
}
