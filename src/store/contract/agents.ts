/** Contract of AgentStore: enrollment tokens (atomic consumption) and agents. */
import { describe, expect, it } from 'vitest';
import type { AgentRecord, ConsumeResult } from '../ports.js';
import { at, enrollmentToken, expectStoreError, hashSecret, machine, uid, type ContractContext } from './builders.js';

/** Defines the AgentStore tests for one adapter. */
export function agentContract(ctx: ContractContext): void {
  describe('agents', () => {
    it('creates, reads and lists enrollment tokens', async () => {
      const s = ctx.store();
      const t1 = enrollmentToken('s1', { createdAt: at(2) });
      const t2 = enrollmentToken('s2', { createdAt: at(1), note: null, maxUses: 1 });
      await s.agents.createEnrollmentToken(t1);
      await s.agents.createEnrollmentToken(t2);
      expect(await s.agents.getEnrollmentToken(t1.id)).toEqual(t1);
      expect(await s.agents.getEnrollmentToken(uid('missing'))).toBeUndefined();
      const listed = (await s.agents.listEnrollmentTokens()).filter((t) => t.id === t1.id || t.id === t2.id);
      expect(listed).toEqual([t2, t1]);
      await expectStoreError(s.agents.createEnrollmentToken({ ...t1 }), 'E_CONFLICT');
    });

    it('consumes a use when the secret matches, until none are left', async () => {
      const s = ctx.store();
      const t = enrollmentToken('secret', { maxUses: 2 });
      await s.agents.createEnrollmentToken(t);
      const first = await s.agents.consumeEnrollmentToken(t.id, hashSecret('secret'), at(1));
      expect(first).toEqual({ ok: true, token: { ...t, uses: 1 } });
      expect((await s.agents.consumeEnrollmentToken(t.id, hashSecret('secret'), at(2))).ok).toBe(true);
      expect(await s.agents.consumeEnrollmentToken(t.id, hashSecret('secret'), at(3))).toEqual({
        ok: false,
        reason: 'exhausted',
      });
      expect((await s.agents.getEnrollmentToken(t.id))?.uses).toBe(2);
    });

    it.each([
      { case: 'unknown id', id: 'missing', secret: 'secret', now: 1, reason: 'not-found' },
      { case: 'wrong secret', id: 'token', secret: 'guess', now: 1, reason: 'not-found' },
      { case: 'expiry reached', id: 'token', secret: 'secret', now: 60, reason: 'expired' },
      { case: 'expired long ago', id: 'token', secret: 'secret', now: 6000, reason: 'expired' },
    ] as const)('refuses a token: $case → $reason', async ({ id, secret, now, reason }) => {
      const s = ctx.store();
      const t = enrollmentToken('secret', { expiresAt: at(60) });
      await s.agents.createEnrollmentToken(t);
      const result = await s.agents.consumeEnrollmentToken(
        id === 'token' ? t.id : uid(id),
        hashSecret(secret),
        at(now),
      );
      expect(result).toEqual({ ok: false, reason });
      expect((await s.agents.getEnrollmentToken(t.id))?.uses).toBe(0);
    });

    it('refuses a revoked token, keeping the first revocation time', async () => {
      const s = ctx.store();
      const t = enrollmentToken('secret');
      await s.agents.createEnrollmentToken(t);
      await s.agents.revokeEnrollmentToken(t.id, at(5));
      await s.agents.revokeEnrollmentToken(t.id, at(9));
      expect((await s.agents.getEnrollmentToken(t.id))?.revokedAt).toBe(at(5));
      expect(await s.agents.consumeEnrollmentToken(t.id, hashSecret('secret'), at(6))).toEqual({
        ok: false,
        reason: 'revoked',
      });
      await expectStoreError(s.agents.revokeEnrollmentToken(uid('missing'), at(1)), 'E_TOKEN_NOT_FOUND');
    });

    it.each([
      { maxUses: 3, uses: 2, parallel: 20, winners: 1 },
      { maxUses: 5, uses: 0, parallel: 20, winners: 5 },
    ])(
      'gives exactly $winners of $parallel concurrent consumers a use (maxUses $maxUses)',
      async ({ maxUses, uses, parallel, winners }) => {
        const s = ctx.store();
        const t = enrollmentToken('race', { maxUses, uses });
        await s.agents.createEnrollmentToken(t);
        const results: ConsumeResult[] = await Promise.all(
          Array.from({ length: parallel }, () => s.agents.consumeEnrollmentToken(t.id, hashSecret('race'), at(1))),
        );
        const won = results.filter((r) => r.ok);
        expect(won).toHaveLength(winners);
        expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'exhausted')).toBe(true);
        expect(new Set(won.map((r) => r.ok && r.token.uses)).size).toBe(winners);
        expect((await s.agents.getEnrollmentToken(t.id))?.uses).toBe(maxUses);
      },
    );

    it('creates, touches and revokes agents', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      const a: AgentRecord = {
        id: uid('agent'),
        machineId: m.id,
        credentialHash: hashSecret('cred'),
        createdAt: at(1),
        revokedAt: null,
        lastCheckinAt: null,
      };
      await s.agents.createAgent(a);
      expect(await s.agents.getAgent(a.id)).toEqual(a);
      await s.agents.touchAgent(a.id, at(2));
      await s.agents.revokeAgent(a.id, at(3));
      await s.agents.revokeAgent(a.id, at(4));
      expect(await s.agents.getAgent(a.id)).toEqual({ ...a, lastCheckinAt: at(2), revokedAt: at(3) });
      expect(await s.agents.getAgent(uid('missing'))).toBeUndefined();
      await expectStoreError(s.agents.createAgent({ ...a }), 'E_CONFLICT');
    });

    it('records what each agent pins and whether it is stale; counts and lists agents not revoked', async () => {
      const s = ctx.store();
      const tag = uid('k');
      const made: AgentRecord[] = [];
      for (let i = 0; i < 3; i++) {
        const m = machine();
        await s.machines.create(m);
        const a: AgentRecord = {
          id: uid('agent'),
          machineId: m.id,
          credentialHash: hashSecret('c'),
          createdAt: at(1),
          revokedAt: null,
          lastCheckinAt: null,
        };
        await s.agents.createAgent(a);
        made.push(a);
      }
      const [a1, a2, a3] = made as [AgentRecord, AgentRecord, AgentRecord];
      expect(await s.agents.getTrust(a1.id)).toEqual({ pinnedKey: null, staleSince: null, staleReason: null });
      await s.agents.setTrust(a1.id, { pinnedKey: `${tag}-new`, staleSince: null, staleReason: null });
      await s.agents.setTrust(a2.id, { pinnedKey: `${tag}-old`, staleSince: at(5), staleReason: 'no fresh time' });
      await s.agents.setTrust(a3.id, { pinnedKey: `${tag}-old`, staleSince: at(4), staleReason: 'frozen' });
      expect(await s.agents.getTrust(a2.id)).toEqual({
        pinnedKey: `${tag}-old`,
        staleSince: at(5),
        staleReason: 'no fresh time',
      });
      const mine = async () => (await s.agents.countByPinnedKey()).filter((c) => c.pinnedKey?.startsWith(tag));
      expect(await mine()).toEqual([
        { pinnedKey: `${tag}-new`, agents: 1 },
        { pinnedKey: `${tag}-old`, agents: 2 },
      ]);
      const stale = async () => (await s.agents.listStale()).filter((x) => made.some((a) => a.id === x.agentId));
      expect(await stale()).toEqual([
        { agentId: a3.id, machineId: a3.machineId, since: at(4), reason: 'frozen' },
        { agentId: a2.id, machineId: a2.machineId, since: at(5), reason: 'no fresh time' },
      ]);
      await s.agents.revokeAgent(a3.id, at(6));
      expect(await mine()).toEqual([
        { pinnedKey: `${tag}-new`, agents: 1 },
        { pinnedKey: `${tag}-old`, agents: 1 },
      ]);
      expect((await stale()).map((x) => x.agentId)).toEqual([a2.id]);
      expect(await s.agents.getTrust(uid('missing'))).toBeUndefined();
      await expectStoreError(
        s.agents.setTrust(uid('missing'), { pinnedKey: null, staleSince: null, staleReason: null }),
        'E_NOT_FOUND',
      );
    });

    it('refuses an agent of an unknown machine and updates of an unknown agent', async () => {
      const s = ctx.store();
      const a: AgentRecord = {
        id: uid('agent'),
        machineId: uid('missing'),
        credentialHash: 'x',
        createdAt: at(1),
        revokedAt: null,
        lastCheckinAt: null,
      };
      await expectStoreError(s.agents.createAgent(a), 'E_MACHINE_NOT_FOUND');
      await expectStoreError(s.agents.touchAgent(a.id, at(1)), 'E_NOT_FOUND');
      await expectStoreError(s.agents.revokeAgent(a.id, at(1)), 'E_NOT_FOUND');
    });
  });
}
