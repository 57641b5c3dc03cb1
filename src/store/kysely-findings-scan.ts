/**
 * The streaming reads of the findings area, for reports: keyset pages (never OFFSET) over the
 * primary key order, so memory and per-page cost stay bounded however many findings there are.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Severity } from '../catalog/model.js';
import type { FindingStatus } from '../detect/model.js';
import { PatchhiveError } from '../errors.js';
import type { FindingRow } from './findings-plan.js';
import { OPEN_STATUSES, type DailySnapshot, type FindingFact } from './ports.js';
import { inList, type StoreKind } from './sql-util.js';
import { translateStoreError, type AreaErrors } from './store-errors.js';

/** A row of `finding_snapshots`: one machine's counts on one UTC day. */
export interface SnapshotRow {
  machine_id: string;
  day: string;
  counts_json: string;
  open_by_severity_json: string;
}

/** The tables the findings area owns, plus the machine ids it locks and checks. */
export interface FindingTables {
  findings: FindingRow;
  finding_snapshots: SnapshotRow;
  machines: { id: string };
}

/** Rows per batch when the caller does not say. */
export const DEFAULT_SCAN_BATCH = 5000;

function batchSizeOf(n: number | undefined): number {
  const size = n ?? DEFAULT_SCAN_BATCH;
  if (!Number.isInteger(size) || size < 1)
    throw new PatchhiveError('E_INTERNAL', `scan batch size must be a positive integer, not ${size}`);
  return size;
}

/**
 * Yields the non-empty pages of at most `size` rows: each page starts after the key of the previous
 * page's last row; a short page is the last one.
 */
async function* keysetPages<R, K>(
  size: number,
  fetchPage: (after: K | undefined) => Promise<R[]>,
  keyOf: (row: R) => K,
): AsyncGenerator<R[]> {
  let after: K | undefined;
  for (;;) {
    const rows = await fetchPage(after);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

/** FindingStore.scanFacts: open findings plus those resolved at or after `resolvedSince`. */
export async function* scanFacts(
  db: Kysely<FindingTables>,
  kind: StoreKind,
  opts: { resolvedSince?: string; machineIds?: string[]; batchSize?: number },
): AsyncGenerator<FindingFact[]> {
  const size = batchSizeOf(opts.batchSize);
  if (opts.machineIds?.length === 0) return;
  const fetchPage = (after: readonly [string, string] | undefined) => {
    let q = db
      .selectFrom('findings')
      .select(['machine_id', 'bulletin_id', 'status', 'severity', 'first_seen_at', 'resolved_at'])
      .where((eb) => {
        const open = inList(kind, 'findings.status', OPEN_STATUSES);
        return opts.resolvedSince === undefined ? open : eb.or([open, eb('resolved_at', '>=', opts.resolvedSince)]);
      });
    if (opts.machineIds) q = q.where(inList(kind, 'findings.machine_id', opts.machineIds));
    if (after) q = q.where(sql<SqlBool>`(machine_id, bulletin_id) > (${after[0]}, ${after[1]})`);
    return q.orderBy('machine_id').orderBy('bulletin_id').limit(size).execute();
  };
  for await (const rows of keysetPages(size, fetchPage, (r) => [r.machine_id, r.bulletin_id] as const)) {
    yield rows.map((r) => ({
      machineId: r.machine_id,
      bulletinId: r.bulletin_id,
      status: r.status as FindingStatus,
      severity: r.severity as Severity,
      firstSeenAt: r.first_seen_at,
      resolvedAt: r.resolved_at,
    }));
  }
}

/** FindingStore.scanSnapshots: every machine's snapshots with fromDay ≤ day ≤ toDay. */
export async function* scanSnapshots(
  db: Kysely<FindingTables>,
  fromDay: string,
  toDay: string,
  batchSize?: number,
): AsyncGenerator<DailySnapshot[]> {
  const size = batchSizeOf(batchSize);
  const fetchPage = (after: readonly [string, string] | undefined) => {
    let q = db.selectFrom('finding_snapshots').selectAll().where('day', '>=', fromDay).where('day', '<=', toDay);
    if (after) q = q.where(sql<SqlBool>`(day, machine_id) > (${after[0]}, ${after[1]})`);
    return q.orderBy('day').orderBy('machine_id').limit(size).execute();
  };
  for await (const rows of keysetPages(size, fetchPage, (r) => [r.day, r.machine_id] as const)) {
    yield rows.map((r) => ({
      machineId: r.machine_id,
      day: r.day,
      counts: JSON.parse(r.counts_json) as DailySnapshot['counts'],
      openBySeverity: JSON.parse(r.open_by_severity_json) as DailySnapshot['openBySeverity'],
    }));
  }
}

/**
 * Wraps a stream so whatever it throws is a PatchhiveError (guardArea wraps promise-returning
 * methods only; a generator's errors surface while it is iterated).
 */
export async function* guardStream<T>(stream: AsyncIterable<T>, area: AreaErrors): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (err) {
    throw translateStoreError(err, area);
  }
}
