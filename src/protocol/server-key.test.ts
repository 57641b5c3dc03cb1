import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, parseFingerprint, rawEd25519PublicKey, serverKeyAnswer } from './server-key.js';

const pem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('keyFingerprint', () => {
  it('agrees with openssl: SHA-256 over the last 32 bytes of the SPKI DER, base64 without padding', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ph-fpr-'));
    try {
      for (let i = 0; i < 5; i++) {
        const key = pem();
        writeFileSync(path.join(dir, 'pub.pem'), key);
        const der = execFileSync('openssl', ['pkey', '-pubin', '-in', path.join(dir, 'pub.pem'), '-outform', 'DER']);
        const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], {
          input: der.subarray(der.length - 32),
        });
        expect(keyFingerprint(key)).toBe(`SHA256:${digest.toString('base64').replace(/=+$/, '')}`);
        expect(rawEd25519PublicKey(key)).toEqual(der.subarray(der.length - 32));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => keyFingerprint(rsa)).toThrow(/not an Ed25519 key/);
  });

  it('serverKeyAnswer carries the key and its fingerprint', () => {
    const key = pem();
    expect(serverKeyAnswer(key)).toEqual({ publicKey: key, fingerprint: keyFingerprint(key) });
  });
});

describe('parseFingerprint', () => {
  const fp = keyFingerprint(pem());
  it.each([
    [fp, fp],
    [`${fp}=`, fp],
    [`  ${fp}\n`, fp],
    [`sha256:${fp.slice(7)}`, fp],
  ])('%j → canonical', (text, want) => {
    expect(parseFingerprint(text)).toBe(want);
  });

  it.each([
    ['', 'empty'],
    [fp.slice(7), 'no prefix'],
    [`MD5:${fp.slice(7)}`, 'other digest'],
    [fp.slice(0, -1), 'too short'],
    [`${fp}A`, 'too long'],
    [`${fp}==`, 'two pads'],
    [`${fp.slice(0, -1)}B`, 'last character with bits beyond 32 bytes'],
    [`${fp.slice(0, 20)}-${fp.slice(21)}`, 'base64url character'],
  ])('%j is refused (%s)', (text) => {
    expect(parseFingerprint(text)).toBeUndefined();
  });
});
