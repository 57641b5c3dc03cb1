/** Small SQL helpers shared by the store areas: id lists, JSON columns, paging, row counts. */
import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import { PatchhiveError, type ErrorCode } from '../errors.js';

/** Which database an area runs on; a few statements differ between them. */
export type StoreKind = 'sqlite' | 'postgres';

/**
 * Runs `fn` in a transaction: a new one, or the one `db` already is (inside store.transaction), so
 * an area's multi-statement write joins the caller's transaction instead of committing on its own.
 */
export function inTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<DB>) : db.transaction().execute(fn);
}

/** Rows per multi-row INSERT: well below both databases' bound-parameter limits. */
export const ROWS_PER_INSERT = 400;

/** Splits `items` into consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `column IN (ids)` with the whole list bound as ONE parameter (a text[] on PostgreSQL, a JSON
 * array read by json_each on SQLite), so lists of any length stay under the parameter limits.
 */
export function inList(kind: StoreKind, column: string, ids: readonly string[]): Expression<SqlBool> {
  if (kind === 'postgres') return sql<SqlBool>`${sql.ref(column)} = any(${[...ids]}::text[])`;
  return sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

/** Serialises a value for a JSON text column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a JSON text column (null stays null). */
export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Booleans are stored as 0/1 integers on both databases. */
export function toFlag(b: boolean): number {
  return b ? 1 : 0;
}

/** Reads a 0/1 integer column (PostgreSQL may hand back strings for bigints). */
export function fromFlag(v: number | string): boolean {
  return Number(v) !== 0;
}

/** Turns a `count(*)` value (a string on PostgreSQL) into a number. */
export function toCount(v: number | string | bigint | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** Escapes LIKE wildcards so `q` matches as a plain substring (use with `escape '\'`). */
export function likePattern(q: string): string {
  return '%' + q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

/** The limit to apply: OFFSET needs a LIMIT on SQLite, so an offset alone gets a huge one. */
export function pageLimit(limit: number | undefined, offset: number | undefined): number | undefined {
  if (limit !== undefined) return limit;
  return offset ? Number.MAX_SAFE_INTEGER : undefined;
}

/** Throws `code` unless an UPDATE/DELETE touched at least one row. */
export function requireTouched(
  result: { numUpdatedRows?: bigint; numDeletedRows?: bigint },
  code: ErrorCode,
  message: string,
): void {
  const n = result.numUpdatedRows ?? result.numDeletedRows ?? 0n;
  if (n === 0n) throw new PatchhiveError(code, message);
}

/** Drops undefined entries so a partial patch only sets the columns it names. */
export function definedOnly<T extends Record<string, unknown>>(row: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(row)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Updates the row of `table` with this `id` (an empty `set` still checks that it exists) and
 * throws `code` when there is none.
 */
export async function updateById(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one helper for every table: the table name is a parameter
  db: Kysely<any>,
  table: string,
  id: string,
  set: Record<string, unknown>,
  code: ErrorCode,
  message: string,
): Promise<void> {
  const q = db.updateTable(table).where('id', '=', id);
  const res = await q.set(Object.keys(set).length > 0 ? set : { id }).executeTakeFirst();
  requireTouched(res, code, message);
}
