/**
 * Section 7: the rollout. Bench A plans a deployment over a large fleet and builds and signs its
 * jobs (bench/scenarios/rollout-plan.ts, a seeding process then a measuring one per database),
 * beside the bare Ed25519 signing of the same job bodies. Bench B takes simulated agents through
 * three rings against a server in its own process (bench/scenarios/rollout-server.ts; the agents
 * in bench/scenarios/rollout-agents.ts), from approval to the deployment's completion, and then
 * measures the same agents' plain hash-only check-ins for as long (the peer). This process only
 * coordinates, calls the REST API and reads the server's /proc figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { DeploymentWire } from '../src/protocol/deploy-api.js';
import { agentBaseInventory } from './agent-fleet.js';
import { createBenchDatabase, type BenchDatabaseKind } from './bench-db.js';
import type { RolloutBenchConfig } from './config.js';
import type { LatencyStats, LoadResult } from './http-load.js';
import { ChildRpc, type Message } from './ipc.js';
import { runScenario, type ChildReport } from './measure.js';
import { PhaseMonitor, type PhaseUsage } from './proc-stats.js';
import type { AgentCounters } from './scenarios/rollout-agents.js';
import { rolloutBulletins, rolloutCatalogJson } from './scenarios/rollout-fleet.js';
import type { PlanArgs, PlanMeasureResult, PlanSeedResult } from './scenarios/rollout-plan.js';
import type { RolloutServerArgs } from './scenarios/rollout-server.js';

type Say = (s: string) => void;

export interface RolloutPlanRun {
  database: BenchDatabaseKind;
  seed: ChildReport<PlanSeedResult>;
  measure: ChildReport<PlanMeasureResult>;
}

/** One ring as the status poller saw it: seconds after the deployment's creation. */
export interface RingTimeline {
  name: string;
  members: number;
  startedAfterSeconds: number | null;
  status: string;
}

/** One phase of Bench B: the server's usage, the agents' counters, the check-ins' latencies. */
export interface FleetPhase {
  server: PhaseUsage;
  agents: AgentCounters;
  latency: LatencyStats;
}

export interface RolloutFleetRun {
  database: BenchDatabaseKind;
  agents: number;
  bulletins: number;
  startMs: number;
  enroll: LoadResult;
  upload: LoadResult;
  drainMs: number;
  /** Static group of every machine + approval of every bulletin for it, over the REST API. */
  approvalMs: number;
  /** POST /deployments (planning, storing, starting the first ring). */
  createMs: number;
  /** From the POST to the poll that saw "completed". */
  createToCompletedMs: number;
  /** From the first approval request to the poll that saw "completed". */
  approvalToCompletedMs: number;
  /** Between the phases: until the check-ins held up by the rollout were answered. */
  settleMs: number;
  status: string;
  counts: Record<string, number>;
  rings: RingTimeline[];
  rollout: FleetPhase;
  peer: FleetPhase;
  /** The server process's whole life (kernel rusage at exit). */
  life: { maxRssKb: number; cpuSeconds: number };
}

export interface RolloutBenchResults {
  config: RolloutBenchConfig;
  date: string;
  plan: RolloutPlanRun[];
  fleet: RolloutFleetRun | undefined;
  skipped: string[];
  totalMs: number;
  loadAverage: { start: number[]; end: number[] };
}

/** Bench A on each database (PostgreSQL when reachable and not switched off). */
async function runPlanBench(cfg: RolloutBenchConfig, say: Say, skipped: string[]): Promise<RolloutPlanRun[]> {
  const runs: RolloutPlanRun[] = [];
  const kinds: BenchDatabaseKind[] = cfg.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!cfg.postgres) skipped.push('Bench A on postgres: BENCH_POSTGRES=0');
  for (const kind of kinds) {
    const db = await createBenchDatabase(kind);
    if (!db) {
      skipped.push(`Bench A on ${kind}: the local cluster on /var/run/postgresql is not reachable`);
      continue;
    }
    try {
      const args: PlanArgs = { kind, dataDir: db.dataDir, database: db.url, cfg };
      say(
        `section 7 A (${kind}): seeding ${cfg.machines.toLocaleString('en-US')} machines with agents, inventories and findings`,
      );
      const seed = await runScenario<PlanSeedResult>('rollout-plan', ['seed', JSON.stringify(args)]);
      const measure = await runScenario<PlanMeasureResult>('rollout-plan', ['measure', JSON.stringify(args)]);
      const m = measure.result;
      say(
        `section 7 A (${kind}): POST /deployments ${(m.createMs / 1000).toFixed(2)} s, ${m.jobs} jobs built and signed in ${(m.jobsMs / 1000).toFixed(2)} s, bare signing ${Math.min(...m.bareSignMs).toFixed(0)} ms`,
      );
      runs.push({ database: kind, seed, measure });
    } finally {
      await db.cleanup();
    }
  }
  return runs;
}

/** A small REST client with the admin token. */
function apiClient(url: string, token: string) {
  return async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
}

/** Asks the agents child a question while its "run" call is pending (replies arrive as notices). */
function ask<T>(agents: ChildRpc, msg: Message): Promise<T> {
  return new Promise((resolve) => {
    const before = agents.onNotice;
    agents.onNotice = (m: Message) => {
      if (m.kind !== msg.kind) return before(m);
      agents.onNotice = before;
      resolve(m.result as T);
    };
    agents.child.send(msg);
  });
}

/** The agents' counters of one phase and the latencies of its check-ins. */
async function phaseCounters(
  agents: ChildRpc,
  before: AgentCounters,
): Promise<{ agents: AgentCounters; latency: LatencyStats }> {
  const after = await ask<AgentCounters>(agents, { kind: 'counters' });
  const latency = await ask<LatencyStats>(agents, {
    kind: 'latency',
    from: before.latencyCount,
    to: after.latencyCount,
  });
  return { agents: diff(after, before), latency };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bench B: the agents through three rings, then the same agents idle for as long (the peer). */
async function runFleetBench(cfg: RolloutBenchConfig, say: Say): Promise<RolloutFleetRun> {
  const db = (await createBenchDatabase('sqlite'))!;
  let server: ChildRpc | undefined;
  let agents: ChildRpc | undefined;
  try {
    const bulletins = rolloutBulletins(await agentBaseInventory());
    const catalogFile = path.join(db.dataDir, 'feed', 'rollout-catalog.json');
    await mkdir(path.dirname(catalogFile), { recursive: true });
    await writeFile(catalogFile, rolloutCatalogJson(bulletins));
    const args: RolloutServerArgs = {
      dataDir: db.dataDir,
      catalogFile,
      maxUses: cfg.agents,
      tickSeconds: cfg.tickSeconds,
    };
    server = new ChildRpc('rollout-server', [JSON.stringify(args)]);
    const ready = await server.next('ready');
    const url = String(ready.url);
    const api = apiClient(url, String(ready.adminToken));
    agents = new ChildRpc('rollout-agents', [String(cfg.seed)]);
    await agents.next('ready');
    say(`section 7 B: enrolling ${cfg.agents} agents and uploading their inventories`);
    const enroll = await agents.call<Message & { result: LoadResult & { machineIds: string[] } }>({
      kind: 'enroll',
      url,
      token: ready.enrollmentToken,
      agents: cfg.agents,
      concurrency: cfg.connections,
    });
    const upload = await agents.call<Message & { result: LoadResult }>({
      kind: 'upload',
      url,
      concurrency: cfg.connections,
    });
    const drain = await server.call<Message & { ms: number }>({ kind: 'idle' });

    const running = agents.call<Message & { result: AgentCounters }>({
      kind: 'run',
      url,
      periodSeconds: cfg.checkinSeconds,
      connections: cfg.connections,
    });
    await sleep(cfg.checkinSeconds * 1000 + 500);
    say(
      `section 7 B: agents checking in every ${cfg.checkinSeconds} s; approving and deploying through lab (1 %), pilot (10 %), broad`,
    );

    const monitor = new PhaseMonitor(server.pid);
    const c0 = await ask<AgentCounters>(agents, { kind: 'counters' });
    const t0 = performance.now();
    await api('POST', '/groups', { name: 'bench-fleet', kind: 'static', members: enroll.result.machineIds });
    await api('POST', '/triage/actions', {
      items: bulletins.map((b) => ({ bulletin: b.id, group: 'bench-fleet' })),
      action: { kind: 'approve' },
    });
    const t1 = performance.now();
    const gate = { minSuccessRatio: 1, maxFailures: 0 };
    const created = await api<DeploymentWire>('POST', '/deployments', {
      name: 'bench three rings',
      target: { groups: ['bench-fleet'] },
      rings: [
        { name: 'lab', members: { kind: 'percent', percent: 1 }, soakSeconds: 0, gate },
        { name: 'pilot', members: { kind: 'percent', percent: 10 }, soakSeconds: 0, gate },
        { name: 'broad', members: { kind: 'percent', percent: 100 }, soakSeconds: 0, gate },
      ],
    });
    const t2 = performance.now();
    let last = created;
    const poll = () =>
      api<{ items: DeploymentWire[] }>('GET', '/deployments?limit=1').then((r) =>
        r.items.find((d) => d.id === created.id)!,
      );
    // Generous: three rings need about 3 × (check-in period + tick) when nothing is wrong.
    const giveUp = performance.now() + Math.max(300, 30 * (cfg.checkinSeconds + cfg.tickSeconds)) * 1000;
    while (last.status === 'running') {
      if (performance.now() > giveUp)
        throw new Error(
          `the deployment did not finish: ${JSON.stringify(last.counts)}, rings ${JSON.stringify(last.rings.map((r) => [r.name, r.status]))}`,
        );
      await sleep(250);
      last = await poll();
    }
    const t3 = performance.now();
    const rollout = { server: monitor.stop(), ...(await phaseCounters(agents, c0)) };
    say(
      `section 7 B: deployment ${last.status} ${((t3 - t2) / 1000).toFixed(1)} s after its creation; the same agents idle for as long (peer)`,
    );

    // Check-ins held up during the rollout finish first, so the peer starts from a steady fleet.
    const settled = await settle(agents, cfg);
    const peerMonitor = new PhaseMonitor(server.pid);
    const p0 = await ask<AgentCounters>(agents, { kind: 'counters' });
    const until = performance.now() + (t3 - t0);
    while (performance.now() < until) {
      await sleep(250);
      await poll();
    }
    const peer = { server: peerMonitor.stop(), ...(await phaseCounters(agents, p0)) };
    agents.child.send({ kind: 'halt' });
    await running;
    const life = await server.call<Message & { maxRssKb: number; cpuSeconds: number }>({ kind: 'stop' });
    await server.whenExited();
    const createdMs = Date.parse(created.createdAt);
    return {
      database: 'sqlite',
      agents: cfg.agents,
      bulletins: Number(ready.bulletins),
      startMs: Number(ready.startMs),
      enroll: enroll.result,
      upload: upload.result,
      drainMs: drain.ms,
      approvalMs: t1 - t0,
      createMs: t2 - t1,
      createToCompletedMs: t3 - t1,
      approvalToCompletedMs: t3 - t0,
      settleMs: settled,
      status: last.status,
      counts: last.counts,
      rings: last.rings.map((r) => ({
        name: r.name,
        members: r.members,
        status: r.status,
        startedAfterSeconds: r.startedAt ? (Date.parse(r.startedAt) - createdMs) / 1000 : null,
      })),
      rollout,
      peer,
      life: { maxRssKb: life.maxRssKb, cpuSeconds: life.cpuSeconds },
    };
  } finally {
    agents?.kill();
    server?.kill();
    await server?.whenExited();
    await db.cleanup();
  }
}

/** Waits one check-in period, then until fewer check-ins are in flight than there are connections (at most a minute); returns the wait. */
async function settle(agents: ChildRpc, cfg: RolloutBenchConfig): Promise<number> {
  const t0 = performance.now();
  await sleep(cfg.checkinSeconds * 1000);
  while (
    performance.now() - t0 < 60_000 &&
    (await ask<AgentCounters>(agents, { kind: 'counters' })).inflight >= cfg.connections
  )
    await sleep(100);
  return performance.now() - t0;
}

/** The counters of one phase: the later snapshot minus the earlier. */
function diff(after: AgentCounters, before: AgentCounters): AgentCounters {
  const refusals: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.refusals))
    if (v - (before.refusals[k] ?? 0) > 0) refusals[k] = v - (before.refusals[k] ?? 0);
  return {
    checkins: after.checkins - before.checkins,
    latencyCount: after.latencyCount - before.latencyCount,
    inflight: after.inflight,
    inventories: after.inventories - before.inventories,
    envelopes: after.envelopes - before.envelopes,
    redelivered: after.redelivered - before.redelivered,
    verified: after.verified - before.verified,
    refused: after.refused - before.refused,
    refusals,
    reportsSent: after.reportsSent - before.reportsSent,
    acknowledged: after.acknowledged - before.acknowledged,
    verifyMicros: after.verifyMicros - before.verifyMicros,
    errors: after.errors - before.errors,
    firstError: after.firstError,
  };
}

/** Runs section 7: Bench A (per database) and Bench B (SQLite). */
export async function runRolloutBench(cfg: RolloutBenchConfig, say: Say): Promise<RolloutBenchResults> {
  const t0 = performance.now();
  const loadStart = loadavg();
  const skipped: string[] = [];
  const plan = await runPlanBench(cfg, say, skipped);
  const fleet = await runFleetBench(cfg, say);
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    config: cfg,
    date,
    plan,
    fleet,
    skipped,
    totalMs: performance.now() - t0,
    loadAverage: { start: loadStart, end: loadavg() },
  };
}
