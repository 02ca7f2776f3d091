/**
 * Interruption for the long commands that do not go through the campaign runner (compare,
 * regress, demo), with the campaign's convention: the first SIGINT/SIGTERM aborts the work in
 * flight, the command writes and prints what it has and exits 130/143; a second signal exits
 * at once.
 */
const EXIT_CODE: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface Interrupt {
  signal: AbortSignal;
  /** The signal received, or null. */
  received(): NodeJS.Signals | null;
  /** The exit code for the signal received, or null. */
  exitCode(): number | null;
  dispose(): void;
}

export function onInterrupt(command: string): Interrupt {
  const ctl = new AbortController();
  let got: NodeJS.Signals | null = null;
  const handler = (s: NodeJS.Signals) => {
    if (got !== null) process.exit(EXIT_CODE[s] ?? 1);
    got = s;
    process.stderr.write(`\nresetlab ${command}: ${s}: stopping; writing what was found so far\n`);
    ctl.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ctl.signal,
    received: () => got,
    exitCode: () => (got === null ? null : (EXIT_CODE[got] ?? 1)),
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
