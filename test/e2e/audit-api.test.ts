/**
 * The audit trail through the API, on SQLite and PostgreSQL: a walk over the route table sends one
 * request to every mutating route and finds exactly one new entry with the right actor, route and
 * result; refused credentials and roles are recorded on any route, reads and hash-only check-ins
 * are not; no secret reaches an entry; GET /audit is for admins, filters, and its chain verifies;
 * an entry that cannot be written turns the answer into 503 E_AUDIT_FAILED.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { apiRoutes } from '../../src/server/http/routes.js';
import type { RouteDef } from '../../src/server/http/route.js';
import { auditChainPageSchema, auditPageSchema, verifyAuditChain, type AuditEntry } from '../../src/protocol/audit.js';
import { startTestServer, type TestServer } from '../support/server.js';

const OBJECT = 'no-such-object';

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`audit trail through the API: ${database}`, () => {
    let server: TestServer | undefined;
    let tokens: { viewer: string; operator: string; admin: string; agent: string };
    let agentId: string;

    beforeAll(async () => {
      server = await startTestServer({ database });
      if (!server) return console.warn(`SKIPPED: audit API on ${database}: no local PostgreSQL cluster`);
      const enrollment = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 5 }, 'test');
      const enrolled = await server.services.agents.enroll({ token: enrollment.secret, hostname: 'audited-host' });
      agentId = enrolled.agentId;
      tokens = {
        viewer: await server.tokenFor('viewer'),
        operator: await server.tokenFor('operator'),
        admin: server.adminToken,
        agent: enrolled.credential,
      };
    });
    afterAll(async () => server?.destroy());

    const s = () => server!;
    async function head(): Promise<number> {
      return (await s().store.audit.list({ limit: 1 }))[0]?.seq ?? 0;
    }
    async function since(seq: number): Promise<AuditEntry[]> {
      return s().store.audit.range(seq, 100);
    }
    function call(
      method: string,
      url: string,
      token: string | undefined,
      body?: unknown,
    ): Promise<LightMyRequestResponse> {
      return s().app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    }

    it('records one entry per mutating request with the caller as actor (a walk over the route table)', async (t) => {
      if (!server) return t.skip();
      const mutating = apiRoutes(s().services, () => new Date()).filter((r) => r.method !== 'GET');
      expect(mutating.length).toBeGreaterThan(25);
      for (const r of mutating) {
        const token = tokenFor(r);
        const before = await head();
        const res = await call(r.method, '/api/v1' + r.url.replace(/:id/g, OBJECT), token, r.body ? {} : undefined);
        const added = await since(before);
        const where = `${r.method} ${r.url} → ${res.statusCode}`;
        expect(added, where).toHaveLength(1);
        const e = added[0]!;
        expect(e, where).toMatchObject({
          method: r.method,
          route: '/api/v1' + r.url,
          status: res.statusCode,
          sourceIp: '127.0.0.1',
        });
        expect(e.errorCode, where).toBe(
          res.statusCode >= 400 ? res.json<{ error: { code: string } }>().error.code : null,
        );
        if (r.url.includes(':id')) expect(e.objectIds, where).toContain(OBJECT);
        if (r.access === 'agent') expect(e, where).toMatchObject({ actorKind: 'agent', agentId });
        else if (r.access === 'public') expect(e, where).toMatchObject({ actorKind: 'anonymous', userName: null });
        else
          expect(e, where).toMatchObject({
            actorKind: 'user',
            userName: r.access === 'admin' ? 'admin' : expect.stringMatching(new RegExp(`^${r.access}-user-`)),
            role: r.access,
          });
      }
    });

    function tokenFor(r: RouteDef): string | undefined {
      if (r.access === 'public') return undefined;
      if (r.access === 'agent') return tokens.agent;
      return r.access === 'admin' ? tokens.admin : r.access === 'viewer' ? tokens.viewer : tokens.operator;
    }

    it('records refused credentials and roles on any route, not reads or hash-only check-ins', async (t) => {
      if (!server) return t.skip();
      const before = await head();
      expect((await call('GET', '/api/v1/machines', tokens.viewer)).statusCode).toBe(200);
      const hashOnly = await call('POST', '/api/v1/agent/checkin', tokens.agent, { inventoryHash: 'a'.repeat(64) });
      expect(hashOnly.statusCode).toBe(200);
      expect(await since(before)).toEqual([]);

      const forged = `phk_${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}_${'x'.repeat(43)}`;
      expect((await call('GET', '/api/v1/machines', forged)).statusCode).toBe(401);
      expect((await call('GET', '/api/v1/tokens', tokens.viewer)).statusCode).toBe(403);
      expect(
        (await call('POST', '/api/v1/agent/checkin', 'pha_nonsense', { inventoryHash: 'a'.repeat(64) })).statusCode,
      ).toBe(401);
      const [bad, low, agentRefused] = await since(before);
      expect(bad).toMatchObject({
        actorKind: 'anonymous',
        tokenId: forged.slice(4, 40),
        status: 401,
        errorCode: 'E_UNAUTHENTICATED',
        method: 'GET',
      });
      expect(low).toMatchObject({
        actorKind: 'user',
        role: 'viewer',
        status: 403,
        errorCode: 'E_FORBIDDEN',
        route: '/api/v1/tokens',
      });
      expect(agentRefused).toMatchObject({ actorKind: 'anonymous', status: 401, route: '/api/v1/agent/checkin' });
    });

    it('records enrollment and creation with the created ids, never a secret', async (t) => {
      if (!server) return t.skip();
      const before = await head();
      const created = await call('POST', '/api/v1/tokens', tokens.admin, { name: 'ci', user: 'robot', role: 'viewer' });
      expect(created.statusCode).toBe(201);
      const { id, secret } = created.json<{ id: string; secret: string }>();
      const enrollment = await call('POST', '/api/v1/enrollment-tokens', tokens.admin, { maxUses: 1, note: 'rack 4' });
      const enrollSecret = enrollment.json<{ secret: string }>().secret;
      const enrolled = await call('POST', '/api/v1/agent/enroll', undefined, {
        token: enrollSecret,
        hostname: 'new-host',
      });
      expect(enrolled.statusCode).toBe(201);
      const source = await call('POST', '/api/v1/sources', tokens.admin, {
        name: 'private',
        url: 'https://user:pw@feeds.example.org/oval.xml?key=abc#x',
        format: 'oval',
      });
      const added = await since(before);
      expect(added.map((e) => e.status)).toEqual([201, 201, 201, source.statusCode]);
      expect(added[0]).toMatchObject({ objectIds: [id], summary: { name: 'ci', user: 'robot', role: 'viewer' } });
      expect(added[2]).toMatchObject({
        actorKind: 'anonymous',
        tokenId: enrollment.json<{ id: string }>().id,
        summary: { token: '[redacted]', hostname: 'new-host' },
      });
      expect(added[2]!.objectIds).toContain(enrolled.json<{ agentId: string }>().agentId);
      expect(added[3]!.summary.url).toBe('https://feeds.example.org/oval.xml');
      const text = JSON.stringify(added);
      for (const leaked of [secret, enrollSecret, enrolled.json<{ credential: string }>().credential, 'pw@', 'key=abc'])
        expect(text).not.toContain(leaked);
    });

    it('serves the trail to admins only, filtered and page by page, and its chain verifies', async (t) => {
      if (!server) return t.skip();
      expect((await call('GET', '/api/v1/audit', tokens.operator)).statusCode).toBe(403);
      expect((await call('GET', '/api/v1/audit?limit=0', tokens.admin)).statusCode).toBe(400);
      expect((await call('GET', '/api/v1/audit?color=red', tokens.admin)).statusCode).toBe(400);
      const byObject = auditPageSchema.parse(
        (await call('GET', `/api/v1/audit?object=${OBJECT}&limit=3`, tokens.admin)).json(),
      );
      expect(byObject.items).toHaveLength(3);
      expect(byObject.items.every((e) => e.objectIds.includes(OBJECT))).toBe(true);
      expect(byObject.items[0]!.seq).toBeGreaterThan(byObject.items[2]!.seq);
      const older = auditPageSchema.parse(
        (
          await call('GET', `/api/v1/audit?object=${OBJECT}&limit=3&before=${byObject.nextBefore}`, tokens.admin)
        ).json(),
      );
      expect(older.items[0]!.seq).toBeLessThan(byObject.items[2]!.seq);
      const byActor = auditPageSchema.parse(
        (await call('GET', '/api/v1/audit?actor=robot&limit=5', tokens.admin)).json(),
      );
      expect(byActor.items).toEqual([]);
      const byAgent = auditPageSchema.parse((await call('GET', `/api/v1/audit?actor=${agentId}`, tokens.admin)).json());
      expect(byAgent.items.length).toBeGreaterThan(0);

      const all: AuditEntry[] = [];
      let after = 0;
      for (;;) {
        const page = auditChainPageSchema.parse(
          (await call('GET', `/api/v1/audit/chain?after=${after}&limit=7`, tokens.admin)).json(),
        );
        all.push(...page.items);
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      expect(verifyAuditChain(all, true)).toMatchObject({ ok: true, count: await head() });
    });

    it('answers 503 E_AUDIT_FAILED when the entry cannot be written', async (t) => {
      if (!server) return t.skip();
      const spy = vi.spyOn(s().services.audit, 'record').mockRejectedValueOnce(new Error('disk full'));
      try {
        const res = await call('POST', '/api/v1/enrollment-tokens', tokens.admin, { maxUses: 1 });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({ error: { code: 'E_AUDIT_FAILED' } });
        expect(res.body).not.toContain('phe_');
      } finally {
        spy.mockRestore();
      }
    });
  });
}

describe('audit trail switched off', () => {
  it('records nothing', async () => {
    const server = (await startTestServer({ config: { audit: { enabled: false } } }))!;
    try {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: { authorization: `Bearer ${server.adminToken}` },
        payload: { name: 'g', kind: 'static' },
      });
      expect(res.statusCode).toBe(201);
      expect(await server.store.audit.list({ limit: 10 })).toEqual([]);
    } finally {
      await server.destroy();
    }
  });
});
