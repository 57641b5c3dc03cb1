/** The printed name of a job-signing key, as administrators compare it out of band. */
import { createHash, createPublicKey } from 'node:crypto';

/**
 * "SHA256:" + base64 of the SHA-256 of the raw 32-byte Ed25519 public key (the key's bytes, not its
 * PEM, so a re-encoded PEM keeps its fingerprint). Throws when the PEM is not an Ed25519 public key.
 */
export function keyFingerprint(publicKeyPem: string): string {
  const key = createPublicKey({ key: publicKeyPem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('keyFingerprint: not an Ed25519 key');
  // The SPKI DER of an Ed25519 key is a fixed 12-byte header followed by the 32 raw key bytes.
  const raw = key.export({ type: 'spki', format: 'der' }).subarray(-32);
  return `SHA256:${createHash('sha256').update(raw).digest('base64')}`;
}
