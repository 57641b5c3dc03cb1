/**
 * Child process, scenario 6 (see bench/compliance-report.ts). argv: "seed" | "measure", then
 * <json: { url, kind, cfg }>. "seed" migrates the store and fills its tables with multi-row bulk
 * inserts over its own connection (better-sqlite3 prepared statements in one transaction per batch;
 * pg INSERT ... SELECT FROM unnest(arrays)); "measure" opens the store as the server would and
 * times the report, its rendering and the peer GROUP BY.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { SEVERITIES, severityRank, type Severity } from '../../src/catalog/model.js';
import { DEFAULT_DEADLINE_POLICY } from '../../src/policy/deadlines.js';
import { buildComplianceReport } from '../../src/server/services/report-build.js';
import { reportHtml } from '../../src/report/html.js';
import type { ComplianceReport } from '../../src/report/model.js';
import { openStore } from '../../src/store/open.js';
import type { FindingStore, Store } from '../../src/store/ports.js';
import type { BenchDatabaseKind } from '../bench-db.js';
import type { MeasureResult, ReportBenchConfig, SeedResult } from '../compliance-report.js';
import { reportToParent, timed } from '../measure.js';
import { createRng } from '../prng.js';

interface Args {
  url: string;
  kind: BenchDatabaseKind;
  cfg: ReportBenchConfig;
}

type Value = string | number | null;
/** Column name and its PostgreSQL array type for unnest. */
type Columns = [string, 'text' | 'int'][];
type Insert = (table: string, columns: Columns, rows: Value[][]) => Promise<void>;

const DAY_MS = 86_400_000;
const BATCH = 10_000;
const EVIDENCE = JSON.stringify([
  {
    test: 'dpkginfo',
    message: 'openssl 3.0.11-1~deb12u1 is older than the fixed 3.0.13-1~deb12u1',
    expected: '3.0.13-1~deb12u1',
    actual: '3.0.11-1~deb12u1',
  },
]);
const OPEN_SQL =
  "select severity, count(*) as n from findings where status in ('missing', 'affected') group by severity";

const sqlitePath = (url: string): string => url.replace(/^sqlite:/, '');

/** A bulk inserter over the database's own driver, and how to close it. */
async function bulkWriter(a: Args): Promise<{ insert: Insert; close(): Promise<void> }> {
  if (a.kind === 'sqlite') {
    const db = new SqliteDatabase(sqlitePath(a.url));
    db.pragma('synchronous = OFF');
    const insert: Insert = async (table, columns, rows) => {
      const stmt = db.prepare(
        `insert into ${table} (${columns.map((c) => c[0]).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
      );
      db.transaction((rs: Value[][]) => rs.forEach((r) => stmt.run(r)))(rows);
    };
    return { insert, close: async () => void db.close() };
  }
  const client = new pg.Client({ connectionString: a.url });
  await client.connect();
  const insert: Insert = async (table, columns, rows) => {
    const arrays = columns.map((_, i) => rows.map((r) => r[i]));
    const unnest = columns.map(([, t], i) => `$${i + 1}::${t === 'int' ? 'int' : 'text'}[]`).join(', ');
    await client.query(
      `insert into ${table} (${columns.map((c) => c[0]).join(', ')}) select * from unnest(${unnest})`,
      arrays,
    );
  };
  return { insert, close: () => client.end() };
}

/** Collects rows and writes them every BATCH rows. */
function batcher(insert: Insert, table: string, columns: Columns) {
  let rows: Value[][] = [];
  let count = 0;
  return {
    async add(row: Value[]) {
      rows.push(row);
      count++;
      if (rows.length >= BATCH) await this.flush();
    },
    async flush() {
      if (rows.length > 0) await insert(table, columns, rows);
      rows = [];
    },
    count: () => count,
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

async function seed(a: Args): Promise<SeedResult> {
  const { cfg } = a;
  const store = await openStore(a.url);
  await store.migrate();
  await store.close();
  const t0 = performance.now();
  const rng = createRng(cfg.seed);
  const now = Date.parse(cfg.now);
  const iso = (ms: number) => new Date(ms).toISOString();
  const created = iso(now - 400 * DAY_MS);
  const w = await bulkWriter(a);

  const machineIds = Array.from({ length: cfg.machines }, (_, i) => `m-${pad(i, 6)}`);
  const groupIds = Array.from({ length: cfg.groups }, (_, g) => `g-${pad(g, 2)}`);
  const machines = batcher(w.insert, 'machines', [
    ['id', 'text'],
    ['name', 'text'],
    ['criticality', 'text'],
    ['owner', 'text'],
    ['tags_json', 'text'],
    ['internet_facing', 'int'],
    ['source', 'text'],
    ['created_at', 'text'],
  ]);
  for (const [i, id] of machineIds.entries())
    await machines.add([
      id,
      `host-${pad(i, 6)}`,
      'medium',
      rng.chance(0.1) ? null : `owner-${pad(rng.int(50), 2)}`,
      '[]',
      0,
      'import',
      created,
    ]);
  await machines.flush();

  const groupCols: Columns = [
    ['id', 'text'],
    ['name', 'text'],
    ['kind', 'text'],
    ['created_at', 'text'],
    ['owner', 'text'],
    ['requires_second_approver', 'int'],
    ['deadline_policy_json', 'text'],
  ];
  // A quarter of the groups have a shorter critical deadline, so verdicts differ between groups.
  await w.insert(
    'machine_groups',
    groupCols,
    groupIds.map((id, g) => [
      id,
      `group-${pad(g, 2)}`,
      'static',
      created,
      `team-${pad(g, 2)}@example.org`,
      0,
      g % 4 === 0 ? '{"tested":{"critical":"P7D"}}' : null,
    ]),
  );
  const members = batcher(w.insert, 'group_members', [
    ['group_id', 'text'],
    ['machine_id', 'text'],
  ]);
  for (const [i, id] of machineIds.entries()) {
    await members.add([groupIds[i % cfg.groups]!, id]);
    const second = (i * 7 + 3) % cfg.groups;
    if (i % 10 === 0 && second !== i % cfg.groups) await members.add([groupIds[second]!, id]);
  }
  await members.flush();

  // Severities: critical 10 %, important 30 %, moderate 30 %, low 20 %, unknown 10 %.
  const severityOf = (x: number): Severity =>
    x < 0.1 ? 'critical' : x < 0.4 ? 'important' : x < 0.7 ? 'moderate' : x < 0.9 ? 'low' : 'unknown';
  const bulletins = Array.from({ length: cfg.bulletins }, (_, j) => ({
    id: `PHB-${pad(j, 5)}`,
    severity: severityOf(rng.next()),
    published: rng.chance(0.05) ? null : iso(now - rng.next() * 365 * DAY_MS),
  }));
  const bulletinRows = batcher(w.insert, 'bulletins', [
    ['id', 'text'],
    ['source_id', 'text'],
    ['title', 'text'],
    ['severity', 'text'],
    ['published', 'text'],
    ['cves_json', 'text'],
    ['kbs_json', 'text'],
    ['content_hash', 'text'],
  ]);
  for (const b of bulletins)
    await bulletinRows.add([b.id, 'bench', `Security update ${b.id}`, b.severity, b.published, '[]', '[]', b.id]);
  await bulletinRows.flush();

  const findingCols: Columns = [
    ['machine_id', 'text'],
    ['bulletin_id', 'text'],
    ['status', 'text'],
    ['severity', 'text'],
    ['severity_rank', 'int'],
    ['title', 'text'],
    ['evidence_json', 'text'],
    ['first_seen_at', 'text'],
    ['last_seen_at', 'text'],
    ['resolved_at', 'text'],
  ];
  const findings = batcher(w.insert, 'findings', findingCols);
  const snapshots = batcher(w.insert, 'finding_snapshots', [
    ['machine_id', 'text'],
    ['day', 'text'],
    ['counts_json', 'text'],
    ['open_by_severity_json', 'text'],
  ]);
  const order = Int32Array.from({ length: cfg.bulletins }, (_, j) => j);
  let open = 0;
  for (const id of machineIds) {
    // A partial Fisher–Yates shuffle picks the machine's distinct bulletins; sorted, they insert in key order.
    for (let k = 0; k < cfg.findingsPerMachine; k++) {
      const r = k + rng.int(cfg.bulletins - k);
      [order[k], order[r]] = [order[r]!, order[k]!];
    }
    const picks = Array.from(order.subarray(0, cfg.findingsPerMachine)).sort((x, y) => x - y);
    const openBySeverity: Partial<Record<Severity, number>> = {};
    for (const j of picks) {
      const b = bulletins[j]!;
      const title = `Security update ${b.id}`;
      if (rng.chance(cfg.openShare)) {
        open++;
        openBySeverity[b.severity] = (openBySeverity[b.severity] ?? 0) + 1;
        await findings.add([
          id,
          b.id,
          'missing',
          b.severity,
          severityRank(b.severity),
          title,
          EVIDENCE,
          iso(now - (1 + rng.next() * 199) * DAY_MS),
          cfg.now,
          null,
        ]);
      } else {
        const resolvedAt = now - rng.next() * (cfg.periodDays - 0.1) * DAY_MS;
        await findings.add([
          id,
          b.id,
          'installed',
          b.severity,
          severityRank(b.severity),
          title,
          EVIDENCE,
          iso(resolvedAt - (1 + rng.next() * 59) * DAY_MS),
          iso(resolvedAt),
          iso(resolvedAt),
        ]);
      }
    }
    const total = Object.values(openBySeverity).reduce((x, y) => x + y, 0);
    for (let d = cfg.periodDays - 1; d >= 0; d--) {
      // Earlier days had a few more open findings (the ones resolved since).
      const extra = Math.round((d / cfg.periodDays) * (cfg.findingsPerMachine - total));
      const bySev = { ...openBySeverity, important: (openBySeverity.important ?? 0) + extra };
      await snapshots.add([
        id,
        iso(now - d * DAY_MS).slice(0, 10),
        JSON.stringify({ missing: total + extra, installed: cfg.findingsPerMachine - total - extra }),
        JSON.stringify(bySev),
      ]);
    }
  }
  await findings.flush();
  await snapshots.flush();

  const decisionCols: Columns = [
    ['bulletin_id', 'text'],
    ['group_id', 'text'],
    ['state', 'text'],
    ['reason', 'text'],
    ['ignore_until', 'text'],
    ['emergency', 'int'],
    ['approvals_json', 'text'],
    ['created_at', 'text'],
    ['updated_at', 'text'],
    ['updated_by', 'text'],
    ['version', 'int'],
  ];
  const decisions = batcher(w.insert, 'triage_decisions', decisionCols);
  for (const g of groupIds) {
    for (const b of bulletins) {
      if (!rng.chance(0.5)) continue;
      const x = rng.next();
      const state = x < 0.85 ? 'approved' : x < 0.92 ? 'ignored' : x < 0.97 ? 'declined' : 'new';
      const until = state === 'ignored' && rng.chance(0.5) ? iso(now + 30 * DAY_MS) : null;
      await decisions.add([
        b.id,
        g,
        state,
        state === 'ignored' || state === 'declined' ? 'bench' : null,
        until,
        state === 'approved' && rng.chance(0.05) ? 1 : 0,
        state === 'approved' ? '["alice"]' : '[]',
        created,
        created,
        'alice',
        1,
      ]);
    }
  }
  await decisions.flush();

  const exceptionCols: Columns = [
    ['id', 'text'],
    ['bulletin_id', 'text'],
    ['machine_id', 'text'],
    ['group_id', 'text'],
    ['owner', 'text'],
    ['reason', 'text'],
    ['until', 'text'],
    ['created_at', 'text'],
    ['created_by', 'text'],
  ];
  const exceptions: Value[][] = [];
  for (let e = 0; e < 300; e++) {
    const onGroup = e % 30 === 0;
    exceptions.push([
      `ex-${pad(e, 4)}`,
      rng.pick(bulletins).id,
      onGroup ? null : rng.pick(machineIds),
      onGroup ? rng.pick(groupIds) : null,
      'risk@example.org',
      'bench',
      iso(now + (e % 10 === 0 ? -5 : 90) * DAY_MS),
      created,
      'alice',
    ]);
  }
  await w.insert('risk_exceptions', exceptionCols, exceptions);
  await w.close();
  if (a.kind === 'postgres') {
    // Autovacuum would analyse these tables soon after such a load; do it now so plans are realistic.
    const c = new pg.Client({ connectionString: a.url });
    await c.connect();
    await c.query('analyze');
    await c.end();
  }
  const count = findings.count();
  return {
    ms: performance.now() - t0,
    machines: cfg.machines,
    groups: cfg.groups,
    memberships: members.count(),
    bulletins: cfg.bulletins,
    findings: count,
    openFindings: open,
    resolvedFindings: count - open,
    decisions: decisions.count(),
    exceptions: exceptions.length,
    snapshots: snapshots.count(),
  };
}

/** The peer: a hand-written count of open findings per severity, on its own connection. */
async function peerCounter(a: Args): Promise<{ count(): Promise<Record<string, number>>; close(): Promise<void> }> {
  const toRecord = (rows: { severity: string; n: number | string }[]) =>
    Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
  if (a.kind === 'sqlite') {
    const db = new SqliteDatabase(sqlitePath(a.url), { readonly: true });
    const stmt = db.prepare(OPEN_SQL);
    return {
      count: async () => toRecord(stmt.all() as { severity: string; n: number }[]),
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: a.url });
  await client.connect();
  return {
    count: async () => toRecord((await client.query<{ severity: string; n: string }>(OPEN_SQL)).rows),
    close: () => client.end(),
  };
}

/**
 * The store as the report uses it, with heapUsed sampled after every batch it streams (a timer
 * would not fire: on SQLite the whole report runs without yielding to the event loop).
 */
function heapSampled(store: Store): { store: Store; peak(): number } {
  let peak = 0;
  async function* sample<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const batch of stream) {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      yield batch;
    }
  }
  const f = store.findings;
  const findings = {
    scanFacts: (o: Parameters<FindingStore['scanFacts']>[0]) => sample(f.scanFacts(o)),
    scanSnapshots: (a: string, b: string, n?: number) => sample(f.scanSnapshots(a, b, n)),
  };
  const wrapped = {
    machines: store.machines,
    bulletins: store.bulletins,
    triage: store.triage,
    findings,
  } as unknown as Store;
  return { store: wrapped, peak: () => peak };
}

async function measure(a: Args): Promise<MeasureResult> {
  const { cfg } = a;
  const opened = await timed(() => openStore(a.url));
  const store = opened.value;
  const groups = await timed(async () =>
    Promise.all(
      (await store.groups.list()).map(async (record) => ({ record, memberIds: await store.groups.members(record.id) })),
    ),
  );
  const baselineRssKb = process.memoryUsage().rss / 1024;
  const sampled = heapSampled(store);
  const reportMs: number[] = [];
  let report: ComplianceReport | undefined;
  for (let r = 0; r < cfg.runs; r++) {
    const t = await timed(() =>
      buildComplianceReport(sampled.store, {
        now: cfg.now,
        groups: groups.value,
        periodDays: cfg.periodDays,
        defaultPolicy: DEFAULT_DEADLINE_POLICY,
      }),
    );
    reportMs.push(t.ms);
    report = t.value;
  }
  const peakHeap = sampled.peak();
  const json = await timed(() => JSON.stringify(report));
  const html = await timed(() => reportHtml(report!));
  const peer = await peerCounter(a);
  const peerMs: number[] = [];
  let counts: Record<string, number> = {};
  for (let r = 0; r < cfg.runs; r++) {
    const t = await timed(() => peer.count());
    peerMs.push(t.ms);
    counts = t.value;
  }
  await peer.close();
  await store.close();
  const r = report!;
  return {
    openMs: opened.ms,
    groupsMs: groups.ms,
    baselineRssKb,
    reportMs,
    peakHeapMb: peakHeap / 2 ** 20,
    jsonMs: json.ms,
    jsonBytes: Buffer.byteLength(json.value),
    htmlMs: html.ms,
    htmlBytes: Buffer.byteLength(html.value),
    summary: r.summary,
    rows: {
      byBulletin: r.byBulletin.length,
      overdue: r.overdue.length,
      overdueOmitted: r.overdueOmitted,
      trends: r.trends.length,
    },
    peerMs,
    peerOpenBySeverity: counts,
    peerAgrees: SEVERITIES.every((s) => (counts[s] ?? 0) === r.bySeverity.find((x) => x.severity === s)!.open),
  };
}

const [mode, json] = [process.argv[2], process.argv[3]!];
const args = JSON.parse(json) as Args;
if (mode === 'seed') reportToParent(await seed(args));
else if (mode === 'measure') reportToParent(await measure(args));
else throw new Error(`unknown mode ${mode}`);
