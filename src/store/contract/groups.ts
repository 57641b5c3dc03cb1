/** Contract of GroupStore. */
import { describe, expect, it } from 'vitest';
import { expectStoreError, group, machine, uid, type ContractContext } from './builders.js';
import type { Store } from '../ports.js';

async function machines(s: Store, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = machine();
    await s.machines.create(m);
    ids.push(m.id);
  }
  return ids.sort();
}

/** Defines the GroupStore tests for one adapter. */
export function groupContract(ctx: ContractContext): void {
  describe('groups', () => {
    it('creates a group with its members (ordered, duplicates once) and reads it by id and name', async () => {
      const s = ctx.store();
      const [a, b, c] = await machines(s, 3);
      const g = group({ description: 'web tier', rescanSchedule: '0 3 * * *' });
      await s.groups.create(g, [c!, a!, b!, a!]);
      expect(await s.groups.get(g.id)).toEqual(g);
      expect(await s.groups.getByName(g.name)).toEqual(g);
      expect(await s.groups.members(g.id)).toEqual([a, b, c]);
      expect(await s.groups.staticGroupIdsOf(b!)).toEqual([g.id]);
      expect(await s.groups.staticGroupIdsOf(uid('nobody'))).toEqual([]);
      const rule = group({ kind: 'rule', rule: 'tag:prod and os:debian' });
      await s.groups.create(rule, []);
      expect(await s.groups.get(rule.id)).toEqual(rule);
      expect(await s.groups.members(rule.id)).toEqual([]);
      expect(await s.groups.get(uid('missing'))).toBeUndefined();
    });

    it('lists the static members of several groups at once, each machine once', async () => {
      const s = ctx.store();
      const [a, b, c, d] = await machines(s, 4);
      const [g1, g2, g3] = [group(), group(), group()];
      await s.groups.create(g1, [a!, b!]);
      await s.groups.create(g2, [b!, c!]);
      await s.groups.create(g3, [d!]);
      expect(await s.groups.membersOfAny([g1.id, g2.id, uid('missing')])).toEqual([a, b, c].sort());
      expect(await s.groups.membersOfAny([])).toEqual([]);
    });

    it('refuses a duplicate name, also on rename (E_CONFLICT)', async () => {
      const s = ctx.store();
      const [g1, g2] = [group(), group()];
      await s.groups.create(g1, []);
      await s.groups.create(g2, []);
      await expectStoreError(s.groups.create(group({ name: g1.name }), []), 'E_CONFLICT');
      await expectStoreError(s.groups.update(g2.id, { name: g1.name }), 'E_CONFLICT');
      expect((await s.groups.get(g2.id))?.name).toBe(g2.name);
    });

    it('creates nothing when a member is not a machine (E_MACHINE_NOT_FOUND)', async () => {
      const s = ctx.store();
      const [a] = await machines(s, 1);
      const g = group();
      await expectStoreError(s.groups.create(g, [a!, uid('missing')]), 'E_MACHINE_NOT_FOUND');
      expect(await s.groups.get(g.id)).toBeUndefined();
    });

    it('updates the fields a patch names', async () => {
      const s = ctx.store();
      const g = group({ kind: 'rule', rule: 'role:web' });
      await s.groups.create(g, []);
      const name = `renamed-${g.id}`;
      await s.groups.update(g.id, { name, description: 'd', rule: 'role:db', rescanSchedule: '@daily' });
      expect(await s.groups.get(g.id)).toEqual({
        ...g,
        name,
        description: 'd',
        rule: 'role:db',
        rescanSchedule: '@daily',
      });
      await s.groups.update(g.id, { description: null });
      expect(await s.groups.get(g.id)).toEqual({
        ...g,
        name,
        description: null,
        rule: 'role:db',
        rescanSchedule: '@daily',
      });
      await s.groups.update(g.id, {});
    });

    it('keeps the policy fields: owner, second approver, deadline policy (create, patch, clear)', async () => {
      const s = ctx.store();
      const deadlinePolicy = {
        timeZone: 'Europe/Berlin',
        tested: { critical: 'P7D', low: null },
        emergency: { critical: 'PT12H' },
        dueSoon: 'P3D',
      };
      const g = group({ owner: 'web-team@example.org', requiresSecondApprover: true, deadlinePolicy });
      await s.groups.create(g, []);
      expect(await s.groups.get(g.id)).toEqual(g);
      expect((await s.groups.list()).find((x) => x.id === g.id)).toEqual(g);
      const plain = group();
      await s.groups.create(plain, []);
      expect(await s.groups.getByName(plain.name)).toEqual({
        ...plain,
        owner: null,
        requiresSecondApprover: false,
        deadlinePolicy: null,
      });

      await s.groups.update(g.id, { requiresSecondApprover: false, deadlinePolicy: { dueSoon: 'P1D' } });
      expect(await s.groups.get(g.id)).toEqual({
        ...g,
        requiresSecondApprover: false,
        deadlinePolicy: { dueSoon: 'P1D' },
      });
      await s.groups.update(g.id, { owner: null, deadlinePolicy: null });
      expect(await s.groups.get(g.id)).toEqual({
        ...g,
        owner: null,
        requiresSecondApprover: false,
        deadlinePolicy: null,
      });
      await s.groups.update(plain.id, { requiresSecondApprover: true, owner: 'db@example.org' });
      expect(await s.groups.get(plain.id)).toEqual({ ...plain, requiresSecondApprover: true, owner: 'db@example.org' });
    });

    it('replaces the members; an unknown machine changes nothing', async () => {
      const s = ctx.store();
      const [a, b, c] = await machines(s, 3);
      const g = group();
      await s.groups.create(g, [a!]);
      await s.groups.setMembers(g.id, [c!, b!]);
      expect(await s.groups.members(g.id)).toEqual([b, c]);
      await expectStoreError(s.groups.setMembers(g.id, [a!, uid('missing')]), 'E_MACHINE_NOT_FOUND');
      expect(await s.groups.members(g.id)).toEqual([b, c]);
      await s.groups.setMembers(g.id, []);
      expect(await s.groups.members(g.id)).toEqual([]);
    });

    it('lists by name and deletes', async () => {
      const s = ctx.store();
      const tag = uid('gl');
      const gs = [group({ name: `${tag}-z` }), group({ name: `${tag}-m` }), group({ name: `${tag}-a` })];
      for (const g of gs) await s.groups.create(g, []);
      const names = (await s.groups.list()).map((g) => g.name).filter((n) => n.startsWith(tag));
      expect(names).toEqual([`${tag}-a`, `${tag}-m`, `${tag}-z`]);
      await s.groups.delete(gs[1]!.id);
      expect(await s.groups.get(gs[1]!.id)).toBeUndefined();
      expect((await s.groups.list()).some((g) => g.id === gs[1]!.id)).toBe(false);
    });

    it('reports an unknown group (E_GROUP_NOT_FOUND)', async () => {
      const s = ctx.store();
      const id = uid('missing');
      await expectStoreError(s.groups.update(id, { description: 'x' }), 'E_GROUP_NOT_FOUND');
      await expectStoreError(s.groups.update(id, {}), 'E_GROUP_NOT_FOUND');
      await expectStoreError(s.groups.setMembers(id, []), 'E_GROUP_NOT_FOUND');
      await expectStoreError(s.groups.delete(id), 'E_GROUP_NOT_FOUND');
      expect(await s.groups.members(id)).toEqual([]);
    });
  });
}
