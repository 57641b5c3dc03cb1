/**
 * The API client against real HTTP servers on loopback (Fastify, a raw socket that never answers,
 * an HTTP proxy): parsing, error mapping, unreachable servers, timeouts, proxies.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createProxy } from 'proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import { listOf } from '../../protocol/api.js';
import { ApiClient } from './api-client.js';
import { api } from './api-routes.js';
import { freePort } from './test-support.js';
import type { ClientConfig } from './config.js';

const TOKEN = 'phk_test_0123456789abcdef';
const NO_PROXY = { httpProxy: '', httpsProxy: '', noProxy: '' };
const item = z.object({ id: z.string(), name: z.string() });

let app: FastifyInstance;
let server: string;
const seen: { auth?: string; url?: string }[] = [];

beforeAll(async () => {
  app = Fastify();
  app.addHook('onRequest', async (req) => {
    seen.push({ auth: req.headers.authorization, url: req.url });
  });
  app.get('/api/v1/things', async () => ({ items: [{ id: '1', name: 'one' }], total: 1 }));
  app.get('/api/v1/things/:id', async (req, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'E_MACHINE_NOT_FOUND', message: `no machine "${(req.params as { id: string }).id}"` } }),
  );
  app.get('/api/v1/forbidden', async (_req, reply) =>
    reply.code(403).send({ error: { code: 'E_FORBIDDEN', message: 'role viewer may not do this' } }),
  );
  app.get('/api/v1/unknown-code', async (_req, reply) =>
    reply.code(418).send({ error: { code: 'E_TEAPOT', message: 'short and stout' } }),
  );
  app.get('/api/v1/evil', async (_req, reply) =>
    reply.code(400).send({ error: { code: 'E_BAD_REQUEST', message: 'bad\n\u001b[2Jthing', path: '$.members[0]' } }),
  );
  app.get('/api/v1/html-error', async (_req, reply) =>
    reply.code(502).type('text/html').send('<html>Bad gateway</html>'),
  );
  app.get('/api/v1/html-ok', async (_req, reply) => reply.type('text/html').send('<html>login page</html>'));
  app.get('/api/v1/wrong-shape', async () => ({ items: [{ id: 1 }], total: 1 }));
  app.get('/api/v1/redirect', async (_req, reply) => reply.redirect('http://elsewhere.invalid/api/v1/things'));
  app.get('/api/v1/unauthenticated', async (_req, reply) =>
    reply.code(401).send({ error: { code: 'E_UNAUTHENTICATED', message: 'no valid token' } }),
  );
  app.delete('/api/v1/things/:id', async () => ({ ok: true }));
  app.post('/api/v1/echo', async (req) => ({ id: 'x', name: JSON.stringify(req.body) }));
  server = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
});

/** The fake server's paths are not routes of the API, so these tests use the client without its route types. */
interface UntypedClient {
  get<S extends z.ZodType>(
    path: string,
    schema: S,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<z.infer<S>>;
  post<S extends z.ZodType>(path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  delete(path: string): Promise<unknown>;
  getRaw(path: string): Promise<{ contentType: string; body: Buffer }>;
  close(): Promise<void>;
}
const client = (over: Partial<ClientConfig> = {}) =>
  new ApiClient({ server, token: TOKEN, timeout: 10, proxy: NO_PROXY, ...over }) as unknown as UntypedClient;

async function rejection(p: Promise<unknown>): Promise<PatchhiveError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PatchhiveError) return err;
    throw err;
  }
  throw new Error('expected a PatchhiveError');
}

describe('successful requests', () => {
  it('GETs a list with the token as Bearer and the query parameters, parsed with the schema', async () => {
    const c = client();
    const page = await c.get('/things', listOf(item), { q: 'a b&c', limit: 5, skip: undefined });
    await c.close();
    expect(page).toEqual({ items: [{ id: '1', name: 'one' }], total: 1 });
    const last = seen.at(-1)!;
    expect(last.auth).toBe(`Bearer ${TOKEN}`);
    expect(last.url).toBe('/api/v1/things?q=a+b%26c&limit=5');
  });

  it('POSTs JSON and DELETEs', async () => {
    const c = client();
    expect(await c.post('/echo', item, { a: 1 })).toEqual({ id: 'x', name: '{"a":1}' });
    expect(await c.delete('/things/1')).toEqual({ ok: true });
    await c.close();
  });

  it('keeps the path prefix of a server behind a reverse proxy', async () => {
    const c = client({ server: `${server}/prefix` });
    const err = await rejection(c.get('/things', listOf(item)));
    await c.close();
    expect(seen.at(-1)!.url).toBe('/prefix/api/v1/things');
    expect(err.code).toBe('E_SERVER_ERROR'); // Fastify's own 404 body is not an error body
  });
});

describe('errors from the server', () => {
  it.each<{ path: string; code: string; says: RegExp }>([
    { path: '/forbidden', code: 'E_FORBIDDEN', says: /^role viewer may not do this$/ },
    { path: '/things/web-09', code: 'E_MACHINE_NOT_FOUND', says: /^no machine "web-09"$/ },
    { path: '/unauthenticated', code: 'E_UNAUTHENTICATED', says: /no valid token \(check --token-file/ },
    { path: '/unknown-code', code: 'E_SERVER_ERROR', says: /HTTP 418 E_TEAPOT: short and stout/ },
    { path: '/html-error', code: 'E_SERVER_ERROR', says: /HTTP 502 without an error body/ },
    { path: '/html-ok', code: 'E_SERVER_ERROR', says: /answered text\/html.*not JSON/ },
    {
      path: '/wrong-shape',
      code: 'E_SERVER_ERROR',
      says: /unexpected answer to GET \/api\/v1\/wrong-shape at \$\.items\[0\]\.id/,
    },
    { path: '/redirect', code: 'E_SERVER_ERROR', says: /HTTP 302 \(redirects are not followed/ },
  ])('$path → $code', async ({ path, code, says }) => {
    const c = client();
    const err = await rejection(c.get(path, listOf(item)));
    await c.close();
    expect(err.code).toBe(code);
    expect(err.message).toMatch(says);
    expect(err.toOneLine()).not.toContain(TOKEN);
  });

  it('flattens control characters in server messages and keeps the JSON path', async () => {
    const c = client();
    const err = await rejection(c.get('/evil', item));
    await c.close();
    expect(err.code).toBe('E_BAD_REQUEST');
    expect(err.toOneLine()).toBe('$.members[0]: bad [2Jthing [E_BAD_REQUEST]');
  });
});

describe('failures to reach the server', () => {
  it('connection refused → E_SERVER_UNREACHABLE naming the origin, not the token', async () => {
    const port = await freePort();
    const c = client({ server: `http://127.0.0.1:${port}` });
    const err = await rejection(c.get('/things', listOf(item)));
    await c.close();
    expect(err.code).toBe('E_SERVER_UNREACHABLE');
    expect(err.message).toBe(`cannot reach the Patchhive server at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a server that accepts but never answers → E_SERVER_UNREACHABLE after the timeout', async () => {
    const silent = net.createServer(() => undefined); // accepts, never writes
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = client({ server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeout: 1 });
    const err = await rejection(c.get('/things', listOf(item)));
    await c.close();
    silent.close();
    expect(err.code).toBe('E_SERVER_UNREACHABLE');
    expect(err.message).toMatch(/no answer within 1 s/);
  });
});

describe('proxies', () => {
  let proxyServer: http.Server;
  let proxyUrl: string;
  let proxied = 0;
  beforeAll(async () => {
    proxyServer = createProxy(http.createServer());
    // undici tunnels through the proxy with CONNECT, also for http:// targets
    proxyServer.on('request', () => proxied++);
    proxyServer.on('connect', () => proxied++);
    await new Promise<void>((r) => proxyServer.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => proxyServer.close(() => r())));

  it('goes through HTTP_PROXY', async () => {
    const before = proxied;
    const c = client({ proxy: { httpProxy: proxyUrl, httpsProxy: '', noProxy: '' } });
    expect((await c.get('/things', listOf(item))).total).toBe(1);
    await c.close();
    expect(proxied).toBe(before + 1);
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const before = proxied;
    const c = client({ proxy: { httpProxy: proxyUrl, httpsProxy: '', noProxy: '127.0.0.1' } });
    expect((await c.get('/things', listOf(item))).total).toBe(1);
    await c.close();
    expect(proxied).toBe(before);
  });

  it('a proxy that cannot be reached → E_SERVER_UNREACHABLE without the proxy URL', async () => {
    const port = await freePort();
    const c = client({ proxy: { httpProxy: `http://user:pw@127.0.0.1:${port}`, httpsProxy: '', noProxy: '' } });
    const err = await rejection(c.get('/things', listOf(item)));
    await c.close();
    expect(err.code).toBe('E_SERVER_UNREACHABLE');
    expect(err.message).not.toContain('pw');
  });
});

describe('api (a route with its parameters filled in)', () => {
  it('encodes each parameter so a name cannot change the route', () => {
    expect(api('/machines/{id}/history', 'a/b?c#d')).toBe('/machines/a%2Fb%3Fc%23d/history');
    expect(api('/groups')).toBe('/groups');
  });
  it.each(['', '.', '..'])('refuses %j as a name', (name) => {
    expect(() => api('/machines/{id}', name)).toThrow(/not a valid name or id/);
  });
});
