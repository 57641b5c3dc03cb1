/** BulletinStore on Kysely: the bulletins each catalog source provides. */
import { sql, type Expression, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { BulletinSort } from '../protocol/api.js';
import type { Severity } from '../catalog/model.js';
import type { BulletinRecord, BulletinStore } from './ports.js';
import {
  chunk,
  inList,
  inTransaction,
  likePattern,
  pageLimit,
  ROWS_PER_INSERT,
  toCount,
  toJson,
  type StoreKind,
} from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `bulletins`. */
export interface BulletinRow {
  id: string;
  source_id: string;
  title: string;
  severity: string;
  published: string | null;
  revised: string | null;
  cves_json: string;
  kbs_json: string;
  content_hash: string;
  withdrawn_at: string | null;
}

/** The tables the bulletins area owns. */
export interface BulletinTables {
  bulletins: BulletinRow;
}

type BulletinFilter = Parameters<BulletinStore['list']>[0];

function toRow(b: BulletinRecord): BulletinRow {
  return {
    id: b.id,
    source_id: b.sourceId,
    title: b.title,
    severity: b.severity,
    published: b.published,
    revised: b.revised,
    cves_json: toJson(b.cves),
    kbs_json: toJson(b.kbs),
    content_hash: b.contentHash,
    withdrawn_at: b.withdrawnAt,
  };
}

function fromRow(r: Selectable<BulletinRow>): BulletinRecord {
  return {
    id: r.id,
    sourceId: r.source_id,
    title: r.title,
    severity: r.severity as Severity,
    published: r.published,
    revised: r.revised,
    cves: JSON.parse(r.cves_json) as string[],
    kbs: JSON.parse(r.kbs_json) as string[],
    contentHash: r.content_hash,
    withdrawnAt: r.withdrawn_at,
  };
}

/** The WHERE conditions of a bulletin filter; `severities` is a set, `q` a case-insensitive substring of id, title or a CVE. */
function filterConditions(kind: StoreKind, f: BulletinFilter): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  if (f.severities) conds.push(inList(kind, 'bulletins.severity', f.severities));
  if (f.sourceId !== undefined) conds.push(sql<SqlBool>`source_id = ${f.sourceId}`);
  if (f.ids) conds.push(inList(kind, 'bulletins.id', f.ids));
  if (!f.includeWithdrawn) conds.push(sql<SqlBool>`withdrawn_at is null`);
  if (f.q) {
    const p = likePattern(f.q);
    conds.push(
      sql<SqlBool>`(lower(id) like ${p} escape '\\' or lower(title) like ${p} escape '\\' or lower(cves_json) like ${p} escape '\\')`,
    );
  }
  // Dates are stored as given (YYYY-MM-DD or a full ISO time): text comparison on the day prefix.
  if (f.publishedFrom !== undefined) conds.push(sql<SqlBool>`substr(published, 1, 10) >= ${f.publishedFrom}`);
  if (f.publishedTo !== undefined) conds.push(sql<SqlBool>`substr(published, 1, 10) <= ${f.publishedTo}`);
  // The id lists are JSON arrays of strings: look for the id as a whole JSON string.
  if (f.cve !== undefined) conds.push(containsText(kind, 'upper(cves_json)', JSON.stringify(f.cve.toUpperCase())));
  if (f.kb !== undefined) {
    const digits = f.kb.replace(/^kb/i, '');
    conds.push(
      sql<SqlBool>`(${containsText(kind, 'upper(kbs_json)', JSON.stringify(`KB${digits}`))} or ${containsText(kind, 'kbs_json', JSON.stringify(digits))})`,
    );
  }
  return conds;
}

function containsText(kind: StoreKind, column: 'upper(cves_json)' | 'upper(kbs_json)' | 'kbs_json', needle: string) {
  const col = sql.raw(column);
  return kind === 'postgres' ? sql<SqlBool>`strpos(${col}, ${needle}) > 0` : sql<SqlBool>`instr(${col}, ${needle}) > 0`;
}

const SEVERITY_RANK = sql`case severity when 'critical' then 4 when 'important' then 3 when 'moderate' then 2 when 'low' then 1 else 0 end`;

/** The ORDER BY of a sort: the field, then the id so pages are stable. Undated bulletins come last either way. */
function orderOf(sort: BulletinSort): { expr: RawBuilder<unknown>; dir: 'asc' | 'desc' }[] {
  const desc = sort.startsWith('-');
  const dir = desc ? 'desc' : 'asc';
  switch (sort.replace(/^-/, '')) {
    case 'published':
      return [
        { expr: sql`case when published is null then 1 else 0 end`, dir: 'asc' },
        { expr: sql`published`, dir },
        { expr: sql`id`, dir: 'asc' },
      ];
    case 'severity':
      return [
        { expr: SEVERITY_RANK, dir },
        { expr: sql`coalesce(published, '')`, dir: 'desc' },
        { expr: sql`id`, dir: 'asc' },
      ];
    default:
      return [{ expr: sql`id`, dir }];
  }
}

/** Creates the bulletins area over `db`. */
export function createBulletinStore(db: Kysely<BulletinTables>, kind: StoreKind): BulletinStore {
  const store: BulletinStore = {
    async replaceForSource(sourceId, bulletins, at) {
      await inTransaction(db, async (trx) => {
        const rows = [...new Map(bulletins.map((b) => [b.id, toRow({ ...b, sourceId, withdrawnAt: null })])).values()];
        for (const part of chunk(rows, ROWS_PER_INSERT)) {
          await trx
            .insertInto('bulletins')
            .values(part)
            .onConflict((oc) =>
              oc.column('id').doUpdateSet((eb) => ({
                source_id: eb.ref('excluded.source_id'),
                title: eb.ref('excluded.title'),
                severity: eb.ref('excluded.severity'),
                published: eb.ref('excluded.published'),
                revised: eb.ref('excluded.revised'),
                cves_json: eb.ref('excluded.cves_json'),
                kbs_json: eb.ref('excluded.kbs_json'),
                content_hash: eb.ref('excluded.content_hash'),
                withdrawn_at: eb.ref('excluded.withdrawn_at'),
              })),
            )
            .execute();
        }
        const kept = new Set(rows.map((r) => r.id));
        const current = await trx
          .selectFrom('bulletins')
          .select('id')
          .where('source_id', '=', sourceId)
          .where('withdrawn_at', 'is', null)
          .execute();
        const gone = current.map((r) => r.id).filter((id) => !kept.has(id));
        if (gone.length > 0) {
          await trx
            .updateTable('bulletins')
            .set({ withdrawn_at: at })
            .where(inList(kind, 'bulletins.id', gone))
            .execute();
        }
      });
    },
    async listForSource(sourceId) {
      const rows = await db
        .selectFrom('bulletins')
        .selectAll()
        .where('source_id', '=', sourceId)
        .orderBy('id')
        .execute();
      return rows.map(fromRow);
    },
    async get(id) {
      const r = await db.selectFrom('bulletins').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromRow(r);
    },
    async list(filter) {
      const conds = filterConditions(kind, filter);
      const total = await db
        .selectFrom('bulletins')
        .select((eb) => eb.fn.countAll().as('n'))
        .where((eb) => eb.and(conds))
        .executeTakeFirstOrThrow();
      // Default: newest first; bulletins without a date last; the id settles ties so pages are stable.
      let q = db
        .selectFrom('bulletins')
        .selectAll()
        .where((eb) => eb.and(conds));
      for (const o of orderOf(filter.sort ?? '-published')) q = q.orderBy(o.expr, o.dir);
      const limit = pageLimit(filter.limit, filter.offset);
      if (limit !== undefined) q = q.limit(limit);
      if (filter.offset) q = q.offset(filter.offset);
      return { items: (await q.execute()).map(fromRow), total: toCount(total.n) };
    },
  };
  return guardArea(store, { noun: 'bulletin' });
}
