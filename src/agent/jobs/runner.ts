/**
 * Runs the programs a job asks for: an argv without a shell, inside the managed root
 * (`/usr/sbin/chroot ROOT argv…` when the root is not "/"), with a timeout that ends the whole
 * process group, and keeps the tail of the output for the step's log.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_STEP_LOG_CHARS } from '../../protocol/agent.js';

/** What one command did. `exitCode` is null when it was killed (timeout, signal) or never started. */
export interface CommandResult {
  exitCode: number | null;
  /** Its stdout, whole up to MAX_STDOUT_CHARS (for commands whose answer is parsed). */
  stdout: string;
  /** The tail of stdout and stderr interleaved, at most MAX_STEP_LOG_CHARS. */
  log: string;
  timedOut: boolean;
  /** Why it could not start (ENOENT …), else null. */
  spawnError: string | null;
}

export interface RunOptions {
  timeoutMs: number;
  /** Extra environment on top of the runner's base environment. */
  env?: Record<string, string>;
  /** Working directory, a path inside the managed root. */
  cwd?: string;
  /** Run on the host even when a root is managed (the agent's own reboot command). */
  onHost?: boolean;
  /**
   * The caller parses stdout (queries): it comes through a pipe. Otherwise the output goes to a
   * file, so an installer outlives a killed agent instead of dying of SIGPIPE mid-dpkg.
   */
  parseStdout?: boolean;
}

/** Runs an argv (program first, absolute path); never throws for a failing command. */
export interface CommandRunner {
  /** The managed root ("/" for this machine). */
  readonly root: string;
  run(argv: readonly string[], opts: RunOptions): Promise<CommandResult>;
}

/** Longest stdout kept whole; dpkg-query of 500 packages is a few KiB. */
export const MAX_STDOUT_CHARS = 4 * 1024 * 1024;
const KILL_GRACE_MS = 10_000;
export const CHROOT = '/usr/sbin/chroot';
/** Changes directory inside the chroot without a shell (chroot itself always starts in "/"). */
const ENV_PROGRAM = '/usr/bin/env';

/** A fixed PATH for every command: nothing from the agent's own environment leaks into installers. */
export const FIXED_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The argv actually spawned, and the host cwd, for `argv` run in `root` (pure). */
export function wrapForRoot(
  root: string,
  argv: readonly string[],
  opts: { cwd?: string; onHost?: boolean },
): { argv: string[]; cwd: string } {
  if (opts.onHost || root === '/') return { argv: [...argv], cwd: opts.cwd ?? '/' };
  const inner = opts.cwd ? [ENV_PROGRAM, `--chdir=${opts.cwd}`, ...argv] : [...argv];
  return { argv: [CHROOT, root, ...inner], cwd: '/' };
}

/** Keeps the last `max` characters of what is appended, without holding everything. */
export class TailBuffer {
  private text = '';
  constructor(private readonly max: number) {}
  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.length > this.max ? this.text.slice(-this.max) : this.text;
  }
}

/** Tails several logs into one, newest last, within MAX_STEP_LOG_CHARS. */
export function joinLogs(parts: readonly string[]): string {
  const text = parts.filter((p) => p !== '').join('\n');
  return text.length > MAX_STEP_LOG_CHARS ? text.slice(-MAX_STEP_LOG_CHARS) : text;
}

/**
 * A runner that spawns real processes for `root`, with `baseEnv` (PATH, locale, proxies) as the
 * whole environment; output that is not parsed goes through files in `logDir` (mode 0600).
 */
export function createCommandRunner(
  root: string,
  baseEnv: Record<string, string>,
  logDir: string = tmpdir(),
): CommandRunner {
  return {
    root,
    run: async (argv, opts) => {
      const cmd = wrapForRoot(root, argv, opts);
      const env = { ...baseEnv, ...opts.env };
      if (opts.parseStdout) return spawnCommand(cmd, env, opts.timeoutMs, argv.join(' '), null);
      await mkdir(logDir, { recursive: true, mode: 0o700 });
      const file = path.join(logDir, `command-${process.pid}-${randomBytes(6).toString('hex')}.log`);
      const fh = await open(
        file,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0),
        0o600,
      );
      try {
        const r = await spawnCommand(cmd, env, opts.timeoutMs, argv.join(' '), fh.fd);
        return { ...r, log: joinLogs([r.log, await readTail(file)]).slice(-MAX_STEP_LOG_CHARS) };
      } finally {
        await fh.close();
        await unlink(file).catch(() => undefined);
      }
    },
  };
}

async function readTail(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, MAX_STEP_LOG_CHARS * 4);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

function spawnCommand(
  cmd: { argv: string[]; cwd: string },
  env: Record<string, string>,
  timeoutMs: number,
  shown: string,
  outputFd: number | null,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const log = new TailBuffer(MAX_STEP_LOG_CHARS);
    let stdout = '';
    let timedOut = false;
    log.append(`$ ${shown}\n`);
    // detached: its own session and process group, so a timeout ends its children too (dpkg,
    // maintainer scripts) and the agent's death does not: the restarted agent reconciles.
    const stdio = outputFd === null ? (['ignore', 'pipe', 'pipe'] as const) : (['ignore', outputFd, outputFd] as const);
    const child = spawn(cmd.argv[0]!, cmd.argv.slice(1), { cwd: cmd.cwd, env, stdio: [...stdio], detached: true });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      log.append(`\n(timed out after ${Math.round(timeoutMs / 1000)} s; stopping it)\n`);
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      if (stdout.length < MAX_STDOUT_CHARS) stdout += c;
      log.append(c);
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => log.append(c));
    let spawnError: string | null = null;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code ?? err.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (spawnError) log.append(`(cannot start ${cmd.argv[0]}: ${spawnError})\n`);
      resolve({ exitCode: timedOut || spawnError ? null : code, stdout, log: log.toString(), timedOut, spawnError });
    });
  });
}

/** One line for people about a command that failed: exit code, timeout or start failure. */
export function describeFailure(what: string, r: CommandResult): string {
  if (r.spawnError) return `${what} could not start (${r.spawnError})`;
  if (r.timedOut) return `${what} timed out`;
  return `${what} exited ${r.exitCode ?? 'on a signal'}`;
}
