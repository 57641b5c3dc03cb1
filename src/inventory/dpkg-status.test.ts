import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_STATUS_LINE, parseDpkgStatus } from './dpkg-status.js';
import { fixture } from './test-support.js';
import { thrownError } from '../../test/support/errors.js';

const read = (name: string): string => readFileSync(fixture('debian', name), 'utf8');

describe('parseDpkgStatus on the recorded status files', () => {
  // Counts checked independently: grep -c '^Package:' and the Source-or-Package rule (test/fixtures/README.md).
  it.each([
    ['status-minbase-12-point-release.txt', 88, 63],
    ['status-minbase-12-security-upgraded.txt', 88, 63],
    ['status-host-node-image.txt', 733, 406],
  ])('%s: %i packages from %i sources', (name, packages, sources) => {
    const pkgs = parseDpkgStatus(read(name), name);
    expect(pkgs).toHaveLength(packages);
    expect(new Set(pkgs.map((p) => p.source)).size).toBe(sources);
  });

  const point = parseDpkgStatus(read('status-minbase-12-point-release.txt'));
  const upgraded = parseDpkgStatus(read('status-minbase-12-security-upgraded.txt'));
  const find = (list: typeof point, name: string) => list.find((p) => p.name === name);

  it.each([
    ['apt', { version: '2.6.1', source: 'apt', sourceVersion: '2.6.1', arch: 'amd64' }],
    ['libapt-pkg6.0', { version: '2.6.1', source: 'apt', sourceVersion: '2.6.1' }],
    ['liblzma5', { version: '5.4.1-1+deb12u1', source: 'xz-utils', sourceVersion: '5.4.1-1+deb12u1' }],
    ['tzdata', { version: '2026b-0+deb12u1', source: 'tzdata', arch: 'all' }],
  ])('point release: %s', (name, expected) => {
    expect(find(point, name)).toMatchObject(expected);
  });

  it('reads "Source: name (version)" as the source version (binNMU)', () => {
    expect(find(point, 'bash')).toMatchObject({ source: 'bash', sourceVersion: '5.2.15-2' });
    expect(find(point, 'bash')!.version).not.toBe('5.2.15-2');
  });

  it('the security-upgraded status differs exactly in the six upgraded packages', () => {
    const changed = upgraded
      .filter((p) => find(point, p.name)?.version !== p.version)
      .map((p) => `${p.name} ${p.version}`);
    expect(changed.sort()).toEqual([
      'apt 2.6.2',
      'libapt-pkg6.0 2.6.2',
      'liblzma5 5.4.1-1+deb12u2',
      'libpcre2-8-0 10.42-1+deb12u2',
      'perl-base 5.36.0-7+deb12u4',
      'tzdata 2026f-0+deb12u1',
    ]);
  });
});

describe('parseDpkgStatus: what counts as installed', () => {
  const para = (status: string, extra = 'Version: 1.0\n') => `Package: p\nStatus: ${status}\n${extra}`;
  it.each([
    ['install ok installed', true],
    ['install ok unpacked', true],
    ['install ok half-configured', true],
    ['install reinstreq half-installed', true],
    ['install ok triggers-pending', true],
    ['install ok triggers-awaited', true],
    ['deinstall ok config-files', false],
    ['purge ok not-installed', false],
  ])('Status "%s" → installed: %s', (status, installed) => {
    expect(parseDpkgStatus(para(status))).toHaveLength(installed ? 1 : 0);
  });

  it('a not-installed package may lack Version', () => {
    expect(parseDpkgStatus('Package: gone\nStatus: purge ok not-installed\n')).toEqual([]);
  });

  it('handles continuation lines, CRLF, case-insensitive field names and whitespace-only separators', () => {
    const text =
      'package: a\r\nSTATUS: install ok installed\r\nDescription: x\r\n more\r\n .\r\nVersion: 1:2.0-1\r\n \t\r\nPackage: b\nStatus: install ok installed\nVersion: 3\nArchitecture: arm64\nSource: bsrc\n';
    expect(parseDpkgStatus(text)).toEqual([
      { name: 'a', version: '1:2.0-1', source: 'a', sourceVersion: '1:2.0-1' },
      { name: 'b', version: '3', arch: 'arm64', source: 'bsrc', sourceVersion: '3' },
    ]);
  });

  it('refuses an empty file: a real system always lists dpkg itself', () => {
    for (const text of ['', '\n\n']) {
      expect(() => parseDpkgStatus(text, 'status')).toThrow(
        expect.objectContaining({ code: 'E_INPUT_MALFORMED', location: { file: 'status', line: 1 } }),
      );
    }
  });

  it('a file whose packages are all removed is valid and lists nothing', () => {
    expect(parseDpkgStatus('Package: a\nStatus: deinstall ok config-files\nVersion: 1\n')).toEqual([]);
  });
});

describe('parseDpkgStatus: broken input gives a located E_INPUT_MALFORMED', () => {
  const ok = 'Package: a\nStatus: install ok installed\nVersion: 1\n\n';
  it.each([
    ['truncated mid-field', ok + 'Package: b\nStatus: install ok installed\nVers', 7, /expected "Field: value"/],
    ['truncated before Version', ok + 'Package: b\nStatus: install ok installed\n', 5, /b is installed .* no Version/],
    ['paragraph without Package', ok + 'Status: install ok installed\nVersion: 2\n', 5, /no Package field/],
    ['paragraph without Status', ok + 'Package: b\nVersion: 2\n', 5, /no Status field/],
    ['Status with two words', ok + 'Package: b\nStatus: install ok\nVersion: 2\n', 5, /want flag status/],
    ['continuation first', ' orphan\n', 1, /continuation line outside/],
    [
      'duplicate Version',
      'Package: a\nStatus: install ok installed\nVersion: 1\nVersion: 2\n',
      4,
      /duplicate field Version/,
    ],
    ['bad Source', 'Package: a\nStatus: install ok installed\nVersion: 1\nSource: x (1\n', 1, /Source/],
    ['binary garbage', ok + 'Package: b\u0000\u0001\u0002', 5, /binary data/],
  ])('%s', (_what, text, line, message) => {
    const err = thrownError(() => parseDpkgStatus(text, 'status'));
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toEqual({ file: 'status', line });
    expect(err.message).toMatch(message);
  });

  it('a 100 MB single line fails fast with a clean error', () => {
    const huge = 'Package: ' + 'a'.repeat(100 * 1024 * 1024);
    const err = thrownError(() => parseDpkgStatus(huge, 'big'));
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toEqual({ file: 'big', line: 1 });
    expect(err.message).toContain(`limit ${MAX_STATUS_LINE}`);
  });

  it('a 100 MB line after valid paragraphs is located on its own line', () => {
    const text = ok + 'Description: ' + 'x'.repeat(MAX_STATUS_LINE + 1) + '\n';
    expect(thrownError(() => parseDpkgStatus(text)).location?.line).toBe(5);
  });
});

describe('parseDpkgStatus at scale (speed is measured by npm run bench, not asserted here)', () => {
  it('parses ~37,000 packages (50 host status files) and keeps every one', () => {
    const host = read('status-host-node-image.txt');
    const big = Array.from({ length: 50 }, () => host).join('\n');
    expect(parseDpkgStatus(big)).toHaveLength(733 * 50);
  });
});
