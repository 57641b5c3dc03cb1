import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.js';

describe('the web console is served beside the API', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'patchhive-console-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Patchhive</title><div id="root"></div>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    server = (await startTestServer({ config: { console: { enabled: true, dir } } }))!;
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the page at / and at any deep link (reload of /machines/web-01), never cached', async () => {
    for (const url of ['/', '/machines/web-01', '/bulletins/DSA-5678-1?tab=machines']) {
      const res = await server.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
      // the same security headers as the API: scripts only from the server itself, no framing
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    }
  });

  it('serves hashed assets for good, and a missing asset or API route is a 404, not the page', async () => {
    const asset = await server.app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/assets/gone.js', '/api/v1/nothing-here', '/api/v2/machines']) {
      const res = await server.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
    }
    const post = await server.app.inject({ method: 'POST', url: '/machines' });
    expect(post.statusCode).toBe(404);
  });

  it('says how to build the console when it is not built, and can be switched off', async () => {
    const unbuilt = (await startTestServer({ config: { console: { enabled: true, dir: path.join(dir, 'none') } } }))!;
    const off = (await startTestServer({ config: { console: { enabled: false, dir } } }))!;
    try {
      const res = await unbuilt.app.inject({ url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
      expect((await off.app.inject({ url: '/' })).statusCode).toBe(404);
    } finally {
      await unbuilt.destroy();
      await off.destroy();
    }
  });
});
