/**
 * One step of a job, by kind: hooks and script installs (argv, no shell, in the root), package
 * installs and rollbacks, Windows installers, config changes, the reboot decision, verify. And what
 * an interrupted step becomes after a restart: reconciled from the package database, counted as
 * done (reboot), run again (verify), or failed — never an install run twice.
 */
import { lstat } from 'node:fs/promises';
import type { JobStep } from '../../protocol/jobs.js';
import { aptBackend } from './apt.js';
import { dnfBackend } from './dnf.js';
import { editFile } from './file-edit.js';
import { failed, type RebootDeps, type StepContext, type StepOutcome } from './outcome.js';
import { installPackages, readKeptManifest, reconcilePackages, rollbackPackages } from './packages.js';
import { resolveInRoot } from './root-fs.js';
import { describeFailure, type CommandRunner } from './runner.js';
import { installWindows, setRegistryValue, uninstallKb } from './windows.js';

const backends = { apt: aptBackend, dnf: dnfBackend } as const;

/** Runs an argv inside the root; exit 0 → succeeded, anything else → failed. */
async function runCommandStep(
  what: string,
  argv: readonly string[],
  timeoutSeconds: number,
  ctx: StepContext,
): Promise<StepOutcome> {
  const r = await ctx.runner.run(argv, { timeoutMs: timeoutSeconds * 1000 });
  if (r.exitCode === 0) return { result: 'succeeded', exitCode: 0, log: r.log, message: `${what} ${argv[0]} exited 0` };
  return failed(describeFailure(`${what} ${argv[0]}`, r), r.log, r.exitCode);
}

/** True when the managed machine says it needs a reboot (Debian: /run/reboot-required). */
export async function rebootRequiredFlag(root: string): Promise<boolean> {
  for (const p of ['/run/reboot-required', '/var/run/reboot-required']) {
    const host = await resolveInRoot(root, p).catch(() => null);
    if (host && (await lstat(host).catch(() => undefined))) return true;
  }
  return false;
}

type RebootStep = Extract<JobStep, { kind: 'reboot' }>;

/** Reboots when needed and allowed: skipped when not required, deferred while a user is logged in (within the limit). */
export async function rebootStep(step: RebootStep, ctx: StepContext): Promise<StepOutcome> {
  if (step.when === 'if-required' && !(await rebootRequiredFlag(ctx.root))) {
    return { result: 'skipped', exitCode: null, log: '', message: 'no reboot required' };
  }
  if (step.deferralsUsed < step.maxDeferrals && (await ctx.reboot.userSessionPresent())) {
    const left = step.maxDeferrals - step.deferralsUsed - 1;
    return {
      result: 'skipped',
      exitCode: null,
      log: '',
      message: `reboot deferred: a user is logged in (${left} deferral${left === 1 ? '' : 's'} left)`,
      rebootPending: true,
      rebootDeferrals: 1,
    };
  }
  const command = ctx.reboot.commandFor(step.graceSeconds);
  if (!command) {
    return {
      result: 'skipped',
      exitCode: null,
      log: '',
      message: 'a reboot is needed, but this agent has no reboot command for its root (--reboot-command)',
      rebootPending: true,
    };
  }
  const r = await ctx.runner.run(command, { timeoutMs: 120_000, onHost: true });
  if (r.exitCode !== 0)
    return {
      ...failed(describeFailure(`the reboot command ${command[0]}`, r), r.log, r.exitCode),
      rebootPending: true,
    };
  return {
    result: 'succeeded',
    exitCode: 0,
    log: r.log,
    message: `reboot started (${command.join(' ')})`,
    rebootStarted: true,
  };
}

/** Runs one step. Errors thrown by the machinery become a failed step, never a crashed agent. */
export async function runStep(step: JobStep, ctx: StepContext): Promise<StepOutcome> {
  try {
    return await runStepUnguarded(step, ctx);
  } catch (err) {
    return failed(`the agent failed running the step: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function runStepUnguarded(step: JobStep, ctx: StepContext): Promise<StepOutcome> {
  switch (step.kind) {
    case 'pre-hook':
    case 'post-hook':
      return runCommandStep(step.kind, step.command, step.timeoutSeconds, ctx);
    case 'install':
      if (step.manager === 'apt' || step.manager === 'dnf')
        return installPackages(backends[step.manager], step.packages, step.timeoutSeconds, ctx);
      if (step.manager === 'script') return runCommandStep('install script', step.command, step.timeoutSeconds, ctx);
      return installWindows(step, ctx);
    case 'config':
      return step.change.type === 'file-edit' ? editFile(ctx.root, step.change) : setRegistryValue(step.change, ctx);
    case 'reboot':
      return rebootStep(step, ctx);
    case 'rollback':
      if (step.manager === 'wusa') return uninstallKb(step.kb, step.timeoutSeconds, ctx);
      return rollbackPackages(backends[step.manager], step, ctx);
    case 'verify':
      return {
        result: 'succeeded',
        exitCode: null,
        log: '',
        message: `the server re-assesses ${step.bulletinIds.length} bulletin${step.bulletinIds.length === 1 ? '' : 's'} from the fresh inventory`,
      };
  }
}

/**
 * What a step the agent died in becomes after a restart (docs: the journal never re-runs an
 * install blindly): package steps are reconciled from the database, a reboot counts as done,
 * verify runs again, anything else fails.
 */
export async function resumeInterruptedStep(step: JobStep, ctx: StepContext): Promise<StepOutcome> {
  try {
    if ((step.kind === 'install' || step.kind === 'rollback') && (step.manager === 'apt' || step.manager === 'dnf')) {
      const backend = backends[step.manager];
      if (step.kind === 'rollback') return await reconcilePackages(backend, step, ctx);
      const r = await reconcilePackages(backend, step, ctx);
      return { ...r, keptPackages: await readKeptManifest(ctx.root, ctx.jobId) };
    }
    if (step.kind === 'reboot')
      return {
        result: 'succeeded',
        exitCode: null,
        log: '',
        message: 'the agent restarted during the reboot step: counted as done',
      };
    if (step.kind === 'verify') return await runStep(step, ctx);
    return failed(
      `interrupted by an agent restart (${step.kind}${'manager' in step ? ` ${step.manager}` : ''}); not re-run`,
    );
  } catch (err) {
    return failed(`the agent failed reconciling the step: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The default reboot: `shutdown -r +N` (whole minutes, rounded up) when the agent manages this machine ("/"); none for another root. */
export function defaultRebootCommand(root: string): RebootDeps['commandFor'] {
  return (graceSeconds) => (root === '/' ? ['/sbin/shutdown', '-r', `+${Math.ceil(graceSeconds / 60)}`] : null);
}

/** A user session is present when `who` (run in the root) lists anyone; if it cannot run, none is assumed. */
export function whoSessionProbe(runner: CommandRunner): RebootDeps['userSessionPresent'] {
  return async () => {
    const r = await runner.run(['/usr/bin/who'], { timeoutMs: 30_000, parseStdout: true });
    return r.exitCode === 0 && r.stdout.trim() !== '';
  };
}
