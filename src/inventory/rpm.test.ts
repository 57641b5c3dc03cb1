import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { inventorySchema } from './model.js';
import { collectRpmInventory, inferRpmPlatform, parseRpmQa, RPM_QUERY_FORMAT } from './rpm.js';
import { fakeMachine, fixture, makeRoot, removeRoots } from './test-support.js';

afterAll(removeRoots);

const now = new Date('2026-11-21T12:00:00Z');
const RHEL9 = fixture('rpm', 'rhel9-rpm-qa.txt');
const rhel9 = parseRpmQa(readFileSync(RHEL9, 'utf8'), RHEL9);

describe('RPM_QUERY_FORMAT', () => {
  it('is the documented six tab-separated fields, with rpm-side escapes', () => {
    expect(RPM_QUERY_FORMAT).toBe('%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n');
    expect(readFileSync(fixture('..', '..', 'docs', 'INVENTORY.md'), 'utf8')).toContain(
      `rpm -qa --qf '${RPM_QUERY_FORMAT}'`,
    );
  });
});

describe('parseRpmQa', () => {
  it('hand-written RHEL 9 list: 37 packages', () => {
    expect(rhel9).toHaveLength(37);
  });

  it.each([
    [
      'openssl-libs',
      {
        version: '3.0.7',
        release: '27.el9',
        epoch: '1',
        arch: 'x86_64',
        source: 'openssl',
        sourceVersion: '3.0.7-27.el9',
      },
    ],
    [
      'kernel',
      {
        version: '5.14.0',
        release: '427.13.1.el9_4',
        arch: 'x86_64',
        source: 'kernel',
        sourceVersion: '5.14.0-427.13.1.el9_4',
      },
    ],
    ['libgcc', { version: '11.4.1', source: 'gcc', sourceVersion: '11.4.1-3.el9' }],
    ['shadow-utils', { epoch: '2', version: '4.9' }],
    ['tzdata', { arch: 'noarch', version: '2024a' }],
    [
      'gpg-pubkey',
      { version: 'fd431d51', release: '4ae0493b', source: 'gpg-pubkey', sourceVersion: 'fd431d51-4ae0493b' },
    ],
  ])('%s', (name, expected) => {
    expect(rhel9.find((p) => p.name === name)).toMatchObject(expected);
  });

  it('leaves out EPOCH and ARCH when rpm says (none)', () => {
    const kernel = rhel9.find((p) => p.name === 'kernel')!;
    expect('epoch' in kernel).toBe(false);
    expect('arch' in rhel9.find((p) => p.name === 'gpg-pubkey')!).toBe(false);
  });

  it('keeps both arches of a multilib package', () => {
    expect(rhel9.filter((p) => p.name === 'glibc').map((p) => p.arch)).toEqual(['x86_64', 'i686']);
  });

  it('reads the output recorded from real rpm 4.18', () => {
    expect(parseRpmQa(readFileSync(fixture('rpm', 'rpm-qa-recorded-tiny.txt'), 'utf8'))).toEqual([
      {
        name: 'demo-libs',
        version: '3.0.7',
        release: '27.el9',
        epoch: '1',
        arch: 'x86_64',
        source: 'demo-libs',
        sourceVersion: '3.0.7-27.el9',
      },
      {
        name: 'demo-tool',
        version: '5.14.0',
        release: '427.13.1.el9_4',
        arch: 'noarch',
        source: 'demo-tool',
        sourceVersion: '5.14.0-427.13.1.el9_4',
      },
    ]);
  });

  const good = 'bash\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n';
  it.each([
    ['five fields (old format)', good + 'zlib\t(none)\t1.2.11\t40.el9\tx86_64\n', 2, /6 tab-separated fields/],
    ['space-separated', good + 'zlib (none) 1.2.11 40.el9 x86_64 zlib-1.2.11-40.el9.src.rpm\n', 2, /got 1/],
    ['bad epoch', good + 'zlib\tx\t1.2.11\t40.el9\tx86_64\tzlib-1.2.11-40.el9.src.rpm\n', 2, /EPOCH/],
    ['empty version', good + 'zlib\t(none)\t\t40.el9\tx86_64\tzlib-1.2.11-40.el9.src.rpm\n', 2, /must not be empty/],
    ['bad SOURCERPM', good + 'zlib\t(none)\t1.2.11\t40.el9\tx86_64\tzlib.tar.gz\n', 2, /SOURCERPM/],
    ['binary garbage', good + '\u0000\u0001\u0002\n', 2, /binary/],
    ['a 1 MB line', good + 'x'.repeat(1024 * 1024) + '\n', 2, /characters long/],
  ])('%s → E_INPUT_MALFORMED at its line', (_what, text, line, message) => {
    expect(() => parseRpmQa(text, 'qa.txt')).toThrowError(message);
    try {
      parseRpmQa(text, 'qa.txt');
    } catch (err) {
      expect(err).toMatchObject({ code: 'E_INPUT_MALFORMED', location: { file: 'qa.txt', line } });
    }
  });
});

describe('inferRpmPlatform', () => {
  it('RHEL 9.4 x86_64 from redhat-release and the kernel', () => {
    expect(inferRpmPlatform(rhel9)).toEqual({ platform: 'rhel', release: '9', version: '9.4', arch: 'x86_64' });
  });
  it('nothing from nothing', () => {
    expect(inferRpmPlatform([])).toEqual({});
  });
});

describe('collectRpmInventory', () => {
  it('a saved file alone: facts inferred from the packages, named after the file', async () => {
    const inv = await collectRpmInventory({ qaFile: RHEL9, now, local: fakeMachine('/x') });
    expect(inventorySchema.parse(inv)).toEqual(inv);
    expect(inv).toMatchObject({
      machine: { name: 'rhel9-rpm-qa' },
      collector: 'rpm',
      os: { family: 'unix', platform: 'rhel', release: '9', version: '9.4', arch: 'x86_64' },
      packages: { manager: 'rpm' },
      textFiles: [],
    });
    expect(inv.os.kernel).toBeUndefined();
  });

  it('a saved file with an os-release root and overrides', async () => {
    const root = await makeRoot({
      'etc/os-release': 'ID="rhel"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n',
    });
    const inv = await collectRpmInventory({
      qaFile: RHEL9,
      osReleaseRoot: root,
      machineName: 'db01',
      overrides: { arch: 'aarch64' },
      now,
      local: fakeMachine('/x'),
    });
    expect(inv.machine.name).toBe('db01');
    expect(inv.os).toMatchObject({
      platform: 'rhel',
      name: 'Red Hat Enterprise Linux 9.4 (Plow)',
      release: '9.4',
      version: '9.4',
      arch: 'aarch64',
    });
  });

  it('a missing file is E_INPUT_NOT_FOUND', async () => {
    await expect(collectRpmInventory({ qaFile: fixture('rpm', 'nope.txt'), now })).rejects.toMatchObject({
      code: 'E_INPUT_NOT_FOUND',
    });
  });

  const hasRpm = (() => {
    try {
      execFileSync('rpm', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasRpm)('runs the real rpm on a root whose database holds the two recorded packages', async () => {
    const root = await makeRoot({ 'etc/os-release': 'ID=fedora\nVERSION_ID=40\n' });
    const dir = fixture('rpm', 'packages');
    const rpms = readdirSync(dir)
      .filter((f) => f.endsWith('.rpm'))
      .map((f) => `${dir}/${f}`);
    execFileSync('rpm', ['--root', root, '--initdb']);
    execFileSync('rpm', ['--root', root, '-i', '--justdb', '--nodeps', '--ignorearch', '--ignoreos', ...rpms], {
      stdio: 'ignore',
    });
    const inv = await collectRpmInventory({ now, local: fakeMachine(root) });
    expect(inv.machine.name).toBe('testhost');
    expect(inv.os).toMatchObject({
      platform: 'fedora',
      release: '40',
      arch: 'x86_64',
      kernel: fakeMachine('/').uname(),
    });
    expect(
      inv.packages?.items.map((p) => `${p.name} ${p.epoch ?? '-'} ${p.version}-${p.release} ${p.arch}`).sort(),
    ).toEqual(['demo-libs 1 3.0.7-27.el9 x86_64', 'demo-tool - 5.14.0-427.13.1.el9_4 noarch']);
  });
});
