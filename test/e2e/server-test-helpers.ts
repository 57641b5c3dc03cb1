/**
 * Helpers shared by the server end-to-end tests: an API caller (in-process inject, or real HTTP
 * when the server listens), inventories built from the recorded dpkg status files, small native
 * catalogs, and polling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { collectDpkgInventory } from '../../src/inventory/collect-dpkg.js';
import type { Inventory } from '../../src/inventory/model.js';
import { DEBIAN_12_OS_RELEASE, fakeMachine, makeRoot, removeRoots } from '../../src/inventory/test-support.js';
import { createTestPostgresDatabase } from '../../src/store/test-support.js';
import type { TestServer } from '../support/server.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const DEBIAN_FIXTURES = path.join(REPO, 'test/fixtures/debian');

/** Answer of one API call: status and parsed JSON body (or the text when it is not JSON). */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  text: string;
}

/** Calls the API of a test server: over HTTP when it listens, else with `app.inject`. */
export async function callApi<T = any>(
  server: TestServer,
  method: string,
  url: string,
  opts: { token?: string | null; body?: unknown } = {},
): Promise<ApiAnswer<T>> {
  const token = opts.token === undefined ? server.adminToken : opts.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const full =
    url.startsWith('/') && !url.startsWith('/api/') && !url.startsWith('/healthz') && !url.startsWith('/metrics')
      ? `/api/v1${url}`
      : url;
  let status: number;
  let text: string;
  if (server.url) {
    const res = await fetch(server.url + full, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    status = res.status;
    text = await res.text();
  } else {
    const res = await server.app.inject({
      method: method as 'GET',
      url: full,
      headers,
      ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
    });
    status = res.statusCode;
    text = res.body;
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status, body: body as T, text };
}

/** Like callApi, but expects the given status and returns the body. */
export async function expectApi<T = any>(
  server: TestServer,
  method: string,
  url: string,
  status: number,
  opts: { token?: string | null; body?: unknown } = {},
): Promise<T> {
  const res = await callApi<T>(server, method, url, opts);
  expect(res.status, `${method} ${url}: ${res.text}`).toBe(status);
  return res.body;
}

/**
 * An admin API caller for suites whose server starts in `beforeAll`: the server is looked up at
 * each call. A status of 300 or more throws with the answer.
 */
export function adminApi(
  server: () => TestServer,
): <T = any>(method: string, url: string, body?: unknown) => Promise<T> {
  return async (method, url, body) => {
    const res = await callApi(server(), method, url, body === undefined ? {} : { body });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.text}`);
    return res.body;
  };
}

/** Expects a refusal with this status and error code. */
export async function expectRefused(
  server: TestServer,
  method: string,
  url: string,
  status: number,
  code: string,
  opts: { token?: string | null; body?: unknown } = {},
): Promise<void> {
  const res = await callApi<{ error?: { code?: string } }>(server, method, url, opts);
  expect(res.status, `${method} ${url}: ${res.text}`).toBe(status);
  expect(res.body.error?.code).toBe(code);
}

let factsRoot: string | undefined;

/**
 * The inventory of a recorded Debian 12 machine: its dpkg status file from test/fixtures/debian,
 * with OS facts from a fixed Debian 12 root (not from the machine running the tests).
 */
export async function debianInventory(statusFile: string, machineName: string, now: Date): Promise<Inventory> {
  factsRoot ??= await makeRoot({
    'etc/os-release': DEBIAN_12_OS_RELEASE,
    'etc/debian_version': '12.8\n',
    'etc/hostname': 'unused\n',
  });
  return collectDpkgInventory({
    root: factsRoot,
    statusFile: path.join(DEBIAN_FIXTURES, statusFile),
    machineName,
    now,
    local: fakeMachine(factsRoot),
  });
}

/** Removes the OS-facts root debianInventory made (for afterAll). */
export async function removeInventoryRoots(): Promise<void> {
  factsRoot = undefined;
  await removeRoots();
}

/** One bulletin of a test catalog: fixed when binary package `pkg` is at least `fixed`. */
export interface TestBulletin {
  id: string;
  pkg: string;
  fixed: string;
  severity?: 'critical' | 'important' | 'moderate' | 'low';
  title?: string;
}

/** A native (patchhive.catalog/1) catalog with one dpkg bulletin per entry, as file bytes. */
export function nativeCatalog(name: string, bulletins: TestBulletin[]): Buffer {
  const doc = {
    format: 'patchhive.catalog/1',
    name,
    bulletins: bulletins.map((b) => ({
      id: b.id,
      title: b.title ?? `${b.pkg} update (${b.fixed})`,
      severity: b.severity ?? 'important',
      published: '2026-10-01',
      fixes: [
        {
          id: 'debian-12',
          package: { manager: 'dpkg', name: b.pkg, version: b.fixed },
          applicability: { all: [{ os: { platform: 'debian', release: '12' } }, { dpkg: { name: b.pkg } }] },
          installed: { dpkg: { name: b.pkg, version: { ge: b.fixed } } },
        },
      ],
    })),
  };
  return Buffer.from(JSON.stringify(doc, null, 2) + '\n');
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Whether the PostgreSQL tests can run here: undefined when they can, else why not (outside CI
 * only; on CI an unusable PostgreSQL is an error, see createTestPostgresDatabase).
 */
export async function whyNoPostgres(): Promise<string | undefined> {
  const db = await createTestPostgresDatabase();
  if (!db) return 'PostgreSQL is not reachable at /var/run/postgresql';
  await db.drop();
  return undefined;
}

/** A temp directory for a test's own files, with its removal. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A mutable test clock for the server's `now`. */
export class TestClock {
  constructor(private t: number) {}
  readonly now = (): Date => new Date(this.t);
  advance(ms: number): Date {
    this.t += ms;
    return new Date(this.t);
  }
}
