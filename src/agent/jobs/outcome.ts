/** What running one step of a job produced, before it becomes a StepReport. */
import type { CommandRunner } from './runner.js';

export interface PackageVersion {
  name: string;
  version: string;
}

/** The result of one step as the executor journals and reports it. */
export interface StepOutcome {
  result: 'succeeded' | 'failed' | 'skipped';
  exitCode: number | null;
  /** Tail of the commands' output (≤ MAX_STEP_LOG_CHARS). */
  log: string;
  /** One line for people. */
  message: string;
  /** Previous versions kept for rollback by an install step. */
  keptPackages?: PackageVersion[];
  /** An installer said the machine needs a reboot (Windows 3010, …). */
  rebootRequired?: boolean;
  /** The reboot command ran (or an installer started one). */
  rebootStarted?: boolean;
  /** A reboot is needed but was not done (deferred, no reboot command). */
  rebootPending?: boolean;
  rebootDeferrals?: number;
}

/** Where Windows keeps its tools; taken from the agent's configuration, never from the environment here. */
export interface WindowsPaths {
  /** e.g. "C:\\Windows" */
  systemRoot: string;
}

/** How the reboot step decides and reboots. */
export interface RebootDeps {
  /** The command that reboots the machine after `graceSeconds` (run on the host); null: the agent may not reboot it. */
  commandFor(graceSeconds: number): readonly string[] | null;
  /** True when a user is logged in (who/utmp); a reboot may then be deferred. */
  userSessionPresent(): Promise<boolean>;
}

/** Everything a step needs to run. */
export interface StepContext {
  jobId: string;
  runner: CommandRunner;
  /** The managed root ("/" for this machine). */
  root: string;
  platform: 'linux' | 'win32';
  /** The downloaded, verified file of an artifact of this job. */
  artifactFile(artifactId: string): string;
  windows: WindowsPaths;
  reboot: RebootDeps;
}

/** A failed outcome with a message and whatever log there is. */
export function failed(message: string, log = '', exitCode: number | null = null): StepOutcome {
  return { result: 'failed', exitCode, log, message };
}
