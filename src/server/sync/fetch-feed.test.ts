import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { FeedUnreachableError } from './feed-errors.js';
import { feedLabel, signatureUrlOf } from './feed-url.js';
import { backoffDelayMs } from '../../common/backoff.js';
import { FEED_BACKOFF, fetchFeed, type FetchFeedRequest } from './fetch-feed.js';
import { FeedServer } from './sync-test-support.js';

const BODY = Buffer.from('{"format": "patchhive.catalog/1", "name": "x", "bulletins": []}\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let feed: FeedServer;
let agent: Agent;
let dir: string;
let sleeps: number[];

beforeEach(async () => {
  feed = await new FeedServer().start();
  agent = new Agent();
  dir = mkdtempSync(join(tmpdir(), 'ph-fetch-'));
  sleeps = [];
});
afterEach(async () => {
  await agent.close();
  await feed.close();
});

function req(patch: Partial<FetchFeedRequest> = {}): FetchFeedRequest {
  return {
    url: patch.url ?? feed.url('/feed.json'),
    destPath: join(dir, 'out'),
    maxBytes: 1 << 20,
    timeoutMs: 5_000,
    retries: 2,
    dispatcher: agent,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...patch,
  };
}

async function rejection(p: Promise<unknown>): Promise<FeedUnreachableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FeedUnreachableError)) throw new Error(`expected a FeedUnreachableError, got ${String(err)}`);
  expect(err.code).toBe('E_FEED_UNREACHABLE');
  return err;
}

describe('fetchFeed over HTTP', () => {
  it('streams the body to the file with its hash and validators, then gets 304 with them', async () => {
    feed.put('/feed.json', BODY);
    const first = await fetchFeed(req());
    expect(first).toEqual({
      status: 'fetched',
      bytes: BODY.length,
      sha256: sha(BODY),
      etag: feed.files.get('/feed.json')!.etag,
      lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT',
    });
    expect(readFileSync(join(dir, 'out'))).toEqual(BODY);
    if (first.status !== 'fetched') throw new Error('unreachable');
    const second = await fetchFeed(
      req({ etag: first.etag, lastModified: first.lastModified, destPath: join(dir, 'out2') }),
    );
    expect(second).toEqual({ status: 'not-modified' });
    expect(existsSync(join(dir, 'out2'))).toBe(false);
    expect(feed.requests[1]).toMatchObject({
      ifNoneMatch: first.etag,
      ifModifiedSince: first.lastModified,
      status: 304,
      bodyBytes: 0,
    });
  });

  it('uses If-Modified-Since alone when the feed has no ETag', async () => {
    feed.put('/feed.json', BODY, { etag: null });
    const first = await fetchFeed(req());
    expect(first).toMatchObject({ status: 'fetched', etag: null });
    expect(await fetchFeed(req({ lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT' }))).toEqual({ status: 'not-modified' });
  });

  it('retries 5xx and 429 with growing delays, then succeeds', async () => {
    feed.put('/feed.json', BODY);
    feed.failNext.push(503, 429);
    const r = await fetchFeed(req());
    expect(r.status).toBe('fetched');
    expect(feed.requests.map((x) => x.status)).toEqual([503, 429, 200]);
    const equal = { kind: 'equal' } as const;
    expect(sleeps).toEqual([
      backoffDelayMs(1, () => 0.5, FEED_BACKOFF, equal),
      backoffDelayMs(2, () => 0.5, FEED_BACKOFF, equal),
    ]);
    expect(sleeps).toEqual([375, 750]);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
  });

  it('gives up after the configured retries, saying how often it tried', async () => {
    feed.failNext.push(500, 502, 503, 504);
    const err = await rejection(fetchFeed(req({ retries: 2 })));
    expect(err.message).toBe(`GET ${feed.url('/feed.json')}: HTTP 503 (3 attempts)`);
    expect(err.attempts).toBe(3);
    expect(err.httpStatus).toBe(503);
    expect(feed.requests).toHaveLength(3);
  });

  it('does not retry other 4xx', async () => {
    const err = await rejection(fetchFeed(req({ url: feed.url('/missing.json') })));
    expect(err.message).toBe(`GET ${feed.url('/missing.json')}: HTTP 404`);
    expect(err.httpStatus).toBe(404);
    expect(feed.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it.each([
    ['with Content-Length', false, /body of 64 bytes is larger than the limit of 40 bytes/],
    ['chunked', true, /body is larger than the limit of 40 bytes/],
  ])('refuses a body over maxBytes (%s) without retrying and leaves no file', async (_label, chunked, message) => {
    feed.put('/feed.json', BODY, { chunked });
    const err = await rejection(fetchFeed(req({ maxBytes: 40 })));
    expect(err.message).toMatch(message);
    expect(feed.requests).toHaveLength(1);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('times out on a feed that never answers, and retries', async () => {
    feed.hang.add('/feed.json');
    const err = await rejection(fetchFeed(req({ timeoutMs: 200, retries: 1 })));
    expect(err.message).toMatch(/no response in time \(UND_ERR_HEADERS_TIMEOUT\) \(2 attempts\)$/);
    expect(feed.requests).toHaveLength(2);
  });

  it('reports a refused connection after retrying, never showing credentials from the URL', async () => {
    const port = feed.port;
    await feed.close();
    const url = `http://alice:s3cret@127.0.0.1:${port}/feed.json?token=t0ken`;
    const err = await rejection(fetchFeed(req({ url, retries: 3 })));
    expect(err.attempts).toBe(4);
    expect(sleeps).toHaveLength(3);
    expect(err.message).toBe(
      `GET http://127.0.0.1:${port}/feed.json?…: connection refused (ECONNREFUSED) (4 attempts)`,
    );
    expect(err.message).not.toMatch(/alice|s3cret|t0ken/);
    feed = await new FeedServer().start(); // for afterEach
  });

  it('refuses an unsupported scheme', async () => {
    const err = await fetchFeed(req({ url: 'ftp://example.org/x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchhiveError);
    expect((err as PatchhiveError).code).toBe('E_FEED_UNREACHABLE');
  });
});

describe('fetchFeed of local files', () => {
  it.each([
    ['file:// URL', (p: string) => pathToFileURL(p).href],
    ['absolute path', (p: string) => p],
  ])('copies a %s and reports it unchanged until it changes', async (_label, toUrl) => {
    const file = join(dir, 'local.json');
    writeFileSync(file, BODY);
    utimesSync(file, new Date('2026-11-21T09:00:00.250Z'), new Date('2026-11-21T09:00:00.250Z'));
    const first = await fetchFeed(req({ url: toUrl(file) }));
    expect(first).toMatchObject({
      status: 'fetched',
      bytes: BODY.length,
      sha256: sha(BODY),
      lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT',
    });
    if (first.status !== 'fetched') throw new Error('unreachable');
    expect(readFileSync(join(dir, 'out'))).toEqual(BODY);
    const validators = { etag: first.etag, lastModified: first.lastModified };
    expect(await fetchFeed(req({ url: toUrl(file), ...validators, destPath: join(dir, 'o2') }))).toEqual({
      status: 'not-modified',
    });
    // rewritten within the same second: the HTTP date is equal, the etag is not
    writeFileSync(file, Buffer.concat([BODY, Buffer.from(' ')]));
    utimesSync(file, new Date('2026-11-21T09:00:00.750Z'), new Date('2026-11-21T09:00:00.750Z'));
    expect(await fetchFeed(req({ url: toUrl(file), ...validators, destPath: join(dir, 'o3') }))).toMatchObject({
      status: 'fetched',
      bytes: BODY.length + 1,
    });
  });

  it('reports a missing file and one over maxBytes', async () => {
    const missing = await rejection(fetchFeed(req({ url: join(dir, 'nope.json') })));
    expect(missing.message).toBe(`file ${join(dir, 'nope.json')}: ENOENT`);
    writeFileSync(join(dir, 'big.json'), BODY);
    expect((await rejection(fetchFeed(req({ url: join(dir, 'big.json'), maxBytes: 10 })))).message).toMatch(
      /larger than the limit of 10 bytes/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('feed URLs', () => {
  it.each([
    ['https://user:pw@feeds.example.org:8443/a/b.json?key=k#frag', 'https://feeds.example.org:8443/a/b.json?…'],
    ['http://feeds.example.org/a.xml', 'http://feeds.example.org/a.xml'],
    ['/srv/feeds/a.json', '/srv/feeds/a.json'],
    ['file:///srv/feeds/a.json', '/srv/feeds/a.json'],
  ])('labels %s as %s', (url, label) => {
    expect(feedLabel(url)).toBe(label);
  });

  it('puts the signature beside the catalog, before the query', () => {
    expect(signatureUrlOf('https://h.example/c.json?x=1')).toBe('https://h.example/c.json.sig?x=1');
    expect(signatureUrlOf('/srv/c.json')).toBe('/srv/c.json.sig');
    expect(signatureUrlOf('file:///srv/c.json')).toBe('file:///srv/c.json.sig');
  });
});
