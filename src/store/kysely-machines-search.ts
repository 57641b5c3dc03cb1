/**
 * The machine search of the console as SQL: filters on name, OS, owner, tag, status and installed
 * package, sorted and paged in the database (a count and a page: two queries whatever the fleet's
 * size). The findings and agents tables are read in subqueries only, never written.
 */
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { OPEN_STATUSES } from '../detect/model.js';
import type { InstalledPackageRecord, MachineSearch, MachineStatus } from './ports.js';
import { inList, likePattern, toCount, type StoreKind } from './sql-util.js';

/** A row of `machines`. */
export interface MachineRow {
  id: string;
  name: string;
  os_json: string | null;
  role: string | null;
  criticality: string;
  owner: string | null;
  location: string | null;
  tags_json: string;
  internet_facing: number;
  source: string;
  agent_id: string | null;
  created_at: string;
  last_seen_at: string | null;
  inventory_hash: string | null;
  inventory_at: string | null;
  assessed_hash: string | null;
  assessed_at: string | null;
}

/** A row of `machine_inventories`: the last inventory a machine reported. */
export interface InventoryRow {
  machine_id: string;
  hash: string;
  inventory_json: string;
  at: string;
}

/** The tables the machines area owns. */
export interface MachineTables {
  machines: MachineRow;
  machine_inventories: InventoryRow;
  machine_packages: MachinePackageRow;
}

/** A row of `machine_packages`: one package, product or KB of a machine's latest inventory. */
export interface MachinePackageRow {
  machine_id: string;
  kind: string;
  name: string;
  version: string | null;
  release: string | null;
  arch: string | null;
  source: string | null;
}

const OS_FIELDS = ['family', 'platform', 'release', 'codename'] as const;

/** "family platform release codename" of the machine's OS summary (JSON text), lower-cased. */
function osText(kind: StoreKind): RawBuilder<string> {
  const field = (key: string) =>
    kind === 'postgres'
      ? sql`coalesce(machines.os_json::json ->> ${sql.lit(key)}, '')`
      : sql`coalesce(json_extract(machines.os_json, ${sql.lit('$.' + key)}), '')`;
  return sql<string>`lower(${sql.join(
    OS_FIELDS.map((k) => field(k)),
    sql` || ' ' || `,
  )})`;
}

/** The last contact: the last check-in, else (imported machines) the last inventory. */
const SEEN = sql`coalesce(machines.last_seen_at, machines.inventory_at)`;

function openFindingsOf(kind: StoreKind): RawBuilder<number> {
  return sql<number>`(select count(*) from findings f where f.machine_id = machines.id and ${inList(kind, 'f.status', OPEN_STATUSES)})`;
}

function statusCondition(kind: StoreKind, status: MachineStatus, staleBefore: string | undefined): Expression<SqlBool> {
  switch (status) {
    case 'stale':
      return sql<SqlBool>`${SEEN} < ${staleBefore ?? ''}`;
    case 'never-seen':
      return sql<SqlBool>`machines.inventory_at is null`;
    case 'open-findings':
      return sql<SqlBool>`exists (select 1 from findings f where f.machine_id = machines.id and ${inList(kind, 'f.status', OPEN_STATUSES)})`;
    case 'assessment-pending':
      return sql<SqlBool>`(machines.inventory_hash is not null and (machines.assessed_hash is null or machines.assessed_hash <> machines.inventory_hash))`;
    case 'agent-stale':
      return sql<SqlBool>`exists (select 1 from agents a where a.machine_id = machines.id and a.revoked_at is null and a.stale_since is not null)`;
  }
}

function tagCondition(kind: StoreKind, tag: string): Expression<SqlBool> {
  return kind === 'postgres'
    ? sql<SqlBool>`exists (select 1 from jsonb_array_elements_text(machines.tags_json::jsonb) as t(v) where t.v = ${tag})`
    : sql<SqlBool>`exists (select 1 from json_each(machines.tags_json) where value = ${tag})`;
}

/** The WHERE conditions of a search (all must hold). */
function conditions(kind: StoreKind, f: MachineSearch): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  if (f.ids) out.push(inList(kind, 'machines.id', f.ids));
  if (f.q) out.push(sql<SqlBool>`lower(machines.name) like ${likePattern(f.q)} escape '\\'`);
  if (f.os) out.push(sql<SqlBool>`${osText(kind)} like ${likePattern(f.os)} escape '\\'`);
  if (f.owner) out.push(sql<SqlBool>`lower(coalesce(machines.owner, '')) like ${likePattern(f.owner)} escape '\\'`);
  if (f.tag) out.push(tagCondition(kind, f.tag));
  if (f.statuses && f.statuses.length > 0) {
    const any = f.statuses.map((s) => statusCondition(kind, s, f.staleBefore));
    out.push(sql<SqlBool>`(${sql.join(any, sql` or `)})`);
  }
  if (f.package) {
    const version = f.package.version === undefined ? sql`` : sql` and p.version = ${f.package.version}`;
    out.push(
      sql<SqlBool>`machines.id in (select p.machine_id from machine_packages p where p.name = ${f.package.name}${version})`,
    );
  }
  return out;
}

/** One page of the machines matching `f` (rows of `machines`), and how many match. */
export async function searchMachines(
  db: Kysely<MachineTables>,
  kind: StoreKind,
  f: MachineSearch,
): Promise<{ rows: MachineRow[]; total: number }> {
  if (f.ids?.length === 0) return { rows: [], total: 0 };
  let base = db.selectFrom('machines');
  for (const c of conditions(kind, f)) base = base.where(c);
  const counted = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const direction = f.order ?? (f.sort === 'openFindings' ? 'desc' : 'asc');
  let q = base.selectAll('machines');
  if (f.sort === 'lastSeenAt') q = q.orderBy(sql`coalesce(${SEEN}, '')`, direction);
  else if (f.sort === 'openFindings') q = q.orderBy(openFindingsOf(kind), direction);
  else q = q.orderBy('machines.name', direction);
  const rows = await q.orderBy('machines.name').orderBy('machines.id').limit(f.limit).offset(f.offset).execute();
  return { rows, total: toCount(counted?.n) };
}

/** The packages of one machine, by name, version and kind; `q` a name substring. */
export async function listPackages(
  db: Kysely<MachineTables>,
  machineId: string,
  f: { q?: string; limit: number; offset: number },
): Promise<{ items: InstalledPackageRecord[]; total: number }> {
  let base = db.selectFrom('machine_packages').where('machine_id', '=', machineId);
  if (f.q) base = base.where(sql<SqlBool>`lower(name) like ${likePattern(f.q)} escape '\\'`);
  const counted = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const rows = await base
    .select(['kind', 'name', 'version', 'release', 'arch', 'source'])
    .orderBy('name')
    .orderBy(sql`coalesce(version, '')`)
    .orderBy('kind')
    .orderBy(sql`coalesce(arch, '')`)
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return {
    items: rows.map((r) => ({ ...r, kind: r.kind as InstalledPackageRecord['kind'] })),
    total: toCount(counted?.n),
  };
}
