/**
 * Child process, scenario 4: the server under test, alone in its process so that its RSS and CPU
 * time are its own. argv: "patchhive" <json: { dataDir, database?, catalogFile, maxUses }> or
 * "fastify" (the peer: one bare route). Sends "ready" with its URL; answers "idle" (waits for the
 * assessment queue), "sync" and "full" (scenario 5, see bench/reassess.ts), "audited" (entries in
 * the audit trail, section 8) and "stop" (closes, reports its rusage, exits).
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { serverConfigSchema } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { AGENT_API_PREFIX } from '../../src/protocol/agent.js';
import { serveParent, type Message } from '../ipc.js';
import { reassessAll, syncAndTime } from '../reassess.js';

export interface PatchhiveServerArgs {
  dataDir: string;
  database?: string;
  catalogFile: string;
  /** Uses of the enrollment token created for the agents. */
  maxUses: number;
  /** The server's audit settings (default: the server's defaults, auditing on). */
  audit?: { enabled: boolean; hashOnlyCheckins: boolean };
}

/** The source name the benchmark's catalog is configured under. */
export const BENCH_SOURCE = 'bench-index';

/**
 * What the peer answers: the same shape and size as Patchhive's answer to a hash-only check-in of
 * these machines (their inventories already hold /etc/debian_version, so no probe is asked for).
 */
const PEER_ANSWER = {
  acceptedInventoryHash: 'f'.repeat(64),
  inventoryWanted: false,
  probes: { files: [], registry: [], textFiles: [] },
  nextCheckinSeconds: 900,
  jobs: [],
};

const send = (m: Message): void => void process.send!(m);
const rusage = () => {
  const u = process.resourceUsage();
  return { maxRssKb: u.maxRSS, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 };
};

async function startPatchhive(args: PatchhiveServerArgs): Promise<void> {
  const cfg = serverConfigSchema.parse({
    dataDir: args.dataDir,
    ...(args.database ? { database: args.database } : {}),
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    sources: [{ name: BENCH_SOURCE, url: args.catalogFile, format: 'oval' }],
    ...(args.audit ? { audit: args.audit } : {}),
    // The simulated fleet enrolls at once, from one address, with one token: measured, not limited.
    rateLimit: { enrollmentsPerToken: 1_000_000, enrollmentsPerAddress: 1_000_000 },
  });
  const t0 = performance.now();
  const server: RunningServer = await startServer(cfg, { logger: pino({ level: 'silent' }) });
  const sync = await server.services.sources.sync(BENCH_SOURCE);
  if (sync.result !== 'updated') throw new Error(`catalog sync: ${sync.result} ${sync.message ?? ''}`);
  const token = await server.services.tokens.createEnrollmentToken(
    { expiresInHours: 24, maxUses: args.maxUses, note: 'bench' },
    'bench',
  );
  serveParent(async (m) => {
    if (m.kind === 'idle') {
      const t = performance.now();
      await server.assessment.whenIdle();
      const ms = performance.now() - t;
      const pending = await server.store.machines.listPendingAssessment();
      const open = await server.store.findings.list({ statuses: ['missing', 'affected'], limit: 1 });
      return { ms, pending: pending.length, openFindings: open.total };
    }
    if (m.kind === 'audited') return { entries: (await server.store.audit.list({ limit: 1 }))[0]?.seq ?? 0 };
    if (m.kind === 'sync') return { ...(await syncAndTime(server, BENCH_SOURCE, m.bulletinIds as string[])) };
    if (m.kind === 'full') return { ...(await reassessAll(server)) };
    if (m.kind === 'stop') {
      await server.close();
      setImmediate(() => process.exit(0));
      return rusage();
    }
    throw new Error(`unknown message ${m.kind}`);
  });
  send({
    kind: 'ready',
    url: server.url,
    enrollmentToken: token.secret,
    bulletins: server.catalogs.prepared.catalog.bulletins.length,
    startMs: performance.now() - t0,
    database: server.store.kind,
  });
}

async function startPeer(): Promise<void> {
  // The same framework settings as src/server/http/app.ts where they touch the hot path: no
  // request logging, JSON body parsing; no authentication, validation or storage.
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  app.post(`${AGENT_API_PREFIX}/checkin`, async () => PEER_ANSWER);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  serveParent(async (m) => {
    if (m.kind === 'idle') return { ms: 0, pending: 0, openFindings: 0 };
    if (m.kind === 'stop') {
      await app.close();
      setImmediate(() => process.exit(0));
      return rusage();
    }
    throw new Error(`unknown message ${m.kind}`);
  });
  send({ kind: 'ready', url, enrollmentToken: '', bulletins: 0, startMs: 0, database: 'none' });
}

const mode = process.argv[2];
try {
  if (mode === 'patchhive') await startPatchhive(JSON.parse(process.argv[3]!) as PatchhiveServerArgs);
  else if (mode === 'fastify') await startPeer();
  else throw new Error(`unknown mode ${mode}`);
} catch (err) {
  send({ kind: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
}
