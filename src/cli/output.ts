/**
 * Where output goes (docs/design.md §4): with `--json`, exactly one JSON object on stdout and nothing
 * else; everything for people (progress, notes) on stderr. Colour only on a terminal: a stream
 * is coloured when it is a TTY and `NO_COLOR` is not set, so piped or redirected output never
 * carries escape codes (`FORCE_COLOR=1` forces it, for screenshots).
 */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * The two output streams of this command line's own code. Tests swap them to run commands
 * in-process; everything else writes to the process's streams.
 */
export const io = {
  out(s: string): void {
    process.stdout.write(s);
  },
  err(s: string): void {
    process.stderr.write(s);
  },
  outIsTTY: (): boolean => process.stdout.isTTY === true,
};

/** Colours for stdout: on only when stdout is a terminal (or FORCE_COLOR), never with NO_COLOR. */
export function stdoutColors(): Colors {
  const env = process.env;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  return pc.createColors(forced || (io.outIsTTY() && env.NO_COLOR === undefined));
}

/** Prints one JSON object on stdout. */
export function printJson(value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}

/** Prints text for people on stdout. */
export function printText(text: string): void {
  io.out(`${text}\n`);
}

/** A line for people, on stderr (never on stdout, which may be JSON). */
export function note(line: string): void {
  io.err(`${line}\n`);
}

/**
 * Reports bad input: the message on stderr, and with `--json` also `{error: {field, message}}`
 * on stdout, so that a script reading stdout sees one object whatever happened.
 */
export function usageError(command: string, field: string, message: string, json: boolean): 2 {
  io.err(`resetlab ${command}: ${message}\n`);
  if (json) printJson({ error: { field, message } });
  return 2;
}

/** Milliseconds as a short human string. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Pads a string that may hold colour codes to `width` visible characters. */
export function padVisible(s: string, width: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  const visible = s.replace(/\u001b\[[0-9;]*m/g, '').length;
  return s + ' '.repeat(Math.max(0, width - visible));
}

/** The width every text output keeps to (issue-free terminals and mail quotes). */
export const TEXT_WIDTH = 100;

/**
 * Word-wraps plain `text` to lines of at most `width` columns, the first prefixed by `first`
 * and the rest by `rest` (both counted in the width; neither may hold colour codes' width
 * surprises: pass visible text, colour afterwards).
 */
export function wrap(text: string, first: string, rest: string, width = TEXT_WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const prefix = out.length === 0 ? first : rest;
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest + word;
      continue;
    }
    line = empty ? prefix + word : `${line} ${word}`;
    empty = false;
  }
  out.push(line);
  return out;
}

/**
 * Fits one line of a report (a lockdep splat keeps its own indentation) to `width` columns:
 * a longer line is word-wrapped with its indentation and four more spaces on the
 * continuation lines, and a word longer than a line is cut.
 */
export function fitLine(line: string, width = TEXT_WIDTH): string[] {
  if (line.length <= width) return [line];
  const lead = /^\s*/.exec(line)?.[0] ?? '';
  const rest = `${lead}    `;
  const out: string[] = [];
  for (const l of wrap(line.slice(lead.length), lead, rest, width)) {
    let s = l;
    while (s.length > width) {
      out.push(s.slice(0, width));
      s = rest + s.slice(width);
    }
    out.push(s);
  }
  return out;
}

/** A violation's report, indented by `indent`, every line within `width` columns. */
export function reportLines(report: readonly string[], indent = '    ', width = TEXT_WIDTH) {
  return report.flatMap((l) => (l === '' ? [''] : fitLine(`${indent}${l}`, width)));
}
