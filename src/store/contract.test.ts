/**
 * The store contract: one suite, run against every adapter — SQLite on a temp file and
 * PostgreSQL on a fresh database of the local cluster (skipped visibly when there is none, except
 * on CI). Each area's cases live in ./contract/<area>.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentContract } from './contract/agents.js';
import { auditContract } from './contract/audit.js';
import type { ContractContext } from './contract/builders.js';
import { bulletinContract } from './contract/bulletins.js';
import { consoleReadContract } from './contract/console-reads.js';
import { controlContract } from './contract/controls.js';
import { findingAssessmentContract } from './contract/findings-assess.js';
import { findingQueryContract } from './contract/findings-query.js';
import { findingScanContract } from './contract/findings-scan.js';
import { groupContract } from './contract/groups.js';
import { machineContract } from './contract/machines.js';
import { notificationContract } from './contract/notifications.js';
import { rolloutContract } from './contract/rollout.js';
import { sessionContract } from './contract/sessions.js';
import { sourceContract } from './contract/sources.js';
import { transactionContract } from './contract/transaction.js';
import { triageContract } from './contract/triage.js';
import { userContract } from './contract/users.js';
import { oidcContract } from './contract/oidc.js';
import { openStore } from './open.js';
import type { Store } from './ports.js';
import { createTestPostgresDatabase } from './test-support.js';

interface Adapter {
  kind: Store['kind'];
  /** The URL to open, and what removes the database afterwards; undefined: skipped. */
  database?: { url: string; drop(): Promise<void> };
  skipReason?: string;
}

async function sqliteDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'patchhive-contract-'));
  return { url: `sqlite:${path.join(dir, 'store.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

const pg = await createTestPostgresDatabase();
const adapters: Adapter[] = [
  { kind: 'sqlite', database: await sqliteDatabase() },
  pg
    ? { kind: 'postgres', database: pg }
    : { kind: 'postgres', skipReason: 'no local PostgreSQL cluster (run scripts/setup-test-deps.sh)' },
];

for (const adapter of adapters) {
  if (!adapter.database) {
    console.warn(`SKIPPED: store contract on ${adapter.kind}: ${adapter.skipReason}`);
  }
  describe.skipIf(!adapter.database)(`store contract: ${adapter.kind}`, () => {
    let store: Store | undefined;
    const ctx: ContractContext = {
      kind: adapter.kind,
      store: () => {
        if (!store) throw new Error('store not open');
        return store;
      },
    };

    beforeAll(async () => {
      store = await openStore(adapter.database!.url);
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await adapter.database?.drop();
    });

    it('is the expected kind, answers ping and migrates idempotently', async () => {
      expect(ctx.store().kind).toBe(adapter.kind);
      await ctx.store().ping();
      await ctx.store().migrate();
      await ctx.store().ping();
    });

    machineContract(ctx);
    consoleReadContract(ctx);
    groupContract(ctx);
    agentContract(ctx);
    findingAssessmentContract(ctx);
    findingQueryContract(ctx);
    findingScanContract(ctx);
    bulletinContract(ctx);
    sourceContract(ctx);
    userContract(ctx);
    sessionContract(ctx);
    oidcContract(ctx);
    triageContract(ctx);
    notificationContract(ctx);
    rolloutContract(ctx);
    auditContract(ctx);
    controlContract(ctx);
    transactionContract(ctx);
  });
}
