/**
 * Windows installers: .msu through wusa, .msi through msiexec, vendor .exe with silent switches,
 * registry values through reg.exe, and uninstalling an update by KB. Programs are absolute paths
 * under %SystemRoot%\System32 (the system root comes from configuration, not the environment).
 *
 * No Windows host runs this project's tests: the argv and the exit-code interpretation are
 * unit-tested with a fake runner only.
 */
import type { JobStep } from '../../protocol/jobs.js';
import { failed, type StepContext, type StepOutcome, type WindowsPaths } from './outcome.js';
import { describeFailure } from './runner.js';

type WindowsInstall = Extract<JobStep, { kind: 'install'; manager: 'wusa' | 'msiexec' | 'exe' }>;
type RegistryChange = Extract<Extract<JobStep, { kind: 'config' }>['change'], { type: 'registry' }>;

const system32 = (w: WindowsPaths) => `${w.systemRoot.replace(/\\+$/, '')}\\System32`;

/** The argv that installs the artifact `file` with `step`'s silent arguments. */
export function windowsInstallArgv(step: WindowsInstall, file: string, w: WindowsPaths): string[] {
  if (step.manager === 'wusa') return [`${system32(w)}\\wusa.exe`, file, ...step.args];
  if (step.manager === 'msiexec') return [`${system32(w)}\\msiexec.exe`, '/i', file, ...step.args];
  return [file, ...step.args];
}

/** The argv that uninstalls update `kb` ("KB5034441") quietly, without restarting. */
export function wusaUninstallArgv(kb: string, w: WindowsPaths): string[] {
  return [`${system32(w)}\\wusa.exe`, '/uninstall', `/kb:${kb.replace(/^KB/, '')}`, '/quiet', '/norestart'];
}

/** The argv that sets a registry value (64-bit view). */
export function registryArgv(change: RegistryChange, w: WindowsPaths): string[] {
  const key = `${change.hive}\\${change.key}`;
  const name = change.valueName === '' ? ['/ve'] : ['/v', change.valueName];
  return [`${system32(w)}\\reg.exe`, 'add', key, ...name, '/t', change.valueType, '/d', change.data, '/f', '/reg:64'];
}

export interface WindowsExit {
  ok: boolean;
  rebootRequired: boolean;
  rebootStarted: boolean;
  meaning: string;
}

/** What a Windows installer's exit code means (wusa, msiexec, and the same convention for .exe). */
export function interpretWindowsExit(code: number | null): WindowsExit {
  switch (code) {
    case 0:
      return { ok: true, rebootRequired: false, rebootStarted: false, meaning: 'installed' };
    case 3010:
      return {
        ok: true,
        rebootRequired: true,
        rebootStarted: false,
        meaning: 'installed; a reboot is required (3010)',
      };
    case 1641:
      return {
        ok: true,
        rebootRequired: true,
        rebootStarted: true,
        meaning: 'installed; the installer started a reboot (1641)',
      };
    case 2359302:
      return { ok: true, rebootRequired: false, rebootStarted: false, meaning: 'already installed (0x00240006)' };
    default:
      return {
        ok: false,
        rebootRequired: false,
        rebootStarted: false,
        meaning: code === null ? 'did not finish' : `failed with exit code ${code}`,
      };
  }
}

async function runWindows(
  argv: string[],
  timeoutSeconds: number,
  what: string,
  ctx: StepContext,
): Promise<StepOutcome> {
  if (ctx.platform !== 'win32') return failed(`${what} needs a Windows agent; this one runs on ${ctx.platform}`);
  const r = await ctx.runner.run(argv, { timeoutMs: timeoutSeconds * 1000 });
  if (r.spawnError || r.timedOut) return failed(describeFailure(what, r), r.log, r.exitCode);
  const exit = interpretWindowsExit(r.exitCode);
  return {
    result: exit.ok ? 'succeeded' : 'failed',
    exitCode: r.exitCode,
    log: r.log,
    message: `${what}: ${exit.meaning}`,
    rebootRequired: exit.rebootRequired,
    rebootStarted: exit.rebootStarted,
  };
}

/** Runs a wusa/msiexec/exe install step with its verified artifact. */
export function installWindows(step: WindowsInstall, ctx: StepContext): Promise<StepOutcome> {
  return runWindows(
    windowsInstallArgv(step, ctx.artifactFile(step.artifactId), ctx.windows),
    step.timeoutSeconds,
    `${step.manager} ${step.artifactId}`,
    ctx,
  );
}

/** Uninstalls a Windows update by KB (wusa rollback). */
export function uninstallKb(kb: string, timeoutSeconds: number, ctx: StepContext): Promise<StepOutcome> {
  return runWindows(wusaUninstallArgv(kb, ctx.windows), timeoutSeconds, `wusa uninstall ${kb}`, ctx);
}

/** Sets a registry value; on Linux this fails with a clear message. */
export async function setRegistryValue(change: RegistryChange, ctx: StepContext): Promise<StepOutcome> {
  if (ctx.platform !== 'win32')
    return failed(`a registry change (HKLM\\${change.key}) needs a Windows agent; this one runs on ${ctx.platform}`);
  const r = await ctx.runner.run(registryArgv(change, ctx.windows), { timeoutMs: 60_000 });
  if (r.exitCode === 0)
    return {
      result: 'succeeded',
      exitCode: 0,
      log: r.log,
      message: `set HKLM\\${change.key}\\${change.valueName || '(default)'}`,
    };
  return failed(describeFailure('reg.exe add', r), r.log, r.exitCode);
}
