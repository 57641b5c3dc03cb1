/**
 * Runs the real `patchhive` CLI as a child process, for end-to-end tests of exit codes, stdout,
 * stderr and files written.
 *
 * How the CLI is started: `node --import tsx src/cli/main.ts ...` (tsx's ESM loader, resolved
 * from this project's node_modules), not `dist/cli/main.js`:
 * - It always runs the current source. dist/ is a shared build output that other work in the
 *   same tree rebuilds (or leaves stale). Building it from a test (beforeAll/globalSetup) would
 *   race with those builds and fail on any half-edited file elsewhere in src/.
 * - One process per run: `node --import <loader>` instead of the `tsx` binary, which starts a
 *   second node process and relays signals and the exit code. What we observe is node's own
 *   exit code and streams, and a timeout kill reaches the CLI process itself.
 * - Cost: about 0.5–1 s of start-up per run (tsx caches its transforms), which the tests offset
 *   by running cases concurrently (runs are limited to the machine's parallelism here).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI entry point (TypeScript source). */
export const CLI_MAIN = path.join(ROOT, 'src/cli/main.ts');
/** tsx's ESM loader, as a file URL so it resolves the same from any working directory. */
const TSX_LOADER = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx')).href;

export interface CliResult {
  /** Exit code; null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout exactly as written (for byte comparisons with `-o FILE`). */
  stdoutBytes: Buffer;
  stderr: string;
  /** True when the run exceeded its time limit and was killed. */
  timedOut: boolean;
  /** Wall-clock run time in milliseconds. */
  ms: number;
  /** The arguments, for failure messages. */
  args: string[];
}

export interface RunOptions {
  /** Working directory; default: the repository root, so fixture paths can be relative. */
  cwd?: string;
  /** Kill the CLI (SIGKILL) after this many milliseconds; default 60 s. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

// A small semaphore: concurrent tests share the CPUs instead of all starting node at once.
const MAX_RUNNING = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];
async function acquire(): Promise<void> {
  if (running < MAX_RUNNING) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** Runs `patchhive ...args` and collects its exit code and output. Never rejects for a CLI failure. */
export async function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  await acquire();
  try {
    return await spawnCli(args, opts);
  } finally {
    release();
  }
}

function spawnCli(args: string[], opts: RunOptions): Promise<CliResult> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env };
  // Options meant for the test runner's own processes must not leak into the CLI.
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_MAIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - started,
        args,
      });
    });
  });
}

/** stderr split into lines, without the final newline's empty line. */
export function stderrLines(r: CliResult): string[] {
  const text = r.stderr.endsWith('\n') ? r.stderr.slice(0, -1) : r.stderr;
  return text === '' ? [] : text.split(/\r?\n/);
}

/** A short description of a run for assertion messages. */
export function describeRun(r: CliResult): string {
  const clip = (s: string) => (s.length > 2000 ? `${s.slice(0, 2000)}… (${s.length} chars)` : s);
  return [
    `patchhive ${r.args.join(' ')}`,
    `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} after ${r.ms} ms`,
    `stderr:\n${clip(r.stderr)}`,
    `stdout:\n${clip(r.stdout)}`,
  ].join('\n');
}

/** A fresh temporary directory; remove it with `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `patchhive-e2e-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The names in a directory (to check that nothing, not even a temporary file, was left there). */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
