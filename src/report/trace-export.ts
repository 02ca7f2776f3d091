/**
 * Writes a run's stored trace as a Chrome trace-event file (Perfetto, chrome://tracing) with
 * the report layer's exporter, and identifies the run in the trace metadata.
 */
import type { RunReport } from '../explore/program.js';
import { writeChromeTrace } from './chrome-trace.js';

export type TraceRunInfo = Record<string, string | number | boolean | null>;

/** Writes `report`'s trace (it must have been run with `trace: true`) to `path`. */
export function exportRunTrace(
  report: RunReport,
  path: string,
  title: string,
  run: TraceRunInfo = {},
): { events: number } {
  if (report.trace === undefined || report.lanes === undefined) {
    throw new Error('exportRunTrace: the run has no stored trace (run it with trace: true)');
  }
  const t = writeChromeTrace(path, report.trace, report.lanes, {
    endNs: report.virtualTimeNs,
    title,
    run: { traceHash: report.traceHash, ...run },
  });
  return { events: t.traceEvents.length };
}
