/**
 * Windows file and build versions ("5.1.2600.3462", "10.0.19045.7663", "19045.7663"), compared
 * component by component as non-negative integers of any length, as OVAL's "version" datatype
 * does; missing trailing components count as 0 ("10.0" == "10.0.0.0").
 *
 * Accepted spellings (surrounding whitespace is ignored):
 * - dotted:        "6.1.7601.23714"
 * - comma:         "6, 1, 7601, 23714" (the VERSIONINFO FileVersion style; spaces optional)
 * - annotated:     either of the above followed by whitespace and anything, e.g.
 *                  "6.1.7601.23714 (win7sp1_ldr.170314-0600)" — only the leading numeric part counts.
 * Anything else — a non-numeric component ("1.2a", "1.x"), an empty one ("1..2", "1.2."), a sign,
 * or OVAL's other one-character delimiters ("1-2", "1_2") — is rejected with E_VERSION_INVALID
 * rather than guessed at.
 */

import { PatchhiveError } from '../errors.js';

const DOTTED = /^([0-9]+(?:\.[0-9]+)*)(?:\s[\s\S]*)?$/;
const COMMAS = /^([0-9]+(?:[ \t]*,[ \t]*[0-9]+)+)(?:\s[\s\S]*)?$/;

/** Parses a Windows version into its numeric components, leading zeros removed ("007" -> "7"). */
export function parseWindowsVersion(s: string): string[] {
  const text = s.trim();
  const m = COMMAS.exec(text) ?? DOTTED.exec(text);
  if (!m) {
    const why = text === '' ? 'it is empty' : 'expected dot- or comma-separated non-negative integers';
    throw new PatchhiveError('E_VERSION_INVALID', `invalid Windows version ${JSON.stringify(s)}: ${why}`);
  }
  return m[1]!.split(/[ \t]*[.,][ \t]*/).map((c) => c.replace(/^0+(?=[0-9])/, ''));
}

/** Orders two Windows versions numerically by component (-1 a<b, 0 equal, 1 a>b); never overflows. */
export function compareWindowsVersions(a: string, b: string): -1 | 0 | 1 {
  const x = parseWindowsVersion(a);
  const y = parseWindowsVersion(b);
  for (let k = 0; k < Math.max(x.length, y.length); k++) {
    const p = x[k] ?? '0';
    const q = y[k] ?? '0';
    if (p.length !== q.length) return p.length > q.length ? 1 : -1;
    if (p !== q) return p > q ? 1 : -1;
  }
  return 0;
}
