import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkinResponseSchema, enrollResponseSchema } from '../protocol/agent.js';
import { createAgentClient, interpretResponse, isRevoked, oneLine } from './client.js';
import { startFakeServer, TEST_ENROLL_TOKEN, type FakeServer } from './test-server.js';

const goodCheckin = {
  acceptedInventoryHash: null,
  inventoryWanted: true,
  probes: { files: [], registry: [], textFiles: [] },
  nextCheckinSeconds: 60,
  jobs: [],
  acknowledgedJobReports: [],
};

describe('interpretResponse', () => {
  it('a valid 2xx answer is returned parsed', () => {
    expect(interpretResponse(200, JSON.stringify(goodCheckin), checkinResponseSchema, 'check-in')).toEqual({
      ok: true,
      value: goodCheckin,
    });
  });

  it.each([
    ['not JSON', 200, '<html>proxy login</html>', 'E_SERVER_ERROR', /check-in answer is not JSON/],
    [
      'a missing field',
      200,
      JSON.stringify({ ...goodCheckin, nextCheckinSeconds: undefined }),
      'E_SERVER_ERROR',
      /does not match the protocol at \$\.nextCheckinSeconds/,
    ],
    [
      'a wrong type deep inside',
      200,
      JSON.stringify({ ...goodCheckin, probes: { ...goodCheckin.probes, files: [7] } }),
      'E_SERVER_ERROR',
      /at \$\.probes\.files\[0\]/,
    ],
    [
      'a zero interval',
      200,
      JSON.stringify({ ...goodCheckin, nextCheckinSeconds: 0 }),
      'E_SERVER_ERROR',
      /\$\.nextCheckinSeconds/,
    ],
    [
      'revoked',
      401,
      JSON.stringify({ error: { code: 'E_TOKEN_REVOKED', message: 'revoked' } }),
      'E_TOKEN_REVOKED',
      /HTTP 401, E_TOKEN_REVOKED\): revoked/,
    ],
    [
      'an unknown server code',
      500,
      JSON.stringify({ error: { code: 'E_SOMETHING_NEW', message: 'x' } }),
      'E_SERVER_ERROR',
      /E_SOMETHING_NEW/,
    ],
    ['an error without the error body', 502, 'Bad Gateway', 'E_SERVER_ERROR', /answered the check-in with HTTP 502$/],
  ])('%s → %s', (_what, status, body, code, message) => {
    const r = interpretResponse(status, body, checkinResponseSchema, 'check-in');
    expect(r).toMatchObject({ ok: false, failure: { status, code, message: expect.stringMatching(message) } });
  });

  it('only a 401 with E_TOKEN_REVOKED counts as revoked', () => {
    expect(isRevoked({ status: 401, code: 'E_TOKEN_REVOKED', message: '' })).toBe(true);
    expect(isRevoked({ status: 403, code: 'E_TOKEN_REVOKED', message: '' })).toBe(false);
    expect(isRevoked({ status: 401, code: 'E_UNAUTHENTICATED', message: '' })).toBe(false);
  });

  it('server messages are made one safe line', () => {
    expect(oneLine('a\u001b[31mb\nc')).toBe('a [31mb c');
    expect(oneLine('x'.repeat(1000))).toHaveLength(301);
  });
});

describe('createAgentClient against a server on loopback', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => server.close());

  it('enrolls with the token and sends the credential only as a bearer token', async () => {
    const client = createAgentClient(server.url, { userAgent: 'patchhive-agent/test' });
    try {
      const e = await client.enroll({ token: TEST_ENROLL_TOKEN, hostname: 'web01' });
      expect(e).toMatchObject({ ok: true, value: { agentId: 'agent-1', credential: server.credential } });
      const c = await client.checkin(server.credential, { inventoryHash: '0'.repeat(64), agentVersion: 't' });
      expect(c).toMatchObject({ ok: true, value: { inventoryWanted: true } });
      expect(server.checkins.at(-1)?.authorization).toBe(`Bearer ${server.credential}`);
      const bad = await client.checkin('wrong-credential-0000', { inventoryHash: '0'.repeat(64) });
      expect(bad).toMatchObject({ ok: false, failure: { status: 401, code: 'E_UNAUTHENTICATED' } });
    } finally {
      await client.close();
    }
  });

  it("a refused token is a failure with the server's code, not an exception", async () => {
    const client = createAgentClient(server.url, { userAgent: 't' });
    const r = await client.enroll({ token: 'wrong-token-0123456789', hostname: 'web01' });
    await client.close();
    expect(r).toMatchObject({ ok: false, failure: { status: 401, code: 'E_UNAUTHENTICATED' } });
    expect(JSON.stringify(r)).not.toContain('wrong-token');
  });

  it('an answer that breaks the protocol is refused', async () => {
    server.enrollAnswer = (good) => ({ ...good, checkinIntervalSeconds: 'soon' });
    const client = createAgentClient(server.url, { userAgent: 't' });
    const r = await client.enroll({ token: TEST_ENROLL_TOKEN, hostname: 'web01' });
    await client.close();
    delete server.enrollAnswer;
    expect(r).toMatchObject({
      ok: false,
      failure: { code: 'E_SERVER_ERROR', message: expect.stringMatching(/\$\.checkinIntervalSeconds/) },
    });
    expect(enrollResponseSchema.safeParse({}).success).toBe(false);
  });
});

describe('network failures and limits', () => {
  let raw: Server;
  let url: string;
  beforeAll(async () => {
    // answers with a body larger than the client accepts, or hangs without answering
    raw = createServer((req, res) => {
      if (req.url?.endsWith('/enroll')) res.end('x'.repeat(10_000));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  });

  it('a closed port → E_SERVER_UNREACHABLE naming the origin and the socket error', async () => {
    const closed = await startFakeServer();
    await closed.close();
    const client = createAgentClient(closed.url, { userAgent: 't' });
    const r = await client.checkin('c'.repeat(32), { inventoryHash: '0'.repeat(64) });
    await client.close();
    expect(r).toMatchObject({
      ok: false,
      failure: {
        code: 'E_SERVER_UNREACHABLE',
        message: expect.stringMatching(/cannot reach the server at http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/),
      },
    });
    expect(JSON.stringify(r)).not.toContain('c'.repeat(32));
  });

  it('a body over the limit is refused', async () => {
    const client = createAgentClient(url, { userAgent: 't', maxResponseBytes: 1_000 });
    const r = await client.enroll({ token: TEST_ENROLL_TOKEN, hostname: 'h' });
    await client.close();
    expect(r).toMatchObject({
      ok: false,
      failure: { code: 'E_SERVER_ERROR', message: expect.stringMatching(/larger than 1000 bytes/) },
    });
  });

  it('a server that never answers times out', async () => {
    const client = createAgentClient(url, { userAgent: 't', responseTimeoutMs: 200 });
    const r = await client.checkin('c'.repeat(32), { inventoryHash: '0'.repeat(64) });
    await client.close();
    expect(r).toMatchObject({
      ok: false,
      failure: { code: 'E_SERVER_UNREACHABLE', message: expect.stringMatching(/HEADERS_TIMEOUT/) },
    });
  });
});

describe('through an HTTP proxy (settings passed down, never read from the environment here)', () => {
  let server: FakeServer;
  let proxy: ProxyServer;
  let proxyUrl: string;
  let proxied = 0;
  beforeAll(async () => {
    server = await startFakeServer();
    proxy = createProxy(createServer());
    proxy.on('connect', () => proxied++);
    proxy.on('request', () => proxied++);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('uses the proxy unless NO_PROXY names the server', async () => {
    const via = createAgentClient(server.url, { userAgent: 't', proxy: { httpProxy: proxyUrl } });
    expect(await via.enroll({ token: TEST_ENROLL_TOKEN, hostname: 'h' })).toMatchObject({ ok: true });
    await via.close();
    expect(proxied).toBeGreaterThan(0);
    const before = proxied;
    const direct = createAgentClient(server.url, {
      userAgent: 't',
      proxy: { httpProxy: proxyUrl, noProxy: '127.0.0.1' },
    });
    expect(await direct.enroll({ token: TEST_ENROLL_TOKEN, hostname: 'h' })).toMatchObject({ ok: true });
    await direct.close();
    expect(proxied).toBe(before);
  });
});
