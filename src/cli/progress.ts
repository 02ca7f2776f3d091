/**
 * A progress bar on stderr for the commands made of tasks (compare, regress, demo), shown only
 * when stderr is a terminal (never in the way of JSON on stdout or of a log file).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(phase: string, done: number, total: number): void;
  stop(): void;
}

export function taskProgress(label: string, enabled: boolean | 'auto' = 'auto'): Progress {
  const show = enabled === 'auto' ? process.stderr.isTTY === true : enabled;
  if (!show) return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | null = null;
  let phase = '';
  return {
    update(p, done, total) {
      if (bar === null || p !== phase) {
        bar?.stop();
        phase = p;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${label} ${p} |{bar}| {value}/{total} | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      } else bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
