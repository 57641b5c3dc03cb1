/**
 * Walks every API route with bad requests — no credential, a wrong one, a revoked or expired one,
 * a role too low, malformed JSON, wrong types, an oversized or non-JSON body, unknown objects —
 * and checks each gets a 4xx with a stable error code, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { apiRoutes } from '../../src/server/http/routes.js';
import { roleAllows } from '../../src/server/auth/roles.js';
import type { RouteDef } from '../../src/server/http/route.js';
import { startTestServer, type TestServer } from '../support/server.js';

let clock = new Date('2026-11-21T10:00:00Z');
let server: TestServer;
let tokens: { viewer: string; operator: string; admin: string; revoked: string; expired: string };
let routes: RouteDef[];

beforeAll(async () => {
  // This walk measures the answers to bad credentials, not the limits on them: budgets it cannot reach.
  const unreachable = {
    authFailuresPerAddress: 10_000_000,
    authFailuresPerToken: 10_000_000,
    enrollmentsPerToken: 10_000_000,
    enrollmentsPerAddress: 10_000_000,
  };
  server = (await startTestServer({
    now: () => clock,
    config: { bodyLimitBytes: 64 * 1024, rateLimit: unreachable },
  }))!;
  const revoked = await server.services.tokens.createApiToken({ name: 'r', user: 'rev', role: 'admin' }, 'test');
  await server.services.tokens.revokeApiToken(revoked.id);
  const expired = await server.services.tokens.createApiToken(
    { name: 'e', user: 'exp', role: 'admin', expiresInDays: 1 },
    'test',
  );
  tokens = {
    viewer: await server.tokenFor('viewer'),
    operator: await server.tokenFor('operator'),
    admin: server.adminToken,
    revoked: revoked.secret,
    expired: expired.secret,
  };
  clock = new Date(clock.getTime() + 2 * 86_400_000); // the "expired" token is now past its date
  routes = apiRoutes(server.services, () => clock);
});
afterAll(async () => server?.destroy());

function urlOf(r: RouteDef): string {
  return '/api/v1' + r.url.replace(/:id/g, 'no-such-object');
}

async function call(
  r: RouteDef,
  opts: { token?: string; body?: string; contentType?: string; url?: string },
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  return server.app.inject({
    method: r.method,
    url: opts.url ?? urlOf(r),
    headers,
    ...(opts.body !== undefined ? { payload: opts.body } : {}),
  });
}

function expectRefused(res: LightMyRequestResponse, status: number | number[], code?: string | RegExp): void {
  const statuses = Array.isArray(status) ? status : [status];
  const body = res.json<{ error?: { code?: string; message?: string } }>();
  expect(statuses, `${res.statusCode} ${res.body}`).toContain(res.statusCode);
  expect(body.error?.code).toMatch(/^E_[A-Z_]+$/);
  expect(body.error?.message).toBeTruthy();
  if (code) expect(body.error?.code).toMatch(code);
}

const protectedRoutes = () => routes.filter((r) => r.access !== 'public');
const userRoutes = () => routes.filter((r) => r.access !== 'public' && r.access !== 'agent');
const bodyRoutes = () => routes.filter((r) => r.body);

describe('every route refuses bad requests with a 4xx and a stable code', () => {
  it('covers every route of the API', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
  });

  it('no credential → 401 E_UNAUTHENTICATED', async () => {
    for (const r of protectedRoutes()) expectRefused(await call(r, {}), 401, 'E_UNAUTHENTICATED');
  });

  it('a malformed or unknown credential → 401', async () => {
    for (const r of protectedRoutes()) {
      expectRefused(await call(r, { token: 'not-a-token' }), 401, 'E_UNAUTHENTICATED');
      const fake =
        r.access === 'agent'
          ? `pha_00000000-0000-4000-8000-000000000000_${'A'.repeat(43)}`
          : `phk_00000000-0000-4000-8000-000000000000_${'A'.repeat(43)}`;
      expectRefused(await call(r, { token: fake }), 401, 'E_UNAUTHENTICATED');
    }
  });

  it('an API token on an agent route, and an unknown agent → 401', async () => {
    for (const r of routes.filter((x) => x.access === 'agent')) {
      expectRefused(await call(r, { token: tokens.admin, body: '{}' }), 401, 'E_UNAUTHENTICATED');
    }
  });

  it('revoked and expired tokens → 401 with their own codes', async () => {
    for (const r of userRoutes()) {
      expectRefused(await call(r, { token: tokens.revoked }), 401, 'E_TOKEN_REVOKED');
      expectRefused(await call(r, { token: tokens.expired }), 401, 'E_TOKEN_EXPIRED');
    }
  });

  it('a role too low → 403 E_FORBIDDEN (viewer on operator/admin routes, operator on admin routes)', async () => {
    let checked = 0;
    for (const r of userRoutes()) {
      for (const role of ['viewer', 'operator'] as const) {
        if (roleAllows(role, r.access as 'viewer')) continue;
        expectRefused(await call(r, { token: tokens[role], body: r.body ? '{}' : undefined }), 403, 'E_FORBIDDEN');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('malformed JSON, wrong types, a non-JSON body, an oversized body → 400/415/413', async () => {
    for (const r of bodyRoutes()) {
      const token = r.access === 'public' ? undefined : r.access === 'agent' ? undefined : tokens.admin;
      if (r.access === 'agent') continue; // needs an agent; covered below
      expectRefused(await call(r, { token, body: '{"truncated": ' }), 400, 'E_BAD_REQUEST');
      expectRefused(await call(r, { token, body: '[1,2,3]' }), 400, /E_BAD_REQUEST/);
      expectRefused(
        await call(r, { token, body: '{"name": 42, "url": false, "token": 7, "inventory": "x", "kind": "nope"}' }),
        [400, 404],
        /E_BAD_REQUEST|_NOT_FOUND/,
      );
      expectRefused(
        await call(r, { token, body: 'name=x', contentType: 'application/x-www-form-urlencoded' }),
        415,
        'E_UNSUPPORTED_MEDIA_TYPE',
      );
      expectRefused(
        await call(r, { token, body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) }),
        413,
        'E_PAYLOAD_TOO_LARGE',
      );
    }
  });

  it("unknown objects → 404 with the object's code", async () => {
    for (const r of userRoutes().filter((x) => x.url.includes(':id'))) {
      const body = r.body ? (r.method === 'PATCH' ? '{}' : '{}') : undefined;
      expectRefused(await call(r, { token: tokens.admin, body }), 404, /_NOT_FOUND$/);
    }
  });

  it('bad query parameters → 400', async () => {
    for (const r of userRoutes().filter((x) => x.method === 'GET' && x.query)) {
      const url = urlOf(r) + '?limit=abc&offset=-1&severity=nope&from=yesterday';
      expectRefused(await call(r, { token: tokens.admin, url }), [400, 404], /E_BAD_REQUEST|_NOT_FOUND$/);
    }
  });

  it('unknown routes → 404 E_NOT_FOUND', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expectRefused(res, 404, 'E_NOT_FOUND');
  });
});

describe('the agent routes', () => {
  it('refuse a bad enrollment token, and bad check-in bodies of an enrolled agent', async () => {
    const enroll = routes.find((r) => r.url === '/agent/enroll')!;
    expectRefused(
      await call(enroll, { body: JSON.stringify({ token: 'phe_x_' + 'a'.repeat(20), hostname: 'h' }) }),
      401,
      'E_UNAUTHENTICATED',
    );
    const created = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'test');
    const ok = await call(enroll, { body: JSON.stringify({ token: created.secret, hostname: 'walk-1' }) });
    expect(ok.statusCode).toBe(201);
    expectRefused(
      await call(enroll, { body: JSON.stringify({ token: created.secret, hostname: 'walk-2' }) }),
      401,
      'E_ENROLLMENT_EXHAUSTED',
    );
    const credential = ok.json<{ credential: string }>().credential;
    const imported = routes.find((r) => r.url === '/machines/import')!;
    const inventory = {
      schema: 'patchhive.inventory/1',
      machine: { name: 'walk-1' },
      collectedAt: '2026-11-21T00:00:00Z',
      os: { family: 'unix', platform: 'debian' },
    };
    expectRefused(
      await call(imported, { token: tokens.admin, body: JSON.stringify({ inventory }) }),
      409,
      'E_CONFLICT',
    );
    const checkin = routes.find((r) => r.url === '/agent/checkin')!;
    expectRefused(await call(checkin, { token: credential, body: '{"inventoryHash": ' }), 400, 'E_BAD_REQUEST');
    expectRefused(await call(checkin, { token: credential, body: '{"inventoryHash": "zz"}' }), 400, 'E_BAD_REQUEST');
    expectRefused(
      await call(checkin, {
        token: credential,
        body: JSON.stringify({ inventoryHash: 'a'.repeat(64), inventory: { schema: 'nope' } }),
      }),
      400,
      'E_BAD_REQUEST',
    );
    expectRefused(
      await call(checkin, { token: credential, body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) }),
      413,
      'E_PAYLOAD_TOO_LARGE',
    );
    const good = await call(checkin, { token: credential, body: JSON.stringify({ inventoryHash: 'a'.repeat(64) }) });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ inventoryWanted: true, acceptedInventoryHash: null });
    const agentId = credential.split('_')[1]!;
    await server.services.agents.revoke(agentId);
    expectRefused(
      await call(checkin, { token: credential, body: JSON.stringify({ inventoryHash: 'a'.repeat(64) }) }),
      401,
      'E_TOKEN_REVOKED',
    );
  });
});
