/**
 * Scenario 4: sustained check-ins from many simulated agents against one server on loopback, on
 * SQLite and on PostgreSQL, beside a bare Fastify route driven the same way; then scenario 5
 * (bench/reassess.ts) in the same server, whose machines are stored and assessed by then. Three
 * processes: this one only coordinates and reads /proc; the server (bench/scenarios/bench-server.ts)
 * and the agents (bench/scenarios/load-gen.ts) each run in their own child.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { agentBaseInventory } from './agent-fleet.js';
import { createBenchDatabase, type BenchDatabaseKind } from './bench-db.js';
import { changeIndexOval, type CatalogChange } from './catalog-change.js';
import type { LoadResult } from './http-load.js';
import { ChildRpc, type Message } from './ipc.js';
import { memoryOf, PhaseMonitor, type PhaseUsage } from './proc-stats.js';
import type { ServerBenchConfig } from './server-config.js';
import { runReassess, type ReassessRun } from './reassess.js';
import type { PatchhiveServerArgs } from './scenarios/bench-server.js';

type Timed = LoadResult & { cpuSeconds: number };

/** One phase: what the agents saw and what the server process used meanwhile. */
export interface Phase<T extends Timed = Timed> {
  load: T;
  server: PhaseUsage;
}

/** The whole life of the server process: kernel rusage at its exit. */
export interface ServerLife {
  maxRssKb: number;
  cpuSeconds: number;
}

export interface CheckinRun {
  database: BenchDatabaseKind;
  bulletins: number;
  /** Server start-up including the first sync of the catalog source. */
  startMs: number;
  /** RSS of the idle server after start-up and the catalog sync, KiB. */
  startRssKb: number;
  enroll: Phase;
  upload: Phase<Timed & { generateMs: number; avgBodyBytes: number; avgPackages: number }>;
  /** Waiting, after the uploads, for the assessment queue to drain. */
  drain: { ms: number; pending: number; openFindings: number; server: PhaseUsage };
  steady: Phase<Timed & { bodyBytes: number; answerBytes: number }>;
  /** Scenario 5 in the same server. */
  reassess: ReassessRun;
  life: ServerLife;
}

export interface CheckinResults {
  runs: CheckinRun[];
  /** Databases not run, with why. */
  skipped: string[];
  peer: { steady: Phase<Timed & { bodyBytes: number; answerBytes: number }>; life: ServerLife };
}

type Say = (s: string) => void;

/** Starts the server child (bench/scenarios/bench-server.ts) and waits for its "ready". */
export async function startServerChild(args: string[]): Promise<{ rpc: ChildRpc; ready: Message }> {
  const rpc = new ChildRpc('bench-server', args);
  const ready = await rpc.next('ready');
  return { rpc, ready };
}

/** Runs a load-generator call while monitoring the server process; the monitor starts when `measuring` is noticed (or at once). */
export async function monitored<T extends Timed>(
  load: ChildRpc,
  serverPid: number,
  msg: Message,
  waitForWindow: boolean,
): Promise<Phase<T>> {
  let monitor = waitForWindow ? undefined : new PhaseMonitor(serverPid);
  load.onNotice = (m) => {
    if (m.kind === 'measuring' && !monitor) monitor = new PhaseMonitor(serverPid);
  };
  const reply = await load.call<Message & { result: T }>(msg);
  load.onNotice = () => undefined;
  if (!monitor) throw new Error('the measured window never opened');
  return { load: reply.result, server: monitor.stop() };
}

/** The steady hash-only check-in phase: warm-up, then the measured window. */
export async function steadyPhase(load: ChildRpc, serverPid: number, url: string, cfg: ServerBenchConfig) {
  return monitored<Timed & { bodyBytes: number; answerBytes: number }>(
    load,
    serverPid,
    {
      kind: 'steady',
      url,
      concurrency: cfg.concurrency,
      seconds: cfg.checkinSeconds,
      warmupSeconds: cfg.warmupSeconds,
    },
    true,
  );
}

async function runOne(
  kind: BenchDatabaseKind,
  load: ChildRpc,
  cfg: ServerBenchConfig,
  indexFile: string,
  change: CatalogChange,
  say: Say,
): Promise<CheckinRun | undefined> {
  const db = await createBenchDatabase(kind);
  if (!db) return undefined;
  let server: ChildRpc | undefined;
  try {
    // The source's own copy: scenario 5 overwrites it with the changed catalog.
    const catalogFile = path.join(db.dataDir, 'feed', 'index.xml');
    await mkdir(path.dirname(catalogFile), { recursive: true });
    await copyFile(indexFile, catalogFile);
    const args: PatchhiveServerArgs = {
      dataDir: db.dataDir,
      catalogFile,
      maxUses: cfg.agents,
      ...(db.url ? { database: db.url } : {}),
    };
    const started = await startServerChild(['patchhive', JSON.stringify(args)]);
    server = started.rpc;
    const ready = started.ready;
    const url = String(ready.url);
    const startRssKb = memoryOf(server.pid).rssKb;
    say(`scenario 4 (${kind}): server up with ${Number(ready.bulletins)} bulletins; enrolling ${cfg.agents} agents`);
    const enroll = await monitored(
      load,
      server.pid,
      { kind: 'enroll', url, token: ready.enrollmentToken, agents: cfg.agents, concurrency: cfg.concurrency },
      false,
    );
    say(`scenario 4 (${kind}): ${enroll.load.perSecond.toFixed(0)} enrollments/s; first check-ins with inventory`);
    const upload = await monitored<Timed & { generateMs: number; avgBodyBytes: number; avgPackages: number }>(
      load,
      server.pid,
      { kind: 'upload', url, concurrency: cfg.concurrency },
      false,
    );
    const drainMonitor = new PhaseMonitor(server.pid);
    const idle = await server.call<Message & { ms: number; pending: number; openFindings: number }>({ kind: 'idle' });
    const drain = { ms: idle.ms, pending: idle.pending, openFindings: idle.openFindings, server: drainMonitor.stop() };
    say(
      `scenario 4 (${kind}): ${upload.load.perSecond.toFixed(0)} uploads/s, assessment queue drained ${(drain.ms / 1000).toFixed(1)} s later; steady hash-only check-ins`,
    );
    const steady = await steadyPhase(load, server.pid, url, cfg);
    say(
      `scenario 4 (${kind}): ${steady.load.perSecond.toFixed(0)} check-ins/s, p50 ${steady.load.latency.p50.toFixed(1)} ms, p99 ${steady.load.latency.p99.toFixed(1)} ms`,
    );
    say(
      `scenario 5 (${kind}): catalog change of ${change.bulletinIds.length} bulletins, sync + restricted re-assessment, then a full one`,
    );
    const reassess = await runReassess(server, catalogFile, change, cfg.agents);
    say(
      `scenario 5 (${kind}): restricted ${(reassess.restricted.reassessMs / 1000).toFixed(1)} s for ${reassess.restricted.machinesReevaluated} machines; full ${(reassess.full.ms / 1000).toFixed(1)} s`,
    );
    const life = await server.call<Message & ServerLife>({ kind: 'stop' });
    await server.whenExited();
    return {
      database: kind,
      bulletins: Number(ready.bulletins),
      startMs: Number(ready.startMs),
      startRssKb,
      enroll,
      upload,
      drain,
      steady,
      reassess,
      life: { maxRssKb: life.maxRssKb, cpuSeconds: life.cpuSeconds },
    };
  } finally {
    server?.kill();
    await server?.whenExited();
    await db.cleanup();
  }
}

async function runPeer(load: ChildRpc, cfg: ServerBenchConfig): Promise<CheckinResults['peer']> {
  const { rpc: server, ready } = await startServerChild(['fastify']);
  try {
    const steady = await steadyPhase(load, server.pid, String(ready.url), cfg);
    const life = await server.call<Message & ServerLife>({ kind: 'stop' });
    await server.whenExited();
    return { steady, life: { maxRssKb: life.maxRssKb, cpuSeconds: life.cpuSeconds } };
  } finally {
    server.kill();
  }
}

/** Runs scenarios 4 and 5 on each database, and the bare-Fastify peer with the same load generator. */
export async function runServerBench(cfg: ServerBenchConfig, indexFile: string, say: Say): Promise<CheckinResults> {
  const installed = new Set(((await agentBaseInventory()).packages?.items ?? []).map((p) => p.name));
  const change = changeIndexOval(
    await readFile(indexFile, 'utf8'),
    installed,
    cfg.changedBulletins,
    cfg.changedInstalled,
    cfg.seed + 5,
  );
  const load = new ChildRpc('load-gen', [String(cfg.seed)]);
  await load.next('ready');
  const runs: CheckinRun[] = [];
  const skipped: string[] = [];
  let peer: CheckinResults['peer'] | undefined;
  try {
    const kinds: BenchDatabaseKind[] = cfg.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
    for (const kind of kinds) {
      const run = await runOne(kind, load, cfg, indexFile, change, say);
      if (run) runs.push(run);
      else skipped.push(`${kind}: the local cluster at /var/run/postgresql was not reachable`);
      if (kind === 'sqlite') {
        // The peer runs after SQLite's enrollment so the generator sends the same headers and bodies.
        say('scenario 4 (peer): bare Fastify route, same load');
        peer = await runPeer(load, cfg);
        say(
          `scenario 4 (peer): ${peer.steady.load.perSecond.toFixed(0)} requests/s, p50 ${peer.steady.load.latency.p50.toFixed(1)} ms`,
        );
      }
    }
    if (!cfg.postgres) skipped.push('postgres: BENCH_POSTGRES=0');
  } finally {
    load.kill();
  }
  return { runs, skipped, peer: peer! };
}
