/** FindingStore on Kysely: findings per (machine, bulletin) and daily snapshots of their counts. */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { severityRank, type Severity } from '../catalog/model.js';
import type { Evidence, FindingStatus } from '../detect/model.js';
import { PatchhiveError } from '../errors.js';
import { planAssessment, type FindingRow } from './findings-plan.js';
import { guardStream, scanFacts, scanSnapshots, type FindingTables } from './kysely-findings-scan.js';
import {
  OPEN_STATUSES,
  type DailySnapshot,
  type FindingFilter,
  type FindingRecord,
  type FindingStore,
} from './ports.js';
import {
  chunk,
  inList,
  inTransaction,
  pageLimit,
  ROWS_PER_INSERT,
  toCount,
  toJson,
  type StoreKind,
} from './sql-util.js';
import { guardArea, type AreaErrors } from './store-errors.js';

export type { FindingTables };

type FindingsEb = ExpressionBuilder<FindingTables, 'findings'>;

function fromRow(r: Selectable<FindingRow>): FindingRecord {
  return {
    machineId: r.machine_id,
    bulletinId: r.bulletin_id,
    status: r.status as FindingStatus,
    severity: r.severity as Severity,
    title: r.title,
    package: r.package,
    fixedVersion: r.fixed_version,
    reason: r.reason,
    evidence: JSON.parse(r.evidence_json) as Evidence[],
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    resolvedAt: r.resolved_at,
  };
}

/** The WHERE conditions of a finding filter; `severities` means "at least the least of these". */
function filterConditions(kind: StoreKind, f: FindingFilter, eb: FindingsEb): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  if (f.machineIds) conds.push(inList(kind, 'findings.machine_id', f.machineIds));
  if (f.bulletinIds) conds.push(inList(kind, 'findings.bulletin_id', f.bulletinIds));
  if (f.statuses) conds.push(inList(kind, 'findings.status', f.statuses));
  if (f.severities) {
    const min = f.severities.length ? Math.min(...f.severities.map(severityRank)) : Infinity;
    conds.push(Number.isFinite(min) ? eb('severity_rank', '>=', min) : sql<SqlBool>`1 = 0`);
  }
  if (f.resolved !== undefined) conds.push(eb('resolved_at', f.resolved ? 'is not' : 'is', null));
  return conds;
}

/** Counts open findings grouped by `column` for the given ids; ids without any count 0. */
async function countOpenBy(
  db: Kysely<FindingTables>,
  kind: StoreKind,
  column: 'machine_id' | 'bulletin_id',
  ids: string[],
  machineIds?: string[],
) {
  const counts = new Map<string, number>(ids.map((id) => [id, 0]));
  if (ids.length === 0 || machineIds?.length === 0) return counts;
  let q = db
    .selectFrom('findings')
    .select([column, (eb) => eb.fn.countAll().as('n')])
    .where(inList(kind, `findings.${column}`, ids))
    .where(inList(kind, 'findings.status', OPEN_STATUSES));
  if (machineIds) q = q.where(inList(kind, 'findings.machine_id', machineIds));
  const rows = await q.groupBy(column).execute();
  for (const r of rows) counts.set(r[column], toCount(r.n));
  return counts;
}

const findingErrors: AreaErrors = {
  noun: 'finding',
  missingReference: { code: 'E_MACHINE_NOT_FOUND', message: "the finding's machine does not exist" },
};

/** Creates the findings area over `db`. */
export function createFindingStore(db: Kysely<FindingTables>, kind: StoreKind): FindingStore {
  const store: Omit<FindingStore, 'scanFacts' | 'scanSnapshots'> = {
    async applyAssessment(machineId, findings, at, scope) {
      return inTransaction(db, async (trx) => {
        // Lock the machine row on PostgreSQL so that two assessments of one machine run one after
        // the other (SQLite has one writer anyway); its absence is an error, not an empty result.
        let lock = trx.selectFrom('machines').select('id').where('id', '=', machineId);
        if (kind === 'postgres') lock = lock.forUpdate();
        if (!(await lock.executeTakeFirst()))
          throw new PatchhiveError('E_MACHINE_NOT_FOUND', `no machine with id ${machineId}`);

        const stored = await trx
          .selectFrom('findings')
          .select(['bulletin_id', 'status', 'first_seen_at', 'resolved_at'])
          .where('machine_id', '=', machineId)
          .execute();
        const plan = planAssessment(machineId, stored, findings, at, scope);
        for (const rows of chunk(plan.upserts, ROWS_PER_INSERT)) {
          await trx
            .insertInto('findings')
            .values(rows)
            .onConflict((oc) =>
              oc.columns(['machine_id', 'bulletin_id']).doUpdateSet((eb) => ({
                status: eb.ref('excluded.status'),
                severity: eb.ref('excluded.severity'),
                severity_rank: eb.ref('excluded.severity_rank'),
                title: eb.ref('excluded.title'),
                package: eb.ref('excluded.package'),
                fixed_version: eb.ref('excluded.fixed_version'),
                reason: eb.ref('excluded.reason'),
                evidence_json: eb.ref('excluded.evidence_json'),
                first_seen_at: eb.ref('excluded.first_seen_at'),
                last_seen_at: eb.ref('excluded.last_seen_at'),
                resolved_at: eb.ref('excluded.resolved_at'),
              })),
            )
            .execute();
        }
        // Absent findings keep their history but lose the evidence of a verdict that no longer holds.
        const absent = { status: 'not-applicable', reason: null, evidence_json: '[]' } as const;
        if (plan.absentOpen.length > 0) {
          await trx
            .updateTable('findings')
            .set({ ...absent, resolved_at: at })
            .where('machine_id', '=', machineId)
            .where(inList(kind, 'findings.bulletin_id', plan.absentOpen))
            .execute();
        }
        if (plan.absentClosed.length > 0) {
          await trx
            .updateTable('findings')
            .set(absent)
            .where('machine_id', '=', machineId)
            .where(inList(kind, 'findings.bulletin_id', plan.absentClosed))
            .execute();
        }
        return { opened: plan.opened, resolved: plan.resolved };
      });
    },
    async list(filter) {
      const where = (eb: FindingsEb) => eb.and(filterConditions(kind, filter, eb));
      const total = await db
        .selectFrom('findings')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(where)
        .executeTakeFirstOrThrow();
      let q = db
        .selectFrom('findings')
        .selectAll()
        .where(where)
        .orderBy('severity_rank', 'desc')
        .orderBy('bulletin_id')
        .orderBy('machine_id');
      const limit = pageLimit(filter.limit, filter.offset);
      if (limit !== undefined) q = q.limit(limit);
      if (filter.offset) q = q.offset(filter.offset);
      return { items: (await q.execute()).map(fromRow), total: toCount(total.n) };
    },
    countOpenByBulletin: (ids, machineIds) => countOpenBy(db, kind, 'bulletin_id', ids, machineIds),
    countOpenByMachine: (ids) => countOpenBy(db, kind, 'machine_id', ids),
    async countResolvedByBulletin(ids, since, machineIds) {
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      if (ids.length === 0 || machineIds?.length === 0) return counts;
      let q = db
        .selectFrom('findings')
        .select(['bulletin_id', (eb) => eb.fn.countAll().as('n')])
        .where(inList(kind, 'findings.bulletin_id', ids))
        .where('resolved_at', '>=', since);
      if (machineIds) q = q.where(inList(kind, 'findings.machine_id', machineIds));
      for (const r of await q.groupBy('bulletin_id').execute()) counts.set(r.bulletin_id, toCount(r.n));
      return counts;
    },
    async putSnapshot(s) {
      await db
        .insertInto('finding_snapshots')
        .values({
          machine_id: s.machineId,
          day: s.day,
          counts_json: toJson(s.counts),
          open_by_severity_json: toJson(s.openBySeverity),
        })
        .onConflict((oc) =>
          oc.columns(['machine_id', 'day']).doUpdateSet((eb) => ({
            counts_json: eb.ref('excluded.counts_json'),
            open_by_severity_json: eb.ref('excluded.open_by_severity_json'),
          })),
        )
        .execute();
    },
    async listSnapshots(machineId, fromDay, toDay) {
      const rows = await db
        .selectFrom('finding_snapshots')
        .selectAll()
        .where('machine_id', '=', machineId)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .orderBy('day')
        .execute();
      return rows.map((r): DailySnapshot => ({
        machineId: r.machine_id,
        day: r.day,
        counts: JSON.parse(r.counts_json) as DailySnapshot['counts'],
        openBySeverity: JSON.parse(r.open_by_severity_json) as DailySnapshot['openBySeverity'],
      }));
    },
    async deleteForMachine(machineId) {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('findings').where('machine_id', '=', machineId).execute();
        await trx.deleteFrom('finding_snapshots').where('machine_id', '=', machineId).execute();
      });
    },
  };
  return {
    ...guardArea(store, findingErrors),
    scanFacts: (opts) => guardStream(scanFacts(db, kind, opts), findingErrors),
    scanSnapshots: (fromDay, toDay, batchSize) =>
      guardStream(scanSnapshots(db, fromDay, toDay, batchSize), findingErrors),
  };
}
