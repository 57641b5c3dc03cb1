/**
 * Bearer secrets: "<kind>_<id>_<secret>" with a 256-bit random secret. Only SHA-256 of the secret
 * is stored (a random 256-bit secret needs no slow hash); comparison is constant-time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export type SecretKind = 'phk' /* API token */ | 'pha' /* agent credential */ | 'phe'; /* enrollment token */

export interface IssuedSecret {
  id: string;
  /** The whole bearer string, shown once. */
  secret: string;
  secretHash: string;
}

/** Hex SHA-256 of a secret part. */
export function hashSecret(secretPart: string): string {
  return createHash('sha256').update(secretPart, 'utf8').digest('hex');
}

/** A new id + bearer secret of the given kind. */
export function issueSecret(kind: SecretKind, id: string = randomUUID()): IssuedSecret {
  const part = randomBytes(32).toString('base64url');
  return { id, secret: `${kind}_${id}_${part}`, secretHash: hashSecret(part) };
}

/** Splits a bearer string into id and secret part; undefined when it is not of that kind. */
export function parseSecret(kind: SecretKind, bearer: string): { id: string; part: string } | undefined {
  const m = /^([a-z]{3})_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/.exec(bearer);
  if (!m || m[1] !== kind) return undefined;
  return { id: m[2]!, part: m[3]! };
}

/** Constant-time check of a secret part against a stored hash. */
export function secretMatches(part: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(part), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token presented in an Authorization header, if any. */
export function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
