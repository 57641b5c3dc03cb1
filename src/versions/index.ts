/** Version schemes Patchhive can order, and one entry point that picks the right comparison. */

import { compareDpkgVersions } from './dpkg.js';
import { compareEvr } from './rpm.js';
import { compareWindowsVersions } from './windows.js';

export { compareDpkgVersions, compareParsedDpkgVersions, parseDpkgVersion, verrevcmp } from './dpkg.js';
export type { DpkgParseOptions, DpkgVersion } from './dpkg.js';
export { compareEvr, parseEvr, rpmvercmp } from './rpm.js';
export type { Evr, EvrParseOptions } from './rpm.js';
export { compareWindowsVersions, parseWindowsVersion } from './windows.js';

export type VersionScheme = 'dpkg' | 'rpm' | 'windows';

const COMPARATORS: Record<VersionScheme, (a: string, b: string) => -1 | 0 | 1> = {
  dpkg: (a, b) => compareDpkgVersions(a, b),
  rpm: (a, b) => compareEvr(a, b),
  windows: (a, b) => compareWindowsVersions(a, b),
};

/** Orders a and b under the scheme (-1 a<b, 0 equal, 1 a>b); rpm compares full "[E:]V[-R]" EVRs.
 * Throws E_VERSION_INVALID for a string the scheme rejects. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): -1 | 0 | 1 {
  return COMPARATORS[scheme](a, b);
}
