/**
 * Scenario specifications: what runs on the simulated machine, as plain data, so that the
 * built-in scenarios and user-written YAML files share one format (the JSON schema is published
 * by `resetlab scenarios --schema`; `src/scenarios/file.ts` validates files against it).
 *
 * A run has two phases. In the *active* phase (`durationNs`) the clients run their workloads,
 * the scheduled actions happen and the armed faults may fire. Then faults stop and the
 * *liveness* phase begins: within `settleNs` every fence must be signalled and the device must
 * serve a new job (or have been wedged and recovered by the daemon).
 */
import type { BugId } from '../driver/bugs.js';
import type { DriverConfig } from '../driver/config.js';
import type { FaultSpec } from '../explore/program.js';
import type { GpuConfig } from '../hw/latency.js';

export type WorkloadKind =
  | 'renderer'
  | 'compute'
  | 'profiler'
  | 'hostile'
  | 'vm-teardown'
  | 'bursty';

/**
 * What a hostile client does. `hang`: a RUN that never ends (the firmware's progress timer,
 * ~2.6 s, ends it); `busy`: a job that never ends but keeps completing RUNs (only the driver's
 * 5 s job timeout ends it); `hang-loop`: `hang` again and again; the others fault.
 */
export type HostileMode = 'hang' | 'busy' | 'page-fault' | 'fatal' | 'bad-args' | 'hang-loop';

export interface ClientSpec {
  name: string;
  workload: WorkloadKind;
  /** When the client starts (ns into the active phase). */
  startNs?: number;
  /**
   * When its first job (renderer, compute, bursty), first counter dump (profiler) or first
   * teardown round (vm-teardown) happens, as a virtual time: the client opens the device and
   * sets up before, then waits until then. Litmus scenarios line their races up with it.
   */
  firstAtNs?: number;
  /**
   * A submit refused with EAGAIN (a gate that fails refused sections) is retried after this
   * many ns, as a user-mode driver retrying a busy device; without it the job is skipped.
   */
  retryBusyNs?: number;
  /** renderer/compute/bursty: jobs to submit (frames for the renderer). */
  jobs?: number;
  /** GPU time per job (ns). */
  jobNs?: number;
  /** Pause between jobs (ns). */
  periodNs?: number;
  /** Queues in the client's group. */
  queues?: number;
  /** Group priority (0 LOW .. 3 REALTIME); above 1 needs `privileged`. */
  priority?: number;
  privileged?: boolean;
  /** hostile: what it does. */
  mode?: HostileMode;
  /** Reopen the device and carry on after DEVICE_LOST. */
  reopen?: boolean;
  /**
   * vm-teardown: the order of the teardown. `groups-first` (the default) is a controlled
   * termination, the group destroyed and then at once its VM, while the tick that evicts the
   * group may still be pending (the case of 565ed40b5fc1); `vm-first` destroys the VM under a
   * live group, which the uAPI allows and mainline answers with a GPU page fault.
   */
  teardown?: 'groups-first' | 'vm-first';
}

/**
 * `reset-at-autosuspend` requests a reset at the instant the device's autosuspend is due (it waits,
 * from `atNs` and for at most `durationNs`, for the timer to be armed), so that the request and
 * the suspend race: "a reset requested while suspending".
 */
export type ActionKind = 'unbind' | 'rebind' | 'reset-request' | 'reset-at-autosuspend' | 'idle';

export interface ActionSpec {
  /** When: ns after the active phase began (after the probe), or a virtual time if `absolute`. */
  atNs: number;
  /** `atNs` is a virtual time (litmus scenarios line actions up with `firstAtNs`). */
  absolute?: boolean;
  action: ActionKind;
  /** For `idle`: how long no client submits (ns); for `rebind`: delay before binding again. */
  durationNs?: number;
}

export interface ScenarioSpec {
  name: string;
  description: string;
  /** Length of the active phase (ns). */
  durationNs: number;
  /** Liveness bound after faults stop (ns). */
  settleNs: number;
  /**
   * Where the scenario's question is decided, [fromNs, untilNs) of virtual time: a systematic
   * search branches only there unless told otherwise (explore/dfs.ts `branchWindow`). Litmus
   * scenarios declare their race instant to the end of their active phase; absent: the whole run.
   */
  raceWindow?: { fromNs: number; untilNs: number };
  clients: ClientSpec[];
  actions?: ActionSpec[];
  /** Fault names the explorer's swarm draws from. */
  faultVocabulary: string[];
  /** Faults armed in a plain `run` (and in exploration unless swarm replaces them). */
  faults: FaultSpec[];
  gpu?: Partial<GpuConfig>;
  driver?: Partial<Omit<DriverConfig, 'design' | 'bugs'>>;
  /** For `mixed`: a pool of scenario names, one drawn per run. */
  mix?: string[];
}

export interface ScenarioRunOptions {
  /** A preset name, a composition (`rwsem+failure=wedge`) or a design spec. */
  design: string | import('../driver/reset/design.js').DesignSpec;
  seed: number;
  bugs?: readonly BugId[];
  trace?: boolean;
  record?: boolean;
  stopOnViolation?: boolean;
  maxSteps?: number;
  /** KernelOptions.quietPolls. */
  quietPolls?: boolean;
  /** Replace the scenario's armed faults (the explorer's swarm and shrinker do). */
  faults?: readonly FaultSpec[];
  strategy?: import('../kernel/strategy.js').Strategy;
}
