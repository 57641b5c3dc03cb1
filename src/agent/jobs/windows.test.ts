import { describe, expect, it } from 'vitest';
import type { StepContext } from './outcome.js';
import { fakeRunner } from './test-support.js';
import {
  installWindows,
  interpretWindowsExit,
  registryArgv,
  setRegistryValue,
  uninstallKb,
  windowsInstallArgv,
  wusaUninstallArgv,
} from './windows.js';

// No Windows host runs these tests: argv and exit codes against a fake runner only.
const W = { systemRoot: 'C:\\Windows\\' };
const ctx = (runner: StepContext['runner'], platform: 'linux' | 'win32' = 'win32'): StepContext => ({
  jobId: 'job-1',
  runner,
  root: '/',
  platform,
  artifactFile: (id) => `C:\\ProgramData\\Patchhive\\artifacts\\job-1\\${id}.msu`,
  windows: W,
  reboot: { commandFor: () => null, userSessionPresent: async () => false },
});

describe('Windows installers (argv and exit codes; not run here)', () => {
  it('builds absolute argv under System32 for wusa, msiexec and exe', () => {
    expect(
      windowsInstallArgv(
        { kind: 'install', manager: 'wusa', artifactId: 'kb1', args: ['/quiet', '/norestart'], timeoutSeconds: 60 },
        'D:\\a.msu',
        W,
      ),
    ).toEqual(['C:\\Windows\\System32\\wusa.exe', 'D:\\a.msu', '/quiet', '/norestart']);
    expect(
      windowsInstallArgv(
        { kind: 'install', manager: 'msiexec', artifactId: 'm', args: ['/qn', '/norestart'], timeoutSeconds: 60 },
        'D:\\a.msi',
        W,
      ),
    ).toEqual(['C:\\Windows\\System32\\msiexec.exe', '/i', 'D:\\a.msi', '/qn', '/norestart']);
    expect(
      windowsInstallArgv(
        { kind: 'install', manager: 'exe', artifactId: 'e', args: ['/S'], timeoutSeconds: 60 },
        'D:\\setup.exe',
        W,
      ),
    ).toEqual(['D:\\setup.exe', '/S']);
    expect(wusaUninstallArgv('KB5034441', W)).toEqual([
      'C:\\Windows\\System32\\wusa.exe',
      '/uninstall',
      '/kb:5034441',
      '/quiet',
      '/norestart',
    ]);
    expect(
      registryArgv(
        {
          type: 'registry',
          hive: 'HKLM',
          key: 'SOFTWARE\\Policies\\X',
          valueName: 'Enabled',
          valueType: 'REG_DWORD',
          data: '1',
        },
        W,
      ),
    ).toEqual([
      'C:\\Windows\\System32\\reg.exe',
      'add',
      'HKLM\\SOFTWARE\\Policies\\X',
      '/v',
      'Enabled',
      '/t',
      'REG_DWORD',
      '/d',
      '1',
      '/f',
      '/reg:64',
    ]);
  });

  it.each([
    [0, true, false, false],
    [3010, true, true, false],
    [1641, true, true, true],
    [2359302, true, false, false],
    [1603, false, false, false],
    [null, false, false, false],
  ])('exit %s → ok %s, reboot required %s, reboot started %s', (code, ok, required, started) => {
    expect(interpretWindowsExit(code)).toMatchObject({ ok, rebootRequired: required, rebootStarted: started });
  });

  it('runs the installer with the artifact file and reports a needed reboot', async () => {
    const runner = fakeRunner('/', () => ({ exitCode: 3010 }));
    const r = await installWindows(
      {
        kind: 'install',
        manager: 'wusa',
        artifactId: 'kb5034441',
        args: ['/quiet', '/norestart'],
        timeoutSeconds: 3600,
      },
      ctx(runner),
    );
    expect(r).toMatchObject({
      result: 'succeeded',
      exitCode: 3010,
      rebootRequired: true,
      message: 'wusa kb5034441: installed; a reboot is required (3010)',
    });
    expect(runner.calls[0]!.argv[1]).toBe('C:\\ProgramData\\Patchhive\\artifacts\\job-1\\kb5034441.msu');
    const failedRun = await uninstallKb('KB5034441', 600, ctx(fakeRunner('/', () => ({ exitCode: 87 }))));
    expect(failedRun).toMatchObject({
      result: 'failed',
      message: 'wusa uninstall KB5034441: failed with exit code 87',
    });
  });

  it('on Linux, registry changes and Windows installers fail with a clear message and run nothing', async () => {
    const runner = fakeRunner('/');
    const reg = await setRegistryValue(
      { type: 'registry', hive: 'HKLM', key: 'SOFTWARE\\X', valueName: '', valueType: 'REG_SZ', data: 'y' },
      ctx(runner, 'linux'),
    );
    expect(reg).toMatchObject({
      result: 'failed',
      message: 'a registry change (HKLM\\SOFTWARE\\X) needs a Windows agent; this one runs on linux',
    });
    const msi = await installWindows(
      { kind: 'install', manager: 'msiexec', artifactId: 'm', args: [], timeoutSeconds: 60 },
      ctx(runner, 'linux'),
    );
    expect(msi.result).toBe('failed');
    expect(runner.calls).toEqual([]);
  });
});
