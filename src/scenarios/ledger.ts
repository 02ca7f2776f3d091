/**
 * The job ledger: every job a workload submitted, who submitted it, whether that client is a
 * culprit in the scenario, and what became of it. The `innocent-survives` oracle and the run
 * metrics (jobs completed, failed, innocent work lost) read it.
 */
import { errnoName } from '../kernel/errno.js';
import type { Fence } from '../kernel/fence.js';
import type { Robustness } from '../userspace/umd.js';

export interface JobEntry {
  client: string;
  /** The client is a culprit (a hostile workload, or a job meant to fault). */
  guilty: boolean;
  submittedNs: number;
  fence: Fence | null;
  /** Device instance the job was submitted to. */
  deviceUid: number;
  /** Robustness the client saw for its context when the job failed (filled by the workload). */
  robustness: Robustness | null;
  /** When the client asked for it (-1: it did not). */
  robustnessAtNs?: number;
}

export interface DumpEntry {
  client: string;
  atNs: number;
  ok: boolean;
  errno: number;
  samplesLost: boolean;
  epoch: number;
}

export class JobLedger {
  readonly jobs: JobEntry[] = [];
  readonly dumps: DumpEntry[] = [];
  /** Workload-level problems (an ioctl that should have worked did not). */
  readonly notes: string[] = [];

  add(entry: JobEntry): JobEntry {
    this.jobs.push(entry);
    return entry;
  }

  completed(): number {
    return this.jobs.filter((j) => j.fence?.status === 1).length;
  }

  failed(): number {
    return this.jobs.filter((j) => j.fence !== null && j.fence.status < 0).length;
  }

  /**
   * Per client, in the order clients first submitted: jobs submitted, completed, failed (by
   * the errno their fence ended with) and still pending at the end of the run.
   */
  perClient(): ClientJobs[] {
    const by = new Map<string, ClientJobs>();
    for (const j of this.jobs) {
      let c = by.get(j.client);
      if (c === undefined) {
        c = { client: j.client, submitted: 0, completed: 0, failed: {}, pending: 0 };
        by.set(j.client, c);
      }
      c.submitted++;
      const status = j.fence?.status ?? 0;
      if (status === 1) c.completed++;
      else if (status < 0) {
        const name = errnoName(status);
        c.failed[name] = (c.failed[name] ?? 0) + 1;
      } else c.pending++;
    }
    return [...by.values()];
  }
}

/** What one client's jobs came to (`JobLedger.perClient`). */
export interface ClientJobs {
  client: string;
  submitted: number;
  completed: number;
  /** errno name → jobs whose fence ended with it. */
  failed: Record<string, number>;
  /** No fence, or a fence not signalled when the run ended. */
  pending: number;
}
