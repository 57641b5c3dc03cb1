import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { compareVersions } from './index.js';
import { compareEvr, parseEvr, rpmvercmp } from './rpm.js';

// Every expectation here was checked with rpm 4.18.0's Lua rpm.vercmp.
const SEGMENTS: [string, string, -1 | 0 | 1][] = [
  ['1.0^', '1.0', 1], // caret: after the end of the string...
  ['1.0~', '1.0', -1], // ...tilde: before it
  ['1.0^', '1.0~', 1],
  ['1.0~', '1.0^', -1],
  ['1.0^git1', '1.0.1', -1], // ...and caret before anything else
  ['1.0^git1', '1.0', 1],
  ['1.0^', '1.0^', 0],
  ['1.0^a', '1.0^1', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~rc1', '1.0~rc1~1', 1],
  ['1.0a', '1.0', 1],
  ['1.0', '1.0.1', -1],
  ['1.0a', '1.0.1', -1], // a numeric segment beats an alpha one
  ['a', '1', -1],
  ['1.0', '1.0_', 0], // separators only separate
  ['1.0', '1.0.', 0],
  ['1_0', '1.0', 0],
  ['1e', '1.e', 0],
  ['5.5p1', '5.5.p1', 0],
  ['5.5p1', '5.5p10', -1],
  ['001', '1', 0],
  ['1.001', '1.1', 0],
  ['2.0', '10.0', -1],
  ['12345678901234567890123', '12345678901234567890124', -1],
  ['100000000000000000001', '100000000000000000000', 1],
  ['1.0a', '1.0b', -1],
  ['FC5', 'fc4', -1], // plain byte order: upper case first
  ['', '', 0],
  ['', '1', -1],
  ['a', '', 1],
  ['.', '', 0],
];

const EVRS: [string, string, -1 | 0 | 1][] = [
  ['1.0-1', '1.0', 1], // a missing release sorts before any release...
  ['1.0-', '1.0', 1], // ...even an empty one
  ['1.0-1', '1.0-', 1],
  ['1:1.0', '2.0', 1],
  ['0:1.0', '1.0', 0],
  [':1.0', '0:1.0', 0],
  ['00:1.0', '0:1.0', 0],
  ['1:1.0-1', '1:1.0-2', -1],
  ['2.0-1.el9', '2.0-1.el9_2', -1],
  ['1.0-1-1', '1.0-1.1', 1], // the release follows the LAST '-'
  ['a:1', '1', -1], // "a:1" has no epoch: it is all version
  ['12345678901234567890:1', '12345678901234567890:0', 1],
  ['1.0-1~rc', '1.0-1', -1],
  ['3.6.8-51.el8_8.1', '3.6.8-51.el8', 1],
  ['1:3.0.7-27.el9', '3.0.7-27.el9', 1],
];

describe('rpmvercmp', () => {
  it.each(SEGMENTS)('%j vs %j is %i (and the reverse is its negation)', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(-want || 0);
  });
});

describe('compareEvr', () => {
  it.each(EVRS)('%j vs %j is %i (and the reverse is its negation)', (a, b, want) => {
    expect(compareEvr(a, b)).toBe(want);
    expect(compareEvr(b, a)).toBe(-want || 0);
  });

  it('takes parsed EVRs too', () => {
    expect(compareEvr({ epoch: null, version: '1.0', release: null }, '0:1.0')).toBe(0);
    expect(compareEvr({ epoch: '1', version: '1.0', release: '1' }, '1:1.0')).toBe(1);
  });

  it('rejects an empty EVR, as rpm.vercmp does', () => {
    expect(() => compareEvr('', '1')).toThrow(PatchhiveError);
    expect(() => compareEvr('1', '')).toThrow(PatchhiveError);
  });

  it('is what compareVersions("rpm", …) uses', () => {
    expect(compareVersions('rpm', '1.0-1', '1.0')).toBe(1);
    expect(compareVersions('rpm', '1:0.1-1', '2.0-1')).toBe(1);
  });
});

describe('parseEvr', () => {
  it.each([
    ['1:2.0-3', { epoch: '1', version: '2.0', release: '3' }],
    ['2.0', { epoch: null, version: '2.0', release: null }],
    [':1.0-', { epoch: '0', version: '1.0', release: '' }],
    ['a:1', { epoch: null, version: 'a:1', release: null }],
    ['1:2:3', { epoch: '1', version: '2:3', release: null }],
    ['1.0-1-1', { epoch: null, version: '1.0-1', release: '1' }],
    ['007:1', { epoch: '007', version: '1', release: null }],
    ['-1', { epoch: null, version: '', release: '1' }],
  ])('%j (rpm.ver agrees)', (s, want) => {
    expect(parseEvr(s)).toEqual(want);
  });

  it.each([
    ['', 'EVR string is empty'],
    ['1\u00002', 'EVR string contains a NUL character'],
  ])('rejects %j in every mode: %s', (s, reason) => {
    for (const strict of [false, true]) {
      const err = catchError(() => parseEvr(s, { strict }));
      expect(err.code).toBe('E_VERSION_INVALID');
      expect(err.message).toContain(JSON.stringify(s));
      expect(err.message.endsWith(reason)).toBe(true);
    }
  });

  it.each([
    [':1', 'epoch is empty'],
    ['1:', 'version is empty'],
    ['-1', 'version is empty'],
    ['1.0-', 'release is empty'],
    ['1.0 beta', 'invalid character in version'],
    ['a:1', 'invalid character in version'],
    ['1.0-1/2', 'invalid character in release'],
  ])('strict rejects %j: %s', (s, reason) => {
    expect(() => parseEvr(s)).not.toThrow();
    const err = catchError(() => parseEvr(s, { strict: true }));
    expect(err.code).toBe('E_VERSION_INVALID');
    expect(err.message.endsWith(reason)).toBe(true);
  });

  it('strict accepts real package EVRs', () => {
    expect(parseEvr('1:2.0^git1~rc2-3.el9_2+b1', { strict: true })).toEqual({
      epoch: '1',
      version: '2.0^git1~rc2',
      release: '3.el9_2+b1',
    });
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
