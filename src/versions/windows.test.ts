import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { compareVersions } from './index.js';
import { compareWindowsVersions, parseWindowsVersion } from './windows.js';

const ORDER: [string, string, -1 | 0 | 1][] = [
  ['5.1.2600.3462', '5.1.2600.5512', -1],
  ['10.0.19045.7663', '10.0.19045.7664', -1],
  ['10.0.19045.7663', '10.0.19045.7663', 0],
  ['19045.7663', '19045.10000', -1], // numeric, not lexical
  ['10.0.22621.1', '10.0.19045.9999', 1],
  ['10.0', '10.0.0.0', 0], // missing trailing components are 0
  ['10.0.0.1', '10.0', 1],
  ['6.1.7601.23714 (win7sp1_ldr.170314-0600)', '6.1.7601.23714', 0],
  ['6.1.7601.23714 (win7sp1_ldr.170314-0600)', '6.1.7601.23715', -1],
  ['2.0.50727.8964 built by: NETFXREL2', '2.0.50727.8970', -1],
  ['6, 1, 7601, 23714', '6.1.7601.23714', 0],
  ['6,1,7601,23715', '6.1.7601.23714', 1],
  ['007.1', '7.1', 0],
  ['18446744073709551617', '18446744073709551616', 1], // beyond 64 bits
  ['  1.2  ', '1.2', 0],
  ['0', '0.0.0', 0],
];

describe('compareWindowsVersions', () => {
  it.each(ORDER)('%j vs %j is %i (and the reverse is its negation)', (a, b, want) => {
    expect(compareWindowsVersions(a, b)).toBe(want);
    expect(compareWindowsVersions(b, a)).toBe(-want || 0);
  });

  it.each([
    '',
    '   ',
    'abc',
    'v1.0',
    '1.2a',
    '1.x',
    '1..2',
    '1.2.',
    '.1',
    '-1.0',
    '+1',
    '1-2',
    '1_2',
    '1,2.3',
    '1.2,3',
  ])('rejects %j with E_VERSION_INVALID', (bad) => {
    for (const [a, b] of [
      [bad, '1.0'],
      ['1.0', bad],
    ] as const) {
      let err: unknown;
      try {
        compareWindowsVersions(a, b);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PatchhiveError);
      expect((err as PatchhiveError).code).toBe('E_VERSION_INVALID');
      expect((err as PatchhiveError).message).toContain(JSON.stringify(bad));
    }
  });

  it('is reachable through compareVersions("windows", …)', () => {
    expect(compareVersions('windows', '10.0.19045.7663', '10.0.19045.10000')).toBe(-1);
  });
});

describe('parseWindowsVersion', () => {
  it('returns the numeric components without leading zeros', () => {
    expect(parseWindowsVersion('6, 01, 7601, 0023714')).toEqual(['6', '1', '7601', '23714']);
    expect(parseWindowsVersion('10.0.000.0 (WinBuild.160101.0800)')).toEqual(['10', '0', '0', '0']);
  });
});
