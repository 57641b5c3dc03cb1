/** Contract of TriageStore's approval rules and risk exceptions. */
import { describe, expect, it } from 'vitest';
import {
  approvalRule,
  at,
  expectStoreError,
  group,
  machine,
  riskException,
  uid,
  type ContractContext,
} from './builders.js';

/** Defines the approval-rule and risk-exception tests for one adapter. */
export function triageRuleAndExceptionContract(ctx: ContractContext): void {
  describe('triage: approval rules', () => {
    it('creates, reads, lists by (priority, name), updates and deletes rules', async () => {
      const s = ctx.store();
      const x = uid('r');
      const g = group();
      await s.groups.create(g, []);
      const late = approvalRule({ name: `${x}-a-late`, priority: 50 });
      const full = approvalRule({
        name: `${x}-b-full`,
        priority: 10,
        enabled: false,
        groupId: g.id,
        match: {
          severities: ['low', 'moderate'],
          sources: ['msrc'],
          products: ['Windows 10'],
          packages: ['openssl', 'libssl3'],
        },
        decision: 'ignore',
        reason: 'low risk in the lab',
        emergency: true,
        after: { groupId: g.id, days: 7 },
      });
      const early = approvalRule({ name: `${x}-c-early`, priority: 10, match: {} });
      for (const r of [late, full, early]) await s.triage.createRule(r);
      expect(await s.triage.getRule(full.id)).toEqual(full);
      expect(await s.triage.getRule(early.id)).toEqual(early);
      const mine = async () => (await s.triage.listRules()).filter((r) => r.name.startsWith(x));
      expect((await mine()).map((r) => r.name)).toEqual([full.name, early.name, late.name]);

      await s.triage.updateRule(full.id, {
        priority: 60,
        enabled: true,
        after: null,
        match: { severities: ['critical'] },
        decision: 'decline',
      });
      const updated = {
        ...full,
        priority: 60,
        enabled: true,
        after: null,
        match: { severities: ['critical'] },
        decision: 'decline' as const,
      };
      expect(await s.triage.getRule(full.id)).toEqual(updated);
      await s.triage.updateRule(full.id, { groupId: null, reason: null, emergency: false, name: `${x}-d` });
      expect(await s.triage.getRule(full.id)).toEqual({
        ...updated,
        groupId: null,
        reason: null,
        emergency: false,
        name: `${x}-d`,
      });
      await s.triage.updateRule(full.id, {});
      expect((await mine()).map((r) => r.name)).toEqual([early.name, late.name, `${x}-d`]);

      await s.triage.deleteRule(early.id);
      expect(await s.triage.getRule(early.id)).toBeUndefined();
      expect((await mine()).map((r) => r.id)).toEqual([late.id, full.id]);
    });

    it('refuses a duplicate name (E_CONFLICT) and reports an unknown rule (E_APPROVAL_RULE_NOT_FOUND)', async () => {
      const s = ctx.store();
      const [r1, r2] = [approvalRule(), approvalRule()];
      await s.triage.createRule(r1);
      await s.triage.createRule(r2);
      await expectStoreError(s.triage.createRule(approvalRule({ name: r1.name })), 'E_CONFLICT');
      await expectStoreError(s.triage.updateRule(r2.id, { name: r1.name }), 'E_CONFLICT');
      expect(await s.triage.getRule(r2.id)).toEqual(r2);
      const id = uid('missing');
      expect(await s.triage.getRule(id)).toBeUndefined();
      await expectStoreError(s.triage.updateRule(id, { priority: 1 }), 'E_APPROVAL_RULE_NOT_FOUND');
      await expectStoreError(s.triage.updateRule(id, {}), 'E_APPROVAL_RULE_NOT_FOUND');
      await expectStoreError(s.triage.deleteRule(id), 'E_APPROVAL_RULE_NOT_FOUND');
    });
  });

  describe('triage: risk exceptions', () => {
    it('creates exceptions on a machine or a group, lists them by (bulletin, until) with filters', async () => {
      const s = ctx.store();
      const [m, g] = [machine(), group()];
      await s.machines.create(m);
      await s.groups.create(g, []);
      const x = uid('B');
      const [b1, b2] = [`${x}-1`, `${x}-2`];
      const e1 = riskException(b2, { machineId: m.id, until: at(100) });
      const e2 = riskException(b1, { groupId: g.id, until: at(300) });
      const e3 = riskException(b1, { machineId: m.id, until: at(200), revokedAt: at(50) });
      const e4 = riskException(b1, { groupId: g.id, until: at(150) });
      for (const e of [e1, e2, e3, e4]) await s.triage.createException(e);
      expect(await s.triage.getException(e3.id)).toEqual(e3);
      expect(await s.triage.getException(uid('missing'))).toBeUndefined();
      const ids = async (f: Parameters<typeof s.triage.listExceptions>[0]) =>
        (await s.triage.listExceptions({ bulletinIds: [b1, b2], ...f })).map((e) => e.id);
      expect(await ids({})).toEqual([e4.id, e3.id, e2.id, e1.id]);
      expect(await ids({ machineId: m.id })).toEqual([e3.id, e1.id]);
      expect(await ids({ groupId: g.id })).toEqual([e4.id, e2.id]);
      expect(await ids({ bulletinIds: [b2] })).toEqual([e1.id]);
      expect(await ids({ bulletinIds: [] })).toEqual([]);
      // Active: not revoked, and `until` strictly after activeAt.
      expect(await ids({ activeAt: at(100) })).toEqual([e4.id, e2.id]);
      expect(await ids({ activeAt: at(99) })).toEqual([e4.id, e2.id, e1.id]);
      expect(await ids({ activeAt: at(300) })).toEqual([]);
      expect(await s.triage.listExceptions({ machineId: m.id })).toEqual([e3, e1]);
    });

    it('revokes once (the first time stays); refuses a duplicate id (E_CONFLICT); reports an unknown exception', async () => {
      const s = ctx.store();
      const g = group();
      await s.groups.create(g, []);
      const e = riskException(uid('B'), { groupId: g.id });
      await s.triage.createException(e);
      await s.triage.revokeException(e.id, at(10));
      await s.triage.revokeException(e.id, at(20));
      expect(await s.triage.getException(e.id)).toEqual({ ...e, revokedAt: at(10) });
      expect(await s.triage.listExceptions({ groupId: g.id, activeAt: at(1) })).toEqual([]);
      await expectStoreError(s.triage.revokeException(uid('missing'), at(1)), 'E_EXCEPTION_NOT_FOUND');
      await expectStoreError(s.triage.createException({ ...e, reason: 'same id' }), 'E_CONFLICT');
      expect(await s.triage.getException(e.id)).toEqual({ ...e, revokedAt: at(10) });
    });

    it('refuses an exception without exactly one target, or with an unknown machine or group', async () => {
      const s = ctx.store();
      const [m, g] = [machine(), group()];
      await s.machines.create(m);
      await s.groups.create(g, []);
      const b = uid('B');
      await expectStoreError(s.triage.createException(riskException(b)), 'E_BAD_REQUEST');
      await expectStoreError(
        s.triage.createException(riskException(b, { machineId: m.id, groupId: g.id })),
        'E_BAD_REQUEST',
      );
      await expectStoreError(
        s.triage.createException(riskException(b, { machineId: uid('missing') })),
        'E_MACHINE_NOT_FOUND',
      );
      await expectStoreError(
        s.triage.createException(riskException(b, { groupId: uid('missing') })),
        'E_GROUP_NOT_FOUND',
      );
      expect(await s.triage.listExceptions({ bulletinIds: [b] })).toEqual([]);
    });

    it('goes with its machine or group when that is deleted', async () => {
      const s = ctx.store();
      const [m, g] = [machine(), group()];
      await s.machines.create(m);
      await s.groups.create(g, []);
      const b = uid('B');
      const [onMachine, onGroup] = [riskException(b, { machineId: m.id }), riskException(b, { groupId: g.id })];
      await s.triage.createException(onMachine);
      await s.triage.createException(onGroup);
      await s.machines.delete(m.id);
      expect(await s.triage.listExceptions({ bulletinIds: [b] })).toEqual([onGroup]);
      await s.groups.delete(g.id);
      expect(await s.triage.listExceptions({ bulletinIds: [b] })).toEqual([]);
    });
  });
}
