/** Contract of ActionStore and ChangeRequestStore: action versions and change requests. */
import { describe, expect, it } from 'vitest';
import type { ActionRecord, ChangeRequestRecord } from '../ports.js';
import { at, expectStoreError, uid, type ContractContext } from './builders.js';

function action(name: string, version: number, over: Partial<ActionRecord> = {}): ActionRecord {
  return {
    name,
    version,
    argv: ['/usr/local/sbin/snapshot', '--quick', 'name with spaces; $(not a shell)'],
    description: 'LVM snapshot ü',
    timeoutSeconds: 300,
    status: 'pending',
    proposedBy: 'alice',
    proposedAt: at(version),
    approvedBy: null,
    approvedAt: null,
    ...over,
  };
}

function change(over: Partial<ChangeRequestRecord> = {}): ChangeRequestRecord {
  return {
    id: uid('chg'),
    kind: 'action.put',
    target: uid('act'),
    summary: 'add action',
    payload: { version: 1, nested: { list: [1, 'two'] } },
    status: 'pending',
    proposedBy: 'alice',
    proposedAt: at(10),
    expiresAt: at(10_000),
    decidedBy: null,
    decidedAt: null,
    message: null,
    ...over,
  };
}

/** Defines the controls tests for one adapter. */
export function controlContract(ctx: ContractContext): void {
  describe('actions', () => {
    it('stores versions with their exact argv; a second (name, version) is E_CONFLICT', async () => {
      const s = ctx.store();
      const name = uid('snap');
      const v1 = action(name, 1);
      await s.actions.create(v1);
      expect(await s.actions.get(name, 1)).toEqual(v1);
      expect(await s.actions.get(name, 2)).toBeUndefined();
      await expectStoreError(s.actions.create(action(name, 1)), 'E_CONFLICT');
    });

    it('activates a pending version and supersedes the active one in one step; a non-pending version is E_CONFLICT', async () => {
      const s = ctx.store();
      const name = uid('snap');
      await s.actions.create(action(name, 1));
      await s.actions.activate(name, 1, 'bob', at(20));
      expect(await s.actions.get(name, 1)).toMatchObject({ status: 'active', approvedBy: 'bob', approvedAt: at(20) });
      await s.actions.create(action(name, 2, { argv: ['/usr/local/sbin/snapshot', '--full'] }));
      expect(
        (await s.actions.list({ statuses: ['active'] })).filter((a) => a.name === name).map((a) => a.version),
      ).toEqual([1]);
      await s.actions.activate(name, 2, 'carol', at(30));
      expect((await s.actions.versions(name)).map((a) => [a.version, a.status])).toEqual([
        [2, 'active'],
        [1, 'superseded'],
      ]);
      await expectStoreError(s.actions.activate(name, 1, 'bob', at(40)), 'E_CONFLICT');
      await expectStoreError(s.actions.activate(name, 9, 'bob', at(40)), 'E_CONFLICT');
      expect((await s.actions.get(name, 2))!.status).toBe('active');
    });

    it('moves statuses only from the given ones', async () => {
      const s = ctx.store();
      const name = uid('snap');
      await s.actions.create(action(name, 1, { status: 'active', approvedBy: 'bob', approvedAt: at(2) }));
      await s.actions.create(action(name, 2));
      expect(await s.actions.setStatus(name, ['pending'], 'rejected', 2)).toBe(1);
      expect(await s.actions.setStatus(name, ['pending'], 'rejected')).toBe(0);
      expect(await s.actions.setStatus(name, [], 'removed')).toBe(0);
      expect(await s.actions.setStatus(name, ['active', 'pending'], 'removed')).toBe(1);
      expect((await s.actions.versions(name)).map((a) => a.status)).toEqual(['rejected', 'removed']);
      expect(await s.actions.list({ statuses: [] })).toEqual([]);
    });
  });

  describe('change requests', () => {
    it('creates, reads and lists newest first with filters', async () => {
      const s = ctx.store();
      const target = uid('grp');
      const a = change({ target, kind: 'group.second-approver-off', proposedAt: at(1) });
      const b = change({
        target,
        kind: 'group.second-approver-off',
        proposedAt: at(2),
        status: 'rejected',
        decidedBy: 'bob',
        decidedAt: at(3),
      });
      await s.changes.create(a);
      await s.changes.create(b);
      expect(await s.changes.get(a.id)).toEqual(a);
      expect(await s.changes.get(uid('missing'))).toBeUndefined();
      expect(await s.changes.list({ target })).toEqual([b, a]);
      expect(await s.changes.list({ target, statuses: ['pending'] })).toEqual([a]);
      expect(await s.changes.list({ target, kind: 'action.put' })).toEqual([]);
      expect(await s.changes.list({ target, limit: 1 })).toEqual([b]);
      await expectStoreError(s.changes.create(a), 'E_CONFLICT');
    });

    it('transitions only from the expected status, so one decision wins', async () => {
      const s = ctx.store();
      const c = change();
      await s.changes.create(c);
      expect(await s.changes.transition(c.id, 'pending', 'approved', { decidedBy: 'bob', decidedAt: at(11) })).toBe(
        true,
      );
      expect(await s.changes.transition(c.id, 'pending', 'rejected', { decidedBy: 'carol', decidedAt: at(12) })).toBe(
        false,
      );
      expect(await s.changes.transition(c.id, 'approved', 'failed', { message: 'group was deleted' })).toBe(true);
      expect(await s.changes.get(c.id)).toEqual({
        ...c,
        status: 'failed',
        decidedBy: 'bob',
        decidedAt: at(11),
        message: 'group was deleted',
      });
      expect(await s.changes.transition(uid('missing'), 'pending', 'approved', {})).toBe(false);
    });
  });
}
