/** Starts a real Patchhive server for tests: SQLite in a temp data dir, or a fresh PostgreSQL database. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { serverConfigSchema } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createTestPostgresDatabase } from '../../src/store/test-support.js';
import type { Role } from '../../src/protocol/api.js';
import { recordAnswers } from './answer-log.js';
import type { OidcSessionStarter } from '../../src/server/http/oidc-routes.js';

export type TestDatabase = 'sqlite' | 'postgres';

export interface TestServer extends RunningServer {
  dataDir: string;
  adminToken: string;
  /** A new API token with this role. */
  tokenFor(role: Role): Promise<string>;
  /** Stops the server and removes its data (and database). */
  destroy(): Promise<void>;
}

/** Starts a server; `undefined` when PostgreSQL was asked for and is not available outside CI. */
export async function startTestServer(
  opts: {
    database?: TestDatabase;
    listen?: boolean;
    config?: Partial<z.input<typeof serverConfigSchema>>;
    now?: () => Date;
    /** The host's Debian release the server assumes (default: this host's; null: not Debian). */
    serverRelease?: string | null;
    dataDir?: string;
    logger?: Logger;
    /** What starts the session of a single sign-on (server option oidcSessions). */
    oidcSessions?: OidcSessionStarter;
  } = {},
): Promise<TestServer | undefined> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'patchhive-server-')));
  let dropDb: (() => Promise<void>) | undefined;
  let database: string | undefined;
  if (opts.database === 'postgres') {
    const db = await createTestPostgresDatabase();
    if (!db) return undefined;
    database = db.url;
    dropDb = db.drop;
  }
  // The fixed cron jobs run only when a test calls them, so a quarter-hour boundary during a run cannot race the test.
  // The rollout tick too: tests call `services.rollout.tick()`, or pass `config: { rollout: { tickSeconds: 1 } }`.
  const quiet = {
    triageSweepSchedule: '',
    notify: { dueSoonSchedule: '', digestSchedule: '' },
    rollout: { tickSeconds: 0 },
  };
  const cfg = serverConfigSchema.parse({
    dataDir,
    port: 0,
    logLevel: 'silent',
    ...quiet,
    ...(database ? { database } : {}),
    ...opts.config,
  });
  const server = await startServer(cfg, {
    listen: opts.listen ?? false,
    logger: opts.logger ?? pino({ level: process.env.PATCHHIVE_TEST_LOG ?? 'silent' }),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.serverRelease !== undefined ? { serverRelease: opts.serverRelease } : {}),
    configureApp: recordAnswers,
    ...(opts.oidcSessions ? { oidcSessions: opts.oidcSessions } : {}),
  });
  // The initial token expires (initialAdminTokenHours) and tests move their clocks by months: they
  // use an admin token of the same user that does not expire.
  const adminToken = (
    await server.services.tokens.createApiToken({ name: 'test-admin', user: 'admin', role: 'admin' }, 'test')
  ).secret;
  let n = 0;
  return Object.assign(server, {
    dataDir,
    adminToken,
    async tokenFor(role: Role) {
      const created = await server.services.tokens.createApiToken(
        { name: `test-${role}-${++n}`, user: `${role}-user-${n}`, role },
        'test',
      );
      return created.secret;
    },
    async destroy() {
      await server.close();
      await dropDb?.();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  });
}
