/** Scopes: an API token may be limited to the machines of some groups. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/**
 * Adds `api_tokens.scope_group_ids_json`: null is the whole fleet; a JSON list of group ids limits
 * the token to their machines. A list, not a join table with a cascade, so that deleting a group
 * shrinks a scope instead of widening an emptied one to the whole fleet.
 */
export function scopesMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_tokens').addColumn('scope_group_ids_json', text).execute();
    },
  };
}
