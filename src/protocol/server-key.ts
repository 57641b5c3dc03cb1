/**
 * The job-signing key's fingerprint and the public `GET /api/v1/server-key` answer. Administrators
 * read the fingerprint from `patchhive serve` (or this endpoint) and hand it to
 * `patchhive agent enroll --server-key-fingerprint`, which pins the key only when it matches.
 *
 * Format: "SHA256:" + standard base64 of the SHA-256 digest of the RAW 32-byte Ed25519 public key
 * (not of the PEM text, not of the SPKI DER, not of an SSH wire blob). Printed without '='
 * padding, as OpenSSH prints its fingerprints; accepted with or without it.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { z } from 'zod';

export const FINGERPRINT_PREFIX = 'SHA256:';
/** Where the server serves its key (public). */
export const SERVER_KEY_PATH = '/api/v1/server-key';

/** The raw 32 bytes of an Ed25519 public key given as PEM (SPKI); throws for any other key. */
export function rawEd25519PublicKey(publicKeyPem: string): Buffer {
  const key = createPublicKey({ key: publicKeyPem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown type'})`);
  const jwk = key.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.x ?? '', 'base64url');
  if (raw.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  return raw;
}

/** The fingerprint of an Ed25519 public key (PEM, SPKI): "SHA256:" + unpadded base64 of SHA-256(raw key). */
export function keyFingerprint(publicKeyPem: string): string {
  const digest = createHash('sha256').update(rawEd25519PublicKey(publicKeyPem)).digest('base64');
  return FINGERPRINT_PREFIX + digest.replace(/=+$/, '');
}

/**
 * Reads a fingerprint as people type it (pure): "SHA256:" (any case) then the base64 of a 32-byte
 * digest, padded or not. Returns the canonical form (unpadded), or undefined when it is not one.
 */
export function parseFingerprint(text: string): string | undefined {
  const t = text.trim();
  if (t.slice(0, FINGERPRINT_PREFIX.length).toUpperCase() !== FINGERPRINT_PREFIX) return undefined;
  const b64 = t.slice(FINGERPRINT_PREFIX.length);
  // 32 bytes are 43 base64 characters, plus one '=' when padded; the last character carries 4 bits.
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/.test(b64)) return undefined;
  return FINGERPRINT_PREFIX + b64.replace(/=$/, '');
}

/** GET /api/v1/server-key: the job-signing public key and its fingerprint (public, no credential). */
export const serverKeyResponseSchema = z
  .object({
    fingerprint: z
      .string()
      .describe('"SHA256:" + base64 (unpadded) of the SHA-256 of the raw 32-byte Ed25519 public key.'),
    publicKey: z.string().describe('The job-signing public key, PEM (SPKI) Ed25519.'),
  })
  .describe('The key agents pin at enrollment; compare the fingerprint with the one `patchhive serve` printed.');

export type ServerKeyResponse = z.infer<typeof serverKeyResponseSchema>;

/** The /server-key answer for a key (what the server serves). */
export function serverKeyAnswer(publicKeyPem: string): ServerKeyResponse {
  return { fingerprint: keyFingerprint(publicKeyPem), publicKey: publicKeyPem };
}
