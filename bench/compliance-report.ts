/**
 * Scenario 6: the compliance report over a large fleet, on SQLite and PostgreSQL. For each database
 * a fresh store is migrated and bulk-seeded (bench/scenarios/compliance-report.ts "seed", its own
 * process), then another fresh process opens the store and times buildComplianceReport, the JSON
 * and HTML rendering, and the peer — a hand-written SQL GROUP BY counting open findings per
 * severity over the same table — so its peak RSS is the report's, not the seeding's.
 */
import { loadavg } from 'node:os';
import type { ReportSummary } from '../src/report/model.js';
import { createBenchDatabase, type BenchDatabaseKind } from './bench-db.js';
import { runScenario, type ChildReport } from './measure.js';

/** Sizes of the fleet; the documented run uses the defaults (BENCH_REPORT_* shrink it for a quick run). */
export interface ReportBenchConfig {
  machines: number;
  findingsPerMachine: number;
  /** Share of each machine's findings that are open; the rest were resolved within the period. */
  openShare: number;
  bulletins: number;
  groups: number;
  /** Days of daily snapshots per machine (the report period). */
  periodDays: number;
  /** Report builds per database (the peer runs as often). */
  runs: number;
  postgres: boolean;
  seed: number;
  /** The report's "now": fixed so the verdicts are the same on every run. */
  now: string;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** The configuration from the environment (BENCH_REPORT_MACHINES, BENCH_REPORT_FINDINGS, BENCH_REPORT_RUNS, BENCH_POSTGRES). */
export function reportBenchConfig(): ReportBenchConfig {
  return {
    machines: envInt('BENCH_REPORT_MACHINES', 10_000),
    findingsPerMachine: envInt('BENCH_REPORT_FINDINGS', 100),
    openShare: 0.8,
    bulletins: 2_000,
    groups: 20,
    periodDays: 30,
    runs: envInt('BENCH_REPORT_RUNS', 2),
    postgres: process.env.BENCH_POSTGRES !== '0',
    seed: 20261123,
    now: '2026-11-01T08:00:00.000Z',
  };
}

/** What the seeding child wrote. */
export interface SeedResult {
  ms: number;
  machines: number;
  groups: number;
  memberships: number;
  bulletins: number;
  findings: number;
  openFindings: number;
  resolvedFindings: number;
  decisions: number;
  exceptions: number;
  snapshots: number;
}

/** What the measuring child saw. */
export interface MeasureResult {
  /** Opening the store and reading the groups with their members (input to the report). */
  openMs: number;
  groupsMs: number;
  /** RSS after opening the store and reading the groups, before the first report (KiB). */
  baselineRssKb: number;
  /** buildComplianceReport, each run. */
  reportMs: number[];
  /** Highest heapUsed sampled after every streamed batch during the report runs (MiB; garbage included). */
  peakHeapMb: number;
  jsonMs: number;
  jsonBytes: number;
  htmlMs: number;
  htmlBytes: number;
  summary: ReportSummary;
  rows: { byBulletin: number; overdue: number; overdueOmitted: number; trends: number };
  /** The peer: SELECT severity, count(*) ... GROUP BY severity, each run. */
  peerMs: number[];
  /** Open findings per severity by the peer, and whether the report's bySeverity agrees. */
  peerOpenBySeverity: Record<string, number>;
  peerAgrees: boolean;
}

export interface ReportBenchRun {
  database: BenchDatabaseKind;
  seed: ChildReport<SeedResult>;
  measure: ChildReport<MeasureResult>;
}

export interface ReportBenchResults {
  config: ReportBenchConfig;
  date: string;
  runs: ReportBenchRun[];
  /** Databases not run, with why. */
  skipped: string[];
  totalMs: number;
  /** 1-, 5- and 15-minute load averages when the scenario started and ended (absent in older results). */
  loadAverage?: { start: number[]; end: number[] };
}

/** Runs scenario 6 on SQLite and (when reachable) PostgreSQL. */
export async function runReportBench(cfg: ReportBenchConfig, say: (s: string) => void): Promise<ReportBenchResults> {
  const t0 = performance.now();
  const loadStart = loadavg();
  const runs: ReportBenchRun[] = [];
  const skipped: string[] = [];
  const kinds: BenchDatabaseKind[] = cfg.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!cfg.postgres) skipped.push('postgres: BENCH_POSTGRES=0');
  for (const kind of kinds) {
    const db = await createBenchDatabase(kind);
    if (!db) {
      skipped.push(`${kind}: the local cluster on /var/run/postgresql is not reachable`);
      say(`scenario 6: ${kind} skipped (not reachable)`);
      continue;
    }
    try {
      const url = db.url ?? `sqlite:${db.dataDir}/patchhive.db`;
      const args = [JSON.stringify({ url, kind, cfg })];
      say(
        `scenario 6 (${kind}): seeding ${cfg.machines.toLocaleString('en-US')} machines × ${cfg.findingsPerMachine} findings`,
      );
      const seed = await runScenario<SeedResult>('compliance-report', ['seed', ...args]);
      say(`scenario 6 (${kind}): seeded in ${(seed.result.ms / 1000).toFixed(1)} s; building the report ${cfg.runs}×`);
      const measure = await runScenario<MeasureResult>('compliance-report', ['measure', ...args]);
      const best = Math.min(...measure.result.reportMs);
      say(
        `scenario 6 (${kind}): report ${(best / 1000).toFixed(2)} s (best), peer ${Math.min(...measure.result.peerMs).toFixed(0)} ms, peak RSS ${(measure.maxRssKb / 1024).toFixed(0)} MiB`,
      );
      runs.push({ database: kind, seed, measure });
    } finally {
      await db.cleanup();
    }
  }
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    config: cfg,
    date,
    runs,
    skipped,
    totalMs: performance.now() - t0,
    loadAverage: { start: loadStart, end: loadavg() },
  };
}
