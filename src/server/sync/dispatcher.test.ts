import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeProxy, feedDispatcher } from './dispatcher.js';
import { SourceSyncer } from './source-syncer.js';
import { FeedServer, MemoryStores, nativeCatalogBytes, sourceRecord, TestProxy } from './sync-test-support.js';

const CREDENTIALS = { user: 'feeduser', password: 'pr0xy-s3cret' };

let feed: FeedServer;
let proxy: TestProxy;
let dispatcher: Dispatcher | undefined;
let sleeps: number;

beforeEach(async () => {
  feed = await new FeedServer().start();
  feed.put('/c.json', nativeCatalogBytes([{ id: 'PH-1', version: '1.0-1' }]));
  sleeps = 0;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await dispatcher?.close();
  dispatcher = undefined;
  await proxy?.close().catch(() => undefined);
  await feed.close();
});

function syncerThrough(d: Dispatcher): SourceSyncer {
  dispatcher = d;
  const stores = new MemoryStores();
  let n = 0;
  return new SourceSyncer({
    sources: stores.sources,
    bulletins: stores.bulletins,
    dataDir: mkdtempSync(join(tmpdir(), 'ph-proxy-')),
    dispatcher: d,
    now: () => new Date('2026-11-21T10:00:00.000Z'),
    newId: () => `sync${++n}`,
    fetchOptions: { retries: 1, timeoutMs: 5_000, sleep: async () => void sleeps++ },
  });
}

function stubProxyEnv(httpProxy: string, noProxy: string): void {
  // undici reads the lower-case names first, as curl does; set both so the host's own
  // environment cannot interfere.
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) vi.stubEnv(name, httpProxy);
  for (const name of ['NO_PROXY', 'no_proxy']) vi.stubEnv(name, noProxy);
}

describe('feeds through a proxy', () => {
  it('syncs through a configured proxy URL with credentials, conditional requests included', async () => {
    proxy = await new TestProxy(CREDENTIALS).start();
    const syncer = syncerThrough(feedDispatcher({ url: proxy.url(CREDENTIALS) }));
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    expect((await syncer.sync(source)).record.result).toBe('updated');
    expect((await syncer.sync(source)).record).toMatchObject({ result: 'not-modified', bytes: 0 });
    expect(proxy.seen).toBeGreaterThanOrEqual(1);
    const expected = `Basic ${Buffer.from(`${CREDENTIALS.user}:${CREDENTIALS.password}`).toString('base64')}`;
    expect(proxy.authorizations.every((a) => a === expected)).toBe(true);
    expect(feed.requests.map((r) => r.status)).toEqual([200, 304]);
  });

  it('fails without retrying when the proxy refuses the credentials, never showing them', async () => {
    proxy = await new TestProxy(CREDENTIALS).start();
    const wrong = { user: CREDENTIALS.user, password: 'wrong-pw' };
    const syncer = syncerThrough(feedDispatcher({ url: proxy.url(wrong) }));
    const out = await syncer.sync(sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true }));
    expect(out.record).toMatchObject({ result: 'failed' });
    expect(out.record.message).toBe(
      `feed unreachable (GET ${feed.url('/c.json')}: proxy answered HTTP 407 to the tunnel request); no good copy yet`,
    );
    expect(out.record.message).not.toContain('wrong-pw');
    expect(sleeps).toBe(0);
    expect(feed.requests).toHaveLength(0);
  });

  it('reports a proxy that is down, retrying, without its credentials', async () => {
    proxy = await new TestProxy().start();
    const url = proxy.url(CREDENTIALS);
    await proxy.close();
    const syncer = syncerThrough(feedDispatcher({ url }));
    const out = await syncer.sync(sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true }));
    expect(out.record.result).toBe('failed');
    expect(out.record.message).toMatch(/connection refused \(ECONNREFUSED\) \(2 attempts\)\); no good copy yet$/);
    expect(out.record.message).not.toMatch(/feeduser|pr0xy-s3cret/);
    expect(sleeps).toBe(1);
  });

  it('uses HTTP_PROXY from the environment (NO_PROXY empty)', async () => {
    proxy = await new TestProxy().start();
    stubProxyEnv(proxy.url(), '');
    const syncer = syncerThrough(feedDispatcher({}));
    const out = await syncer.sync(sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true }));
    expect(out.record.result).toBe('updated');
    expect(proxy.seen).toBeGreaterThanOrEqual(1);
    expect(feed.requests).toHaveLength(1);
  });

  it('goes direct for a host listed in NO_PROXY', async () => {
    proxy = await new TestProxy().start();
    stubProxyEnv(proxy.url(), '127.0.0.1');
    const syncer = syncerThrough(feedDispatcher({}));
    expect((await syncer.sync(sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true }))).record.result).toBe(
      'updated',
    );
    expect(proxy.seen).toBe(0);
  });

  it('takes environment-style settings passed explicitly by the entry point', async () => {
    proxy = await new TestProxy().start();
    stubProxyEnv('', '127.0.0.1'); // the process environment says: no proxy
    const syncer = syncerThrough(feedDispatcher({ env: { httpProxy: proxy.url(), noProxy: '' } }));
    expect((await syncer.sync(sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true }))).record.result).toBe(
      'updated',
    );
    expect(proxy.seen).toBeGreaterThanOrEqual(1);
  });
});

describe('feedDispatcher configuration', () => {
  it.each([
    ['not a URL', 'proxy URL is not a URL (expected http://host:port)'],
    [
      'ftp://u:secret@proxy.example:2121',
      'proxy ftp://proxy.example:2121 (with credentials): only http and https proxies are supported',
    ],
  ])('refuses %s as E_CONFIG_INVALID without echoing credentials', (url, message) => {
    expect(() => feedDispatcher({ url })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID', message }));
  });

  it('describes a proxy for logs without its credentials', () => {
    expect(describeProxy('http://u:secret@proxy.example:3128')).toBe('http://proxy.example:3128 (with credentials)');
    expect(describeProxy(undefined)).toMatch(/environment/);
  });
});
