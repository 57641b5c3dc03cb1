import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { JOB_FORMAT, type JobBody } from '../../protocol/jobs.js';
import { artifactFileName, createArtifactFetcher, fetchJobArtifacts } from './artifacts.js';

const GOOD = Buffer.from('a signed installer\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Server;
let base: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/good') return res.end(GOOD);
    if (req.url === '/endless') {
      res.write(Buffer.alloc(64 * 1024, 1));
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, 1)), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/redirect') return res.writeHead(302, { location: '/good' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await removeRoots();
});

const job = (url: string, size = GOOD.length): JobBody => ({
  format: JOB_FORMAT,
  agentId: 'agent-1',
  jobId: 'job-1',
  sequence: 1,
  issuedAt: '2026-05-01T09:00:00Z',
  expiresAt: '2026-05-02T09:00:00Z',
  deploymentId: null,
  steps: [{ kind: 'install', manager: 'wusa', artifactId: 'kb1', args: ['/quiet'], timeoutSeconds: 60 }],
  artifacts: [{ id: 'kb1', url, size, sha256: sha(GOOD) }],
  reboot: 'never',
});

describe('fetchJobArtifacts over real HTTP', () => {
  const fetcher = createArtifactFetcher({
    userAgent: 'patchhive-agent/test',
    serverAuth: { origin: 'http://192.0.2.1:8443', credential: 's3cret-credential-value' },
  });
  afterAll(() => fetcher.close());

  it('stores a good artifact 0600 under its installer name; no credential to another origin', async () => {
    const dir = await makeRoot({});
    const r = await fetchJobArtifacts(job(`${base}/good`), dir, fetcher.fetch);
    expect(r.ok).toBe(true);
    const file = path.join(dir, 'artifacts/job-1/kb1.msu');
    expect(r.ok && r.files.get('kb1')).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(artifactFileName(job(''), 'kb1')).toBe('kb1.msu');
    expect(seen.at(-1)!.authorization).toBeUndefined();
  });

  it.each([
    ['/endless', 'size-mismatch'],
    ['/missing', 'download-failed'],
    ['/redirect', 'download-failed'],
  ])('%s → %s, nothing left on disk', async (route, reason) => {
    const dir = await makeRoot({});
    const r = await fetchJobArtifacts(job(`${base}${route}`), dir, fetcher.fetch);
    expect(r).toMatchObject({ ok: false, reason });
    expect(existsSync(path.join(dir, 'artifacts/job-1'))).toBe(false);
  });

  it('the credential goes only to the server origin', async () => {
    const own = createArtifactFetcher({
      userAgent: 'patchhive-agent/test',
      serverAuth: { origin: base, credential: 's3cret-credential-value' },
    });
    const dir = await makeRoot({});
    expect((await fetchJobArtifacts(job(`${base}/good`), dir, own.fetch)).ok).toBe(true);
    expect(seen.at(-1)!.authorization).toBe('Bearer s3cret-credential-value');
    await own.close();
  });
});
