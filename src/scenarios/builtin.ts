/**
 * The built-in scenarios (docs/design.md §4). Each is small enough to run thousands of times in an
 * exploration campaign, and each puts one part of the reset story under pressure. Timeouts are
 * Panthor's own (5 s job timeout, 12 s firmware watchdog): virtual time costs nothing.
 */
import { litmus, litmusNames } from './litmus.js';
import type { ScenarioSpec } from './spec.js';

const MS = 1_000_000;
const S = 1_000_000_000;

/** Faults the explorer may draw for any scenario. */
const COMMON_FAULTS = [
  'late-ack',
  'lost-irq',
  'fw-hang',
  'as-active-stuck',
  'reset-timeout',
  'fw-boot-fail',
  'stale-reset-completed',
];

const SCENARIOS: ScenarioSpec[] = [
  {
    name: 'hang',
    description:
      'two groups never finish beside innocent groups: one stalls in a RUN (the progress timer kills it), one keeps busy (its job times out); the others finish',
    durationNs: 7 * S,
    settleNs: 20 * S,
    clients: [
      { name: 'hostile', workload: 'hostile', mode: 'hang' },
      { name: 'busy', workload: 'hostile', mode: 'busy' },
      { name: 'renderer', workload: 'renderer', jobs: 6, periodNs: 300 * MS, reopen: true },
      {
        name: 'compute',
        workload: 'compute',
        jobs: 4,
        jobNs: 20 * MS,
        periodNs: 400 * MS,
        reopen: true,
      },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
  },
  {
    name: 'fault',
    description:
      'a page fault and a fatal fault in two groups; innocent groups and new contexts keep working',
    durationNs: 1 * S,
    settleNs: 20 * S,
    clients: [
      { name: 'pagefault', workload: 'hostile', mode: 'page-fault' },
      { name: 'fatal', workload: 'hostile', mode: 'fatal', startNs: 50 * MS },
      { name: 'renderer', workload: 'renderer', jobs: 5, periodNs: 100 * MS, reopen: true },
      { name: 'compute', workload: 'compute', jobs: 3, periodNs: 150 * MS, reopen: true },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
  },
  {
    name: 'fw-hang',
    description:
      'the firmware stops answering; the watchdog or a CSG timeout triggers a reset; innocent work survives',
    durationNs: 3 * S,
    settleNs: 20 * S,
    clients: [
      { name: 'renderer', workload: 'renderer', jobs: 8, periodNs: 200 * MS, reopen: true },
      {
        name: 'compute',
        workload: 'compute',
        jobs: 5,
        jobNs: 10 * MS,
        periodNs: 300 * MS,
        reopen: true,
      },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [{ name: 'fw-hang', atNs: 300 * MS, count: 1, rate: 1 }],
  },
  {
    name: 'reset-storm',
    description:
      'several reset sources at once: a hung firmware, a stuck AS, late acknowledgements, ioctl requests',
    durationNs: 6 * S,
    settleNs: 25 * S,
    clients: [
      // A job that only the job timeout ends: the storm's timeout-handler reset source.
      { name: 'hostile', workload: 'hostile', mode: 'busy' },
      { name: 'renderer', workload: 'renderer', jobs: 8, periodNs: 250 * MS, reopen: true },
      {
        name: 'compute',
        workload: 'compute',
        jobs: 5,
        jobNs: 10 * MS,
        periodNs: 300 * MS,
        reopen: true,
      },
    ],
    actions: [
      { atNs: 1 * S, action: 'reset-request' },
      { atNs: 1 * S, action: 'reset-request' },
      { atNs: 1 * S + 1000, action: 'reset-request' },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [
      { name: 'fw-hang', atNs: 1 * S, count: 1, rate: 1 },
      { name: 'as-active-stuck', atNs: 1 * S, count: 1, rate: 1 },
      { name: 'late-ack', atNs: 900 * MS, count: 2, rate: 0.5 },
    ],
  },
  {
    name: 'reset-fail',
    description:
      'the firmware fails to boot after the reset and after the retry: the device is wedged and the daemon recovers it',
    durationNs: 2 * S,
    settleNs: 25 * S,
    clients: [
      { name: 'renderer', workload: 'renderer', jobs: 6, periodNs: 200 * MS, reopen: true },
      {
        name: 'compute',
        workload: 'compute',
        jobs: 4,
        jobNs: 10 * MS,
        periodNs: 300 * MS,
        reopen: true,
      },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [
      { name: 'fw-boot-fail', atNs: 200 * MS, count: 2, rate: 1 },
      { name: 'fw-hang', atNs: 300 * MS, count: 1, rate: 1 },
    ],
  },
  {
    name: 'vm-teardown',
    description:
      'a VM is destroyed under a group with a tiler heap while more groups than CSG slots rotate',
    durationNs: 800 * MS,
    settleNs: 20 * S,
    clients: [
      { name: 'teardown', workload: 'vm-teardown', jobs: 3, jobNs: 20 * MS, periodNs: 12 * MS },
      { name: 'r1', workload: 'renderer', jobs: 6, jobNs: 15 * MS, periodNs: 5 * MS },
      { name: 'r2', workload: 'renderer', jobs: 6, jobNs: 15 * MS, periodNs: 5 * MS },
      { name: 'r3', workload: 'renderer', jobs: 6, jobNs: 15 * MS, periodNs: 5 * MS },
      { name: 'r4', workload: 'compute', jobs: 6, jobNs: 15 * MS, periodNs: 5 * MS },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
  },
  {
    name: 'perfcnt',
    description: 'a profiler samples performance counters while resets happen around it',
    durationNs: 1200 * MS,
    settleNs: 20 * S,
    clients: [
      { name: 'profiler', workload: 'profiler', jobs: 8, periodNs: 120 * MS },
      { name: 'renderer', workload: 'renderer', jobs: 8, periodNs: 100 * MS, reopen: true },
    ],
    actions: [
      { atNs: 300 * MS, action: 'reset-request' },
      { atNs: 650 * MS, action: 'reset-request' },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
  },
  {
    name: 'unbind',
    description: 'the driver is unbound during activity and during a reset, then bound again',
    durationNs: 1 * S,
    settleNs: 20 * S,
    clients: [
      { name: 'renderer', workload: 'renderer', jobs: 8, periodNs: 60 * MS, reopen: true },
      {
        name: 'compute',
        workload: 'compute',
        jobs: 5,
        jobNs: 5 * MS,
        periodNs: 80 * MS,
        reopen: true,
      },
      { name: 'profiler', workload: 'profiler', jobs: 4, periodNs: 100 * MS },
    ],
    actions: [
      { atNs: 200 * MS, action: 'unbind', durationNs: 100 * MS },
      { atNs: 550 * MS, action: 'reset-request' },
      { atNs: 550 * MS + 20_000, action: 'unbind', durationNs: 100 * MS },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
  },
  {
    name: 'suspend',
    description:
      'the device runtime-suspends between bursts while a reset request races with the suspend',
    durationNs: 600 * MS,
    settleNs: 20 * S,
    clients: [
      { name: 'bursty', workload: 'bursty', jobs: 3, periodNs: 120 * MS, reopen: true },
      {
        name: 'bursty2',
        workload: 'bursty',
        jobs: 2,
        periodNs: 200 * MS,
        startNs: 30 * MS,
        reopen: true,
      },
    ],
    actions: [
      { atNs: 55 * MS, action: 'reset-request' },
      { atNs: 180 * MS, action: 'reset-request' },
      // At the instant the device autosuspends after the second burst.
      { atNs: 200 * MS, action: 'reset-at-autosuspend', durationNs: 200 * MS },
    ],
    faultVocabulary: COMMON_FAULTS,
    faults: [{ name: 'as-active-stuck', atNs: 50 * MS, count: 1, rate: 1 }],
  },
  {
    name: 'suspend-reset',
    description:
      'a reset requested at the instant the device autosuspends: the request must survive the suspend',
    durationNs: 200 * MS,
    settleNs: 20 * S,
    clients: [{ name: 'app', workload: 'compute', jobs: 1, jobNs: 2 * MS, periodNs: 10 * MS }],
    actions: [{ atNs: 1 * MS, action: 'reset-at-autosuspend', durationNs: 150 * MS }],
    faultVocabulary: [],
    faults: [],
  },
  {
    name: 'mixed',
    description: 'one of the other scenarios, drawn per run',
    durationNs: 1 * S,
    settleNs: 20 * S,
    clients: [],
    faultVocabulary: COMMON_FAULTS,
    faults: [],
    mix: [
      'hang',
      'fault',
      'fw-hang',
      'reset-storm',
      'reset-fail',
      'vm-teardown',
      'perfcnt',
      'unbind',
      'suspend',
    ],
  },
];

export const BUILTIN_SCENARIOS: readonly ScenarioSpec[] = SCENARIOS;

/** A built-in scenario, or a litmus scenario (src/scenarios/litmus.ts), by name. */
export function builtinScenario(name: string): ScenarioSpec | undefined {
  return SCENARIOS.find((s) => s.name === name) ?? litmus(name)?.spec;
}

/** Every scenario name `--scenarios` and a scenario argument take: built-in, then litmus. */
export function knownScenarioNames(): string[] {
  return [...builtinScenarioNames(), ...litmusNames()];
}

export function builtinScenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}
