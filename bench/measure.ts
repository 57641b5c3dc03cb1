/** Timing and memory measurement: child processes per scenario, whole-process wall times, statistics. */
import { fork, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a scenario child sends back: its result and its own peak RSS. */
export interface ChildReport<T> {
  result: T;
  /** process.resourceUsage().maxRSS of the child at the end of its work, in KiB. */
  maxRssKb: number;
}

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Runs bench/scenarios/<name> in a fresh Node process (with --expose-gc) and waits for its report. */
export function runScenario<T>(name: string, args: string[]): Promise<ChildReport<T>> {
  const script = fileURLToPath(new URL(`./scenarios/${name}${EXT}`, import.meta.url));
  const execArgv = [...new Set([...process.execArgv, '--expose-gc'])];
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: ChildReport<T> | undefined;
    child.on('message', (m) => (report = m as ChildReport<T>));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report && code === 0) resolve(report);
      else reject(new Error(`scenario ${name} exited with ${signal ?? code} before reporting`));
    });
  });
}

/** Called by a scenario child when done: sends the result with the child's peak RSS, then exits. */
export function reportToParent<T>(result: T): void {
  const msg: ChildReport<T> = { result, maxRssKb: process.resourceUsage().maxRSS };
  if (!process.send) {
    console.log(JSON.stringify(msg, null, 2));
    return;
  }
  process.send(msg, () => process.exit(0));
}

/** Runs a command to completion with stdout discarded (/dev/null); returns wall milliseconds and exit code. */
export function timeCommand(
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0 && code !== 1) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr}`));
      else resolve({ ms, code: code ?? -1 });
    });
  });
}

/** Runs a command and returns its stdout (for checking what it produced, not for timing). */
export function captureCommand(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export const GNU_TIME = '/usr/bin/time';

/** Peak RSS (KiB) of a whole command via GNU time's %M (getrusage of the child); undefined without GNU time. */
export async function commandPeakRssKb(
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  if (!existsSync(GNU_TIME)) return undefined;
  const out = join(tmpdir(), `patchhive-bench-rss-${process.pid}.txt`);
  try {
    await timeCommand(GNU_TIME, ['-o', out, '-f', '%M', cmd, ...args], env);
    const kb = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
    return Number.isFinite(kb) ? kb : undefined;
  } finally {
    rmSync(out, { force: true });
  }
}

/** One run of a command with stdout captured: wall ms, stdout, and peak RSS (KiB) via GNU time when installed. */
export async function runOnceMeasured(
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ ms: number; stdout: string; peakRssKb: number | undefined }> {
  const rssFile = join(tmpdir(), `patchhive-bench-rss1-${process.pid}.txt`);
  const gnu = existsSync(GNU_TIME);
  const [c, a] = gnu ? [GNU_TIME, ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  try {
    const t0 = process.hrtime.bigint();
    const stdout = await captureCommand(c, a, env);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const kb = gnu ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : NaN;
    return { ms, stdout, peakRssKb: Number.isFinite(kb) ? kb : undefined };
  } finally {
    rmSync(rssFile, { force: true });
  }
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0–100, nearest rank) of a non-empty list. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Milliseconds taken by a synchronous or asynchronous function, with its result. */
export async function timed<T>(f: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

/** Runs a full GC when Node was started with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Heap in use after a full GC, in MiB. */
export function retainedHeapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
