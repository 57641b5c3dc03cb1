/**
 * `patchhive serve` as a real child process for end-to-end tests that kill it: started with
 * `node --import tsx src/cli/main.ts serve` (one process, so a signal reaches the server itself),
 * its URL parsed from the "serving on" line, its output kept for the assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_MAIN, ROOT } from '../support/cli.js';

/** One run of `patchhive serve`. */
export interface ServeProcess {
  /** http(s)://127.0.0.1:PORT from the "patchhive: serving on" line. */
  url: string;
  /** The job-signing key fingerprint from the line `patchhive serve` prints before it. */
  keyFingerprint: string;
  child: ChildProcess;
  /** stdout so far (pino JSON lines). */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** True while the process has not exited. */
  running(): boolean;
  /** Sends a signal and resolves when the process has exited (at once when it already had). */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const SERVING = /^patchhive: serving on (https?:\/\/\S+) /m;
const FINGERPRINT = /^patchhive: job-signing key fingerprint: (SHA256:\S+)$/m;

/** Starts `patchhive serve ...args` and resolves once it is listening; rejects with its output if it exits or stalls first. */
export function startServe(args: string[], timeoutMs = 120_000): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  // The runner's own options and any PATCHHIVE_* setting of the developer's shell must not reach the server.
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith('PATCHHIVE_')) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'serve', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc = (url: string): ServeProcess => ({
    url,
    keyFingerprint: FINGERPRINT.exec(err)?.[1] ?? '',
    child,
    stdout: () => out,
    stderr: () => err,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  });
  return new Promise((resolve, reject) => {
    const describe = (why: string) =>
      new Error(`patchhive serve ${args.join(' ')}: ${why}\nstderr:\n${err}\nstdout:\n${out.slice(-4000)}`);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(describe(`not serving after ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = () => {
      const m = SERVING.exec(err);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off('data', onData);
      resolve(proc(m[1]!));
    };
    child.stderr.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(describe(`exited (code ${code}, signal ${signal}) before serving`));
    });
  });
}

/** A pino log line of the server. */
export interface LogLine {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

/** The server's stdout as pino lines; a line that is not JSON is kept as level 60 so it cannot pass unseen. */
export function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return { level: 60, msg: `(not JSON) ${l}` };
      }
    });
}
