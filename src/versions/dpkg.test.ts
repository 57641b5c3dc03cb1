import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { compareDpkgVersions, parseDpkgVersion } from './dpkg.js';
import { compareVersions } from './index.js';

// Every expectation here was checked with `dpkg --compare-versions` (dpkg 1.21.22).
const ORDER: [string, string, -1 | 0 | 1][] = [
  ['1.0~rc1', '1.0', -1],
  ['1:0.1', '2.0', 1],
  ['1.0-1', '1.0-1+b1', -1],
  ['2.6.1', '2.6.2', -1],
  ['5.4.1-1+deb12u1', '5.4.1-1+deb12u2', -1],
  ['10.42-1', '10.42-1+deb12u2', -1],
  ['2026b-0+deb12u1', '2026f-0+deb12u1', -1],
  ['1.0~', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~~a', '1.0~', -1],
  ['1.0', '1.0-0', 0], // an absent revision equals "0"
  ['1.01', '1.1', 0],
  ['000123', '123', 0],
  ['0:1.0', '1.0', 0],
  ['1.0a', '1.0+', -1], // letters before non-letters
  ['1.0+', '1.0.', -1],
  ['1.0', '1.0.', -1],
  ['1.0a', '1.0~', 1],
  ['1.0', '1.0a', -1],
  ['2.30-1', '2.3-1', 1],
  ['99999999999999999999999', '100000000000000000000000', -1],
  ['12345678901234567890123', '12345678901234567890124', -1],
  ['100000000000000000001', '100000000000000000000', 1], // equal as doubles
  ['1.0-1~bpo11+1', '1.0-1', -1],
  ['1:2:3', '1:2.3', 1],
  ['1:1.0', '0:9.9', 1],
  ['1.2.3-1ubuntu0.22.04.1', '1.2.3-1ubuntu0.22.04.2', -1],
  ['1.0~rc1', '1.0~rc1-1', -1],
  ['1.0-1', '1.0-1.1', -1],
  ['1.0', '1.0+really0.9', -1],
  ['1.0^', '1.0', 1], // dpkg warns about '^' but compares it as a non-letter
  ['a', '1', 1], // warns: no leading digit
  ['1.0-a-b', '1.0-a.b', 1], // upstream "1.0-a" vs "1.0"
  [' 1.0', '1.0 ', 0],
  ['-0:1', '0:1', 0],
  ['+1:1', '1:1', 0],
];

describe('compareDpkgVersions', () => {
  it.each(ORDER)('%j vs %j is %i (and the reverse is its negation)', (a, b, want) => {
    expect(compareDpkgVersions(a, b)).toBe(want);
    expect(compareDpkgVersions(b, a)).toBe(-want || 0);
    expect(compareDpkgVersions(a, a)).toBe(0);
  });

  it('sorts a tilde/letter/separator ladder as dpkg does', () => {
    const sorted = ['1.0.1', '1.0', '1.0~', '1.0.', '1.0+', '1.0a', '1.0~~a', '1.0~~'];
    sorted.sort(compareDpkgVersions);
    expect(sorted).toEqual(['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0+', '1.0.', '1.0.1']);
  });

  it('is reachable through compareVersions("dpkg", …)', () => {
    expect(compareVersions('dpkg', '1:1.0', '2.0')).toBe(1);
  });
});

describe('parseDpkgVersion', () => {
  it.each([
    ['1:2.30-1+deb12u1', { epoch: 1, upstream: '2.30', revision: '1+deb12u1' }],
    ['1.0', { epoch: 0, upstream: '1.0', revision: '' }],
    ['1:2:3', { epoch: 1, upstream: '2:3', revision: '' }],
    ['1.0-a-b', { epoch: 0, upstream: '1.0-a', revision: 'b' }],
    ['  1.0-1\t', { epoch: 0, upstream: '1.0', revision: '1' }],
    ['-0:1', { epoch: 0, upstream: '1', revision: '' }],
    ['+1:1', { epoch: 1, upstream: '1', revision: '' }],
    ['\r1:2', { epoch: 1, upstream: '2', revision: '' }], // strtol skips isspace()
    ['2147483647:1', { epoch: 2147483647, upstream: '1', revision: '' }],
    ['a1', { epoch: 0, upstream: 'a1', revision: '' }], // dpkg warns, still accepts
  ])('%j', (s, want) => {
    expect(parseDpkgVersion(s)).toEqual(want);
  });

  // dpkg's errors: refused in every mode, with dpkg's own reason.
  it.each([
    ['', 'version string is empty'],
    ['  ', 'version string is empty'],
    ['1 2', 'version string has embedded spaces'],
    [':1', 'epoch in version is empty'],
    ['a:1', 'epoch in version is empty'],
    ['1a:1', 'epoch in version is not number'],
    ['-1:1', 'epoch in version is negative'],
    ['2147483648:1', 'epoch in version is too big'],
    ['99999999999999999999:1', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
    ['1:-1', 'version number is empty'],
    ['1\u00000', 'version string contains a NUL character'],
  ])('rejects %j: %s', (s, reason) => {
    for (const strict of [false, true]) {
      const err = catchError(() => parseDpkgVersion(s, { strict }));
      expect(err.code).toBe('E_VERSION_INVALID');
      expect(err.message).toContain(JSON.stringify(s));
      expect(err.message.endsWith(reason)).toBe(true);
    }
    expect(() => compareDpkgVersions(s, '1.0')).toThrow(PatchhiveError);
    expect(() => compareDpkgVersions('1.0', s)).toThrow(PatchhiveError);
  });

  // dpkg's warnings: accepted by default (as `dpkg --compare-versions` does), refused when strict.
  it.each([
    ['a1', 'version number does not start with digit'],
    ['~1', 'version number does not start with digit'],
    ['1_0', 'invalid character in version number'],
    ['1.0^', 'invalid character in version number'],
    ['1é', 'invalid character in version number'],
    ['1.0-1_0', 'invalid character in revision number'],
    ['1.0-1^0', 'invalid character in revision number'],
  ])('accepts %j leniently, strict rejects it: %s', (s, reason) => {
    expect(() => parseDpkgVersion(s)).not.toThrow();
    const err = catchError(() => parseDpkgVersion(s, { strict: true }));
    expect(err.code).toBe('E_VERSION_INVALID');
    expect(err.message.endsWith(reason)).toBe(true);
    expect(() => compareDpkgVersions(s, '1', { strict: true })).toThrow(PatchhiveError);
  });
});

function catchError(f: () => unknown): PatchhiveError {
  try {
    f();
  } catch (e) {
    if (e instanceof PatchhiveError) return e;
    throw e;
  }
  throw new Error('expected a PatchhiveError');
}
