/**
 * Single sign-on end to end: a real OpenID provider (oidc-provider) on loopback, a real Patchhive
 * server listening on loopback, and the browser's part played by plain HTTP requests with manual
 * redirects and a cookie jar: login → provider → callback → the console. Most cases record the
 * identity a session would be started for; the last one lets the real session module start it.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcIdentity, OidcSessionStarter } from '../../src/server/http/oidc-routes.js';
import { SecretText } from '../../src/server/secret-text.js';
import { startTestOidcProvider, type TestAccount, type TestOidcProvider } from '../support/oidc-provider.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';

/** A port free now (the server takes it a moment later: the redirect URI must be known first). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A browser's cookies, enough for these two servers: by name, with their paths (ports share cookies, as in browsers). */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((p) => p.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const gone = attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value: pair!.slice(eq + 1), path });
    }
  }

  header(url: URL): string {
    return [...this.cookies]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}

const CALLBACK = '/api/v1/auth/oidc/callback';

interface Hop {
  url: string;
  status: number;
  location: string | null;
  setCookies: string[];
}

/**
 * Follows redirects by hand from `start` until an answer is not a redirect, leaves the given
 * origins, or is the callback's (where the console would load: there is no console in this test).
 */
async function browse(start: string, jar: CookieJar, origins: string[]): Promise<Hop[]> {
  const hops: Hop[] = [];
  let url = new URL(start);
  for (let i = 0; i < 15; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(res);
    const location = res.headers.get('location');
    hops.push({ url: url.href, status: res.status, location, setCookies: res.headers.getSetCookie() });
    await res.arrayBuffer();
    if (!location || res.status < 300 || res.status >= 400 || url.pathname === CALLBACK) return hops;
    const next = new URL(location, url);
    if (!origins.includes(next.origin)) return hops;
    url = next;
  }
  throw new Error('too many redirects');
}

/** The session module's stand-in: records who a session would be started for. */
function recordingSessions(): OidcSessionStarter & { started: OidcIdentity[] } {
  const started: OidcIdentity[] = [];
  return {
    started,
    async startFor(identity, _request, reply) {
      started.push(identity);
      void reply.header('set-cookie', 'test_session=started; Path=/; HttpOnly; SameSite=Strict');
    },
  };
}

const ROLE_MAP = {
  'patchhive-operators': 'operator',
  'patchhive-viewers': 'viewer',
  'patchhive-admins': 'admin',
} as const;

describe.each<TestDatabase>(['sqlite', 'postgres'])('single sign-on through OpenID Connect (%s)', (database) => {
  let provider: TestOidcProvider;
  let server: TestServer | undefined;
  let base: string;
  let webGroupId: string;
  const sessions = recordingSessions();

  const account = (sub: string, claims: Record<string, unknown>): TestAccount => ({ sub, claims });
  const signIn = async (who: TestAccount, returnTo?: string, jar = new CookieJar()) => {
    provider.signInAs(who);
    const start = `${base}/api/v1/auth/oidc/login${returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`;
    const hops = await browse(start, jar, [new URL(base).origin, new URL(provider.issuer).origin]);
    return { hops, last: hops.at(-1)!, jar };
  };
  const auditOf = async (route: string) =>
    (await server!.services.audit.list({ limit: 50 })).items.filter((e) => e.route === route);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startTestOidcProvider(`${base}/api/v1/auth/oidc/callback`);
    server = await startTestServer({
      database,
      listen: true,
      oidcSessions: sessions,
      config: {
        port,
        publicUrl: base,
        oidc: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          scopes: ['openid', 'profile', 'patchhive'],
          roleClaim: 'patchhive_role',
          roles: ROLE_MAP,
          groupsClaim: 'groups',
          buttonLabel: 'Sign in with Test IdP',
          clientSecret: new SecretText(provider.clientSecret),
        },
      },
    });
    if (!server) return;
    webGroupId = (await server.services.groups.create({ name: 'web', kind: 'static', members: [] })).id;
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
    await provider?.close();
  });

  it('tells the sign-in page which methods are on, with the button label', async (ctx) => {
    if (!server) return ctx.skip();
    const res = await fetch(`${base}/api/v1/auth/methods`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      password: true,
      token: true,
      oidc: { label: 'Sign in with Test IdP', loginUrl: '/api/v1/auth/oidc/login' },
    });
  });

  it('signs in through the provider: role and group scope from the claims, back to returnTo', async (ctx) => {
    if (!server) return ctx.skip();
    const before = sessions.started.length;
    const alice = account('sub-alice', {
      preferred_username: 'alice',
      patchhive_role: ['staff', 'patchhive-operators'],
      groups: ['web', 'no-such-group'],
    });
    const { hops, last } = await signIn(alice, '/machines?group=web');
    // login → provider → (its login interaction) → callback → the console
    expect(hops[0]!.status).toBe(302);
    expect(hops[0]!.location!.startsWith(`${provider.issuer}/auth?`)).toBe(true);
    const auth = new URL(hops[0]!.location!);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    const stateCookie = hops[0]!.setCookies.find((c) => c.startsWith('patchhive_oidc_state='))!;
    expect(stateCookie).toMatch(/HttpOnly/);
    expect(stateCookie).toMatch(/SameSite=Lax/);
    expect(stateCookie).toMatch(/Path=\/api\/v1\/auth\/oidc\/callback/);
    expect(last.url.startsWith(`${base}/api/v1/auth/oidc/callback?`)).toBe(true);
    expect([last.status, last.location]).toEqual([302, '/machines?group=web']);
    expect(last.setCookies.some((c) => c.startsWith('test_session=started'))).toBe(true);

    expect(sessions.started.length).toBe(before + 1);
    const identity = sessions.started.at(-1)!;
    expect(identity).toEqual({
      userId: expect.any(String),
      userName: 'alice',
      role: 'operator',
      scopeGroupIds: [webGroupId],
      via: 'oidc',
    });
    expect(await server.store.users.getUser(identity.userId)).toMatchObject({ name: 'alice', role: 'operator' });
    const entry = (await auditOf('/api/v1/auth/oidc/callback')).find((e) => e.userId === identity.userId)!;
    expect(entry).toMatchObject({
      actorKind: 'user',
      userName: 'alice',
      role: 'operator',
      status: 302,
      errorCode: null,
    });
    expect(JSON.stringify(entry)).not.toMatch(/code=|state=/);

    // Renamed at the provider and given another role: the same user, renamed, with the new role.
    const renamed = account('sub-alice', {
      preferred_username: 'alice.smith',
      patchhive_role: 'patchhive-viewers',
      groups: 'web',
    });
    const again = await signIn(renamed);
    expect([again.last.status, again.last.location]).toEqual([302, '/']);
    expect(sessions.started.at(-1)).toEqual({ ...identity, userName: 'alice.smith', role: 'viewer' });
  });

  it('refuses a role claim value with no mapping, and audits it', async (ctx) => {
    if (!server) return ctx.skip();
    const before = sessions.started.length;
    const { last } = await signIn(account('sub-intern', { preferred_username: 'ivan', patchhive_role: 'interns' }));
    expect([last.status, last.location]).toEqual([302, '/signin?error=E_OIDC_ROLE_UNMAPPED']);
    expect(sessions.started.length).toBe(before);
    expect(await server.store.users.getUserByName('ivan')).toBeUndefined();
    const entry = (await auditOf('/api/v1/auth/oidc/callback')).find((e) => e.errorCode === 'E_OIDC_ROLE_UNMAPPED');
    expect(entry).toMatchObject({ actorKind: 'anonymous', userName: 'ivan', status: 302 });
    expect(entry!.summary.detail).toMatch(/interns/);
  });

  it('a non-admin whose groups claim names only unknown groups sees nothing, never the whole fleet', async (ctx) => {
    if (!server) return ctx.skip();
    await signIn(account('sub-olga', { patchhive_role: 'patchhive-operators', groups: ['no-such-group'] }));
    expect(sessions.started.at(-1)).toMatchObject({ userName: 'sub-olga', role: 'operator', scopeGroupIds: [] });
    const { last } = await signIn(account('sub-nils', { patchhive_role: 'patchhive-viewers' }));
    expect(last.location).toBe('/signin?error=E_OIDC_NO_GROUPS');
    await signIn(account('sub-ada', { preferred_username: 'ada', patchhive_role: 'patchhive-admins' }));
    expect(sessions.started.at(-1)).toMatchObject({ userName: 'ada', role: 'admin', scopeGroupIds: null });
  });

  it('refuses a replayed callback (the state is used up), and a callback without the browser’s state cookie', async (ctx) => {
    if (!server) return ctx.skip();
    const who = account('sub-bob', {
      preferred_username: 'bob',
      patchhive_role: 'patchhive-operators',
      groups: ['web'],
    });
    const { last, hops } = await signIn(who);
    expect(last.location).toBe('/');
    const callback = new URL(last.url);
    const state = callback.searchParams.get('state')!;
    const before = sessions.started.length;
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `patchhive_oidc_state=${state}` } });
    expect([replay.status, replay.headers.get('location')]).toEqual([302, '/signin?error=E_OIDC_STATE_INVALID']);
    expect(sessions.started.length).toBe(before);
    expect((await auditOf('/api/v1/auth/oidc/callback')).some((e) => e.errorCode === 'E_OIDC_STATE_INVALID')).toBe(
      true,
    );
    expect(hops.length).toBeGreaterThan(2);

    // Another browser (without the state cookie) brought to a fresh callback: refused before the
    // code is used, so the browser that started the sign-in can still finish it.
    provider.signInAs(who);
    const jar = new CookieJar();
    const toCallback = (await browse(`${base}/api/v1/auth/oidc/login`, jar, [new URL(provider.issuer).origin])).at(-1)!;
    const fresh = new URL(toCallback.location!, toCallback.url);
    expect(fresh.pathname).toBe('/api/v1/auth/oidc/callback');
    const forged = await fetch(fresh, { redirect: 'manual' });
    expect(forged.headers.get('location')).toBe('/signin?error=E_OIDC_STATE_INVALID');
    const own = await fetch(fresh, { redirect: 'manual', headers: { cookie: jar.header(fresh) } });
    expect(own.headers.get('location')).toBe('/');
  });

  it('sends a refusal at the provider (error=access_denied) to the sign-in page as E_OIDC_DENIED', async (ctx) => {
    if (!server) return ctx.skip();
    const jar = new CookieJar();
    const [login] = await browse(`${base}/api/v1/auth/oidc/login`, jar, []);
    const state = new URL(login!.location!).searchParams.get('state')!;
    const callback = new URL(`${base}${CALLBACK}`);
    callback.search = new URLSearchParams({ error: 'access_denied', state, iss: provider.issuer }).toString();
    const res = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header(callback) } });
    expect(res.headers.get('location')).toBe('/signin?error=E_OIDC_DENIED');
    const entry = (await auditOf(CALLBACK)).find((e) => e.errorCode === 'E_OIDC_DENIED');
    expect(entry?.summary.detail).toMatch(/access_denied/);
  });

  it('never follows a returnTo to another origin', async (ctx) => {
    if (!server) return ctx.skip();
    const who = account('sub-carol', {
      preferred_username: 'carol',
      patchhive_role: 'patchhive-viewers',
      groups: ['web'],
    });
    for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/api/v1/tokens']) {
      const { last } = await signIn(who, evil);
      expect([evil, last.status, last.location]).toEqual([evil, 302, '/']);
    }
  });
});

describe('single sign-on when the provider cannot be reached', () => {
  let server: TestServer | undefined;

  beforeAll(async () => {
    const deadPort = await freePort();
    server = await startTestServer({
      config: {
        publicUrl: 'http://127.0.0.1:1',
        oidc: {
          issuer: `http://127.0.0.1:${deadPort}`,
          clientId: 'patchhive',
          roleClaim: 'groups',
          roles: { admins: 'admin' },
          clientSecret: new SecretText('unused'),
        },
      },
    });
  });

  afterAll(async () => server?.destroy());

  it('sends the browser to the sign-in page with E_OIDC_UNAVAILABLE, and audits it', async () => {
    const res = await server!.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
    expect([res.statusCode, res.headers.location]).toEqual([302, '/signin?error=E_OIDC_UNAVAILABLE']);
    const trail = (await server!.services.audit.list({ limit: 10 })).items;
    expect(trail[0]).toMatchObject({ route: '/api/v1/auth/oidc/login', errorCode: 'E_OIDC_UNAVAILABLE', status: 302 });
  });
});

describe('single sign-on ends in a console session', () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startTestOidcProvider(`${base}${CALLBACK}`);
    server = (await startTestServer({
      listen: true,
      config: {
        port,
        publicUrl: base,
        oidc: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          scopes: ['openid', 'profile', 'patchhive'],
          roleClaim: 'patchhive_role',
          roles: ROLE_MAP,
          groupsClaim: 'groups',
          clientSecret: new SecretText(provider.clientSecret),
        },
      },
    }))!;
    await server.services.groups.create({ name: 'web', kind: 'static', members: [] });
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
    await provider?.close();
  });

  it('the callback sets the session cookie: an operator scoped to web, signed in via oidc', async () => {
    provider.signInAs({
      sub: 'sub-bob',
      claims: { preferred_username: 'bob', patchhive_role: 'patchhive-operators', groups: ['web'] },
    });
    const jar = new CookieJar();
    const hops = await browse(`${base}/api/v1/auth/oidc/login?returnTo=%2F`, jar, [
      new URL(base).origin,
      new URL(provider.issuer).origin,
    ]);
    const last = hops.at(-1)!;
    expect([last.status, last.location]).toEqual([302, '/']);
    const cookie = last.setCookies.find((c) => c.startsWith('patchhive_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = await fetch(`${base}/api/v1/session`, {
      headers: { cookie: jar.header(new URL(`${base}/api/v1/session`)) },
    });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: 'bob', role: 'operator', groups: ['web'], via: 'oidc' });
  });
});
