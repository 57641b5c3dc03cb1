/**
 * Ed25519 keys and signatures, the one place every Patchhive signature is made and checked: jobs,
 * key announcements and signed server times (over their canonical JSON, src/protocol/canonical-json.ts)
 * and native catalogs (over their exact bytes). Node's own crypto; no hand-rolled maths. Messages
 * never contain key material.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { PatchhiveError } from '../errors.js';

export interface KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
  keyId: string;
}

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

/** Parses a key with `make`; a parse failure or a key of another type is E_KEY_INVALID naming `what`. */
function ed25519Key(what: string, make: () => KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = make();
  } catch (err) {
    // Node's message says why (e.g. encrypted, bad base64) without echoing the key.
    throw new PatchhiveError('E_KEY_INVALID', `${what} cannot be read: ${firstLine(err)}`, undefined, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PatchhiveError(
      'E_KEY_INVALID',
      `${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, expected Ed25519`,
    );
  }
  return key;
}

/** Reads a PEM Ed25519 private key; anything else is E_KEY_INVALID (`what` names it in messages). */
export function loadPrivateKey(pem: string, what = 'private key'): KeyObject {
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is not a PEM private key (a .pub file is the public half)`);
  }
  return ed25519Key(what, () => createPrivateKey({ key: pem, format: 'pem' }));
}

/** Reads a PEM Ed25519 public key. A private key is refused so that it is never shipped as "trusted". */
export function loadPublicKey(pem: string, what = 'public key'): KeyObject {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is a private key; trust the public key (.pub) instead`);
  }
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new PatchhiveError('E_KEY_INVALID', `${what} is not a PEM public key ("-----BEGIN PUBLIC KEY-----")`);
  }
  return ed25519Key(what, () => createPublicKey({ key: pem, format: 'pem' }));
}

/** The Ed25519 signature (base64) of `bytes`. */
export function signBytes(bytes: Uint8Array, privateKey: KeyObject): string {
  return sign(null, bytes, privateKey).toString('base64');
}

/**
 * True when `signature` (base64) over `bytes` verifies with the public key (a KeyObject or PEM);
 * a key or signature that cannot be read is false, never an exception.
 */
export function verifyBytes(bytes: Uint8Array, signature: string, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey({ key: publicKey, format: 'pem' }) : publicKey;
    return verify(null, bytes, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
