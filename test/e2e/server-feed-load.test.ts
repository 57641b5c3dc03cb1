/**
 * A large feed does not stall the server: `patchhive serve` (a real child process, SQLite) syncs
 * a generated OVAL feed of tens of megabytes while the test asks /healthz every 20 ms. Every
 * probe must be answered, and none may wait long: parsing and converting the feed runs in a
 * worker thread, its result comes back in batches, and the bulletins are written in batches.
 * The measured latencies are printed for the record.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLargeOval } from '../support/large-oval.js';
import { startServe, type ServeProcess } from './serve-process.js';

/**
 * About 10 KB each: ~30 MB of OVAL. The bytes load the parser (in the worker); the number of
 * bulletins loads the store's write and the re-assessment, which stay on the event loop.
 */
const DEFINITIONS = 3_000;
const TEXT_KB = 9;
const PROBE_EVERY_MS = 20;
/**
 * Generous for a loaded 2-core machine: measured there (load average 25-30) max 0.8-0.95 s, p99
 * 135-193 ms; converting this feed on the event loop instead blocks it for seconds. The slowest probe
 * waits for the bulletins' write (one SQLite transaction), which grows with their number.
 */
const MAX_PROBE_MS = 2_000;
const P99_PROBE_MS = 500;

describe('patchhive serve syncing a large OVAL feed', () => {
  const http = new Agent({ headersTimeout: 300_000, bodyTimeout: 300_000 });
  let dir: string | undefined;
  let server: ServeProcess | undefined;

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await http.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('answers /healthz throughout the sync', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'patchhive-feed-load-'));
    const feedFile = path.join(dir, 'large-oval.xml');
    const bytes = await writeLargeOval(feedFile, DEFINITIONS, TEXT_KB);
    const dataDir = path.join(dir, 'data');
    server = await startServe(['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn']);
    const token = readFileSync(path.join(dataDir, 'initial-admin-token'), 'utf8').trim();
    const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server!.url}/api/v1${url}`, {
        method,
        dispatcher: http,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as T;
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const source = await api<{ id: string }>('POST', '/sources', { name: 'large-oval', url: feedFile, format: 'oval' });

    let syncing = true;
    const started = Date.now();
    const sync = api<{ result: string; message: string | null }>('POST', `/sources/${source.id}/sync`).finally(
      () => (syncing = false),
    );
    const latencies: number[] = [];
    const failures: string[] = [];
    while (syncing) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${server.url}/healthz`, { dispatcher: http, signal: AbortSignal.timeout(30_000) });
        await res.body?.cancel();
        if (res.status !== 200) failures.push(`HTTP ${res.status}`);
      } catch (err) {
        failures.push(String((err as Error).message));
      }
      const ms = performance.now() - t0;
      latencies.push(ms);
      if (ms < PROBE_EVERY_MS) await new Promise((r) => setTimeout(r, PROBE_EVERY_MS - ms));
    }
    const record = await sync;
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
    console.log(
      `sync of ${(bytes / 1e6).toFixed(1)} MB (${DEFINITIONS} definitions) took ${Date.now() - started} ms; ` +
        `${latencies.length} /healthz probes: median ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    expect(record).toMatchObject({ result: 'updated', message: null });
    expect(failures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(10);
    expect(pct(99)).toBeLessThan(P99_PROBE_MS);
    expect(sorted.at(-1)!).toBeLessThan(MAX_PROBE_MS);
    const after = await api<{ bulletins: number }>('GET', `/sources/${source.id}`);
    expect(after.bulletins).toBe(DEFINITIONS);
  }, 300_000);
});
