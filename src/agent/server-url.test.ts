import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { keyFingerprint } from '../protocol/server-key.js';
import { checkEnrollTrust, checkServerUrl, isLoopbackHost, type EnrollTrustInput } from './server-url.js';

describe('checkServerUrl', () => {
  it.each([
    ['https://patch.example.org', 'https://patch.example.org', false],
    ['https://patch.example.org/', 'https://patch.example.org', false],
    ['https://patch.example.org:8443/ph/', 'https://patch.example.org:8443/ph', false],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', false],
    ['http://localhost:8080', 'http://localhost:8080', false],
    ['http://[::1]:8080', 'http://[::1]:8080', false],
    ['http://patch.example.org', 'http://patch.example.org', true],
    ['http://10.0.0.5', 'http://10.0.0.5', true],
  ])('%s → %s (warning %s, with allowInsecureHttp)', (raw, base, warns) => {
    const r = checkServerUrl(raw, { allowInsecureHttp: true });
    expect(r.base).toBe(base);
    expect(r.warning !== undefined).toBe(warns);
  });

  it.each([
    ['patch.example.org', /absolute/],
    ['ftp://patch.example.org', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://user:hunter2@patch.example.org', /user name or password/],
    ['https://user@patch.example.org', /user name or password/],
    ['https://patch.example.org/?token=x', /query/],
    ['https://patch.example.org/#x', /fragment/],
    ['http://patch.example.org', /refusing plain http:\/\/ to patch\.example\.org.*https:\/\/.*--insecure-http/],
    ['http://10.0.0.5:8060', /refusing plain http:\/\/ to 10\.0\.0\.5:8060/],
    ['http://[fe80::1]', /refusing plain http/],
    ['http://127.0.0.1.example.org', /refusing plain http/],
  ])('%s is refused', (raw, message) => {
    let err: unknown;
    try {
      checkServerUrl(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(message) });
    expect(String((err as Error).message)).not.toContain('hunter2');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['localhost.example.org', false],
    ['10.0.0.1', false],
  ])('%s → %s', (h, yes) => {
    expect(isLoopbackHost(h)).toBe(yes);
  });
});

describe('checkEnrollTrust (the enrollment URL policy; no traffic)', () => {
  const fp = keyFingerprint(
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  const base: EnrollTrustInput = {
    server: 'https://patch.example.org',
    caFile: false,
    trustOnFirstUse: false,
    insecureHttp: false,
  };

  it.each<[string, Partial<EnrollTrustInput>, string, boolean]>([
    ['https, nothing else: the verified certificate vouches', {}, 'tls', false],
    ['https with --ca-file', { caFile: true }, 'tls', false],
    ['https with a fingerprint', { fingerprint: fp }, 'fingerprint', false],
    [
      'https with a padded, lower-case-prefixed fingerprint',
      { fingerprint: `sha256:${fp.slice(7)}=` },
      'fingerprint',
      false,
    ],
    ['https with --trust-on-first-use: TLS still vouches', { trustOnFirstUse: true }, 'tls', false],
    ['loopback http with a fingerprint', { server: 'http://127.0.0.1:8060', fingerprint: fp }, 'fingerprint', false],
    [
      'loopback http with --trust-on-first-use',
      { server: 'http://localhost:8060', trustOnFirstUse: true },
      'trust-on-first-use',
      false,
    ],
    [
      'remote http with --insecure-http and a fingerprint',
      { server: 'http://10.0.0.5', insecureHttp: true, fingerprint: fp },
      'fingerprint',
      true,
    ],
    [
      'remote http with --insecure-http and --trust-on-first-use',
      { server: 'http://10.0.0.5', insecureHttp: true, trustOnFirstUse: true },
      'trust-on-first-use',
      true,
    ],
  ])('%s → %s', (_what, over, trust, warns) => {
    const r = checkEnrollTrust({ ...base, ...over });
    expect(r.trust).toBe(trust);
    expect(r.warning !== undefined).toBe(warns);
    if (trust === 'fingerprint') expect(r.fingerprint).toBe(fp);
  });

  it.each<[string, Partial<EnrollTrustInput>, RegExp]>([
    [
      'remote http, even with a fingerprint',
      { server: 'http://patch.example.org', fingerprint: fp },
      /refusing plain http.*--insecure-http/,
    ],
    [
      'remote http with --trust-on-first-use',
      { server: 'http://192.168.1.10:8060', trustOnFirstUse: true },
      /refusing plain http/,
    ],
    [
      'loopback http without fingerprint or flag',
      { server: 'http://127.0.0.1:8060' },
      /--server-key-fingerprint SHA256:.*https:\/\/.*--trust-on-first-use/,
    ],
    ['remote http with --insecure-http alone', { server: 'http://10.0.0.5', insecureHttp: true }, /nothing vouches/],
    ['a malformed fingerprint', { fingerprint: 'SHA256:abc' }, /must look like SHA256:/],
    ['an MD5-style fingerprint', { fingerprint: 'ab:cd:ef' }, /must look like SHA256:/],
    ['a fingerprint and --trust-on-first-use', { fingerprint: fp, trustOnFirstUse: true }, /not both/],
    [
      '--ca-file with http',
      { server: 'http://127.0.0.1:8060', caFile: true, trustOnFirstUse: true },
      /--ca-file verifies an https/,
    ],
  ])('refused: %s', (_what, over, message) => {
    expect(() => checkEnrollTrust({ ...base, ...over })).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(message) }),
    );
  });
});
