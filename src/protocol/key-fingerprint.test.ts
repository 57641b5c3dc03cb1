import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from './key-fingerprint.js';
import { fingerprintSchema } from './key-trust.js';

describe('keyFingerprint', () => {
  it('is SHA256: and base64 of the SHA-256 of the 32 raw key bytes, whatever the PEM encoding', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    expect(raw).toHaveLength(32);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const fp = keyFingerprint(pem);
    expect(fp).toBe(`SHA256:${createHash('sha256').update(raw).digest('base64')}`);
    expect(keyFingerprint(pem.replace(/\n/g, '\r\n'))).toBe(fp);
    expect(fingerprintSchema.safeParse(fp).success).toBe(true);
  });

  it('refuses keys that are not Ed25519 public keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => keyFingerprint(rsa)).toThrow();
    expect(() => keyFingerprint('not a key')).toThrow();
  });
});
