/**
 * Section 8: what the audit trail costs on the agents' path. The same simulated agents as
 * scenario 4 (bench/checkins.ts) against three servers per database, in one run: auditing off,
 * auditing on (the default: enrollments and check-ins with an inventory are recorded, hash-only
 * check-ins are not) and auditing every check-in (`audit.hashOnlyCheckins`). Each server is fresh,
 * with the same catalog, agents and load.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createBenchDatabase, type BenchDatabaseKind } from './bench-db.js';
import { monitored, startServerChild, steadyPhase, type Phase } from './checkins.js';
import { ChildRpc, type Message } from './ipc.js';
import type { PatchhiveServerArgs } from './scenarios/bench-server.js';
import type { ServerBenchConfig } from './server-config.js';

type Say = (s: string) => void;

export const AUDIT_MODES = ['off', 'on', 'every check-in'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];

const SETTINGS: Record<AuditMode, { enabled: boolean; hashOnlyCheckins: boolean }> = {
  off: { enabled: false, hashOnlyCheckins: false },
  on: { enabled: true, hashOnlyCheckins: false },
  'every check-in': { enabled: true, hashOnlyCheckins: true },
};

export interface AuditModeRun {
  database: BenchDatabaseKind;
  mode: AuditMode;
  enroll: Phase;
  upload: Phase;
  steady: Phase;
  /** Entries in the audit trail when the server stopped. */
  entries: number;
}

export interface AuditBenchResults {
  date: string;
  config: Pick<ServerBenchConfig, 'agents' | 'concurrency' | 'checkinSeconds' | 'warmupSeconds'>;
  /** The catalog the servers synced (a path relative to the repository). */
  catalog: string;
  bulletins: number;
  runs: AuditModeRun[];
  skipped: string[];
  totalMs: number;
  loadAverage: { start: number[]; end: number[] };
}

async function runMode(
  kind: BenchDatabaseKind,
  mode: AuditMode,
  load: ChildRpc,
  cfg: ServerBenchConfig,
  catalog: string,
): Promise<(AuditModeRun & { bulletins: number }) | undefined> {
  const db = await createBenchDatabase(kind);
  if (!db) return undefined;
  let server: ChildRpc | undefined;
  try {
    const catalogFile = path.join(db.dataDir, 'feed', path.basename(catalog));
    await mkdir(path.dirname(catalogFile), { recursive: true });
    await copyFile(catalog, catalogFile);
    const args: PatchhiveServerArgs = {
      dataDir: db.dataDir,
      catalogFile,
      maxUses: cfg.agents,
      audit: SETTINGS[mode],
      ...(db.url ? { database: db.url } : {}),
    };
    const started = await startServerChild(['patchhive', JSON.stringify(args)]);
    server = started.rpc;
    const url = String(started.ready.url);
    const enroll = await monitored(
      load,
      server.pid,
      { kind: 'enroll', url, token: started.ready.enrollmentToken, agents: cfg.agents, concurrency: cfg.concurrency },
      false,
    );
    const upload = await monitored(load, server.pid, { kind: 'upload', url, concurrency: cfg.concurrency }, false);
    await server.call({ kind: 'idle' });
    const steady = await steadyPhase(load, server.pid, url, cfg);
    const audited = await server.call<Message & { entries: number }>({ kind: 'audited' });
    await server.call({ kind: 'stop' });
    await server.whenExited();
    return {
      database: kind,
      mode,
      enroll,
      upload,
      steady,
      entries: audited.entries,
      bulletins: Number(started.ready.bulletins),
    };
  } finally {
    server?.kill();
    await server?.whenExited();
    await db.cleanup();
  }
}

/** Runs the three modes on each database, with one load generator. */
export async function runAuditBench(
  cfg: ServerBenchConfig,
  catalog: string,
  catalogLabel: string,
  say: Say,
): Promise<AuditBenchResults> {
  const t0 = performance.now();
  const loadStart = loadavg();
  const load = new ChildRpc('load-gen', [String(cfg.seed)]);
  await load.next('ready');
  const runs: AuditModeRun[] = [];
  const skipped: string[] = [];
  let bulletins = 0;
  try {
    for (const kind of cfg.postgres ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
      for (const mode of AUDIT_MODES) {
        const run = await runMode(kind, mode, load, cfg, catalog);
        if (!run) {
          skipped.push(`${kind}: the local cluster at /var/run/postgresql was not reachable`);
          break;
        }
        bulletins = run.bulletins;
        const { bulletins: _b, ...rest } = run;
        runs.push(rest);
        say(
          `section 8 (${kind}, auditing ${mode}): enroll ${run.enroll.load.perSecond.toFixed(0)}/s, first check-ins ${run.upload.load.perSecond.toFixed(0)}/s, hash-only ${run.steady.load.perSecond.toFixed(0)}/s; ${run.entries} audit entries`,
        );
      }
    }
    if (!cfg.postgres) skipped.push('postgres: BENCH_POSTGRES=0');
  } finally {
    load.kill();
  }
  const { agents, concurrency, checkinSeconds, warmupSeconds } = cfg;
  return {
    date: new Date().toISOString().slice(0, 10),
    config: { agents, concurrency, checkinSeconds, warmupSeconds },
    catalog: catalogLabel,
    bulletins,
    runs,
    skipped,
    totalMs: performance.now() - t0,
    loadAverage: { start: loadStart, end: loadavg() },
  };
}
