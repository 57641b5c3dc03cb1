/** Contract of Store.transaction: one transaction across areas, committed or rolled back whole. */
import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import type { AgentRecord, EnrollmentTokenRecord, StoreAreas } from '../ports.js';
import { auditDraft } from './audit.js';
import {
  at,
  enrollmentToken,
  expectStoreError,
  group,
  hashSecret,
  machine,
  uid,
  user,
  type ContractContext,
} from './builders.js';

/** Defines the transaction tests for one adapter. */
export function transactionContract(ctx: ContractContext): void {
  describe('transaction', () => {
    /** A token committed before the transaction: its use is what commits or rolls back. */
    async function newToken(): Promise<EnrollmentTokenRecord> {
      const token = enrollmentToken('secret', { maxUses: 1 });
      await ctx.store().agents.createEnrollmentToken(token);
      return token;
    }

    /** Writes into five areas (machines, groups with its own multi-statement write, agents, users, audit) through `tx` only. */
    async function writeEverywhere(tx: StoreAreas, tag: string, token: EnrollmentTokenRecord) {
      const m = machine({ name: `${tag}-m` });
      await tx.machines.create(m);
      const g = group({ name: `${tag}-g` });
      await tx.groups.create(g, [m.id]);
      expect((await tx.agents.consumeEnrollmentToken(token.id, hashSecret('secret'), at(1))).ok).toBe(true);
      const agent: AgentRecord = {
        id: uid('agent'),
        machineId: m.id,
        credentialHash: hashSecret('cred'),
        createdAt: at(1),
        revokedAt: null,
        lastCheckinAt: null,
      };
      await tx.agents.createAgent(agent);
      const u = user({ name: `${tag}-user` });
      await tx.users.createUser(u);
      const userId = u.id;
      await tx.audit.append(auditDraft({ userName: tag }));
      // the transaction reads its own writes
      expect(await tx.machines.get(m.id)).toEqual(m);
      expect(await tx.groups.members(g.id)).toEqual([m.id]);
      return { m, g, agent, userId };
    }

    it('commits the writes of every area together when fn resolves, and returns its value', async () => {
      const s = ctx.store();
      const tag = uid('commit');
      const token = await newToken();
      const written = await s.transaction((tx) => writeEverywhere(tx, tag, token));
      expect(await s.machines.get(written.m.id)).toEqual(written.m);
      expect(await s.groups.members(written.g.id)).toEqual([written.m.id]);
      expect(await s.agents.getAgent(written.agent.id)).toEqual(written.agent);
      expect((await s.agents.getEnrollmentToken(token.id))?.uses).toBe(1);
      expect((await s.users.getUser(written.userId))?.name).toBe(`${tag}-user`);
      expect(await s.audit.list({ limit: 10, actor: tag })).toHaveLength(1);
    });

    it('rolls every area back when fn throws, and passes the error on', async () => {
      const s = ctx.store();
      const tag = uid('rollback');
      const token = await newToken();
      let written: Awaited<ReturnType<typeof writeEverywhere>> | undefined;
      const boom = new PatchhiveError('E_INTERNAL', 'fails after writing');
      await expect(
        s.transaction(async (tx) => {
          written = await writeEverywhere(tx, tag, token);
          throw boom;
        }),
      ).rejects.toBe(boom);
      const w = written!;
      expect(await s.machines.get(w.m.id)).toBeUndefined();
      expect(await s.groups.get(w.g.id)).toBeUndefined();
      expect(await s.groups.members(w.g.id)).toEqual([]);
      expect(await s.agents.getAgent(w.agent.id)).toBeUndefined();
      expect((await s.agents.getEnrollmentToken(token.id))?.uses).toBe(0);
      expect(await s.users.getUser(w.userId)).toBeUndefined();
      expect(await s.audit.list({ limit: 10, actor: tag })).toEqual([]);
      // the store is usable afterwards, and the audit chain still appends
      expect((await s.audit.append(auditDraft({ userName: tag }))).hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('rolls back when a store call in it fails (a conflict in the second area undoes the first)', async () => {
      const s = ctx.store();
      const existing = machine();
      await s.machines.create(existing);
      const token = enrollmentToken('secret', { maxUses: 1 });
      await s.agents.createEnrollmentToken(token);
      const m = machine();
      await expectStoreError(
        s.transaction(async (tx) => {
          await tx.agents.consumeEnrollmentToken(token.id, hashSecret('secret'), at(1));
          await tx.machines.create(m);
          await tx.machines.create({ ...existing, id: uid('m') }); // same name: E_CONFLICT
        }),
        'E_CONFLICT',
      );
      expect(await s.machines.get(m.id)).toBeUndefined();
      expect((await s.agents.getEnrollmentToken(token.id))?.uses).toBe(0);
    });
  });
}
