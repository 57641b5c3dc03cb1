import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../config.js';
import { SecretText } from '../secret-text.js';
import { oidcRedirectUri } from './oidc-config.js';

describe('loadServerConfig: oidc', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchhive-oidc-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (json: unknown) => {
    const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(json));
    return f;
  };
  const oidc = {
    issuer: 'https://idp.example.com/realms/it',
    clientId: 'patchhive',
    clientSecretFile: '/etc/patchhive/oidc-secret',
    roleClaim: 'groups',
    roles: { 'patchhive-admins': 'admin' },
  };
  const load = (json: unknown, env: Record<string, string> = {}) =>
    loadServerConfig({ file: file(json), env, flags: {} });

  it('is off by default; defaults fill the rest; the redirect URI comes from publicUrl', () => {
    expect(loadServerConfig({ env: {}, flags: {} }).oidc).toBeUndefined();
    const cfg = load({ publicUrl: 'https://patchhive.example.com/', oidc });
    expect(cfg.oidc).toMatchObject({
      scopes: ['openid', 'profile'],
      nameClaim: 'preferred_username',
      ungrouped: 'refuse',
      loginMinutes: 10,
    });
    expect(oidcRedirectUri(cfg.oidc!, cfg.publicUrl)).toBe('https://patchhive.example.com/api/v1/auth/oidc/callback');
  });

  it('takes the client secret from the environment, wrapped so it never prints', () => {
    const { clientSecretFile: _, ...noFile } = oidc;
    const cfg = load(
      { publicUrl: 'https://p.example', oidc: noFile },
      { PATCHHIVE_OIDC_CLIENT_SECRET: 's3cret-value' },
    );
    expect(cfg.oidc!.clientSecret).toBeInstanceOf(SecretText);
    expect(cfg.oidc!.clientSecret!.reveal()).toBe('s3cret-value');
    for (const shown of [JSON.stringify(cfg), inspect(cfg, { depth: 9 }), `${String(cfg.oidc!.clientSecret)}`])
      expect(shown).not.toContain('s3cret-value');
  });

  it.each([
    [{ oidc }, /oidc\.redirectUri: set oidc\.redirectUri, or publicUrl/],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, issuer: 'http://idp.example.com' } }, /oidc\.issuer: .*https/],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, roles: {} } }, /oidc\.roles: map at least one/],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, roles: { x: 'root' } } }, /oidc\.roles\.x/],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, scopes: ['profile'] } }, /must include openid/],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, clientSecretFile: undefined } }, /client secret is missing/],
    [
      { publicUrl: 'https://p.example', oidc: { ...oidc, clientSecret: 'inline' } },
      /cannot be written in the config file/,
    ],
    [
      { oidc: { ...oidc, redirectUri: 'https://p.example/elsewhere' } },
      /must end with \/api\/v1\/auth\/oidc\/callback/,
    ],
    [{ publicUrl: 'https://p.example', oidc: { ...oidc, extra: 1 } }, /oidc/],
  ])('refuses %j with a clear message', (json, message) => {
    expect(() => load(json)).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a secret from both places, and one from the environment with no oidc section', () => {
    const env = { PATCHHIVE_OIDC_CLIENT_SECRET: 'x' };
    expect(() => load({ publicUrl: 'https://p.example', oidc }, env)).toThrow(/not both/);
    expect(() => load({}, env)).toThrow(/no oidc section/);
  });

  it('allows http:// only for a loopback issuer (a test provider)', () => {
    const cfg = load({ publicUrl: 'http://127.0.0.1:8060', oidc: { ...oidc, issuer: 'http://127.0.0.1:9000' } });
    expect(cfg.oidc!.issuer).toBe('http://127.0.0.1:9000');
  });
});
