import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKeyPair } from './key-files.js';
import { generateKeyPair, parseSignatureFile, signCatalog, verifyCatalog } from './signing.js';
import { thrownError } from '../../../test/support/errors.js';

const BYTES = Buffer.from('{"format": "patchhive.catalog/1", "name": "x", "bulletins": []}\n');

describe('Ed25519 catalog signatures', () => {
  const pair = generateKeyPair();

  it('key id is the first 16 hex digits of SHA-256 over the SPKI DER', () => {
    const der = createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(pair.keyId).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('round-trips keygen → sign → verify', () => {
    const sig = signCatalog(BYTES, pair.privateKeyPem);
    expect(parseSignatureFile(sig)).toEqual({ alg: 'ed25519', keyId: pair.keyId, signature: expect.any(String) });
    expect(verifyCatalog(BYTES, sig, [pair.publicKeyPem])).toEqual({ keyId: pair.keyId });
    // any one of several trusted keys will do
    expect(verifyCatalog(BYTES, sig, [generateKeyPair().publicKeyPem, pair.publicKeyPem])).toEqual({
      keyId: pair.keyId,
    });
  });

  it('refuses bytes with one bit flipped', () => {
    const sig = signCatalog(BYTES, pair.privateKeyPem);
    for (const at of [0, 17, BYTES.length - 1]) {
      const tampered = Buffer.from(BYTES);
      tampered[at] = tampered[at]! ^ 0x01;
      const err = thrownError(() => verifyCatalog(tampered, sig, [pair.publicKeyPem], 'x.json'));
      expect(err.code).toBe('E_SIGNATURE_INVALID');
      expect(err.message).toBe('catalog x.json: signature does not match (tampered, or signed by another key)');
    }
  });

  it('signs exact bytes: a re-formatted catalog no longer verifies', () => {
    const sig = signCatalog(BYTES, pair.privateKeyPem);
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(BYTES.toString())));
    expect(thrownError(() => verifyCatalog(reformatted, sig, [pair.publicKeyPem])).code).toBe('E_SIGNATURE_INVALID');
  });

  it('refuses a signature by an untrusted key, naming it', () => {
    const other = generateKeyPair();
    const sig = signCatalog(BYTES, other.privateKeyPem);
    const err = thrownError(() => verifyCatalog(BYTES, sig, [pair.publicKeyPem], 'x.json'));
    expect(err.code).toBe('E_SIGNATURE_INVALID');
    expect(err.message).toBe(
      `catalog x.json: signed by key ${other.keyId}, which is not trusted (trusted: ${pair.keyId})`,
    );
    expect(thrownError(() => verifyCatalog(BYTES, sig, [])).message).toMatch(/no trusted keys were given/);
  });

  it('refuses a signature whose key id was swapped for a trusted one', () => {
    const other = generateKeyPair();
    const forged = JSON.stringify({
      ...parseSignatureFile(signCatalog(BYTES, other.privateKeyPem)),
      keyId: pair.keyId,
    });
    expect(thrownError(() => verifyCatalog(BYTES, forged, [pair.publicKeyPem])).message).toMatch(
      /signature does not match/,
    );
  });

  it.each([
    ['not JSON', 'ed25519:abc', /is not JSON/],
    [
      'wrong algorithm',
      JSON.stringify({ alg: 'rsa', keyId: '0123456789abcdef', signature: 'A'.repeat(86) + '==' }),
      /"alg"/,
    ],
    [
      'short signature',
      JSON.stringify({ alg: 'ed25519', keyId: '0123456789abcdef', signature: 'AAAA' }),
      /64 bytes of base64/,
    ],
    ['bad key id', JSON.stringify({ alg: 'ed25519', keyId: 'xyz', signature: 'A'.repeat(86) + '==' }), /"keyId"/],
    [
      'extra field',
      JSON.stringify({ alg: 'ed25519', keyId: '0123456789abcdef', signature: 'A'.repeat(86) + '==', x: 1 }),
      /Unrecognized key/,
    ],
  ])('malformed signature file (%s) is E_KEY_INVALID', (_label, text, message) => {
    const err = thrownError(() => verifyCatalog(BYTES, text, [pair.publicKeyPem]));
    expect(err.code).toBe('E_KEY_INVALID');
    expect(err.message).toMatch(message);
  });

  it.each([
    ['garbage', 'not a key at all'],
    ['truncated PEM', pair.publicKeyPem.slice(0, 60) + '\n-----END PUBLIC KEY-----\n'],
    ['a private key', pair.privateKeyPem],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ],
  ])('malformed trusted key (%s) is E_KEY_INVALID', (_label, pem) => {
    const sig = signCatalog(BYTES, pair.privateKeyPem);
    const err = thrownError(() => verifyCatalog(BYTES, sig, [pem]));
    expect(err.code).toBe('E_KEY_INVALID');
    expect(err.message).toMatch(/^trusted key #1 /);
    expect(err.message).not.toContain('MC4CAQAw'); // never echo key material (PKCS#8 Ed25519 prefix)
  });

  it.each([
    ['a public key', pair.publicKeyPem, /not a PEM private key/],
    ['garbage in a PEM frame', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /cannot be read/],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      /rsa key, expected Ed25519/,
    ],
  ])('malformed signing key (%s) is E_KEY_INVALID', (_label, pem, message) => {
    const err = thrownError(() => signCatalog(BYTES, pem));
    expect(err.code).toBe('E_KEY_INVALID');
    expect(err.message).toMatch(message);
  });

  it('writes the private key with mode 0600 and refuses to overwrite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-keys-'));
    const { privatePath, publicPath } = writeKeyPair(dir, 'team', pair);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(privatePath, 'utf8')).toBe(pair.privateKeyPem);
    expect(readFileSync(publicPath, 'utf8')).toBe(pair.publicKeyPem);
    writeFileSync(privatePath, 'changed');
    const err = thrownError(() => writeKeyPair(dir, 'team', generateKeyPair()));
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toMatch(/already exists; refusing to overwrite/);
    expect(readFileSync(privatePath, 'utf8')).toBe('changed');
  });
});
