/**
 * Ed25519 detached signatures for native catalogs (the keys and the signing itself are the
 * protocol's, src/protocol/ed25519.ts).
 *
 * The signature covers the EXACT bytes of the catalog file: no canonicalisation, so what was
 * reviewed and signed is byte for byte what is loaded. A signature file is a small JSON document:
 * `{ "alg": "ed25519", "keyId": "<16 hex>", "signature": "<base64>" }`. The key id is the first
 * 16 hex digits of SHA-256 over the public key's SPKI DER; it only picks the trusted key to try,
 * and is recomputed from the trusted keys, never taken on the signature file's word.
 *
 * Messages never contain key material.
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { keyIdOf, loadPrivateKey, loadPublicKey, signBytes, verifyBytes } from '../../protocol/ed25519.js';

export { generateKeyPair, keyIdOf, loadPrivateKey, loadPublicKey, type KeyPair } from '../../protocol/ed25519.js';

export const SIGNATURE_ALG = 'ed25519';

const signatureFileSchema = z.strictObject({
  alg: z.literal(SIGNATURE_ALG),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, { message: 'expected 64 bytes of base64' }),
});
export type SignatureFile = z.infer<typeof signatureFileSchema>;

/** Signs the exact catalog bytes; returns the text of the detached signature file. */
export function signCatalog(bytes: Buffer, privateKeyPem: string): string {
  const key = loadPrivateKey(privateKeyPem);
  const file: SignatureFile = {
    alg: SIGNATURE_ALG,
    keyId: keyIdOf(createPublicKey(key)),
    signature: signBytes(bytes, key),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Parses a signature file's text; malformed → E_KEY_INVALID. */
export function parseSignatureFile(text: string, what = 'signature file'): SignatureFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      `${what} is not JSON; expected { "alg": "ed25519", "keyId": ..., "signature": ... }`,
    );
  }
  const r = signatureFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.length ? `"${issue.path.join('.')}"` : 'document';
    throw new PatchhiveError('E_KEY_INVALID', `${what} is malformed: ${field}: ${issue.message}`);
  }
  return r.data;
}

/**
 * Verifies a detached signature over the exact bytes against the trusted public keys.
 * Returns the signing key's id; throws E_SIGNATURE_INVALID (mismatch or untrusted signer) or
 * E_KEY_INVALID (malformed signature file or trusted key). `name` labels the catalog in messages.
 */
export function verifyCatalog(
  bytes: Buffer,
  signatureText: string,
  trustedPublicKeysPem: string[],
  name = 'catalog',
): { keyId: string } {
  const sig = parseSignatureFile(signatureText, `signature of catalog ${name}`);
  const trusted = trustedPublicKeysPem.map((pem, i) => {
    const key = loadPublicKey(pem, `trusted key #${i + 1}`);
    return { key, keyId: keyIdOf(key) };
  });
  const match = trusted.find((t) => t.keyId === sig.keyId);
  if (!match) {
    const known = trusted.length ? `trusted: ${trusted.map((t) => t.keyId).join(', ')}` : 'no trusted keys were given';
    throw new PatchhiveError(
      'E_SIGNATURE_INVALID',
      `catalog ${name}: signed by key ${sig.keyId}, which is not trusted (${known})`,
    );
  }
  if (!verifyBytes(bytes, sig.signature, match.key)) {
    throw new PatchhiveError(
      'E_SIGNATURE_INVALID',
      `catalog ${name}: signature does not match (tampered, or signed by another key)`,
    );
  }
  return { keyId: match.keyId };
}
