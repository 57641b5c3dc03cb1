/**
 * Child process, section 7 Bench B: the Patchhive server under test, alone in its process so its
 * CPU and RSS are its own. argv: <json RolloutServerArgs>. Syncs the benchmark's native catalog,
 * creates an enrollment token, and sends "ready" with its URL, the token and the bootstrap admin
 * API token (a throw-away data directory). Answers "idle" (assessment queue drained) and "stop".
 */
import { pino } from 'pino';
import { serverConfigSchema } from '../../src/server/config.js';
import { startServer } from '../../src/server/server.js';
import { serveParent, type Message } from '../ipc.js';
import { ROLLOUT_SOURCE } from './rollout-fleet.js';

export interface RolloutServerArgs {
  dataDir: string;
  database?: string;
  catalogFile: string;
  /** Uses of the agents' enrollment token. */
  maxUses: number;
  /** The rollout engine's tick (config rollout.tickSeconds). */
  tickSeconds: number;
}

const send = (m: Message): void => void process.send!(m);

async function start(args: RolloutServerArgs): Promise<void> {
  const cfg = serverConfigSchema.parse({
    dataDir: args.dataDir,
    ...(args.database ? { database: args.database } : {}),
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    sources: [{ name: ROLLOUT_SOURCE, url: args.catalogFile, format: 'native' }],
    // The simulated fleet enrolls at once, from one address, with one token: measured, not limited.
    rateLimit: { enrollmentsPerToken: 1_000_000, enrollmentsPerAddress: 1_000_000 },
    // No cron job may fire during the measured phase.
    triageSweepSchedule: '',
    notify: { dueSoonSchedule: '', digestSchedule: '' },
    rollout: { tickSeconds: args.tickSeconds },
  });
  const t0 = performance.now();
  const server = await startServer(cfg, { logger: pino({ level: 'silent' }) });
  const sync = await server.services.sources.sync(ROLLOUT_SOURCE);
  if (sync.result !== 'updated') throw new Error(`catalog sync: ${sync.result} ${sync.message ?? ''}`);
  const token = await server.services.tokens.createEnrollmentToken(
    { expiresInHours: 24, maxUses: args.maxUses, note: 'bench' },
    'bench',
  );
  serveParent(async (m) => {
    if (m.kind === 'idle') {
      const t = performance.now();
      await server.assessment.whenIdle();
      return { ms: performance.now() - t, pending: (await server.store.machines.listPendingAssessment()).length };
    }
    if (m.kind === 'stop') {
      await server.close();
      setImmediate(() => process.exit(0));
      const u = process.resourceUsage();
      return { maxRssKb: u.maxRSS, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 };
    }
    throw new Error(`unknown message ${m.kind}`);
  });
  send({
    kind: 'ready',
    url: server.url,
    enrollmentToken: token.secret,
    adminToken: server.bootstrapToken,
    bulletins: server.catalogs.prepared.catalog.bulletins.length,
    startMs: performance.now() - t0,
  });
}

try {
  await start(JSON.parse(process.argv[2]!) as RolloutServerArgs);
} catch (err) {
  send({ kind: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
}
