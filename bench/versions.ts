/** Version strings derived from real ones: always valid dpkg versions, ordered as their names say. */
import type { Rng } from './prng.js';

/** A version that dpkg sorts just before `v` ("2.6.1" → "2.6.1~rc2"). */
export function olderThan(v: string, rng: Rng): string {
  return `${v}~rc${1 + rng.int(3)}`;
}

/** A version that dpkg sorts after `v` ("2.6.1" → "2.6.1+deb12u4"). */
export function newerThan(v: string, rng: Rng): string {
  return `${v}+deb12u${1 + rng.int(9)}`;
}

/** A plausible version for a package no status file has. */
export function randomVersion(rng: Rng): string {
  const base = `${rng.int(6)}.${rng.int(30)}${rng.chance(0.5) ? `.${rng.int(12)}` : ''}-${1 + rng.int(5)}`;
  return rng.chance(0.4) ? `${base}+deb12u${1 + rng.int(6)}` : base;
}

/** Writes a version as OVAL debian_evr_string `<epoch>:<version>` (epoch 0 when none). */
export function evr(v: string): string {
  return /^\d+:/.test(v) ? v : `0:${v}`;
}

export type FixKind = 'never' | 'older' | 'same' | 'newer';

/** The fixed version of a bulletin on an installed package at `v`, by kind. */
export function fixedFor(v: string, kind: FixKind, rng: Rng): string {
  switch (kind) {
    case 'never':
      return '0';
    case 'older':
      return olderThan(v, rng);
    case 'same':
      return v;
    case 'newer':
      return newerThan(v, rng);
  }
}

/** Draws a fix kind: 15% "0" (never true, as Debian writes for unfixed/not-affected), 45% older, 25% same, 15% newer. */
export function drawFixKind(rng: Rng): FixKind {
  const x = rng.next();
  return x < 0.15 ? 'never' : x < 0.6 ? 'older' : x < 0.85 ? 'same' : 'newer';
}
