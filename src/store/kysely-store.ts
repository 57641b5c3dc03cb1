/** Assembles the store areas over one Kysely instance; each area sees only its own tables. */
import { sql, type Kysely } from 'kysely';
import { PatchhiveError } from '../errors.js';
import { createAgentStore, type AgentTables } from './kysely-agents.js';
import { createAuditStore, type AuditTables } from './kysely-audit.js';
import { createBulletinStore, type BulletinTables } from './kysely-bulletins.js';
import { createActionStore, createChangeRequestStore, type ControlTables } from './kysely-controls.js';
import { createFindingStore, type FindingTables } from './kysely-findings.js';
import { createGroupStore, type GroupTables } from './kysely-groups.js';
import { createMachineStore, type MachineTables } from './kysely-machines.js';
import { createNotificationStore, type NotificationTables } from './kysely-notifications.js';
import { createRolloutStore, type RolloutTables } from './kysely-rollout.js';
import { createSessionStore, type SessionTables } from './kysely-sessions.js';
import { createSourceStore, type SourceTables } from './kysely-sources.js';
import { createTriageStore, type TriageTables } from './kysely-triage.js';
import { createUserStore, type UserTables } from './kysely-users.js';
import { createVisitStore, type VisitTables } from './kysely-visits.js';
import { createOidcStore, type OidcTables } from './kysely-oidc.js';
import { migrateToLatest } from './migrations/index.js';
import type { Store, StoreAreas } from './ports.js';
import type { StoreKind } from './sql-util.js';

/** Every table of the store. */
export type Database = MachineTables &
  GroupTables &
  AgentTables &
  FindingTables &
  BulletinTables &
  SourceTables &
  UserTables &
  SessionTables &
  OidcTables &
  TriageTables &
  NotificationTables &
  RolloutTables &
  AuditTables &
  ControlTables &
  VisitTables;

/** Narrows the database to the tables one area owns (Kysely's types are invariant, hence the cast). */
function areaDb<T extends Partial<Record<keyof Database, unknown>>>(db: Kysely<Database>): Kysely<T> {
  return db as unknown as Kysely<T>;
}

/** The areas over `db`: the whole database, or one transaction of it. */
function createAreas(db: Kysely<Database>, kind: StoreKind): StoreAreas {
  return {
    kind,
    machines: createMachineStore(areaDb<MachineTables>(db), kind),
    groups: createGroupStore(areaDb<GroupTables>(db)),
    agents: createAgentStore(areaDb<AgentTables>(db)),
    findings: createFindingStore(areaDb<FindingTables>(db), kind),
    bulletins: createBulletinStore(areaDb<BulletinTables>(db), kind),
    sources: createSourceStore(areaDb<SourceTables>(db)),
    users: createUserStore(areaDb<UserTables>(db)),
    sessions: createSessionStore(areaDb<SessionTables>(db)),
    oidc: createOidcStore(areaDb<OidcTables>(db)),
    triage: createTriageStore(areaDb<TriageTables>(db), kind),
    notifications: createNotificationStore(areaDb<NotificationTables>(db), kind),
    rollout: createRolloutStore(areaDb<RolloutTables>(db), kind),
    audit: createAuditStore(areaDb<AuditTables>(db), kind),
    actions: createActionStore(areaDb<ControlTables>(db)),
    changes: createChangeRequestStore(areaDb<ControlTables>(db)),
    visits: createVisitStore(areaDb<VisitTables>(db)),
  };
}

/** Builds the Store over an open Kysely instance; `close` destroys it. */
export function createKyselyStore(db: Kysely<Database>, kind: StoreKind, log?: (msg: string) => void): Store {
  return {
    ...createAreas(db, kind),
    // The areas' own multi-statement writes join this transaction (sql-util inTransaction).
    transaction: (fn) => db.transaction().execute((trx) => fn(createAreas(trx, kind))),
    migrate: () => migrateToLatest(db, kind, log),
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw new PatchhiveError('E_STORE_FAILED', `database ping failed: ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
    },
    close: () => db.destroy(),
  };
}
