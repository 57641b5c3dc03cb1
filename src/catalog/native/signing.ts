/**
 * Ed25519 detached signatures for native catalogs, using Node's own crypto (no hand-rolled maths).
 *
 * The signature covers the EXACT bytes of the catalog file: no canonicalisation, so what was
 * reviewed and signed is byte for byte what is loaded. A signature file is a small JSON document:
 * `{ "alg": "ed25519", "keyId": "<16 hex>", "signature": "<base64>" }`. The key id is the first
 * 16 hex digits of SHA-256 over the public key's SPKI DER; it only picks the trusted key to try,
 * and is recomputed from the trusted keys, never taken on the signature file's word.
 *
 * Messages never contain key material.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';

export interface KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
  keyId: string;
}

export const SIGNATURE_ALG = 'ed25519';

const signatureFileSchema = z.strictObject({
  alg: z.literal(SIGNATURE_ALG),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, { message: 'expected 64 bytes of base64' }),
});
export type SignatureFile = z.infer<typeof signatureFileSchema>;

/** Generates a new Ed25519 key pair as PEM (SPKI public, PKCS#8 private) with its key id. */
export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** The key id: first 16 hex digits of SHA-256 over the SPKI DER of the public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Reads a PEM Ed25519 private key; anything else is E_KEY_INVALID (`what` names it in messages). */
export function loadPrivateKey(pem: string, what = 'private key'): KeyObject {
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is not a PEM private key (a .pub file is the public half)`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    // Node's message says why (e.g. encrypted, bad base64) without echoing the key.
    throw new PatchhiveError('E_KEY_INVALID', `${what} cannot be read: ${firstLine(err)}`, undefined, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, expected Ed25519`);
  }
  return key;
}

/** Reads a PEM Ed25519 public key. A private key is refused so that it is never shipped as "trusted". */
export function loadPublicKey(pem: string, what = 'public key'): KeyObject {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is a private key; trust the public key (.pub) instead`);
  }
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is not a PEM public key ("-----BEGIN PUBLIC KEY-----")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} cannot be read: ${firstLine(err)}`, undefined, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, expected Ed25519`);
  }
  return key;
}

/** Signs the exact catalog bytes; returns the text of the detached signature file. */
export function signCatalog(bytes: Buffer, privateKeyPem: string): string {
  const key = loadPrivateKey(privateKeyPem);
  const file: SignatureFile = {
    alg: SIGNATURE_ALG,
    keyId: keyIdOf(createPublicKey(key)),
    signature: sign(null, bytes, key).toString('base64'),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Parses a signature file's text; malformed → E_KEY_INVALID. */
export function parseSignatureFile(text: string, what = 'signature file'): SignatureFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is not JSON; expected { "alg": "ed25519", "keyId": ..., "signature": ... }`);
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
    throw new PatchhiveError('E_SIGNATURE_INVALID', `catalog ${name}: signed by key ${sig.keyId}, which is not trusted (${known})`);
  }
  if (!verify(null, bytes, match.key, Buffer.from(sig.signature, 'base64'))) {
    throw new PatchhiveError('E_SIGNATURE_INVALID', `catalog ${name}: signature does not match (tampered, or signed by another key)`);
  }
  return { keyId: match.keyId };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
