/**
 * Abuse limits, security headers and no-store answers, in process (`app.inject` with a chosen
 * source address) over a real SQLite store.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { tokenPrefixOf } from './abuse-limits.js';

const ATTACKER = '198.51.100.7';
const fakeToken = (id: string) => `phk_${id}_${'A'.repeat(43)}`;
const ID = '11111111-2222-3333-4444-555555555555';

async function get(server: TestServer, url: string, bearer: string | undefined, remoteAddress: string) {
  return server.app.inject({
    method: 'GET',
    url,
    remoteAddress,
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
}

describe('abuse limits', () => {
  let server: TestServer;
  let enrollSecret: string;
  beforeAll(async () => {
    server = (await startTestServer({
      config: {
        rateLimit: {
          authFailuresPerAddress: 20,
          authFailuresPerToken: 10,
          enrollmentsPerToken: 5,
          enrollmentsPerAddress: 8,
          windowSeconds: 60,
        },
      },
    }))!;
    enrollSecret = (await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 100 }, 'test'))
      .secret;
  });
  afterAll(async () => server?.destroy());

  it('1,000 bad credentials from one address get 429s with Retry-After while a valid token keeps working', async () => {
    const statuses = new Map<number, number>();
    let validOk = 0;
    for (let i = 0; i < 1000; i++) {
      const bad = await get(server, '/api/v1/me', i % 2 ? fakeToken(crypto.randomUUID()) : 'nonsense', ATTACKER);
      statuses.set(bad.statusCode, (statuses.get(bad.statusCode) ?? 0) + 1);
      if (i >= 20) {
        expect(bad.statusCode).toBe(429);
        expect(Number(bad.headers['retry-after'])).toBeGreaterThan(0);
        expect(bad.headers['x-ratelimit-remaining']).toBe('0');
        expect(bad.json().error.code).toBe('E_RATE_LIMITED');
      }
      if (i % 50 === 0) {
        const good = await get(server, '/api/v1/me', server.adminToken, ATTACKER);
        expect(good.statusCode).toBe(200);
        validOk++;
      }
    }
    expect(statuses.get(401)).toBe(20);
    expect(statuses.get(429)).toBe(980);
    expect(validOk).toBe(20);
    // another address is not affected
    expect((await get(server, '/api/v1/me', 'nonsense', '198.51.100.8')).statusCode).toBe(401);
  });

  it('counts failures per token id across addresses; the right secret of that id still works', async () => {
    const real = await server.services.tokens.createApiToken(
      { name: 'target', user: 'target', role: 'viewer' },
      'test',
    );
    const wrongSecret = `phk_${real.id}_${'B'.repeat(43)}`;
    const codes: number[] = [];
    for (let i = 0; i < 15; i++)
      codes.push((await get(server, '/api/v1/me', wrongSecret, `203.0.113.${i + 1}`)).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10).every((c) => c === 429)).toBe(true);
    expect((await get(server, '/api/v1/me', real.secret, '203.0.113.200')).statusCode).toBe(200);
  });

  it('limits enrollment attempts per enrollment token', async () => {
    const enroll = (token: string, i: number, remoteAddress: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/agent/enroll',
        remoteAddress,
        payload: { token, hostname: `host-${i}` },
      });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await enroll(enrollSecret, i, `192.0.2.${i + 1}`)).statusCode);
    expect(codes).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const refused = await enroll(enrollSecret, 9, '192.0.2.50');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json().error.code).toBe('E_RATE_LIMITED');
  });

  it('limits enrollment attempts per address, whatever the token', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const token = `phe_${crypto.randomUUID()}_${'C'.repeat(43)}`;
      codes.push(
        (
          await server.app.inject({
            method: 'POST',
            url: '/api/v1/agent/enroll',
            remoteAddress: '192.0.2.99',
            payload: { token, hostname: 'x' },
          })
        ).statusCode,
      );
    }
    expect(codes.slice(0, 8).every((c) => c === 401)).toBe(true);
    expect(codes.slice(8)).toEqual([429, 429]);
  });

  it('sends security headers, and no-store on answers that carry a secret', async () => {
    const me = await get(server, '/api/v1/me', server.adminToken, '127.0.0.1');
    expect(me.headers['content-security-policy']).toContain("default-src 'self'");
    expect(me.headers['x-content-type-options']).toBe('nosniff');
    expect(me.headers['x-frame-options']).toBeDefined();
    expect(me.headers['cache-control']).toBeUndefined();
    const auth = { authorization: `Bearer ${server.adminToken}` };
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'n', user: 'u', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const enrollment = await server.app.inject({
      method: 'POST',
      url: '/api/v1/enrollment-tokens',
      headers: auth,
      payload: { expiresInHours: 1, maxUses: 1 },
    });
    expect(enrollment.statusCode).toBe(201);
    expect(enrollment.headers['cache-control']).toBe('no-store');
    const enrolled = await server.app.inject({
      method: 'POST',
      url: '/api/v1/agent/enroll',
      payload: { token: enrollment.json().secret, hostname: 'h' },
    });
    expect(enrolled.statusCode).toBe(201);
    expect(enrolled.headers['cache-control']).toBe('no-store');
  });

  it('takes only the kind and id of a bearer secret as its prefix', () => {
    expect(tokenPrefixOf(fakeToken(ID))).toBe(`phk_${ID}`);
    expect(tokenPrefixOf(`pha_${ID}_x`)).toBe(`pha_${ID}`);
    expect(tokenPrefixOf('Bearer')).toBeUndefined();
    expect(tokenPrefixOf(undefined)).toBeUndefined();
  });
});

describe('refused requests are logged once', () => {
  it('one line per refusal, with its code and without the credential', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
    });
    const server = (await startTestServer({ logger: pino({ level: 'info' }, sink) }))!;
    try {
      const bad = fakeToken(ID);
      await get(server, '/api/v1/me', bad, '127.0.0.1');
      await get(server, '/api/v1/no-such-route', server.adminToken, '127.0.0.1');
      const refusals = lines.filter((l) => typeof l.status === 'number');
      expect(refusals.map((l) => [l.status, l.code, l.msg])).toEqual([
        [401, 'E_UNAUTHENTICATED', 'request refused'],
        [404, 'E_NOT_FOUND', 'request refused'],
      ]);
      expect(JSON.stringify(lines)).not.toContain(bad);
      expect(JSON.stringify(lines)).not.toContain(server.adminToken);
    } finally {
      await server.destroy();
    }
  });
});
