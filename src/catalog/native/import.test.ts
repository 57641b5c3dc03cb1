import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importNativeCatalog, loadNativeCatalogFile, looksLikeNativeCatalog, signaturePathFor } from './import.js';
import { generateKeyPair, keyIdOf, signCatalog } from './signing.js';
import { thrownError } from '../../../test/support/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SAMPLE = join(ROOT, 'catalogs/inhouse-sample.json');
const SAMPLE_PUB = join(ROOT, 'catalogs/inhouse-sample.pub');
const TEST_ONLY_KEY = join(ROOT, 'test/fixtures/keys/inhouse-sample-TEST-ONLY.key');

const BYTES = Buffer.from(
  JSON.stringify({
    format: 'patchhive.catalog/1',
    name: 'small',
    bulletins: [
      {
        id: 'A',
        title: 'a',
        severity: 'low',
        fixes: [{ id: 'f', applicability: { always: true }, installed: { kb: 'KB1' } }],
      },
    ],
  }),
);

describe('importNativeCatalog: signature first', () => {
  const pair = generateKeyPair();
  const signature = signCatalog(BYTES, pair.privateKeyPem);

  it('imports a catalog signed by a trusted key', () => {
    const cat = importNativeCatalog(BYTES, {
      file: 'small.json',
      signature,
      trustedKeys: [pair.publicKeyPem],
      allowUnsigned: false,
    });
    expect(cat.bulletins.map((b) => b.id)).toEqual(['A']);
  });

  it('refuses an unsigned catalog unless allowUnsigned, and says how to fix it', () => {
    const err = thrownError(() =>
      importNativeCatalog(BYTES, { file: 'small.json', trustedKeys: [pair.publicKeyPem], allowUnsigned: false }),
    );
    expect(err.code).toBe('E_SIGNATURE_MISSING');
    expect(err.message).toMatch(/--allow-unsigned/);
    expect(err.message).toMatch(/patchhive catalog sign --key KEY small\.json/);
    expect(
      importNativeCatalog(BYTES, { file: 'small.json', trustedKeys: [], allowUnsigned: true }).bulletins,
    ).toHaveLength(1);
  });

  it('refuses tampered bytes, even with allowUnsigned', () => {
    const tampered = Buffer.from(BYTES.toString().replace('"low"', '"moderate"'));
    for (const allowUnsigned of [false, true]) {
      const err = thrownError(() =>
        importNativeCatalog(tampered, {
          file: 'small.json',
          signature,
          trustedKeys: [pair.publicKeyPem],
          allowUnsigned,
        }),
      );
      expect(err.code).toBe('E_SIGNATURE_INVALID');
      expect(err.message).toMatch(/^catalog small\.json: signature does not match/);
    }
  });

  it('refuses a signature by an untrusted key', () => {
    const err = thrownError(() =>
      importNativeCatalog(BYTES, {
        file: 'small.json',
        signature,
        trustedKeys: [generateKeyPair().publicKeyPem],
        allowUnsigned: false,
      }),
    );
    expect(err.code).toBe('E_SIGNATURE_INVALID');
    expect(err.message).toContain(`signed by key ${pair.keyId}, which is not trusted`);
  });

  it('checks the signature before parsing: garbage with a bad signature is a signature error', () => {
    const err = thrownError(() =>
      importNativeCatalog(Buffer.from('{oops'), {
        file: 'x.json',
        signature,
        trustedKeys: [pair.publicKeyPem],
        allowUnsigned: false,
      }),
    );
    expect(err.code).toBe('E_SIGNATURE_INVALID');
  });

  it('signature files live beside the catalog as <catalog>.sig', () => {
    expect(signaturePathFor('/srv/catalogs/inhouse.json')).toBe('/srv/catalogs/inhouse.json.sig');
  });
});

describe('looksLikeNativeCatalog', () => {
  it.each([
    ['{"format": "patchhive.catalog/1", "name": "x"', true],
    ['\uFEFF  {\n  "$schema": "x",\n  "format" : "patchhive.catalog/1"', true],
    ['{"format": "patchhive.catalog/2"}', true],
    ['{"schema": "patchhive.inventory/1"}', false],
    ['<?xml version="1.0"?><oval_definitions', false],
    ['[{"format": "patchhive.catalog/1"}]', false],
    ['{"CVE-2024-1": {"format": "other"}}', false],
  ])('%j → %s', (head, expected) => {
    expect(looksLikeNativeCatalog(head)).toBe(expected);
  });
});

describe('the bundled sample catalog', () => {
  const pub = readFileSync(SAMPLE_PUB, 'utf8');

  it('is signed by the committed public key and loads', () => {
    const cat = loadNativeCatalogFile(SAMPLE, { trustedKeys: [pub], allowUnsigned: false });
    expect(cat.name).toBe('inhouse-sample');
    expect(cat.bulletins.map((b) => b.id)).toEqual([
      'PH-2026-001',
      'PH-2026-004',
      'PH-2026-002',
      'PH-2026-003',
      'MS08-067',
    ]);
    expect(cat.bulletins.find((b) => b.id === 'PH-2026-004')?.supersedes).toEqual(['PH-2026-001']);
    const ms = cat.bulletins.find((b) => b.id === 'MS08-067')!.fixes[0]!;
    expect(ms.installedMarker).toMatchObject({ kind: 'test', test: { object: { type: 'kb' } } });
    expect(ms.knownFileHashes?.[0]?.sha256).toHaveLength(1);
    const smb = cat.bulletins.find((b) => b.id === 'PH-2026-002')!;
    expect(smb.manualRemediation).toMatch(/SMB1/);
    expect(smb.fixes[0]!.installed).toMatchObject({ kind: 'test', test: { object: { type: 'registry' } } });
  });

  it('its public key is the half of the TEST-ONLY private key in test/fixtures/keys', () => {
    const derived = createPublicKey(readFileSync(TEST_ONLY_KEY, 'utf8'));
    expect(keyIdOf(derived)).toBe(keyIdOf(createPublicKey(pub)));
    expect(derived.export({ type: 'spki', format: 'pem' }).toString()).toBe(pub);
  });

  it('fails verification when a byte changes', () => {
    const bytes = readFileSync(SAMPLE);
    bytes[100] = bytes[100]! ^ 0x20;
    const signature = readFileSync(signaturePathFor(SAMPLE), 'utf8');
    expect(() =>
      importNativeCatalog(bytes, { file: SAMPLE, signature, trustedKeys: [pub], allowUnsigned: false }),
    ).toThrow(/signature does not match/);
  });
});
