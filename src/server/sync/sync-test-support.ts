/**
 * Test support for feed syncing: a real HTTP feed server on loopback (ETag, Last-Modified, 304,
 * counters), a real HTTP proxy (the `proxy` package) with counters, small native catalogs, and
 * an in-memory implementation of just the SourceStore and BulletinStore ports.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy } from 'proxy';
import type {
  BulletinRecord,
  BulletinStore,
  SourceRecord,
  SourceStore,
  SourceSyncState,
  SyncRecord,
} from '../../store/ports.js';

export interface FeedFile {
  body: Buffer;
  etag?: string | null;
  lastModified?: string | null;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
}

export interface FeedRequestLog {
  path: string;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  status: number;
  bodyBytes: number;
}

/** A feed server on 127.0.0.1 that answers 304 to matching conditional requests and counts. */
export class FeedServer {
  readonly files = new Map<string, FeedFile>();
  readonly requests: FeedRequestLog[] = [];
  /** Statuses to answer (once each, in order) before serving normally. */
  readonly failNext: number[] = [];
  /** Paths that never answer (to exercise timeouts). */
  readonly hang = new Set<string>();
  bodyBytesSent = 0;
  private puts = 0;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Serves `body` at `path` with a content ETag and a new Last-Modified unless given. */
  put(path: string, body: Buffer | string, extra: Omit<FeedFile, 'body'> = {}): void {
    const bytes = Buffer.from(body);
    const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"`;
    // each new body is one second newer, starting at Sat, 21 Nov 2026 09:00:00 GMT
    const lastModified = new Date(Date.UTC(2026, 10, 21, 9, 0, this.puts++)).toUTCString();
    this.files.set(path, { body: bytes, etag, lastModified, ...extra });
  }

  requestsFor(path: string): FeedRequestLog[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const log: FeedRequestLog = {
      path,
      ifNoneMatch: req.headers['if-none-match'],
      ifModifiedSince: req.headers['if-modified-since'],
      status: 0,
      bodyBytes: 0,
    };
    this.requests.push(log);
    if (this.hang.has(path)) return;
    const forced = this.failNext.shift();
    const file = this.files.get(path);
    if (forced !== undefined || !file) {
      log.status = forced ?? 404;
      res.writeHead(log.status, { 'content-type': 'text/plain' }).end('no\n');
      return;
    }
    const validators: Record<string, string> = {};
    if (file.etag) validators.etag = file.etag;
    if (file.lastModified) validators['last-modified'] = file.lastModified;
    const notModified =
      log.ifNoneMatch !== undefined
        ? log.ifNoneMatch === file.etag
        : log.ifModifiedSince !== undefined && log.ifModifiedSince === file.lastModified;
    if (notModified) {
      log.status = 304;
      res.writeHead(304, validators).end();
      return;
    }
    log.status = 200;
    log.bodyBytes = file.body.length;
    this.bodyBytesSent += file.body.length;
    const length: Record<string, string> = file.chunked ? {} : { 'content-length': String(file.body.length) };
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...validators, ...length });
    if (file.chunked) {
      const half = Math.floor(file.body.length / 2);
      res.write(file.body.subarray(0, half));
      res.end(file.body.subarray(half));
    } else {
      res.end(file.body);
    }
  }
}

/** A real forwarding proxy on 127.0.0.1, counting CONNECT tunnels and plain proxied requests. */
export class TestProxy {
  connects = 0;
  requests = 0;
  /** Proxy-Authorization headers seen (to check credentials were sent, never logged). */
  readonly authorizations: (string | undefined)[] = [];
  private readonly server = createProxy(createServer());

  constructor(credentials?: { user: string; password: string }) {
    this.server.on('connect', (req: IncomingMessage) => {
      this.connects++;
      this.authorizations.push(req.headers['proxy-authorization']);
    });
    this.server.on('request', (req: IncomingMessage) => {
      this.requests++;
      this.authorizations.push(req.headers['proxy-authorization']);
    });
    if (credentials) {
      const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
      this.server.authenticate = (req) => req.headers['proxy-authorization'] === expected;
    }
  }

  get seen(): number {
    return this.connects + this.requests;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(credentials?: { user: string; password: string }): string {
    const port = (this.server.address() as AddressInfo).port;
    const auth = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
      : '';
    return `http://${auth}127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A small native catalog: one dpkg bulletin per entry, fixed at `version`. */
export function nativeCatalogBytes(
  bulletins: { id: string; title?: string; severity?: string; version: string }[],
): Buffer {
  const doc = {
    format: 'patchhive.catalog/1',
    name: 'test-feed',
    bulletins: bulletins.map((b) => ({
      id: b.id,
      title: b.title ?? `Update for ${b.id}`,
      severity: b.severity ?? 'important',
      published: '2026-03-04',
      fixes: [
        {
          id: 'debian-12',
          package: { manager: 'dpkg', name: 'libssl3', version: b.version },
          applicability: { all: [{ os: { platform: 'debian', release: '12' } }, { dpkg: { source: 'openssl' } }] },
          installed: { dpkg: { source: 'openssl', version: { ge: b.version } } },
        },
      ],
    })),
  };
  return Buffer.from(JSON.stringify(doc, null, 2) + '\n');
}

/** A source record with defaults. */
export function sourceRecord(id: string, url: string, patch: Partial<SourceRecord> = {}): SourceRecord {
  return {
    id,
    name: `source ${id}`,
    url,
    format: null,
    release: null,
    schedule: null,
    signingKey: null,
    allowUnsigned: false,
    enabled: true,
    createdAt: '2026-11-01T00:00:00.000Z',
    ...patch,
  };
}

/** In-memory SourceStore + BulletinStore, just enough for the syncer (the real store has its own suite). */
export class MemoryStores {
  readonly syncStates = new Map<string, SourceSyncState>();
  readonly bulletinRows = new Map<string, BulletinRecord>();
  readonly syncs: SyncRecord[] = [];
  private readonly sourceRows = new Map<string, SourceRecord>();

  readonly sources: SourceStore = {
    create: async (s) => void this.sourceRows.set(s.id, { ...s }),
    get: async (id) => this.sourceRows.get(id),
    getByName: async (name) => [...this.sourceRows.values()].find((s) => s.name === name),
    list: async () => [...this.sourceRows.values()],
    update: async (id, patch) => {
      const s = this.sourceRows.get(id);
      if (s) this.sourceRows.set(id, { ...s, ...patch });
    },
    delete: async (id) => void this.sourceRows.delete(id),
    getSyncState: async (id) => (this.syncStates.has(id) ? { ...this.syncStates.get(id)! } : undefined),
    putSyncState: async (s) => void this.syncStates.set(s.sourceId, { ...s }),
    recordSync: async (r) => void this.syncs.push(r),
    listSyncs: async (id, limit) =>
      this.syncs
        .filter((r) => r.sourceId === id)
        .reverse()
        .slice(0, limit),
    listSyncsSince: async (since, results) =>
      this.syncs.filter((r) => r.startedAt >= since && (!results || results.includes(r.result))),
  };

  readonly bulletins: BulletinStore = {
    replaceForSource: async (sourceId, records, at) => {
      const ids = new Set(records.map((r) => r.id));
      for (const r of this.bulletinRows.values()) {
        if (r.sourceId === sourceId && !ids.has(r.id) && r.withdrawnAt === null)
          this.bulletinRows.set(r.id, { ...r, withdrawnAt: at });
      }
      for (const r of records) this.bulletinRows.set(r.id, { ...r, withdrawnAt: null });
    },
    listForSource: async (sourceId) => [...this.bulletinRows.values()].filter((r) => r.sourceId === sourceId),
    get: async (id) => this.bulletinRows.get(id),
    list: async (filter) => {
      const items = [...this.bulletinRows.values()].filter(
        (r) =>
          (filter.includeWithdrawn || r.withdrawnAt === null) && (!filter.sourceId || r.sourceId === filter.sourceId),
      );
      return { items, total: items.length };
    },
  };
}
