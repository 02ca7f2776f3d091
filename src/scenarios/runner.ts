/**
 * Runs one scenario on one reset design: builds the machine, starts the recovery daemon, the
 * clients and the scheduled actions, attaches the checker, and ends every run with the liveness
 * phase:
 *
 *   active phase (durationNs)  ->  faults stop  ->  clients finish  ->  probe job  ->  checks
 *
 * The probe opens the device afresh (after the daemon recovered it, if it was wedged) and must
 * get a job done before `settleNs` has passed since the faults stopped; otherwise `recovery` is
 * violated. Then the final oracles run, and the device is unbound (exercising removal).
 */

import { Checker } from '../check/checker.js';
import { servedAt } from '../check/served.js';
import type { RunReport } from '../explore/program.js';
import { fenceRegistry } from '../kernel/fence.js';
import { Prng, Stream } from '../kernel/prng.js';
import { stuckLines } from '../kernel/stuck-report.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { System } from '../system/system.js';
import { RecoveryDaemon } from '../userspace/daemon.js';
import { probe } from '../userspace/probe.js';
import { runClient, type WorkloadEnv } from '../userspace/workloads.js';
import { ensureDesign } from './design-file.js';
import { nsText } from './file.js';
import { type ClientJobs, JobLedger } from './ledger.js';
import type { ScenarioRunOptions, ScenarioSpec } from './spec.js';

export interface ScenarioResult extends RunReport {
  scenario: string;
  /** For `mixed`: the scenario drawn for this run. */
  drawn: string;
  design: string;
  seed: number;
  resets: number;
  wedged: boolean;
  jobs: { completed: number; failed: number; innocentLost: number };
  /** The jobs of each client (`JobLedger.perClient`). */
  clients: ClientJobs[];
  recovered: boolean;
  ledgerNotes: string[];
}

export type ScenarioLookup = (name: string) => ScenarioSpec | undefined;

const MARGIN_NS = 5_000_000_000;
/** How often the end of a run looks whether the last fences were signalled. */
const SETTLE_POLL_NS = 1_000_000;

function deadlineOf(spec: ScenarioSpec): number {
  return spec.durationNs + spec.settleNs;
}

export async function runScenario(
  spec: ScenarioSpec,
  opts: ScenarioRunOptions,
  lookup?: ScenarioLookup,
): Promise<ScenarioResult> {
  let effective = spec;
  if (spec.mix !== undefined && spec.mix.length > 0 && lookup !== undefined) {
    const name = new Prng(opts.seed, Stream.scenario).pick(spec.mix);
    const drawn = lookup(name);
    if (drawn === undefined)
      throw new Error(`scenario ${spec.name}: unknown scenario ${name} in mix`);
    effective = drawn;
  }
  // A design file is read here, once per thread, so that workers and replays resolve it too.
  if (typeof opts.design === 'string') await ensureDesign(opts.design);
  const sys = new System({
    seed: opts.seed,
    design: opts.design,
    bugs: opts.bugs ?? [],
    ...(opts.strategy !== undefined ? { strategy: opts.strategy } : {}),
    trace: opts.trace ?? false,
    record: opts.record ?? true,
    stopOnViolation: opts.stopOnViolation ?? false,
    ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
    ...(opts.quietPolls !== undefined ? { quietPolls: opts.quietPolls } : {}),
    maxTimeNs: effective.durationNs + effective.settleNs + MARGIN_NS,
    ...(effective.gpu !== undefined ? { gpu: effective.gpu } : {}),
    ...(effective.driver !== undefined ? { driver: effective.driver } : {}),
  });
  // Faults are armed once the driver has probed: a GPU that fails its very first boot never had
  // a driver to recover it, which is outside what a reset design can do.
  const faults = opts.faults ?? effective.faults;
  const ledger = new JobLedger();
  const daemon = new RecoveryDaemon(sys, { reprobeUnplugged: true });
  const culprits = new Map<string, 'hang' | 'fault' | 'other'>();
  for (const c of effective.clients) {
    if (c.workload !== 'hostile') continue;
    const m = c.mode ?? 'hang';
    culprits.set(
      c.name,
      m === 'hang' || m === 'hang-loop' || m === 'busy'
        ? 'hang'
        : m === 'bad-args'
          ? 'other'
          : 'fault',
    );
  }
  const checker = new Checker(sys, ledger, daemon, culprits);
  let recovered = false;
  const k = sys.k;

  sys.spawn('scenario', async () => {
    const boot = await sys.boot();
    if (boot !== 0) ledger.notes.push(`probe failed: ${boot}`);
    for (const f of faults) sys.hw.faults.arm({ ...f, atNs: Math.max(f.atNs, k.nowNs) });
    daemon.start();
    const env: WorkloadEnv = {
      sys,
      ledger,
      activeEndNs: effective.durationNs,
      giveUpNs: effective.durationNs + effective.settleNs,
    };
    let running = 0;
    const done = new WaitQueue(k, 'clients');
    for (const c of effective.clients) {
      running++;
      sys.spawn(`client:${c.name}`, async () => {
        try {
          await runClient(env, c);
        } finally {
          running--;
          done.wakeUp();
        }
      });
    }
    for (const [i, a] of (effective.actions ?? []).entries()) {
      sys.spawn(`action${i}:${a.action}`, async () => {
        await k.sleep(a.absolute === true ? Math.max(0, a.atNs - k.nowNs) : a.atNs);
        if (a.action === 'unbind' || a.action === 'rebind') {
          checker.explicitUnbinds.push(k.nowNs);
          await sys.unbind();
          await k.sleep(a.durationNs ?? 100_000_000);
          // Like an administrator's script: bind again, retrying while the probe fails.
          for (let i = 0; i < 50 && sys.dev === null && k.nowNs < deadlineOf(effective); i++) {
            if ((await sys.boot()) === 0) break;
            await k.sleep(200_000_000);
          }
        } else if (a.action === 'reset-request') {
          await sys.dev?.reset.schedule('ioctl');
        } else if (a.action === 'reset-at-autosuspend') {
          // The autosuspend happens at last_busy + delay (the timer may be armed earlier and
          // re-armed when it fires): sleep until then, re-checking, and request the reset.
          const until = k.nowNs + (a.durationNs ?? 100_000_000);
          while (k.nowNs < until) {
            const rpm = sys.dev?.pm.rpm;
            if (rpm === undefined || rpm.autosuspendDueNs === 0 || rpm.usage > 0) {
              await k.sleep(1_000_000);
              continue;
            }
            // At the instant of the suspend timer (which fires first: it was armed first).
            const at = Math.max(rpm.autosuspendDueNs, rpm.lastBusyNs + rpm.autosuspendDelayNs);
            await k.sleep(Math.max(0, at - k.nowNs));
            // Re-armed for later (the timer fired early, or the device was used meanwhile).
            if (rpm.autosuspendDueNs > at || rpm.usage > 0) continue;
            await sys.dev?.reset.schedule('ioctl');
            break;
          }
        }
      });
    }
    // Active phase.
    await k.sleep(effective.durationNs);
    sys.hw.faults.disarmAll();
    checker.faultsStoppedNs = k.nowNs;
    const deadline = k.nowNs + effective.settleNs;
    // Liveness: the clients finish, then a fresh client must get a job done.
    await done.waitEvent(() => running === 0, effective.settleNs);
    recovered = await probe(sys, deadline);
    if (!recovered) {
      k.violation(
        'recovery',
        `the device did not complete a new job within ${nsText(effective.settleNs)} after faults stopped`,
        stuckLines(
          k,
          `the recovery bound (${nsText(effective.settleNs)} after faults stopped) expired`,
        ),
      );
    }
    // The fences still pending get until the same deadline: `fence-signalled` holds when every
    // fence is signalled within the bound after the faults stopped, not by the instant the probe
    // came back (the driver may still be failing a closed client's jobs, its works runnable).
    while (k.nowNs < deadline && fenceRegistry(k).unsignalled().length > 0)
      await k.sleep(Math.min(SETTLE_POLL_NS, deadline - k.nowNs));
    checker.final();
    daemon.stop();
    if (sys.dev !== null) await sys.unbind();
    k.stop();
  });

  const r = await sys.run();
  const devices = sys.platform.devices;
  let latencySum = 0;
  let latencyN = 0;
  for (const dev of devices) {
    for (const req of dev.log.requests) {
      const t = servedAt(dev, req);
      if (t !== null) {
        latencySum += t - req.atNs;
        latencyN++;
      }
    }
  }
  const resets = devices.reduce((n, d) => n + d.log.resets.length, 0);
  const wedged = devices.some((d) => d.log.wedges.length > 0);
  // One pass over the ledger: the totals are the clients' sums.
  const clients = ledger.perClient();
  const completed = clients.reduce((n, c) => n + c.completed, 0);
  const failed = clients.reduce(
    (n, c) => n + Object.values(c.failed).reduce((a, b) => a + b, 0),
    0,
  );
  const report: ScenarioResult = {
    scenario: spec.name,
    drawn: effective.name,
    design: sys.cfg.design.name,
    seed: opts.seed,
    outcome: r.outcome,
    steps: r.steps,
    decisions: r.decisions,
    schedule: r.schedule,
    traceHash: r.traceHash,
    virtualTimeNs: r.nowNs,
    violations: r.violations,
    resets,
    wedged,
    recovered,
    jobs: {
      completed,
      failed,
      innocentLost: checker.innocent.lost,
    },
    clients,
    ledgerNotes: ledger.notes.slice(0, 20),
    metrics: {
      resets,
      wedged: wedged ? 1 : 0,
      resetLatencyNs: latencyN === 0 ? 0 : Math.round(latencySum / latencyN),
      jobsSubmitted: ledger.jobs.length,
      jobsCompleted: completed,
      jobsFailed: failed,
      innocentLost: checker.innocent.lost,
      recoveries: daemon.recoveries.length,
      devices: devices.length,
    },
  };
  if (sys.k.trace.events !== null) {
    report.trace = sys.k.trace.events;
    report.lanes = sys.k.trace.lanes;
  }
  return report;
}
