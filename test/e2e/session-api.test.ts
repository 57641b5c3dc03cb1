/**
 * Console sign-in through the real API over a real store: password and token sign-in into an
 * HttpOnly SameSite=Strict cookie session, CSRF on every change made with the cookie, idle and
 * absolute expiry on the server's (injected) clock, sign-out and sign-out everywhere, disabled
 * users, scoped token sessions, uniform and audited failures, the sign-in rate limit, and that a
 * cookie never stands in for an agent credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machine } from '../../src/store/contract/builders.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import { TestClock, whyNoPostgres } from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  body: any;
  cookie: string | undefined;
  setCookie: string | undefined;
}

/** One browser: keeps the session cookie and the CSRF token like the console does. */
class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(private readonly server: TestServer) {}

  async call(
    method: string,
    url: string,
    body?: unknown,
    opts: { csrf?: boolean; bearer?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'user-agent': 'test-browser/1.0' };
    if (this.cookie) headers.cookie = this.cookie;
    if (opts.csrf && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.server.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers,
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    const raw = res.headers['set-cookie'];
    const setCookie = Array.isArray(raw) ? raw[0] : raw;
    if (setCookie) {
      const pair = setCookie.split(';')[0]!;
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const parsed = res.body ? (JSON.parse(res.body) as { csrfToken?: string }) : undefined;
    if (parsed?.csrfToken) this.csrf = parsed.csrfToken;
    return { status: res.statusCode, body: parsed, cookie: this.cookie, setCookie };
  }

  signIn(body: Record<string, string>): Promise<Answer> {
    return this.call('POST', '/session', body);
  }
}

async function admin(server: TestServer, method: string, url: string, body?: unknown) {
  const res = await server.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

const databases: TestDatabase[] = noPostgres ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(databases)('console sessions (%s)', (database) => {
  let server: TestServer;
  const clock = new TestClock(Date.parse('2026-03-02T08:00:00Z'));

  beforeAll(async () => {
    server = (await startTestServer({
      database,
      now: clock.now,
      config: {
        sessions: { idleMinutes: 30, absoluteHours: 1, scryptLog2N: 11 },
        rateLimit: { signInFailuresPerUser: 3, signInFailuresPerAddress: 50, authFailuresPerAddress: 1000 },
      },
    }))!;
    for (const [name, groupName] of [
      ['web1', 'web'],
      ['db1', 'db'],
    ] as const) {
      await server.store.machines.create(machine({ id: `id-${name}`, name, role: groupName }));
    }
    expect((await admin(server, 'POST', '/groups', { name: 'web', kind: 'static', members: ['web1'] })).status).toBe(
      201,
    );
    const created = await admin(server, 'POST', '/users', { name: 'alice', role: 'operator', password: PASSWORD });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'alice', role: 'operator', hasPassword: true, groups: null },
    });
  }, 60_000);
  afterAll(async () => server?.destroy());

  it('password sign-in sets an HttpOnly SameSite=Strict cookie; the cookie reads; a change needs the CSRF token', async () => {
    const b = new Browser(server);
    const signIn = await b.signIn({ username: 'alice', password: PASSWORD });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ user: 'alice', role: 'operator', via: 'password', groups: null });
    expect(signIn.body.expiresAt).toBe('2026-03-02T09:00:00.000Z');
    expect(signIn.setCookie).toMatch(/^patchhive_session=[^;]+/);
    expect(signIn.setCookie).toMatch(/; HttpOnly/i);
    expect(signIn.setCookie).toMatch(/; SameSite=Strict/i);
    expect(signIn.setCookie).toMatch(/; Path=\//i);
    expect(signIn.setCookie).not.toMatch(/Secure/i); // plain HTTP here
    expect((await b.call('GET', '/machines')).status).toBe(200);
    const current = await b.call('GET', '/session');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ user: 'alice', role: 'operator' });
    const noCsrf = await b.call('POST', '/groups', { name: 'ops-a', kind: 'static', members: [] });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('E_CSRF');
    b.csrf = 'forged';
    expect(
      (await b.call('POST', '/groups', { name: 'ops-a', kind: 'static', members: [] }, { csrf: true })).status,
    ).toBe(403);
    b.csrf = current.body.csrfToken;
    expect(
      (await b.call('POST', '/groups', { name: 'ops-a', kind: 'static', members: [] }, { csrf: true })).status,
    ).toBe(201);
    // the role check applies unchanged: an operator session cannot manage users
    expect((await b.call('GET', '/users')).status).toBe(403);
    // a tampered cookie is no session
    const forged = new Browser(server);
    forged.cookie = `${b.cookie!.slice(0, -4)}AAAA`;
    expect((await forged.call('GET', '/machines')).status).toBe(401);
  });

  it('a Bearer request needs no CSRF token, and a cookie never authenticates an agent route', async () => {
    expect((await admin(server, 'POST', '/groups', { name: 'ops-b', kind: 'static', members: [] })).status).toBe(201);
    const b = new Browser(server);
    await b.signIn({ username: 'alice', password: PASSWORD });
    const checkin = await b.call('POST', '/agent/checkin', { inventoryHash: 'x' }, { csrf: true });
    expect(checkin.status).toBe(401);
  });

  it('idle expiry: 30 minutes without a request end the session; requests keep it alive', async () => {
    const b = new Browser(server);
    const signIn = await b.signIn({ username: 'alice', password: PASSWORD });
    expect(signIn.body.idleExpiresAt).toBe(new Date(clock.now().getTime() + 30 * 60_000).toISOString());
    clock.advance(20 * 60_000);
    expect((await b.call('GET', '/machines')).status).toBe(200);
    clock.advance(20 * 60_000);
    expect((await b.call('GET', '/machines')).status).toBe(200);
    clock.advance(31 * 60_000);
    const late = await b.call('GET', '/machines');
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe('E_UNAUTHENTICATED');
  });

  it('absolute expiry: activity does not extend a session past its absolute end', async () => {
    const b = new Browser(server);
    await b.signIn({ username: 'alice', password: PASSWORD });
    for (let i = 0; i < 3; i++) {
      clock.advance(19 * 60_000);
      expect((await b.call('GET', '/machines')).status).toBe(200);
    }
    clock.advance(4 * 60_000);
    expect((await b.call('GET', '/machines')).status).toBe(401);
  });

  it('sign-out ends one session; sign-out everywhere ends them all', async () => {
    const [one, two, three] = [new Browser(server), new Browser(server), new Browser(server)];
    for (const b of [one, two, three])
      expect((await b.signIn({ username: 'alice', password: PASSWORD })).status).toBe(200);
    expect((await one.call('DELETE', '/session', undefined, { csrf: true })).status).toBe(200);
    expect(one.cookie).toBeUndefined();
    expect((await three.call('GET', '/machines')).status).toBe(200);
    const everywhere = await two.call('POST', '/session/sign-out-everywhere', undefined, { csrf: true });
    expect(everywhere.status).toBe(200);
    expect(everywhere.body.sessionsRevoked).toBeGreaterThanOrEqual(2);
    const kept = three.cookie;
    expect((await three.call('GET', '/machines')).status).toBe(401);
    // the old cookie stays useless even when replayed
    const replay = new Browser(server);
    replay.cookie = kept;
    expect((await replay.call('GET', '/session')).status).toBe(401);
  });

  it('wrong password and unknown user get the same answer, and both are in the audit trail without the password', async () => {
    const wrong = await new Browser(server).signIn({ username: 'alice', password: 'not the password at all' });
    const unknown = await new Browser(server).signIn({ username: 'nobody-here', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.setCookie).toBeUndefined();
    const audit = await admin(server, 'GET', '/audit?limit=200');
    expect(audit.status).toBe(200);
    const signIns = (audit.body.items as any[]).filter((e) => e.route === '/api/v1/session' && e.method === 'POST');
    expect(signIns.filter((e) => e.status === 401).length).toBeGreaterThanOrEqual(2);
    expect(signIns.some((e) => e.status === 200 && e.userName === 'alice')).toBe(true);
    expect(JSON.stringify(audit.body)).not.toContain('not the password at all');
    expect(JSON.stringify(audit.body)).not.toContain(PASSWORD);
    const signOuts = (audit.body.items as any[]).filter((e) => e.route === '/api/v1/session' && e.method === 'DELETE');
    expect(signOuts.some((e) => e.status === 200 && e.userName === 'alice')).toBe(true);
  });

  it('a disabled user is refused: its sessions, its sign-in and its API tokens stop working', async () => {
    await admin(server, 'POST', '/users', { name: 'bob', role: 'viewer', password: PASSWORD });
    const token = (await admin(server, 'POST', '/tokens', { name: 'bob-cli', user: 'bob', role: 'viewer' })).body
      .secret;
    const b = new Browser(server);
    expect((await b.signIn({ username: 'bob', password: PASSWORD })).status).toBe(200);
    const disabled = await admin(server, 'PATCH', '/users/bob', { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).not.toBeNull();
    expect((await b.call('GET', '/machines')).status).toBe(401);
    const again = await new Browser(server).signIn({ username: 'bob', password: PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.error.message).toBe('wrong user name or password');
    expect((await new Browser(server).call('GET', '/machines', undefined, { bearer: token })).status).toBe(401);
    expect((await new Browser(server).signIn({ token })).status).toBe(401);
  });

  it("token sign-in: the session has the token's role and scope (a web-scoped operator sees web machines only)", async () => {
    const token = (
      await admin(server, 'POST', '/tokens', { name: 'web-ops', user: 'carol', role: 'operator', groups: ['web'] })
    ).body.secret as string;
    const b = new Browser(server);
    const signIn = await b.signIn({ token });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ user: 'carol', role: 'operator', groups: ['web'], via: 'token' });
    const machines = await b.call('GET', '/machines');
    expect(machines.status).toBe(200);
    expect((machines.body.items as { name: string }[]).map((m) => m.name)).toEqual(['web1']);
    expect((await b.call('GET', '/machines/db1')).status).toBe(404);
    // the token's revocation ends the session
    const id = (await admin(server, 'GET', '/tokens')).body.items.find(
      (t: { name: string }) => t.name === 'web-ops',
    ).id;
    expect((await admin(server, 'DELETE', `/tokens/${id}`)).status).toBe(200);
    expect((await b.call('GET', '/machines')).status).toBe(401);
  });

  it('users: admins list, change role and scope, reset passwords (sessions end); a user changes its own', async () => {
    const b = new Browser(server);
    await b.signIn({ username: 'alice', password: PASSWORD });
    const list = await admin(server, 'GET', '/users');
    expect(list.status).toBe(200);
    expect((list.body.items as { name: string }[]).map((u) => u.name)).toContain('alice');
    const scoped = await admin(server, 'PATCH', '/users/alice', { role: 'viewer', groups: ['web'] });
    expect(scoped).toMatchObject({ status: 200, body: { role: 'viewer', groups: ['web'] } });
    expect((await b.call('GET', '/machines')).status).toBe(401); // role changed: sessions ended
    expect((await admin(server, 'PATCH', '/users/alice', { role: 'admin' })).status).toBe(400); // scoped admin
    await b.signIn({ username: 'alice', password: PASSWORD });
    expect((await b.call('GET', '/machines')).body.items.map((m: { name: string }) => m.name)).toEqual(['web1']);
    const reset = await admin(server, 'POST', '/users/alice/password', {});
    expect(reset.status).toBe(200);
    expect(reset.body.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await b.call('GET', '/machines')).status).toBe(401);
    expect((await b.signIn({ username: 'alice', password: PASSWORD })).status).toBe(401);
    expect((await b.signIn({ username: 'alice', password: reset.body.password })).status).toBe(200);
    const weak = await b.call(
      'POST',
      '/me/password',
      { currentPassword: reset.body.password, newPassword: 'alice' },
      { csrf: true },
    );
    expect(weak.status).toBe(400);
    const changed = await b.call(
      'POST',
      '/me/password',
      { currentPassword: reset.body.password, newPassword: PASSWORD },
      { csrf: true },
    );
    expect(changed.status).toBe(200);
    expect((await b.call('GET', '/machines')).status).toBe(200); // the session it was changed from stays
    expect((await admin(server, 'POST', '/users/alice/password', { password: 'alice' })).status).toBe(400);
    expect((await admin(server, 'PATCH', '/users/alice', { role: 'operator', groups: null })).status).toBe(200);
  });

  it('the Nth failed sign-in of a user name is refused 429, and then even the right password waits', async () => {
    await admin(server, 'POST', '/users', { name: 'dave', role: 'viewer', password: PASSWORD });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await new Browser(server).signIn({ username: 'dave', password: `wrong password ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const right = await new Browser(server).signIn({ username: 'dave', password: PASSWORD });
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('E_RATE_LIMITED');
    // another user name is not affected
    expect((await new Browser(server).signIn({ username: 'alice', password: PASSWORD })).status).toBe(200);
  });
});
