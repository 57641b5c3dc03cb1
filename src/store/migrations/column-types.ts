/**
 * Column types shared by the migrations. Times are ISO 8601 text, lists and objects JSON text,
 * booleans 0/1 integers, so one schema serves SQLite and PostgreSQL.
 */
import { sql, type RawBuilder } from 'kysely';
import type { StoreKind } from '../sql-util.js';

/** Text; on PostgreSQL with the "C" collation so ordering and comparison are bytewise, as on SQLite. */
export function textType(kind: StoreKind): RawBuilder<unknown> {
  return kind === 'postgres' ? sql`text collate "C"` : sql`text`;
}
