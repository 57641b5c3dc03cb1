/**
 * Child process, section 7 Bench A: planning and signing jobs for a large fleet. argv: "seed" |
 * "measure", then <json PlanArgs>.
 * - seed: starts the server on a fresh database (migrations, the native catalog synced), then
 *   writes the machines, their agents, inventories and findings in bulk over its own Kysely
 *   connection (the findings rows are the real engine's verdicts on the template machine, through
 *   the store's own planAssessment mapping), creates one static group of every machine through the
 *   group service and approves every bulletin for it through the triage service.
 * - measure: a fresh server process on that database times POST /api/v1/deployments (Fastify
 *   inject: one ring of 100 %), then RolloutService.jobsFor (what a check-in calls) for every
 *   machine, one after the other; then, in the same process, the peer.
 */
import { createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { verifyJob } from '../../src/agent/job-verify.js';
import { evaluate } from '../../src/detect/index.js';
import { canonicalJson, type JobBody, type JobEnvelope } from '../../src/protocol/jobs.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import type { DeploymentDetailWire } from '../../src/protocol/deploy-api.js';
import { signJob } from '../../src/rollout/job-envelope.js';
import { toFindingInputs } from '../../src/server/assessment/to-finding-input.js';
import { hashSecret } from '../../src/server/auth/secrets.js';
import { serverConfigSchema } from '../../src/server/config.js';
import { loadOrCreateJobSigningKey } from '../../src/server/keys.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { osSummaryOf } from '../../src/server/services/machines.js';
import { planAssessment } from '../../src/store/findings-plan.js';
import type { Database } from '../../src/store/kysely-store.js';
import { chunk, toJson } from '../../src/store/sql-util.js';
import { agentBaseInventory } from '../agent-fleet.js';
import type { RolloutBenchConfig } from '../config.js';
import { reportToParent, timed } from '../measure.js';
import { latencyStats, type LatencyStats } from '../http-load.js';
import { rolloutBulletins, rolloutCatalogJson, ROLLOUT_SOURCE, smallInventory } from './rollout-fleet.js';

export interface PlanArgs {
  kind: 'sqlite' | 'postgres';
  dataDir: string;
  /** PostgreSQL URL; SQLite lives in <dataDir>/patchhive.db. */
  database: string | undefined;
  cfg: RolloutBenchConfig;
}

/** What the seeding child reports. */
export interface PlanSeedResult {
  ms: number;
  machines: number;
  bulletins: number;
  openFindings: number;
  packagesPerMachine: number;
}

/** What the measuring child reports. */
export interface PlanMeasureResult {
  startMs: number;
  /** RSS after start-up and a full GC, before the deployment (KiB). */
  baselineRssKb: number;
  createMs: number;
  createResponseBytes: number;
  /** maxRSS right after the POST (KiB; monotone, so the peak up to then). */
  afterCreateMaxRssKb: number;
  planned: number;
  packagesPerJob: number;
  bulletinsPerJob: number;
  /** RolloutService.jobsFor for every machine, one after the other. */
  jobsMs: number;
  jobs: number;
  perJob: LatencyStats;
  afterJobsMaxRssKb: number;
  /** Canonical job body size, bytes (mean). */
  bodyBytes: number;
  /** Two parts of jobsFor timed alone afterwards on the first machines (ms per machine): reading its groups, one committed write. */
  parts: { machines: number; groupsOfMs: number; nextJobSequenceMs: number };
  /** Machines in state "running" afterwards (each has its job). */
  running: number;
  /** The agent side: verifyJob over every envelope (all must pass). */
  verifyMs: number;
  verified: number;
  /** Peer: canonical JSON of every body, then bare Ed25519 signing of those bytes (node:crypto, key object made once). */
  canonicalMs: number[];
  bareSignMs: number[];
  /** Patchhive's signJob alone (schema check, canonical JSON, PEM read, sign) on the same bodies. */
  signJobMs: number[];
}

const ADMIN = { kind: 'user' as const, user: 'bench', role: 'admin' as const };
const ROWS = 400;
const GROUP = 'rollout-fleet';

function serverConfig(a: PlanArgs) {
  return serverConfigSchema.parse({
    dataDir: a.dataDir,
    ...(a.database ? { database: a.database } : {}),
    port: 0,
    logLevel: 'silent',
    sources: [{ name: ROLLOUT_SOURCE, url: catalogFile(a), format: 'native' }],
    triageSweepSchedule: '',
    notify: { dueSoonSchedule: '', digestSchedule: '' },
    // No engine tick during the measurement: the figures are planning and delivery alone.
    rollout: { tickSeconds: 0 },
  });
}

const catalogFile = (a: PlanArgs) => path.join(a.dataDir, 'feed', 'rollout-catalog.json');
const start = (a: PlanArgs) => startServer(serverConfig(a), { listen: false, logger: pino({ level: 'silent' }) });

function benchKysely(a: PlanArgs): Kysely<Database> {
  if (a.kind === 'postgres')
    return new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: a.database!, max: 2 }) }),
    });
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(path.join(a.dataDir, 'patchhive.db')) }),
  });
}

async function seed(a: PlanArgs): Promise<PlanSeedResult> {
  const base = await agentBaseInventory();
  const bulletins = rolloutBulletins(base);
  await mkdir(path.dirname(catalogFile(a)), { recursive: true });
  await writeFile(catalogFile(a), rolloutCatalogJson(bulletins));
  const server = await start(a);
  const t0 = performance.now();
  const sync = await server.services.sources.sync(ROLLOUT_SOURCE);
  if (sync.result !== 'updated') throw new Error(`catalog sync: ${sync.result} ${sync.message ?? ''}`);
  const at = new Date().toISOString();
  const template = smallInventory(base, 'template');
  const findings = toFindingInputs(evaluate(server.catalogs.prepared, template));
  const open = findings.filter((f) => f.status === 'missing' || f.status === 'affected').length;
  if (open !== bulletins.length)
    throw new Error(`the template machine has ${open} open findings, expected ${bulletins.length}`);
  const os = toJson(osSummaryOf(template));
  const machines: Database['machines'][] = [];
  const agents: Database['agents'][] = [];
  const inventories: Database['machine_inventories'][] = [];
  for (let i = 0; i < a.cfg.machines; i++) {
    const inv = smallInventory(base, `rollout-${String(i).padStart(5, '0')}`);
    const hash = inventoryHash(inv);
    const id = randomUUID();
    const agentId = randomUUID();
    machines.push({
      id,
      name: inv.machine.name,
      os_json: os,
      role: null,
      criticality: 'medium',
      owner: null,
      location: null,
      tags_json: '[]',
      internet_facing: 0,
      source: 'agent',
      agent_id: agentId,
      created_at: at,
      last_seen_at: at,
      inventory_hash: hash,
      inventory_at: at,
      assessed_hash: hash,
      assessed_at: at,
    });
    agents.push({
      id: agentId,
      machine_id: id,
      credential_hash: hashSecret(randomBytes(32).toString('base64url')),
      created_at: at,
      revoked_at: null,
      last_checkin_at: at,
      job_sequence: 0,
      pinned_key: null,
      stale_since: null,
      stale_reason: null,
    });
    inventories.push({ machine_id: id, hash, inventory_json: JSON.stringify(inv), at });
  }
  const db = benchKysely(a);
  try {
    await db.transaction().execute(async (trx) => {
      for (const rows of chunk(machines, ROWS)) await trx.insertInto('machines').values(rows).execute();
      for (const rows of chunk(agents, ROWS)) await trx.insertInto('agents').values(rows).execute();
      for (const rows of chunk(inventories, ROWS)) await trx.insertInto('machine_inventories').values(rows).execute();
      const findingRows = machines.flatMap((m) => planAssessment(m.id, [], findings, at).upserts);
      for (const rows of chunk(findingRows, ROWS)) await trx.insertInto('findings').values(rows).execute();
    });
  } finally {
    await db.destroy();
  }
  await server.services.groups.create({ name: GROUP, kind: 'static', members: machines.map((m) => m.id) });
  const approved = await server.services.triage.act(
    { items: bulletins.map((b) => ({ bulletin: b.id, group: GROUP })), action: { kind: 'approve' } },
    ADMIN,
  );
  if (approved.refused > 0) throw new Error(`approval refused: ${JSON.stringify(approved.items.find((i) => !i.ok))}`);
  const ms = performance.now() - t0;
  await server.close();
  return {
    ms,
    machines: machines.length,
    bulletins: bulletins.length,
    openFindings: open * machines.length,
    packagesPerMachine: template.packages?.items.length ?? 0,
  };
}

/** Milliseconds of each of `runs` calls of `f`. */
function repeat(runs: number, f: () => void): number[] {
  return Array.from({ length: runs }, () => {
    const t = performance.now();
    f();
    return performance.now() - t;
  });
}

async function measure(a: PlanArgs): Promise<PlanMeasureResult> {
  const started = await timed(() => start(a));
  const server: RunningServer = started.value;
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRssKb = process.memoryUsage().rss / 1024;
  const token = (
    await server.services.tokens.createApiToken({ name: 'bench', user: 'bench', role: 'operator' }, 'bench')
  ).secret;
  const body = {
    name: 'bench rollout',
    target: { groups: [GROUP] },
    rings: [{ name: 'fleet', members: { kind: 'percent', percent: 100 }, soakSeconds: 0 }],
  };
  const created = await timed(() =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/deployments',
      headers: { authorization: `Bearer ${token}` },
      payload: body,
    }),
  );
  if (created.value.statusCode !== 201)
    throw new Error(`POST /deployments: ${created.value.statusCode} ${created.value.body.slice(0, 500)}`);
  const afterCreateMaxRssKb = process.resourceUsage().maxRSS;
  const detail = JSON.parse(created.value.body) as DeploymentDetailWire;
  const first = detail.machines[0]!;

  const targets = (await server.store.machines.list()).filter((m) => m.agentId !== null);
  const envelopes: JobEnvelope[] = [];
  const perJob = new Float64Array(targets.length);
  const t0 = performance.now();
  for (const [i, m] of targets.entries()) {
    const t = performance.now();
    const got = await server.services.rollout.jobsFor(m.agentId!, m.id);
    perJob[i] = performance.now() - t;
    for (const e of got as JobEnvelope[]) if (e.job.deploymentId === detail.id) envelopes.push(e);
  }
  const jobsMs = performance.now() - t0;
  const afterJobsMaxRssKb = process.resourceUsage().maxRSS;
  const states = await server.store.rollout.countMachineStates(detail.id);
  const running = states.filter((s) => s.state === 'running').reduce((n, s) => n + s.count, 0);

  const sample = targets.slice(0, 200);
  const perMachine = async (f: (m: (typeof targets)[number]) => Promise<unknown>) => {
    const t = performance.now();
    for (const m of sample) await f(m);
    return (performance.now() - t) / Math.max(1, sample.length);
  };
  const parts = {
    machines: sample.length,
    groupsOfMs: await perMachine((m) => server.services.groups.groupsOf(m)),
    // Takes numbers no job will use; the database is thrown away afterwards.
    nextJobSequenceMs: await perMachine((m) => server.store.agents.nextJobSequence(m.agentId!)),
  };

  const { publicKeyPem, privateKeyPem } = await loadOrCreateJobSigningKey(a.dataDir);
  const agentOf = new Map(targets.map((m) => [m.agentId!, m]));
  const now = new Date().toISOString();
  const verify = await timed(
    () =>
      envelopes.filter(
        (e) =>
          verifyJob(e, { agentId: e.job.agentId, pinnedPublicKeyPem: publicKeyPem, lastSequence: 0, now }).ok &&
          agentOf.has(e.job.agentId),
      ).length,
  );
  await server.close();

  const bodies: JobBody[] = envelopes.map((e) => e.job);
  const key = createPrivateKey(privateKeyPem);
  let bytes: Buffer[] = [];
  const canonicalMs = repeat(
    a.cfg.peerRuns,
    () => void (bytes = bodies.map((b) => Buffer.from(canonicalJson(b), 'utf8'))),
  );
  const bareSignMs = repeat(a.cfg.peerRuns, () => bytes.forEach((b) => sign(null, b, key)));
  const signJobMs = repeat(a.cfg.peerRuns, () => bodies.forEach((b) => signJob(b, privateKeyPem)));
  const install = first.packages.length;
  return {
    startMs: started.ms,
    baselineRssKb,
    createMs: created.ms,
    createResponseBytes: Buffer.byteLength(created.value.body),
    afterCreateMaxRssKb,
    planned: detail.machines.length,
    packagesPerJob: install,
    bulletinsPerJob: first.bulletinIds.length,
    jobsMs,
    jobs: envelopes.length,
    perJob: latencyStats(perJob),
    afterJobsMaxRssKb,
    bodyBytes: bytes.reduce((n, b) => n + b.length, 0) / Math.max(1, bytes.length),
    parts,
    running,
    verifyMs: verify.ms,
    verified: verify.value,
    canonicalMs,
    bareSignMs,
    signJobMs,
  };
}

const [mode, json] = [process.argv[2], process.argv[3]!];
const args = JSON.parse(json) as PlanArgs;
if (mode === 'seed') reportToParent(await seed(args));
else if (mode === 'measure') reportToParent(await measure(args));
else throw new Error(`unknown mode ${mode}`);
