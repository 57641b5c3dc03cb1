/** VisitStore on Kysely: when each user last marked the Today page seen. */
import type { Kysely } from 'kysely';
import type { VisitStore } from './ports.js';
import { guardArea } from './store-errors.js';

/** A row of `console_visits`. */
export interface VisitRow {
  user_id: string;
  seen_at: string;
}

/** The tables the visits area owns. */
export interface VisitTables {
  console_visits: VisitRow;
}

/** Creates the visits area over `db`. */
export function createVisitStore(db: Kysely<VisitTables>): VisitStore {
  const store: VisitStore = {
    async lastSeen(userId) {
      const r = await db
        .selectFrom('console_visits')
        .select('seen_at')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return r?.seen_at;
    },
    async markSeen(userId, at) {
      await db
        .insertInto('console_visits')
        .values({ user_id: userId, seen_at: at })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ seen_at: at }))
        .execute();
    },
  };
  return guardArea(store, {
    noun: 'visit',
    missingReference: { code: 'E_NOT_FOUND', message: 'the user does not exist' },
  });
}
