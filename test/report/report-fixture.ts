/**
 * Report data for the HTML tests: synthetic `compare` results for three designs, plus two
 * failures whose traces come from a real kernel run (test/report/workload.ts), and one failure
 * without a trace. Messages and names carry markup on purpose, to prove it is escaped.
 */
import type { ReportData } from '../../src/report/report-data.js';
import { runWorkload } from './workload.js';

export const INJECTION = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

export async function reportFixture(): Promise<ReportData> {
  const w = await runWorkload(7);
  const v = w.violations[0];
  if (v === undefined) throw new Error('fixture workload produced no violation');
  const invariants = ['submit-after-fault', 'reset-dedup', 'fence-signalled', 'deadlock'];
  // submit-after-fault is a rule: checked only where the design claims it (panthor does not).
  const row = (
    violated: string[],
    claims: string[] = ['submit-after-fault'],
  ): ReportData['designs'][string] =>
    Object.fromEntries(
      invariants.map((inv, i) => {
        const family = inv === 'submit-after-fault' ? 'rule' : 'harm';
        const checked = family === 'harm' || claims.includes(inv);
        return [
          inv,
          violated.includes(inv)
            ? { family, checked, violated: true, firstRun: 3 + i * 7 }
            : { family, checked, violated: false, firstRun: null },
        ];
      }),
    );
  return {
    generatedBy: 'resetlab test',
    title: 'Report test <b>fixture</b>',
    runs: 200,
    designs: {
      panthor: row(['reset-dedup'], []),
      rwsem: row(['submit-after-fault', 'fence-signalled']),
      default: row([]),
    },
    metrics: {
      panthor: { resetLatencyNs: 182_000, innocentLost: 3, jobsCompleted: 410 },
      rwsem: { resetLatencyNs: 95_500, innocentLost: 0, jobsCompleted: 431 },
      default: { resetLatencyNs: null, innocentLost: 0, jobsCompleted: 440 },
    },
    failures: [
      {
        design: 'rwsem',
        scenario: 'hang',
        invariant: 'submit-after-fault',
        message: `${v.message} ${INJECTION}`,
        seed: 7,
        strategy: 'pct',
        schedule: 'a118ba40c3',
        shrunkSchedule: 'a12b',
        shrunkSteps: { before: 163, after: 13 },
        replay: `resetlab replay failures/hang-rwsem-7.json --trace "out/x.json" && echo '<ok>'`,
        atNs: v.atNs,
        traceEvents: w.events,
        lanes: w.lanes,
      },
      {
        design: 'rwsem',
        scenario: 'reset-storm',
        invariant: 'fence-signalled',
        message: 'fence queue0#3 signalled twice',
        seed: 11,
        strategy: 'random',
        schedule: 'a9',
        shrunkSchedule: 'a3',
        shrunkSteps: { before: 9, after: 3 },
        replay: 'resetlab replay failures/reset-storm-rwsem-11.json',
        traceEvents: w.events,
        lanes: w.lanes,
      },
      {
        design: 'panthor',
        scenario: 'reset-storm',
        invariant: 'reset-dedup',
        message: 'two resets queued',
        seed: 5,
        strategy: 'random',
        schedule: '',
        shrunkSchedule: '',
        shrunkSteps: { before: 0, after: 0 },
        replay: 'resetlab replay failures/reset-storm-panthor-5.json',
      },
    ],
    notes: ['Synthetic comparison; the traces are real kernel runs.', INJECTION],
  };
}
