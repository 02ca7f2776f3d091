/**
 * Entry point of the `resetlab` binary (bin/resetlab.js imports the compiled file; in
 * development `tsx src/cli/main.ts`). The command line itself is cli.ts.
 *
 * The exit code is set rather than forced, so that stdout is flushed when it is a pipe; a
 * fallback timer (unref'd, so it never delays a clean exit) ends a process that something
 * would otherwise keep alive.
 */
import { main } from './cli.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(
      `resetlab: internal error (a bug in resetlab): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
    setTimeout(() => process.exit(70), 2000).unref();
  },
);
