/**
 * Debian package versions ("[epoch:]upstream[-revision]"), parsed and ordered exactly as dpkg 1.21
 * does (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c verrevcmp), and checked against the
 * real `dpkg --compare-versions` by test/differential/versions.test.ts.
 *
 * dpkg sorts some problems as errors (it refuses the string) and others as warnings (it prints a
 * warning and compares anyway). By default we do the same: errors throw, warnings are accepted.
 * With `{ strict: true }` warnings throw too. Thrown messages end with dpkg's own wording.
 *
 * Deviations from `dpkg --compare-versions` (not from dpkg's parser): that command alone maps ""
 * and "<unknown>" to a "blank" version sorting before all others; we reject "" as the parser does
 * and treat "<unknown>" as an ordinary (warned-about) string. A NUL character, which dpkg can
 * never be handed, is rejected.
 */

import { PatchhiveError } from '../errors.js';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export interface DpkgParseOptions {
  /** Also reject what dpkg only warns about (no leading digit, invalid characters). */
  strict?: boolean;
}

const INT_MAX = 2147483647;
const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** C isblank() in the C locale: what dpkg trims around a version. */
const isBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t';
/** Epoch as strtol(…, 10) reads it up to the colon: C isspace() but blanks, a sign, digits. */
const EPOCH_RE = /^[\n\v\f\r]*([+-]?)([0-9]+)$/;
const UPSTREAM_OK = /^[0-9A-Za-z.+~:-]*$/;
const REVISION_OK = /^[0-9A-Za-z.+~]*$/;

function invalid(s: string, reason: string): PatchhiveError {
  return new PatchhiveError('E_VERSION_INVALID', `invalid dpkg version ${JSON.stringify(s)}: ${reason}`);
}

/** Reads an epoch exactly as dpkg's strtol-based check does; returns the value or dpkg's error. */
function parseEpoch(text: string): number | string {
  const m = EPOCH_RE.exec(text);
  if (!m) return /^[\n\v\f\r]*[+-]?[0-9]/.test(text) ? 'epoch in version is not number' : 'epoch in version is empty';
  const digits = m[2]!.replace(/^0+/, '');
  const negative = m[1] === '-' && digits !== '';
  if (negative) return 'epoch in version is negative';
  if (digits.length > 10 || Number(digits) > INT_MAX) return 'epoch in version is too big';
  return Number(digits);
}

/** Parses a dpkg version; throws E_VERSION_INVALID where dpkg errors (and, if strict, warns). */
export function parseDpkgVersion(s: string, options: DpkgParseOptions = {}): DpkgVersion {
  if (s.includes('\0')) throw invalid(s, 'version string contains a NUL character');
  let start = 0;
  while (isBlank(s[start])) start++;
  if (start === s.length) throw invalid(s, 'version string is empty');
  let end = start;
  while (end < s.length && !isBlank(s[end])) end++;
  for (let i = end; i < s.length; i++) {
    if (!isBlank(s[i])) throw invalid(s, 'version string has embedded spaces');
  }
  let rest = s.slice(start, end);
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const e = parseEpoch(rest.slice(0, colon));
    if (typeof e === 'string') throw invalid(s, e);
    // dpkg looks for "nothing after the colon" in the untrimmed string; a trailing blank there
    // leaves an empty version instead, which is also an error.
    if (colon + 1 === rest.length) {
      throw invalid(s, end === s.length ? 'nothing after colon in version number' : 'version number is empty');
    }
    epoch = e;
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') throw invalid(s, 'revision number is empty');
  if (upstream === '') throw invalid(s, 'version number is empty');
  if (options.strict) {
    const warning = dpkgWarning(upstream, revision);
    if (warning) throw invalid(s, warning);
  }
  return { epoch, upstream, revision };
}

/** The warning dpkg would print for a syntactically accepted version, if any (its first one). */
function dpkgWarning(upstream: string, revision: string): string | undefined {
  if (!isDigit(upstream.charCodeAt(0))) return 'version number does not start with digit';
  if (!UPSTREAM_OK.test(upstream)) return 'invalid character in version number';
  if (!REVISION_OK.test(revision)) return 'invalid character in revision number';
  return undefined;
}

/** The bytes dpkg sees: the UTF-8 encoding (ASCII fast path). */
function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return new TextEncoder().encode(s);
    out[i] = c;
  }
  return out;
}

/** dpkg's order(): digits and the end 0, letters their code, '~' -1, anything else after letters. */
function order(c: number | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -1;
  // dpkg's `char` is signed: a byte >= 0x80 is negative, and c + 256 gives back the byte value.
  return c >= 0x80 ? c : c + 256;
}

/** dpkg's verrevcmp on one upstream or revision part (-1/0/1); digit runs never overflow. */
export function verrevcmp(a: string, b: string): -1 | 0 | 1 {
  return sign(verrevcmpRaw(a, b));
}

function verrevcmpRaw(a: string, b: string): number {
  const x = bytesOf(a);
  const y = bytesOf(b);
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    while ((i < x.length && !isDigit(x[i]!)) || (j < y.length && !isDigit(y[j]!))) {
      const ac = order(x[i]);
      const bc = order(y[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (x[i] === 0x30) i++;
    while (y[j] === 0x30) j++;
    let firstDiff = 0;
    while (i < x.length && j < y.length && isDigit(x[i]!) && isDigit(y[j]!)) {
      if (!firstDiff) firstDiff = x[i]! - y[j]!;
      i++;
      j++;
    }
    if (i < x.length && isDigit(x[i]!)) return 1;
    if (j < y.length && isDigit(y[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Orders two parsed dpkg versions: epoch, then upstream, then revision. */
export function compareParsedDpkgVersions(a: DpkgVersion, b: DpkgVersion): -1 | 0 | 1 {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/** Orders two dpkg version strings exactly as `dpkg --compare-versions` (-1 a<b, 0 equal, 1 a>b). */
export function compareDpkgVersions(a: string, b: string, options: DpkgParseOptions = {}): -1 | 0 | 1 {
  return compareParsedDpkgVersions(parseDpkgVersion(a, options), parseDpkgVersion(b, options));
}
