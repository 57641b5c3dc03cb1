import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, signCatalog } from '../../catalog/native/signing.js';
import type { SourceRecord } from '../../store/ports.js';
import { SourceSyncer, syncErrorCode, type FeedFetchOptions } from './source-syncer.js';
import { FeedServer, MemoryStores, nativeCatalogBytes, sourceRecord } from './sync-test-support.js';

const OVAL_SAMPLE = join(import.meta.dirname, '../../../catalogs/debian-oval-bookworm-sample.xml');

let feed: FeedServer;
let agent: Agent;
let dataDir: string;
let stores: MemoryStores;
let sleeps: number[];
let syncer: SourceSyncer;

function newSyncer(fetchOptions: Partial<FeedFetchOptions> = {}): SourceSyncer {
  let clock = Date.parse('2026-11-21T10:00:00.000Z');
  let n = 0;
  return new SourceSyncer({
    sources: stores.sources,
    bulletins: stores.bulletins,
    dataDir,
    dispatcher: agent,
    now: () => new Date((clock += 1000)),
    newId: () => `sync${++n}`,
    fetchOptions: { retries: 2, timeoutMs: 5_000, sleep: async (ms) => void sleeps.push(ms), ...fetchOptions },
  });
}

beforeEach(async () => {
  feed = await new FeedServer().start();
  agent = new Agent();
  dataDir = mkdtempSync(join(tmpdir(), 'ph-sync-'));
  stores = new MemoryStores();
  sleeps = [];
  syncer = newSyncer();
});
afterEach(async () => {
  await agent.close();
  await feed.close().catch(() => undefined);
});

const V1 = [
  { id: 'PH-1', version: '1.0-1' },
  { id: 'PH-2', version: '2.0-1' },
  { id: 'PH-3', version: '3.0-1' },
];

function liveBulletins(sourceId: string): string[] {
  return [...stores.bulletinRows.values()]
    .filter((r) => r.sourceId === sourceId && r.withdrawnAt === null)
    .map((r) => r.id)
    .sort();
}

function copies(sourceId: string): string[] {
  return readdirSync(join(dataDir, 'sources', sourceId)).sort();
}

describe('SourceSyncer over HTTP', () => {
  it('imports a feed, then sends If-None-Match and gets 304 without a body', async () => {
    feed.put('/c.json', nativeCatalogBytes(V1));
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    const first = await syncer.sync(source);
    expect(first.record).toEqual({
      id: 'sync1',
      sourceId: 's1',
      startedAt: '2026-11-21T10:00:01.000Z',
      finishedAt: '2026-11-21T10:00:03.000Z',
      result: 'updated',
      message: null,
      bytes: feed.files.get('/c.json')!.body.length,
    });
    expect(first.changed).toEqual({ added: ['PH-1', 'PH-2', 'PH-3'], revised: [], withdrawn: [] });
    expect(first.catalog!.bulletins.map((b) => b.id)).toEqual(['PH-1', 'PH-2', 'PH-3']);
    expect(first.catalog!.name).toBe('source s1');
    const state = stores.syncStates.get('s1')!;
    expect(state).toEqual({
      sourceId: 's1',
      etag: feed.files.get('/c.json')!.etag,
      lastModified: 'Sat, 21 Nov 2026 09:00:00 GMT',
      goodPath: join('sources', 's1', 'copy-sync1', 'catalog'),
      goodSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      goodAt: '2026-11-21T10:00:02.000Z',
    });
    expect(readFileSync(join(dataDir, state.goodPath!))).toEqual(feed.files.get('/c.json')!.body);
    expect(liveBulletins('s1')).toEqual(['PH-1', 'PH-2', 'PH-3']);
    expect(stores.syncs).toEqual([]); // the syncer never records: the server does

    const bodyBytesBefore = feed.bodyBytesSent;
    const second = await syncer.sync(source);
    expect(second).toEqual({ record: expect.objectContaining({ result: 'not-modified', bytes: 0, message: null }) });
    expect(feed.requests.at(-1)).toEqual({
      path: '/c.json',
      ifNoneMatch: state.etag,
      ifModifiedSince: state.lastModified,
      status: 304,
      bodyBytes: 0,
    });
    expect(feed.bodyBytesSent).toBe(bodyBytesBefore);
    expect(stores.syncStates.get('s1')).toEqual(state);
    expect(copies('s1')).toEqual(['copy-sync1']);
  });

  it('gives added / revised / withdrawn, and a withdrawn bulletin that returns is added', async () => {
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    feed.put('/c.json', nativeCatalogBytes(V1));
    await syncer.sync(source);
    feed.put(
      '/c.json',
      nativeCatalogBytes([
        { id: 'PH-2', version: '2.0-2' },
        { id: 'PH-3', version: '3.0-1' },
        { id: 'PH-4', version: '4.0-1' },
      ]),
    );
    const second = await syncer.sync(source);
    expect(second.record.result).toBe('updated');
    expect(second.changed).toEqual({ added: ['PH-4'], revised: ['PH-2'], withdrawn: ['PH-1'] });
    expect(liveBulletins('s1')).toEqual(['PH-2', 'PH-3', 'PH-4']);
    expect(stores.bulletinRows.get('PH-1')!.withdrawnAt).toBe(stores.syncStates.get('s1')!.goodAt);
    expect(copies('s1')).toEqual(['copy-sync2', 'previous']);

    feed.put(
      '/c.json',
      nativeCatalogBytes([
        { id: 'PH-1', version: '1.0-1' },
        { id: 'PH-4', version: '4.0-1' },
      ]),
    );
    const third = await syncer.sync(source);
    expect(third.changed).toEqual({ added: ['PH-1'], revised: [], withdrawn: ['PH-2', 'PH-3'] });
    expect(copies('s1')).toEqual(['copy-sync3', 'previous']);
    expect(readFileSync(join(dataDir, 'sources', 's1', 'previous', 'catalog'), 'utf8')).toContain('PH-2');
  });

  it('keeps the last good copy when the feed is down, after retrying', async () => {
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    const none = await syncer.sync(source); // 404: nothing yet
    expect(none.record).toMatchObject({
      result: 'failed',
      message: `feed unreachable (GET ${feed.url('/c.json')}: HTTP 404); no good copy yet`,
    });
    expect(await syncer.loadLastGood(source)).toBeUndefined();

    feed.put('/c.json', nativeCatalogBytes(V1));
    await syncer.sync(source);
    const state = stores.syncStates.get('s1')!;
    const bulletinsBefore = structuredClone([...stores.bulletinRows.values()]);
    const url = feed.url('/c.json');
    await feed.close();
    sleeps = [];

    const down = await syncer.sync(source);
    expect(down).toEqual({ record: expect.objectContaining({ result: 'failed', bytes: 0 }) });
    expect(down.record.message).toBe(
      `feed unreachable (GET ${url}: connection refused (ECONNREFUSED) (3 attempts)); still using the last good copy from ${state.goodAt}`,
    );
    expect(sleeps).toHaveLength(2); // retries: 2 → three attempts, two waits
    expect(stores.syncStates.get('s1')).toEqual(state);
    expect([...stores.bulletinRows.values()]).toEqual(bulletinsBefore);
    expect(copies('s1')).toEqual(['copy-sync2']);

    // and after a restart, the server still has the catalog
    const restarted = newSyncer();
    const catalog = await restarted.loadLastGood(source);
    expect(catalog!.bulletins.map((b) => b.id)).toEqual(['PH-1', 'PH-2', 'PH-3']);
  });

  it('fails without swapping anything when the feed exceeds maxBytes', async () => {
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    feed.put('/c.json', nativeCatalogBytes(V1));
    syncer = newSyncer({ maxBytes: 4096 });
    await syncer.sync(source);
    const state = stores.syncStates.get('s1')!;
    feed.put(
      '/c.json',
      nativeCatalogBytes([...V1, ...Array.from({ length: 20 }, (_, i) => ({ id: `PH-1${i}`, version: '1.0-1' }))]),
    );
    for (const chunked of [false, true]) {
      feed.files.get('/c.json')!.chunked = chunked;
      const big = await syncer.sync(source);
      expect(big.record).toMatchObject({ result: 'failed', bytes: 0 });
      expect(big.record.message).toMatch(/larger than the limit of 4096 bytes\); still using the last good copy from /);
    }
    expect(stores.syncStates.get('s1')).toEqual(state);
    expect(liveBulletins('s1')).toEqual(['PH-1', 'PH-2', 'PH-3']);
    expect(copies('s1')).toEqual(['copy-sync1']);
    expect((await syncer.loadLastGood(source))!.bulletins).toHaveLength(3);
  });

  it('refuses a malformed feed and one of another format than configured, keeping the good copy', async () => {
    const source = sourceRecord('s1', feed.url('/c.json'), { format: 'native', allowUnsigned: true });
    feed.put('/c.json', nativeCatalogBytes(V1));
    await syncer.sync(source);
    const state = stores.syncStates.get('s1')!;

    feed.put('/c.json', '{"format": "patchhive.catalog/1", "name": "x", "bulletins": [ {"id": 3} ]}');
    const malformed = await syncer.sync(source);
    expect(malformed.record.result).toBe('refused');
    expect(malformed.record.message).toMatch(
      new RegExp(`^${feed.url('/c.json')} \\(\\$\\.bulletins\\[0\\]\\.id\\): .*\\[E_INPUT_MALFORMED\\]$`),
    );
    expect(malformed.record.message).not.toContain(dataDir);
    expect(syncErrorCode(malformed.record)).toBe('E_INPUT_MALFORMED');

    feed.put('/c.json', readFileSync(OVAL_SAMPLE));
    const other = await syncer.sync(source);
    expect(other.record).toMatchObject({
      result: 'refused',
      message: 'the feed is oval, but the source is configured as native [E_INPUT_UNKNOWN_FORMAT]',
    });
    expect(stores.syncStates.get('s1')).toEqual(state);
    expect(liveBulletins('s1')).toEqual(['PH-1', 'PH-2', 'PH-3']);
    expect(copies('s1')).toEqual(['copy-sync1']);
  });

  it('reports the same bytes from a feed without validators as not-modified', async () => {
    feed.put('/c.json', nativeCatalogBytes(V1), { etag: null, lastModified: null });
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    await syncer.sync(source);
    const again = await syncer.sync(source);
    expect(again.record).toMatchObject({ result: 'not-modified', bytes: feed.files.get('/c.json')!.body.length });
    expect(again.catalog).toBeUndefined();
    expect(copies('s1')).toEqual(['copy-sync1']);
  });

  it('runs one sync of a source at a time', async () => {
    feed.put('/c.json', nativeCatalogBytes(V1));
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    const [a, b] = await Promise.all([syncer.sync(source), syncer.sync(source)]);
    expect([a.record.result, b.record.result]).toEqual(['updated', 'not-modified']);
  });
});

describe('SourceSyncer with a signing key', () => {
  const pair = generateKeyPair();

  function serveSigned(path: string, bytes: Buffer, privateKeyPem = pair.privateKeyPem): void {
    feed.put(path, bytes);
    feed.put(`${path}.sig`, signCatalog(bytes, privateKeyPem));
  }

  it('accepts a signed native catalog, then refuses a tampered copy and keeps the good one', async () => {
    const good = nativeCatalogBytes(V1);
    serveSigned('/c.json', good);
    const source = sourceRecord('s1', feed.url('/c.json'), { signingKey: pair.publicKeyPem });
    const first = await syncer.sync(source);
    expect(first.record.result).toBe('updated');
    expect(first.record.bytes).toBe(good.length + feed.files.get('/c.json.sig')!.body.length);
    const state = stores.syncStates.get('s1')!;
    const bulletinsBefore = structuredClone([...stores.bulletinRows.values()]);

    const tampered = Buffer.from(good);
    const at = tampered.indexOf('2.0-1');
    tampered[at] = '3'.charCodeAt(0); // one byte: the fixed version of PH-2
    feed.put('/c.json', tampered); // the old signature stays
    const refused = await syncer.sync(source);
    expect(refused.record).toMatchObject({
      result: 'refused',
      message: `catalog ${feed.url('/c.json')}: signature does not match (tampered, or signed by another key) [E_SIGNATURE_INVALID]`,
    });
    expect(refused.catalog).toBeUndefined();
    expect(stores.syncStates.get('s1')).toEqual(state);
    expect([...stores.bulletinRows.values()]).toEqual(bulletinsBefore);
    expect(readFileSync(join(dataDir, state.goodPath!))).toEqual(good);
    const last = await syncer.loadLastGood(source);
    expect(last!.bulletins.find((b) => b.id === 'PH-2')!.fixes[0]!.package!.version).toBe('2.0-1');
  });

  it('refuses a catalog signed by another key, or with no signature, even though it would load unsigned', async () => {
    const other = generateKeyPair();
    serveSigned('/c.json', nativeCatalogBytes(V1), other.privateKeyPem);
    const source: SourceRecord = sourceRecord('s1', feed.url('/c.json'), { signingKey: pair.publicKeyPem });
    const wrongKey = await syncer.sync(source);
    expect(wrongKey.record.result).toBe('refused');
    expect(wrongKey.record.message).toMatch(
      new RegExp(`signed by key ${other.keyId}, which is not trusted .*\\[E_SIGNATURE_INVALID\\]$`),
    );

    feed.files.delete('/c.json.sig');
    const unsigned = await syncer.sync(source);
    expect(unsigned.record.result).toBe('refused');
    expect(unsigned.record.message).toBe(
      `the source requires a signature, but ${feed.url('/c.json.sig')} is not there (GET ${feed.url('/c.json.sig')}: HTTP 404) [E_SIGNATURE_MISSING]`,
    );
    expect(stores.syncStates.get('s1')).toBeUndefined();
    expect(liveBulletins('s1')).toEqual([]);
  });

  it('checks the detached signature of any format, e.g. OVAL', async () => {
    const oval = readFileSync(OVAL_SAMPLE);
    serveSigned('/oval.xml', oval);
    const source = sourceRecord('s2', feed.url('/oval.xml'), { signingKey: pair.publicKeyPem });
    const first = await syncer.sync(source);
    expect(first.record.result).toBe('updated');
    expect(first.changed!.added.length).toBe(first.catalog!.bulletins.length);

    const tampered = Buffer.from(oval);
    const at = tampered.indexOf('<title>') + '<title>'.length;
    tampered[at] = tampered[at] === 0x58 ? 0x59 : 0x58; // one letter of the first title
    feed.put('/oval.xml', tampered);
    expect((await syncer.sync(source)).record).toMatchObject({
      result: 'refused',
      message: expect.stringMatching(/signature does not match/),
    });
    // the tampered copy is a valid catalog: only the signature check stops it
    const unsigned = await syncer.sync(sourceRecord('s3', feed.url('/oval.xml')));
    expect(unsigned.record.result).toBe('updated');
  });

  it('refuses a last good copy that no longer verifies with the configured key', async () => {
    serveSigned('/c.json', nativeCatalogBytes(V1));
    const source = sourceRecord('s1', feed.url('/c.json'), { signingKey: pair.publicKeyPem });
    await syncer.sync(source);
    const rotated = { ...source, signingKey: generateKeyPair().publicKeyPem };
    await expect(syncer.loadLastGood(rotated)).rejects.toMatchObject({ code: 'E_SIGNATURE_INVALID' });
  });
});

describe('SourceSyncer and unsigned native catalogs', () => {
  it('refuses an unsigned native catalog as `patchhive scan` does, unless the source allows unsigned ones', async () => {
    feed.put('/c.json', nativeCatalogBytes(V1));
    const strict = sourceRecord('s1', feed.url('/c.json'));
    const refused = await syncer.sync(strict);
    expect(refused.record.result).toBe('refused');
    const url = feed.url('/c.json');
    expect(refused.record.message).toBe(
      `catalog ${url} is not signed (no catalog.sig beside it): sign it with "patchhive catalog sign --key KEY ${url}", or pass --allow-unsigned to load it unverified [E_SIGNATURE_MISSING]`,
    );
    expect(stores.syncStates.get('s1')).toBeUndefined();
    expect(liveBulletins('s1')).toEqual([]);

    const allowed = await syncer.sync({ ...strict, allowUnsigned: true });
    expect(allowed.record.result).toBe('updated');
    expect(liveBulletins('s1')).toEqual(['PH-1', 'PH-2', 'PH-3']);
  });

  it('leaves OVAL feeds alone: they carry no signature of their own', async () => {
    feed.put('/oval.xml', readFileSync(OVAL_SAMPLE));
    expect((await syncer.sync(sourceRecord('s1', feed.url('/oval.xml')))).record.result).toBe('updated');
  });
});

describe('SourceSyncer with local files', () => {
  it('syncs a file:// source, and a re-sync of the unchanged file is not-modified', async () => {
    const file = join(dataDir, 'feed.json');
    writeFileSync(file, nativeCatalogBytes(V1));
    const source = sourceRecord('f1', pathToFileURL(file).href, { allowUnsigned: true });
    const first = await syncer.sync(source);
    expect(first.record.result).toBe('updated');
    expect(first.changed!.added).toEqual(['PH-1', 'PH-2', 'PH-3']);
    const state = stores.syncStates.get('f1')!;
    expect(state.lastModified).toMatch(/GMT$/);

    const second = await syncer.sync(source);
    expect(second.record).toMatchObject({ result: 'not-modified', bytes: 0 });
    expect(stores.syncStates.get('f1')).toEqual(state);

    writeFileSync(file, nativeCatalogBytes(V1.slice(1)));
    const third = await syncer.sync(source);
    expect(third.changed).toEqual({ added: [], revised: [], withdrawn: ['PH-1'] });
  });

  it('fetches everything again when the good copy has vanished from disk', async () => {
    feed.put('/c.json', nativeCatalogBytes(V1));
    const source = sourceRecord('s1', feed.url('/c.json'), { allowUnsigned: true });
    await syncer.sync(source);
    const { goodPath } = stores.syncStates.get('s1')!;
    writeFileSync(join(dataDir, goodPath!), 'garbage');
    await expect(syncer.loadLastGood(source)).rejects.toMatchObject({
      code: 'E_INPUT_MALFORMED',
      message: expect.stringMatching(/altered on disk/),
    });
    const { rmSync } = await import('node:fs');
    rmSync(join(dataDir, 'sources', 's1'), { recursive: true });
    const again = await syncer.sync(source);
    expect(again.record.result).toBe('updated');
    expect(feed.requests.at(-1)).toMatchObject({ ifNoneMatch: undefined, status: 200 });
    expect((await syncer.loadLastGood(source))!.bulletins).toHaveLength(3);
  });
});

describe('syncErrorCode', () => {
  it.each([
    ['updated', null, undefined],
    ['not-modified', 'the feed sent the same content again (SHA-256 unchanged)', undefined],
    ['failed', 'feed unreachable (GET x: 503); no good copy yet', 'E_FEED_UNREACHABLE'],
    [
      'refused',
      'the feed is oval, but the source is configured as native [E_INPUT_UNKNOWN_FORMAT]',
      'E_INPUT_UNKNOWN_FORMAT',
    ],
    ['refused', 'a message without a code', undefined],
  ] as const)('%s "%s" → %s', (result, message, code) => {
    expect(syncErrorCode({ result, message })).toBe(code);
  });
});
