import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOsRelease, readOsFacts, readTextProbe, resolveInRoot } from './os-facts.js';
import { DEBIAN_12_OS_RELEASE, fakeMachine, makeRoot, removeRoots } from './test-support.js';

const UBUNTU_2204_OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`;

afterAll(removeRoots);

describe('parseOsRelease', () => {
  it('reads the real Debian 12 file', () => {
    expect(parseOsRelease(DEBIAN_12_OS_RELEASE)).toMatchObject({
      ID: 'debian',
      VERSION_ID: '12',
      VERSION_CODENAME: 'bookworm',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it.each([
    ['A="x \\"q\\" \\$HOME \\\\ \\`t\\`"', 'x "q" $HOME \\ `t`'],
    ["A='single $HOME \\n'", 'single $HOME \\n'],
    ['A=plain\\ word', 'plain word'],
    ['A="con"\'cat\'ed', 'concated'],
    ['A=value # comment', 'value'],
    ['A=""', ''],
    ['  A="indented"  ', 'indented'],
  ])('%s', (line, value) => {
    expect(parseOsRelease(line).A).toBe(value);
  });

  it('skips comments, junk and unterminated quotes', () => {
    expect(parseOsRelease('# A=1\nnot an assignment\nB="open\n=x\nC=ok\n')).toEqual({ C: 'ok' });
  });
});

describe('reading inside a root', () => {
  it('follows absolute symlinks inside the root, never to the host', async () => {
    const root = await makeRoot({ 'usr/lib/os-release': 'ID=inside\n' });
    await mkdir(path.join(root, 'etc'));
    await symlink('/usr/lib/os-release', path.join(root, 'etc/os-release'));
    await symlink('../../../../../../../../etc/hostname', path.join(root, 'etc/escape'));
    expect(await resolveInRoot(root, '/etc/os-release')).toBe(path.join(root, 'usr/lib/os-release'));
    expect((await readTextProbe(root, '/etc/os-release')).content).toBe('ID=inside\n');
    expect(await resolveInRoot(root, '/etc/escape')).toBe(path.join(root, 'etc/hostname'));
    expect(await readTextProbe(root, '/etc/escape')).toEqual({ path: '/etc/escape', exists: false });
  });

  it('survives symlink loops and treats directories as absent', async () => {
    const root = await makeRoot({ 'etc/dir/x': '' });
    await symlink('/etc/loop', path.join(root, 'etc/loop'));
    expect(await readTextProbe(root, '/etc/loop')).toEqual({ path: '/etc/loop', exists: false });
    expect(await readTextProbe(root, '/etc/dir')).toEqual({ path: '/etc/dir', exists: false });
  });

  it('caps text probes at 64 KiB', async () => {
    const root = await makeRoot({ 'etc/big': 'x'.repeat(70_000) });
    expect((await readTextProbe(root, '/etc/big')).content).toHaveLength(64 * 1024);
  });
});

describe('readOsFacts', () => {
  it('Debian 12 image: release facts, text probes, arch from the dpkg package, no kernel', async () => {
    const root = await makeRoot({
      'etc/os-release': DEBIAN_12_OS_RELEASE,
      'etc/debian_version': '12.15\n',
      'etc/hostname': 'img01\n',
    });
    const facts = await readOsFacts(root, {
      packages: [{ name: 'dpkg', version: '1.21.22', arch: 'arm64' }],
      local: fakeMachine('/nonexistent'),
    });
    expect(facts).toEqual({
      platform: 'debian',
      name: 'Debian GNU/Linux 12 (bookworm)',
      release: '12',
      codename: 'bookworm',
      version: '12.15',
      arch: 'arm64',
      hostname: 'img01',
      textFiles: [
        { path: '/etc/os-release', exists: true, content: DEBIAN_12_OS_RELEASE },
        { path: '/etc/debian_version', exists: true, content: '12.15\n' },
      ],
    });
  });

  it('Ubuntu: version from VERSION, not the codename in debian_version', async () => {
    const root = await makeRoot({ 'etc/os-release': UBUNTU_2204_OS_RELEASE, 'etc/debian_version': 'bookworm/sid\n' });
    const facts = await readOsFacts(root, { local: fakeMachine('/nonexistent') });
    expect(facts).toMatchObject({ platform: 'ubuntu', release: '22.04', codename: 'jammy', version: '22.04.4' });
    expect(facts.arch).toBeUndefined();
  });

  it('falls back to /usr/lib/os-release and to the codename in VERSION', async () => {
    const root = await makeRoot({ 'usr/lib/os-release': 'ID=debian\nVERSION_ID="9"\nVERSION="9 (stretch)"\n' });
    const facts = await readOsFacts(root, { local: fakeMachine('/nonexistent') });
    expect(facts).toMatchObject({ platform: 'debian', release: '9', codename: 'stretch', version: '9' });
    expect(facts.textFiles).toEqual([
      { path: '/etc/os-release', exists: false },
      { path: '/etc/debian_version', exists: false },
    ]);
  });

  it.each([
    [
      'arch-native wins over everything',
      { 'var/lib/dpkg/arch-native': 'riscv64\n', 'var/lib/dpkg/arch': 'arm64\n' },
      'armhf',
      'riscv64',
    ],
    ['the dpkg package wins over the arch list', { 'var/lib/dpkg/arch': 'i386\namd64\n' }, 'armhf', 'armhf'],
    ['a single-entry arch list is trusted', { 'var/lib/dpkg/arch': 'arm64\n' }, undefined, 'arm64'],
    [
      'a multi-entry arch list is not (foreign archs, no promised order)',
      { 'var/lib/dpkg/arch': 'i386\namd64\n' },
      undefined,
      undefined,
    ],
  ])('dpkg arch: %s', async (_what, files, dpkgArch, expected) => {
    const root = await makeRoot(files);
    const packages = dpkgArch ? [{ name: 'dpkg', version: '1', arch: dpkgArch }] : [];
    expect((await readOsFacts(root, { packages, local: fakeMachine('/nonexistent') })).arch).toBe(expected);
  });

  it('on the running machine: asks dpkg --print-architecture last, and reports the kernel', async () => {
    const root = await makeRoot({ 'etc/os-release': DEBIAN_12_OS_RELEASE });
    const facts = await readOsFacts(root, { local: fakeMachine(root, 'ppc64el') });
    expect(facts.arch).toBe('ppc64el');
    expect(facts.kernel).toEqual({
      name: 'Linux',
      release: '6.1.0-28-amd64',
      version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1',
      machine: 'x86_64',
    });
  });
});
