/**
 * RPM versions, ordered exactly as rpm 4.18 does (rpmio/rpmvercmp.c rpmvercmp, rpmio/rpmver.c
 * parseEVR/rpmverCmp), and checked against the real rpm's Lua `rpm.vercmp` and `rpm.ver` by
 * test/differential/versions.test.ts.
 *
 * Release rule (rpmverCmp, also Python's rpm.labelCompare and OpenSCAP's evr_string compare):
 * when epoch and version are equal, a MISSING release sorts BEFORE any present release, even an
 * empty one ("1.0" < "1.0-" < "1.0-1"). It does not compare equal: "missing release matches any
 * release" is only rpm's dependency-range rule (rpmdsCompare/rpmverOverlap with an EQUAL sense),
 * which is a range-overlap test, not an ordering, and is not implemented here.
 */

import { PatchhiveError } from '../errors.js';

/** An rpm "[epoch:]version[-release]"; null where the part is absent. */
export interface Evr {
  epoch: string | null;
  version: string;
  release: string | null;
}

export interface EvrParseOptions {
  /** Also reject what rpm accepts but no package can carry: empty parts, characters other than
   * letters, digits and "._+~^" in version or release. */
  strict?: boolean;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
const TILDE = 0x7e;
const CARET = 0x5e;
const PART_OK = /^[0-9A-Za-z._+~^]+$/;

function invalid(s: string, reason: string): PatchhiveError {
  return new PatchhiveError('E_VERSION_INVALID', `invalid rpm EVR ${JSON.stringify(s)}: ${reason}`);
}

/** Splits "[E:]V[-R]" as rpm's parseEVR: the epoch is a leading digit run (possibly empty, which
 * means "0") ended by ':', the release follows the last '-'. Throws E_VERSION_INVALID on "". */
export function parseEvr(s: string, options: EvrParseOptions = {}): Evr {
  if (s === '') throw invalid(s, 'EVR string is empty');
  if (s.includes('\0')) throw invalid(s, 'EVR string contains a NUL character');
  let i = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const hyphen = s.lastIndexOf('-');
  const hasEpoch = s[i] === ':';
  const vStart = hasEpoch ? i + 1 : 0;
  const evr: Evr = {
    epoch: hasEpoch ? s.slice(0, i) || '0' : null,
    version: hyphen >= 0 ? s.slice(vStart, hyphen) : s.slice(vStart),
    release: hyphen >= 0 ? s.slice(hyphen + 1) : null,
  };
  if (options.strict) {
    if (hasEpoch && i === 0) throw invalid(s, 'epoch is empty');
    if (!PART_OK.test(evr.version)) throw invalid(s, evr.version ? 'invalid character in version' : 'version is empty');
    if (evr.release !== null && !PART_OK.test(evr.release)) {
      throw invalid(s, evr.release ? 'invalid character in release' : 'release is empty');
    }
  }
  return evr;
}

/** rpm's rpmvercmp on one version or release string: -1, 0 or 1, never throws. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  // C strings end at the first NUL.
  const x = a.includes('\0') ? a.slice(0, a.indexOf('\0')) : a;
  const y = b.includes('\0') ? b.slice(0, b.indexOf('\0')) : b;
  if (x === y) return 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    while (i < x.length && !isAlnum(at(x, i)) && at(x, i) !== TILDE && at(x, i) !== CARET) i++;
    while (j < y.length && !isAlnum(at(y, j)) && at(y, j) !== TILDE && at(y, j) !== CARET) j++;
    const c1 = at(x, i);
    const c2 = at(y, j);
    // '~' sorts before everything, even the end of the string.
    if (c1 === TILDE || c2 === TILDE) {
      if (c1 !== TILDE) return 1;
      if (c2 !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // '^' sorts after the end of the string but before anything else.
    if (c1 === CARET || c2 === CARET) {
      if (c1 === 0) return -1;
      if (c2 === 0) return 1;
      if (c1 !== CARET) return 1;
      if (c2 !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (c1 === 0 || c2 === 0) break;
    const isNum = isDigit(c1);
    const inSegment = isNum ? isDigit : isAlpha;
    let e1 = i;
    let e2 = j;
    while (e1 < x.length && inSegment(at(x, e1))) e1++;
    while (e2 < y.length && inSegment(at(y, e2))) e2++;
    // Segments of different kinds: the numeric one is newer.
    if (e2 === j) return isNum ? 1 : -1;
    let s1 = x.slice(i, e1);
    let s2 = y.slice(j, e2);
    if (isNum) {
      s1 = s1.replace(/^0+/, '');
      s2 = s2.replace(/^0+/, '');
      if (s1.length !== s2.length) return s1.length > s2.length ? 1 : -1;
    }
    if (s1 !== s2) return s1 > s2 ? 1 : -1;
    i = e1;
    j = e2;
  }
  if (i >= x.length && j >= y.length) return 0;
  return i >= x.length ? -1 : 1;
}

/** rpm's compare_values: an absent part sorts before a present one. */
function compareValues(a: string | null, b: string | null): -1 | 0 | 1 {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return rpmvercmp(a, b);
}

/** Orders two EVRs exactly as rpm 4.18's rpmverCmp / `rpm.vercmp`: epoch (missing = "0"),
 * version, then release, where a missing release sorts before any present one. */
export function compareEvr(a: string | Evr, b: string | Evr): -1 | 0 | 1 {
  const x = typeof a === 'string' ? parseEvr(a) : a;
  const y = typeof b === 'string' ? parseEvr(b) : b;
  return (
    compareValues(x.epoch ?? '0', y.epoch ?? '0') ||
    compareValues(x.version, y.version) ||
    compareValues(x.release, y.release)
  );
}
