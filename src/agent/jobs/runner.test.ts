import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { MAX_STEP_LOG_CHARS } from '../../protocol/agent.js';
import { createCommandRunner, describeFailure, joinLogs, TailBuffer, wrapForRoot } from './runner.js';

describe('wrapForRoot', () => {
  it('runs directly for "/", through chroot (and env --chdir for a cwd) for another root, and on the host when asked', () => {
    expect(wrapForRoot('/', ['/usr/bin/apt-get', 'download', 'x=1'], { cwd: '/var/tmp' })).toEqual({
      argv: ['/usr/bin/apt-get', 'download', 'x=1'],
      cwd: '/var/tmp',
    });
    expect(wrapForRoot('/srv/m1', ['/usr/bin/dpkg-query', '-W'], {})).toEqual({
      argv: ['/usr/sbin/chroot', '/srv/m1', '/usr/bin/dpkg-query', '-W'],
      cwd: '/',
    });
    expect(
      wrapForRoot('/srv/m1', ['/usr/bin/apt-get', 'download', 'x=1'], { cwd: '/var/lib/patchhive/kept/j' }),
    ).toEqual({
      argv: [
        '/usr/sbin/chroot',
        '/srv/m1',
        '/usr/bin/env',
        '--chdir=/var/lib/patchhive/kept/j',
        '/usr/bin/apt-get',
        'download',
        'x=1',
      ],
      cwd: '/',
    });
    expect(wrapForRoot('/srv/m1', ['/sbin/reboot'], { onHost: true }).argv).toEqual(['/sbin/reboot']);
  });
});

describe('tails', () => {
  it('keeps only the last characters', () => {
    const t = new TailBuffer(10);
    for (let i = 0; i < 100; i++) t.append(`${i},`);
    expect(t.toString()).toBe('5,96,97,98,99,'.slice(-10));
    expect(joinLogs(['a', '', 'b'])).toBe('a\nb');
    expect(joinLogs(['x'.repeat(MAX_STEP_LOG_CHARS), 'END'])).toHaveLength(MAX_STEP_LOG_CHARS);
  });
});

describe('createCommandRunner (real processes)', () => {
  let logDir: string;
  let runner: ReturnType<typeof createCommandRunner>;
  beforeAll(async () => {
    logDir = path.join(await makeRoot({}), 'command-output');
    runner = createCommandRunner('/', { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, logDir);
  });
  afterAll(removeRoots);

  it('runs an argv without a shell: stdout kept whole, stdout and stderr in the log, the exit code', async () => {
    const r = await runner.run(['/bin/sh', '-c', 'echo "$1"; echo err >&2; exit 3', 'sh', '$(not expanded)'], {
      timeoutMs: 10_000,
      parseStdout: true,
    });
    expect(r).toMatchObject({ exitCode: 3, stdout: '$(not expanded)\n', timedOut: false, spawnError: null });
    expect(r.log).toContain('err');
    expect(r.log.startsWith('$ /bin/sh -c')).toBe(true);
  });

  it('passes only the given environment, plus the step extras', async () => {
    const r = await runner.run(['/usr/bin/env'], {
      timeoutMs: 10_000,
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      parseStdout: true,
    });
    expect(r.stdout.trim().split('\n').sort()).toEqual([
      'DEBIAN_FRONTEND=noninteractive',
      'LC_ALL=C',
      'PATH=/usr/bin:/bin',
    ]);
  });

  it('installers write to a file, not a pipe (they outlive a killed agent); the log holds its tail, the file is removed', async () => {
    const r = await runner.run(['/bin/sh', '-c', 'ls -l /proc/self/fd/1; echo to-stderr >&2; exit 0'], {
      timeoutMs: 10_000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.log).toMatch(/\/proc\/self\/fd\/1 -> .*command-output\/command-\d+-[0-9a-f]+\.log/);
    expect(r.log).toContain('to-stderr');
    expect(readdirSync(logDir)).toEqual([]);
    expect(statSync(logDir).mode & 0o777).toBe(0o700);
  });

  it('a timeout ends the whole process group', async () => {
    const r = await runner.run(['/bin/sh', '-c', 'sleep 30 & sleep 30; echo never'], { timeoutMs: 300 });
    expect(r).toMatchObject({ exitCode: null, timedOut: true });
    expect(r.log).toMatch(/timed out after 0 s/);
    expect(describeFailure('the hook', r)).toBe('the hook timed out');
  });

  it('a program that does not exist is a start failure, not a throw', async () => {
    const r = await runner.run(['/nonexistent/prog'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: null, spawnError: 'ENOENT' });
    expect(describeFailure('the hook', r)).toBe('the hook could not start (ENOENT)');
  });

  it('a long output is cut to its tail in the log', async () => {
    const r = await runner.run(
      ['/bin/sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxx; i=$((i+1)); done'],
      { timeoutMs: 30_000, parseStdout: true },
    );
    expect(r.log.length).toBeLessThanOrEqual(MAX_STEP_LOG_CHARS);
    expect(r.log.trimEnd().endsWith('line-2999-xxxxxxxxxx')).toBe(true);
    expect(r.stdout.split('\n')).toHaveLength(3001);
  });
});
