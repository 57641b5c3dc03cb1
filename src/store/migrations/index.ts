/** The store's migrations, defined in code, applied in name order by Kysely's Migrator. */
import { inspect } from 'node:util';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { PatchhiveError } from '../../errors.js';
import type { StoreKind } from '../sql-util.js';
import { machinesMigration } from './0001-machines.js';
import { groupsMigration } from './0002-groups.js';
import { agentsMigration } from './0003-agents.js';
import { findingsMigration } from './0004-findings.js';
import { bulletinsMigration } from './0005-bulletins.js';
import { sourcesMigration } from './0006-sources.js';
import { usersMigration } from './0007-users.js';
import { policyMigration } from './0008-policy.js';
import { notificationsMigration } from './0009-notifications.js';
import { rolloutMigration } from './0010-rollout.js';
import { auditMigration } from './0011-audit.js';
import { actionsMigration } from './0012-actions.js';
import { scopesMigration } from './0013-scopes.js';
import { keysMigration } from './0014-keys.js';
import { sourceUnsignedMigration } from './0015-source-unsigned.js';
import { sessionsMigration } from './0016-sessions.js';
import { consoleReadsMigration } from './0017-console-reads.js';
import { oidcMigration } from './0018-oidc.js';

/** All migrations by name; names sort in the order they must run (machines before its dependants). */
export function allMigrations(kind: StoreKind): Record<string, Migration> {
  return {
    '0001-machines': machinesMigration(kind),
    '0002-groups': groupsMigration(kind),
    '0003-agents': agentsMigration(kind),
    '0004-findings': findingsMigration(kind),
    '0005-bulletins': bulletinsMigration(kind),
    '0006-sources': sourcesMigration(kind),
    '0007-users': usersMigration(kind),
    '0008-policy': policyMigration(kind),
    '0009-notifications': notificationsMigration(kind),
    '0010-rollout': rolloutMigration(kind),
    '0011-audit': auditMigration(kind),
    '0012-actions': actionsMigration(kind),
    '0013-scopes': scopesMigration(kind),
    '0014-keys': keysMigration(kind),
    '0015-source-unsigned': sourceUnsignedMigration(kind),
    '0016-sessions': sessionsMigration(kind),
    '0017-console-reads': consoleReadsMigration(kind),
    '0018-oidc': oidcMigration(kind),
  };
}

/** Applies the pending migrations; a failure is E_STORE_FAILED naming the migration. */
export async function migrateToLatest(db: Kysely<any>, kind: StoreKind, log?: (msg: string) => void): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => allMigrations(kind) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'patchhive_migrations',
    migrationLockTableName: 'patchhive_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') log?.(`store: applied migration ${r.migrationName}`);
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : inspect(error);
    throw new PatchhiveError('E_STORE_FAILED', `migration ${failed ?? '(setup)'} failed: ${detail}`, undefined, {
      cause: error,
    });
  }
}
