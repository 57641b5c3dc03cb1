import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import type { JobStep } from '../../protocol/jobs.js';
import type { StepContext } from './outcome.js';
import { defaultRebootCommand, resumeInterruptedStep, runStep } from './steps.js';
import { fakeDpkg, fakeRunner, type FakeRunner } from './test-support.js';

afterAll(removeRoots);

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function ctx(
  root: string,
  runner: FakeRunner,
  opts: { session?: boolean; reboot?: string[] | null } = {},
): StepContext {
  return {
    jobId: 'job-1',
    runner,
    root,
    platform: 'linux',
    artifactFile: (id) => id,
    windows: { systemRoot: 'C:\\Windows' },
    reboot: {
      commandFor: () => (opts.reboot === undefined ? ['/sbin/reboot-now'] : opts.reboot),
      userSessionPresent: async () => opts.session ?? false,
    },
  };
}

describe('hooks and script installs', () => {
  it('run the argv in the root with the step timeout; non-zero fails', async () => {
    const runner = fakeRunner('/r', (argv) => ({ exitCode: argv[1] === 'ok' ? 0 : 4, log: 'hook output\n' }));
    const ok = await runStep(
      { kind: 'pre-hook', action: 'test-hook', command: ['/usr/local/sbin/drain', 'ok'], timeoutSeconds: 30 },
      ctx('/r', runner),
    );
    expect(ok).toMatchObject({ result: 'succeeded', exitCode: 0, log: 'hook output\n' });
    expect(runner.calls[0]!.opts).toMatchObject({ timeoutMs: 30_000 });
    const bad = await runStep(
      { kind: 'install', manager: 'script', action: 'vendor-fix', command: ['/opt/fix.sh', 'bad'], timeoutSeconds: 30 },
      ctx('/r', runner),
    );
    expect(bad).toMatchObject({ result: 'failed', exitCode: 4, message: 'install script /opt/fix.sh exited 4' });
  });

  it('verify runs nothing and succeeds (the server validates from the fresh inventory)', async () => {
    const runner = fakeRunner('/r');
    expect(await runStep({ kind: 'verify', bulletinIds: ['DSA-1', 'DSA-2'] }, ctx('/r', runner))).toMatchObject({
      result: 'succeeded',
    });
    expect(runner.calls).toEqual([]);
  });
});

describe('config file-edit', () => {
  const edit = (p: string, content: string, expectedSha256: string | null): JobStep => ({
    kind: 'config',
    change: { type: 'file-edit', path: p, content, expectedSha256 },
  });

  it('replaces a file that has the expected hash, keeping its mode', async () => {
    const root = await makeRoot({ 'etc/ssh/sshd_config': 'PermitRootLogin yes\n' });
    const file = path.join(root, 'etc/ssh/sshd_config');
    await chmod(file, 0o600);
    const r = await runStep(
      edit('/etc/ssh/sshd_config', 'PermitRootLogin no\n', sha('PermitRootLogin yes\n')),
      ctx(root, fakeRunner(root)),
    );
    expect(r).toMatchObject({ result: 'succeeded', message: 'replaced /etc/ssh/sshd_config (19 bytes, mode 600)' });
    expect(await readFile(file, 'utf8')).toBe('PermitRootLogin no\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a drifted file, an unexpected existing file, a missing one, and a missing directory', async () => {
    const root = await makeRoot({ 'etc/motd': 'changed by hand\n' });
    const c = ctx(root, fakeRunner(root));
    expect((await runStep(edit('/etc/motd', 'x', sha('original\n')), c)).message).toMatch(
      /^\/etc\/motd has changed since the job was made/,
    );
    expect((await runStep(edit('/etc/motd', 'x', null), c)).message).toBe(
      '/etc/motd exists, but the job expects it not to; not edited',
    );
    expect((await runStep(edit('/etc/new.conf', 'x', sha('y')), c)).message).toMatch(
      /does not exist, but the job expects/,
    );
    expect((await runStep(edit('/nodir/new.conf', 'x', null), c)).message).toBe(
      '/nodir/new.conf: its directory does not exist; not edited',
    );
    expect(await readFile(path.join(root, 'etc/motd'), 'utf8')).toBe('changed by hand\n');
    const created = await runStep(edit('/etc/new.conf', 'fresh\n', null), c);
    expect(created).toMatchObject({ result: 'succeeded', message: 'created /etc/new.conf (6 bytes, mode 644)' });
  });

  it('follows symlinks inside the root only: a link to the host path lands inside the root', async () => {
    const outside = await makeRoot({ 'victim.conf': 'host file\n' });
    const root = await makeRoot({ 'etc/.keep': '' });
    await symlink(path.join(outside, 'victim.conf'), path.join(root, 'etc/app.conf')); // absolute: resolved inside the root
    const r = await runStep(edit('/etc/app.conf', 'x', sha('host file\n')), ctx(root, fakeRunner(root)));
    expect(r.result).toBe('failed');
    expect(await readFile(path.join(outside, 'victim.conf'), 'utf8')).toBe('host file\n');
  });
});

describe('reboot', () => {
  const step = (over: Partial<Extract<JobStep, { kind: 'reboot' }>> = {}): JobStep => ({
    kind: 'reboot',
    graceSeconds: 60,
    when: 'if-required',
    maxDeferrals: 2,
    deferralsUsed: 0,
    ...over,
  });

  it('if-required without /run/reboot-required (also through /var/run -> /run): skipped', async () => {
    const root = await makeRoot({ 'run/.keep': '' });
    await mkdir(path.join(root, 'var'));
    await symlink('/run', path.join(root, 'var/run'));
    const runner = fakeRunner(root, () => ({ exitCode: 0 }));
    expect(await runStep(step(), ctx(root, runner))).toMatchObject({
      result: 'skipped',
      message: 'no reboot required',
    });
    await writeFile(path.join(root, 'run/reboot-required'), '*** System restart required ***\n');
    expect(await runStep(step(), ctx(root, runner))).toMatchObject({ result: 'succeeded', rebootStarted: true });
    expect(runner.calls.map((c) => [c.argv, c.opts.onHost])).toEqual([[['/sbin/reboot-now'], true]]);
  });

  it('a logged-in user defers it while deferrals are left; then it reboots anyway', async () => {
    const root = await makeRoot({});
    const runner = fakeRunner(root, () => ({ exitCode: 0 }));
    const deferred = await runStep(step({ when: 'always' }), ctx(root, runner, { session: true }));
    expect(deferred).toMatchObject({
      result: 'skipped',
      rebootPending: true,
      rebootDeferrals: 1,
      message: 'reboot deferred: a user is logged in (1 deferral left)',
    });
    const forced = await runStep(step({ when: 'always', deferralsUsed: 2 }), ctx(root, runner, { session: true }));
    expect(forced).toMatchObject({ result: 'succeeded', rebootStarted: true });
    expect(runner.calls).toHaveLength(1);
  });

  it('no reboot command (another --root): skipped, pending; a failing command fails', async () => {
    const root = await makeRoot({});
    const none = await runStep(step({ when: 'always' }), ctx(root, fakeRunner(root), { reboot: null }));
    expect(none).toMatchObject({ result: 'skipped', rebootPending: true });
    const failing = await runStep(
      step({ when: 'always' }),
      ctx(
        root,
        fakeRunner(root, () => ({ exitCode: 1 })),
      ),
    );
    expect(failing).toMatchObject({ result: 'failed', rebootPending: true });
    expect(defaultRebootCommand('/')(90)).toEqual(['/sbin/shutdown', '-r', '+2']);
    expect(defaultRebootCommand('/')(0)).toEqual(['/sbin/shutdown', '-r', '+0']);
    expect(defaultRebootCommand('/srv/m1')(90)).toBeNull();
  });
});

describe('resumeInterruptedStep', () => {
  it('reconciles apt from dpkg (with the kept manifest), counts a reboot as done, re-runs verify, fails the rest — running nothing else', async () => {
    const root = await makeRoot({});
    const m = fakeDpkg(root, { openssl: '3.0.17-1~deb12u2' }, {});
    const runner = fakeRunner(root, m.handler);
    const apt = await resumeInterruptedStep(
      {
        kind: 'install',
        manager: 'apt',
        packages: [{ name: 'openssl', version: '3.0.17-1~deb12u2' }],
        timeoutSeconds: 60,
      },
      ctx(root, runner),
    );
    expect(apt).toMatchObject({
      result: 'succeeded',
      message: 'reconciled after restart, not re-run: every package is at its version',
      keptPackages: [],
    });
    expect(runner.calls.map((c) => c.argv[0])).toEqual(['/usr/bin/dpkg-query']);
    expect(
      await resumeInterruptedStep(
        { kind: 'reboot', graceSeconds: 0, when: 'always', maxDeferrals: 0, deferralsUsed: 0 },
        ctx(root, runner),
      ),
    ).toMatchObject({ result: 'succeeded' });
    expect(await resumeInterruptedStep({ kind: 'verify', bulletinIds: ['X'] }, ctx(root, runner))).toMatchObject({
      result: 'succeeded',
    });
    const hook = await resumeInterruptedStep(
      { kind: 'pre-hook', action: 'test-hook', command: ['/bin/true'], timeoutSeconds: 5 },
      ctx(root, runner),
    );
    expect(hook).toMatchObject({ result: 'failed', message: 'interrupted by an agent restart (pre-hook); not re-run' });
    const script = await resumeInterruptedStep(
      { kind: 'install', manager: 'script', action: 'vendor-fix', command: ['/opt/x'], timeoutSeconds: 5 },
      ctx(root, runner),
    );
    expect(script.message).toBe('interrupted by an agent restart (install script); not re-run');
    expect(runner.calls).toHaveLength(1);
  });
});
