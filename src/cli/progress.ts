/** Progress on stderr for long work: a percentage redrawn in place on a terminal; summary lines always. */

export interface Progress {
  update(label: string, done: number, total: number): void;
  done(label: string, summary: string): void;
}

/** Only inputs at least this large get progress output. */
const MIN_BYTES = 8 * 1024 * 1024;

/** A progress reporter writing to `stream`; silent when `quiet`. */
export function createProgress(stream: NodeJS.WriteStream, quiet: boolean): Progress {
  let lastStep = -1;
  let active = false;
  return {
    update(label, done, total) {
      // a log or a pipe gets only the summary lines: percentages there are noise
      if (quiet || total < MIN_BYTES || !stream.isTTY) return;
      const pct = Math.min(100, Math.floor((done / total) * 100));
      if (pct === lastStep) return;
      lastStep = pct;
      stream.write(`\r${label}: ${pct}% (${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB)`);
      active = true;
    },
    done(label, summary) {
      if (quiet) return;
      if (active) stream.write('\r\x1b[K');
      active = false;
      lastStep = -1;
      stream.write(`${label}: ${summary}\n`);
    },
  };
}
