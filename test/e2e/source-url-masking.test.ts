/**
 * Feed URLs can carry API keys: through the API (in-process, SQLite) a viewer or operator sees
 * the query values of a source's URL masked, an admin sees the URL whole, and a sync record says
 * where the feed failed without the key, for everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer } from '../../src/server/sync/sync-test-support.js';
import type { SourceWire, SyncRecordWire } from '../../src/protocol/api.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { expectApi } from './server-test-helpers.js';

const KEY = 'k3y-0f-the-feed';

describe('source URLs by role', () => {
  let feed: FeedServer;
  let server: TestServer;
  let url: string;
  let id: string;
  const tokens: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

  beforeAll(async () => {
    feed = await new FeedServer().start();
    server = (await startTestServer({ config: { feedRetries: 0, feedTimeoutSeconds: 5 } }))!;
    tokens.viewer = await server.tokenFor('viewer');
    tokens.operator = await server.tokenFor('operator');
    url = feed.url(`/missing/oval.xml?apikey=${KEY}&release=bookworm`);
    id = (await expectApi<SourceWire>(server, 'POST', '/sources', 201, { body: { name: 'keyed', url } })).id;
  });
  afterAll(async () => {
    await server?.destroy();
    await feed?.close();
  });

  it('an admin sees the whole URL', async () => {
    expect((await expectApi<SourceWire>(server, 'GET', `/sources/${id}`, 200)).url).toBe(url);
    const list = await expectApi<{ items: SourceWire[] }>(server, 'GET', '/sources', 200);
    expect(list.items.map((s) => s.url)).toEqual([url]);
  });

  it.each(['viewer', 'operator'] as const)('a %s sees the query values masked', async (role) => {
    const masked = feed.url('/missing/oval.xml?apikey=***&release=***');
    const one = await expectApi<SourceWire>(server, 'GET', `/sources/${id}`, 200, { token: tokens[role] });
    expect(one.url).toBe(masked);
    const list = await expectApi<{ items: SourceWire[] }>(server, 'GET', '/sources', 200, { token: tokens[role] });
    expect(list.items.map((s) => s.url)).toEqual([masked]);
    expect(JSON.stringify(list)).not.toContain(KEY);
  });

  it('a failed sync names the feed without the key, in the record and in the history', async () => {
    const record = await expectApi<SyncRecordWire>(server, 'POST', `/sources/${id}/sync`, 200, {
      token: tokens.operator,
    });
    expect(record.result).toBe('failed');
    expect(record.message).toContain(feed.url('/missing/oval.xml?…'));
    expect(record.message).not.toContain(KEY);
    const history = await expectApi(server, 'GET', `/sources/${id}/syncs`, 200, { token: tokens.viewer });
    const source = await expectApi(server, 'GET', `/sources/${id}`, 200, { token: tokens.viewer });
    expect(JSON.stringify([history, source])).not.toContain(KEY);
  });
});
