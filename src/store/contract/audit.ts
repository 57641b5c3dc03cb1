/** Contract of AuditStore: appends chain in order (also concurrently), filters and ranges read it back. */
import { describe, expect, it } from 'vitest';
import { verifyAuditChain, type AuditDraft, type AuditEntry } from '../../protocol/audit.js';
import { at, uid, type ContractContext } from './builders.js';

/** An audit draft of a user's request. */
export function auditDraft(over: Partial<AuditDraft> = {}): AuditDraft {
  return {
    at: at(0),
    actorKind: 'user',
    userId: 'u-1',
    userName: 'alice',
    tokenId: 't-1',
    agentId: null,
    role: 'admin',
    method: 'PATCH',
    route: '/api/v1/groups/:id',
    objectIds: [uid('g')],
    summary: { description: 'web tier', requiresSecondApprover: true, rule: null, owner: 3 },
    sourceIp: '127.0.0.1',
    status: 200,
    errorCode: null,
    requestId: uid('req'),
    ...over,
  };
}

async function everyEntry(ctx: ContractContext): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for (;;) {
    const page = await ctx.store().audit.range(out.at(-1)?.seq ?? 0, 500);
    out.push(...page);
    if (page.length < 500) return out;
  }
}

/** Defines the AuditStore tests for one adapter. */
export function auditContract(ctx: ContractContext): void {
  describe('audit', () => {
    it('appends entries that read back exactly, each linked to the one before', async () => {
      const s = ctx.store();
      const first = await s.audit.append(auditDraft());
      const second = await s.audit.append(
        auditDraft({
          actorKind: 'agent',
          userId: null,
          userName: null,
          tokenId: null,
          role: null,
          agentId: uid('a'),
          status: 401,
          errorCode: 'E_UNAUTHENTICATED',
        }),
      );
      expect(second.seq).toBe(first.seq + 1);
      expect(second.prevHash).toBe(first.hash);
      expect(await s.audit.range(first.seq - 1, 2)).toEqual([first, second]);
      expect(verifyAuditChain(await everyEntry(ctx), true)).toMatchObject({ ok: true });
    });

    it('never forks the chain under concurrent appends', async () => {
      const s = ctx.store();
      const tag = uid('burst');
      const made = await Promise.all(
        Array.from({ length: 25 }, (_, i) => s.audit.append(auditDraft({ requestId: `${tag}-${i}`, userName: tag }))),
      );
      const seqs = made.map((e) => e.seq).sort((a, b) => a - b);
      expect(seqs.at(-1)! - seqs[0]!).toBe(24);
      expect(new Set(made.map((e) => e.prevHash)).size).toBe(25);
      const all = await everyEntry(ctx);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(verifyAuditChain(all, true)).toMatchObject({ ok: true, count: all.length });
    });

    it('lists newest first with actor, object, time and sequence filters', async () => {
      const s = ctx.store();
      const actor = uid('actor');
      const obj = uid('obj');
      const a = await s.audit.append(auditDraft({ userName: actor, at: at(10), objectIds: [obj, 'other'] }));
      const b = await s.audit.append(auditDraft({ tokenId: actor, userName: 'x', at: at(20) }));
      const c = await s.audit.append(
        auditDraft({ agentId: actor, actorKind: 'agent', userName: null, at: at(30), objectIds: [`${obj}-suffix`] }),
      );
      expect(await s.audit.list({ limit: 10, actor })).toEqual([c, b, a]);
      expect(await s.audit.list({ limit: 2, actor })).toEqual([c, b]);
      expect(await s.audit.list({ limit: 10, actor, before: b.seq })).toEqual([a]);
      expect(await s.audit.list({ limit: 10, actor, since: at(20) })).toEqual([c, b]);
      // a whole id, not a substring of a longer one
      expect(await s.audit.list({ limit: 10, object: obj })).toEqual([a]);
      expect(await s.audit.list({ limit: 10, object: '%' })).toEqual([]);
      expect((await s.audit.list({ limit: 1 }))[0]!.seq).toBeGreaterThanOrEqual(c.seq);
      expect(await s.audit.range(a.seq, 10, at(30))).toEqual([c]);
    });

    it('filters on a time range, method, route substring and outcome', async () => {
      const s = ctx.store();
      const actor = uid('actor');
      const a = await s.audit.append(
        auditDraft({ userName: actor, at: at(40), method: 'POST', route: '/api/v1/triage/actions', status: 200 }),
      );
      const b = await s.audit.append(
        auditDraft({ userName: actor, at: at(50), method: 'PATCH', route: '/api/v1/groups/:id', status: 404 }),
      );
      const c = await s.audit.append(
        auditDraft({ userName: actor, at: at(60), method: 'POST', route: '/api/v1/Triage_x', status: 403 }),
      );
      expect(await s.audit.list({ limit: 10, actor, since: at(40), until: at(60) })).toEqual([b, a]);
      expect(await s.audit.list({ limit: 10, actor, method: 'post' })).toEqual([c, a]);
      expect(await s.audit.list({ limit: 10, actor, route: '/TRIAGE' })).toEqual([c, a]);
      // LIKE wildcards are taken literally
      expect(await s.audit.list({ limit: 10, actor, route: 'triage_' })).toEqual([c]);
      expect(await s.audit.list({ limit: 10, actor, route: '%' })).toEqual([]);
      expect(await s.audit.list({ limit: 10, actor, outcome: 'success' })).toEqual([a]);
      expect(await s.audit.list({ limit: 10, actor, outcome: 'failure' })).toEqual([c, b]);
    });
  });
}
