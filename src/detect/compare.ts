/**
 * OVAL entity comparison: one item value against one expected value, by operation and datatype.
 * Returns 'error' (never throws) when a value cannot be read, so a bad version makes a test
 * `unknown` instead of silently false.
 */
import type { Datatype, Operation } from '../catalog/model.js';
import {
  compareEvr,
  compareParsedDpkgVersions,
  compareWindowsVersions,
  parseDpkgVersion,
  type DpkgVersion,
} from '../versions/index.js';

export type Tri = 'true' | 'false' | 'error';

const regexCache = new Map<string, RegExp | null>();

/** Compiles an OVAL (Perl-style) pattern once; null when JavaScript cannot read it. */
export function ovalRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    if (regexCache.size > 50_000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** The same few thousand package versions are compared over and over: parse each once. */
const dpkgCache = new Map<string, DpkgVersion>();

function parsedDpkg(v: string): DpkgVersion {
  let p = dpkgCache.get(v);
  if (!p) {
    p = parseDpkgVersion(v);
    if (dpkgCache.size > 200_000) dpkgCache.clear();
    dpkgCache.set(v, p);
  }
  return p;
}

function tri(b: boolean): Tri {
  return b ? 'true' : 'false';
}

function byOrder(cmp: number, op: Operation): Tri {
  switch (op) {
    case 'equals':
      return tri(cmp === 0);
    case 'not equal':
      return tri(cmp !== 0);
    case 'less than':
      return tri(cmp < 0);
    case 'less than or equal':
      return tri(cmp <= 0);
    case 'greater than':
      return tri(cmp > 0);
    case 'greater than or equal':
      return tri(cmp >= 0);
    default:
      return 'error';
  }
}

function orderOf(datatype: Datatype, actual: string, expected: string): number {
  switch (datatype) {
    case 'debian_evr_string':
      return compareParsedDpkgVersions(parsedDpkg(actual), parsedDpkg(expected));
    case 'evr_string':
      return compareEvr(actual, expected);
    case 'version':
      return compareWindowsVersions(actual, expected);
    case 'float': {
      const a = Number(actual);
      const b = Number(expected);
      if (Number.isNaN(a) || Number.isNaN(b)) throw new Error('not a number');
      return Math.sign(a - b);
    }
    default:
      return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
}

function compareInt(actual: string, expected: string, op: Operation): Tri {
  let a: bigint;
  let b: bigint;
  try {
    a = BigInt(actual.trim());
    b = BigInt(expected.trim());
  } catch {
    return 'error';
  }
  if (op === 'bitwise and') return tri((a & b) === b);
  if (op === 'bitwise or') return tri((a | b) === b);
  return byOrder(a < b ? -1 : a > b ? 1 : 0, op);
}

function normaliseBoolean(s: string): string | undefined {
  const v = s.trim().toLowerCase();
  if (v === 'true' || v === '1') return 'true';
  if (v === 'false' || v === '0') return 'false';
  return undefined;
}

/** Compares an item's value with the expected value under an OVAL operation and datatype. */
export function compareValue(actual: string, expected: string, op: Operation, datatype: Datatype): Tri {
  if (op === 'pattern match') {
    const re = ovalRegex(expected);
    return re ? tri(re.test(actual)) : 'error';
  }
  if (op === 'case insensitive equals') return tri(actual.toLowerCase() === expected.toLowerCase());
  if (op === 'case insensitive not equal') return tri(actual.toLowerCase() !== expected.toLowerCase());
  if (datatype === 'int') return compareInt(actual, expected, op);
  if (datatype === 'boolean') {
    const a = normaliseBoolean(actual);
    const b = normaliseBoolean(expected);
    if (a === undefined || b === undefined) return 'error';
    return byOrder(a === b ? 0 : 1, op === 'equals' || op === 'not equal' ? op : 'equals');
  }
  if (datatype === 'string' && (op === 'equals' || op === 'not equal'))
    return tri((actual === expected) === (op === 'equals'));
  try {
    return byOrder(orderOf(datatype, actual, expected), op);
  } catch {
    return 'error';
  }
}
