/**
 * The journal of a campaign: `DIR/journal.jsonl` next to `summary.json`, one line per chunk
 * that finished (a run range, or a subtree of a split dfs), so that a campaign interrupted
 * after hours can be resumed (`--resume`) without running again what it had finished. An
 * exhaustive search at a delay bound of 2 or 3 takes tens of minutes to hours (docs/explorer.md
 * §9), and a signal, a reboot or a CI time limit should cost only the chunks in flight.
 *
 * The first line is the header: what makes two campaigns the same search (program, strategy,
 * bounds, seed, budget, shard, reduction, swarm, the chunk plan) and the model it ran on, as
 * the trace hash of the seed's first run in FIFO order: a resume on changed model code (a
 * different resetlab, or a design file edited since) has a different hash and is refused, as is
 * one with any other option changed. Each further line is `{key, result}`: the chunk's identity
 * (`r<from>-<to>`, `s<index>:<prefix>:<budget>`, or for a subtree continued in a later round
 * `s<index>:<prefix>:<from>-<budget>`) and its result as `explore` returned it.
 *
 * A run range stopped by an interrupt is not written: it is not complete, and is run again on
 * resume. A dfs subtree stopped by an interrupt is written as far as it got, with the path of
 * its last schedule, and a resume continues it from there (campaign.ts `continuation`; the
 * continuation's own line has the `<from>-<budget>` key; with the happens-before cache of a
 * program with complete footprints, the continuation starts with an empty cache and may run
 * more schedules than the uninterrupted search, with the same outcomes and states; scenarios'
 * footprints are conservative and keep no cache). A line is written whole with one append, after the
 * chunk's failure files; a line cut short by a crash is the last one, and reading ignores it
 * (it is run again). Merging journaled results with new ones is the merge of any two pieces of
 * one campaign (src/explore/result.ts), so a resumed campaign ends with the result, summary and
 * certificate the uninterrupted one would have had; only `elapsedMs` counts this session alone
 * (test/campaign/journal.test.ts).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExploreResult } from '../explore/result.js';
import { exploreResultSchema } from './summary.js';

export const JOURNAL_FILE = 'journal.jsonl';
const JOURNAL_KIND = 'resetlab-campaign-journal';
const MAX_JOURNAL_BYTES = 1024 * 1024 * 1024;

/** What identifies a campaign's search: every field must be equal for a resume. */
export type JournalHeader = Record<string, string | number | boolean | null | readonly string[]>;

export interface JournalChunk {
  from: number;
  to: number;
  subtree?: { index: number; prefix: readonly number[] };
}

/**
 * The identity of a chunk within its campaign (see the file comment). A continuation of a
 * subtree (a later round, `from` > 0) adds where it starts; where it resumes is a function
 * of the results before it, like the round itself.
 */
export function chunkKey(c: JournalChunk): string {
  if (c.subtree === undefined) return `r${c.from}-${c.to}`;
  const at = c.from > 0 ? `${c.from}-` : '';
  return `s${c.subtree.index}:${c.subtree.prefix.join('.')}:${at}${c.to}`;
}

export interface JournalError {
  field: string;
  message: string;
}

export class Journal {
  private constructor(
    readonly path: string,
    /** Results of chunks finished by an earlier session, by chunk key. */
    readonly resumed: ReadonlyMap<string, ExploreResult>,
  ) {}

  /**
   * Opens `dir`'s journal for a campaign with `header`: a new one (an old journal there is
   * replaced) unless `resume`, when the finished chunks of an earlier session of the same
   * campaign are read back. A missing journal resumes nothing; one of another campaign, or one
   * that is not a journal, is an error naming the file and what differs.
   */
  static open(
    dir: string,
    header: JournalHeader,
    resume: boolean,
  ): { ok: true; journal: Journal } | { ok: false; error: JournalError } {
    const path = join(dir, JOURNAL_FILE);
    const headLine = `${JSON.stringify({ kind: JOURNAL_KIND, ...header })}\n`;
    const fail = (message: string) => ({
      ok: false as const,
      error: { field: 'resume', message: `--resume: ${path}: ${message}` },
    });
    const resumed = new Map<string, ExploreResult>();
    if (resume && existsSync(path)) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        return fail((err as Error).message);
      }
      if (text.length > MAX_JOURNAL_BYTES) return fail('file too large');
      const lines = text.split('\n');
      let head: unknown;
      try {
        head = JSON.parse(lines[0] ?? '');
      } catch {
        return fail('line 1: not a campaign journal');
      }
      const differs = headerDifference(head, { kind: JOURNAL_KIND, ...header });
      if (differs !== null) return fail(`written by another campaign: ${differs}`);
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line === '') continue;
        let entry: unknown;
        try {
          entry = JSON.parse(line);
        } catch {
          // A line cut short by a crash can only be the last one: that chunk runs again.
          if (i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '')) break;
          return fail(`line ${i + 1}: not JSON`);
        }
        const e = entry as { key?: unknown; result?: unknown };
        const parsed = exploreResultSchema.safeParse(e.result);
        if (typeof e.key !== 'string' || !parsed.success) {
          const issue = parsed.success ? undefined : parsed.error.issues[0];
          const where = issue === undefined ? 'key' : `result.${issue.path.join('.')}`;
          return fail(`line ${i + 1}: ${where}: ${issue?.message ?? 'missing'}`);
        }
        resumed.set(e.key, parsed.data as ExploreResult);
      }
      // Rewritten whole (header and the lines read): a torn last line does not stay behind.
      writeFileSync(
        path,
        headLine +
          [...resumed].map(([key, result]) => `${JSON.stringify({ key, result })}\n`).join(''),
      );
    } else {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, headLine);
    }
    return { ok: true, journal: new Journal(path, resumed) };
  }

  /** Records a chunk that ended by itself. */
  append(key: string, result: ExploreResult): void {
    appendFileSync(this.path, `${JSON.stringify({ key, result })}\n`);
  }
}

/** The first field in which a journal's header differs from the campaign's, or null. */
function headerDifference(head: unknown, want: JournalHeader): string | null {
  if (typeof head !== 'object' || head === null) return 'line 1: not a campaign journal';
  const h = head as Record<string, unknown>;
  if (h.kind !== JOURNAL_KIND) return 'line 1: not a campaign journal';
  for (const [k, v] of Object.entries(want)) {
    if (JSON.stringify(h[k] ?? null) !== JSON.stringify(v ?? null)) {
      return `${k} ${JSON.stringify(h[k] ?? null)} there, ${JSON.stringify(v ?? null)} here`;
    }
  }
  return null;
}
