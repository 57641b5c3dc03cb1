import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { aptBackend, describeAptFailure, parseDpkgQuery } from './apt.js';
import type { StepContext } from './outcome.js';
import { installPackages, readKeptManifest, reconcilePackages, rollbackPackages } from './packages.js';
import { fakeDpkg, fakeRunner } from './test-support.js';

afterAll(removeRoots);

function context(root: string, runner: StepContext['runner'], jobId = 'job-1'): StepContext {
  return {
    jobId,
    runner,
    root,
    platform: 'linux',
    artifactFile: (id) => `/nonexistent/${id}`,
    windows: { systemRoot: 'C:\\Windows' },
    reboot: { commandFor: () => null, userSessionPresent: async () => false },
  };
}

const OPENSSL_OLD = { openssl: '3.0.15-1~deb12u1', libssl3: '3.0.15-1~deb12u1' };
const ARCHIVE = {
  openssl: ['3.0.15-1~deb12u1', '3.0.17-1~deb12u2'],
  libssl3: ['3.0.15-1~deb12u1', '3.0.17-1~deb12u2'],
  newpkg: ['1.0-1'],
};
const TARGETS = [
  { name: 'libssl3', version: '3.0.17-1~deb12u2' },
  { name: 'openssl', version: '3.0.17-1~deb12u2' },
];

describe('parseDpkgQuery', () => {
  it('reads installed, half-configured, config-files and arch-qualified entries', () => {
    const out =
      'libc6\tlibc6:amd64\tii \t2.36-9+deb12u14\nfoo\tfoo\tiF \t1.0\nold\told\trc \t0.9\nbar\tbar\tiiR\t2.0\n';
    const m = parseDpkgQuery(out, ['libc6:amd64', 'foo', 'old', 'bar', 'absent']);
    expect(m.get('libc6:amd64')).toEqual({ version: '2.36-9+deb12u14', ok: true });
    expect(m.get('foo')).toEqual({ version: '1.0', ok: false });
    expect(m.has('old')).toBe(false); // only its configuration is left
    expect(m.get('bar')).toEqual({ version: '2.0', ok: false }); // reinstall required
    expect(m.has('absent')).toBe(false);
  });
});

describe('describeAptFailure', () => {
  it.each([
    [
      ' installed patchhive-broken package post-installation script subprocess returned error exit status 1\n',
      'the post-installation script of patchhive-broken exited 1',
    ],
    [
      'dpkg: error processing archive x.deb (--unpack):\n new foo package pre-installation script subprocess returned error exit status 2\n',
      'the pre-installation script of foo exited 2',
    ],
    [
      "Reading package lists...\nE: Version '9' for 'openssl' was not found\n",
      "Version '9' for 'openssl' was not found",
    ],
    ['all fine\n', null],
  ])('%j', (log, want) => {
    expect(describeAptFailure(log)).toBe(want);
  });
});

describe('apt installs (simulated dpkg behind a fake runner)', () => {
  it('keeps the replaced versions, installs the exact versions, and trusts dpkg for the result', async () => {
    const root = await makeRoot({});
    const m = fakeDpkg(root, OPENSSL_OLD, ARCHIVE);
    const runner = fakeRunner(root, m.handler);
    const r = await installPackages(
      aptBackend,
      [...TARGETS, { name: 'newpkg', version: '1.0-1' }],
      600,
      context(root, runner),
    );
    expect(r).toMatchObject({
      result: 'succeeded',
      exitCode: 0,
      message: 'installed 3 packages (1 new); kept 2 for rollback',
    });
    expect(r.keptPackages).toEqual([
      { name: 'libssl3', version: '3.0.15-1~deb12u1' },
      { name: 'openssl', version: '3.0.15-1~deb12u1' },
    ]);
    expect(m.snapshot()).toEqual(['libssl3 3.0.17-1~deb12u2', 'newpkg 1.0-1', 'openssl 3.0.17-1~deb12u2']);
    const install = runner.calls.find((c) => c.argv.includes('install'))!;
    expect(install.argv).toEqual([
      '/usr/bin/apt-get',
      'install',
      '-y',
      '--no-install-recommends',
      '-o',
      'Dpkg::Options::=--force-confold',
      '-o',
      'DPkg::Lock::Timeout=300',
      'libssl3=3.0.17-1~deb12u2',
      'openssl=3.0.17-1~deb12u2',
      'newpkg=1.0-1',
    ]);
    expect(install.opts.env).toMatchObject({ DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' });
    expect(install.opts.timeoutMs).toBe(600_000);
    // the downloads ran in the kept directory, before the install
    const downloads = runner.calls.filter((c) => c.argv.includes('download'));
    expect(downloads.map((c) => [c.argv.at(-1), c.opts.cwd])).toEqual([
      ['libssl3=3.0.15-1~deb12u1', '/var/lib/patchhive/kept/job-1'],
      ['openssl=3.0.15-1~deb12u1', '/var/lib/patchhive/kept/job-1'],
    ]);
    expect(runner.calls.indexOf(downloads[1]!)).toBeLessThan(runner.calls.indexOf(install));
    const keptDir = path.join(root, 'var/lib/patchhive/kept/job-1');
    expect((await stat(keptDir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path.join(keptDir, 'kept.json'), 'utf8'))).toMatchObject({ new: ['newpkg'] });
    expect(await readKeptManifest(root, 'job-1')).toEqual(r.keptPackages);
  });

  it('an old version that cannot be downloaded fails the step before anything is installed', async () => {
    const root = await makeRoot({});
    const m = fakeDpkg(root, OPENSSL_OLD, { ...ARCHIVE, openssl: ['3.0.17-1~deb12u2'] });
    const runner = fakeRunner(root, m.handler);
    const r = await installPackages(aptBackend, TARGETS, 600, context(root, runner));
    expect(r.result).toBe('failed');
    expect(r.message).toBe(
      'cannot keep openssl 3.0.15-1~deb12u1 for rollback (the download exited 100); nothing installed',
    );
    expect(runner.calls.some((c) => c.argv.includes('install'))).toBe(false);
    expect(m.snapshot()).toEqual(['libssl3 3.0.15-1~deb12u1', 'openssl 3.0.15-1~deb12u1']);
  });

  it('a failing maintainer script fails the step and names the package', async () => {
    const root = await makeRoot({});
    const m = fakeDpkg(root, OPENSSL_OLD, ARCHIVE, ['openssl']);
    const r = await installPackages(aptBackend, TARGETS, 600, context(root, fakeRunner(root, m.handler)));
    expect(r.result).toBe('failed');
    expect(r.exitCode).toBe(100);
    expect(r.message).toBe(
      'the post-installation script of openssl exited 1; openssl 3.0.17-1~deb12u2 not fully installed',
    );
    expect(r.keptPackages).toHaveLength(2); // a rollback can still use them
    expect(r.log).toContain('dpkg: error processing package openssl');
  });

  it('exit 0 is not enough: a package not at its exact version fails the step', async () => {
    const root = await makeRoot({});
    const m = fakeDpkg(root, OPENSSL_OLD, ARCHIVE);
    const lying = fakeRunner(root, (argv) => (argv.includes('install') ? { exitCode: 0 } : undefined), m.handler);
    const r = await installPackages(aptBackend, TARGETS, 600, context(root, lying));
    expect(r).toMatchObject({ result: 'failed', exitCode: 0 });
    expect(r.message).toMatch(
      /libssl3 3\.0\.15-1~deb12u1 \(wanted 3\.0\.17-1~deb12u2\), openssl 3\.0\.15-1~deb12u1 \(wanted 3\.0\.17-1~deb12u2\)$/,
    );
  });

  it('a package database that cannot be read fails the step and installs nothing', async () => {
    const root = await makeRoot({});
    const runner = fakeRunner(root);
    const r = await installPackages(aptBackend, TARGETS, 600, context(root, runner));
    expect(r).toMatchObject({
      result: 'failed',
      message: expect.stringMatching(/^cannot read the package database: .*ENOENT/),
    });
    expect(runner.calls).toHaveLength(1);
  });
});

describe('apt rollback and reconcile', () => {
  async function installed() {
    const root = await makeRoot({});
    const m = fakeDpkg(root, OPENSSL_OLD, ARCHIVE);
    await installPackages(
      aptBackend,
      [...TARGETS, { name: 'newpkg', version: '1.0-1' }],
      600,
      context(root, fakeRunner(root, m.handler)),
    );
    return { root, m };
  }

  it('installs the kept .debs (downgrades) and removes what the job added', async () => {
    const { root, m } = await installed();
    const runner = fakeRunner(root, m.handler);
    const req = {
      fromJobId: 'job-1',
      packages: [
        { name: 'openssl', version: '3.0.15-1~deb12u1' },
        { name: 'libssl3', version: '3.0.15-1~deb12u1' },
      ],
      remove: ['newpkg'],
      timeoutSeconds: 600,
    };
    const r = await rollbackPackages(aptBackend, req, context(root, runner, 'job-2'));
    expect(r).toMatchObject({
      result: 'succeeded',
      message: 'rolled back 2 packages to the versions kept by job job-1, removed 1',
    });
    expect(m.snapshot()).toEqual(['libssl3 3.0.15-1~deb12u1', 'openssl 3.0.15-1~deb12u1']);
    const inst = runner.calls.find((c) => c.argv.includes('install'))!.argv;
    expect(inst.slice(0, 4)).toEqual(['/usr/bin/apt-get', 'install', '-y', '--allow-downgrades']);
    expect(inst.filter((a) => a.endsWith('.deb')).sort()).toEqual([
      '/var/lib/patchhive/kept/job-1/libssl3_3.0.15-1~deb12u1_amd64.deb',
      '/var/lib/patchhive/kept/job-1/openssl_3.0.15-1~deb12u1_amd64.deb',
    ]);
    expect(runner.calls.find((c) => c.argv.includes('remove'))!.argv).toEqual([
      '/usr/bin/apt-get',
      'remove',
      '-y',
      '-o',
      'DPkg::Lock::Timeout=300',
      '--',
      'newpkg',
    ]);
  });

  it('a version that was not kept (or a file whose metadata says otherwise) changes nothing', async () => {
    const { root, m } = await installed();
    const runner = fakeRunner(root, m.handler);
    const before = m.snapshot();
    const r = await rollbackPackages(
      aptBackend,
      { fromJobId: 'job-1', packages: [{ name: 'openssl', version: '3.0.1-1' }], remove: [], timeoutSeconds: 60 },
      context(root, runner, 'job-2'),
    );
    expect(r).toMatchObject({
      result: 'failed',
      message: 'no kept copy of openssl 3.0.1-1 from job job-1; nothing changed',
    });
    expect(m.snapshot()).toEqual(before);
    expect(runner.calls.some((c) => c.argv.includes('install') || c.argv.includes('remove'))).toBe(false);
  });

  it('reconcile after a restart: all at their versions → succeeded without running apt-get; else failed naming them', async () => {
    const { root, m } = await installed();
    const runner = fakeRunner(root, m.handler);
    const ok = await reconcilePackages(aptBackend, { packages: TARGETS, timeoutSeconds: 60 }, context(root, runner));
    expect(ok).toMatchObject({
      result: 'succeeded',
      message: 'reconciled after restart, not re-run: every package is at its version',
    });
    m.installed.set('openssl', { version: '3.0.17-1~deb12u2', abbrev: 'iU ' });
    m.installed.delete('libssl3');
    const bad = await reconcilePackages(aptBackend, { packages: TARGETS, timeoutSeconds: 60 }, context(root, runner));
    expect(bad.result).toBe('failed');
    expect(bad.message).toBe(
      'interrupted by a restart and not re-run: libssl3 not installed (wanted 3.0.17-1~deb12u2), openssl 3.0.17-1~deb12u2 not fully installed',
    );
    expect(runner.calls.every((c) => c.argv[0] === '/usr/bin/dpkg-query')).toBe(true);
  });
});
