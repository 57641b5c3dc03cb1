/** Contract of SessionStore and UserStore.updateUser: users' sign-in fields, sessions and shared secrets. */
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../ports.js';
import { at, expectStoreError, uid, user, type ContractContext } from './builders.js';

function session(userId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: uid('sh'),
    userId,
    role: 'operator',
    scopeGroupIds: null,
    via: 'password',
    tokenId: null,
    csrfSecret: null,
    createdAt: at(1),
    lastSeenAt: at(1),
    expiresAt: at(100),
    revokedAt: null,
    userAgent: 'Mozilla/5.0',
    sourceIp: '192.0.2.7',
    ...over,
  };
}

/** Defines the SessionStore tests for one adapter. */
export function sessionContract(ctx: ContractContext): void {
  describe('sessions', () => {
    it("keeps a user's password hash, scope, disabled flag; updates only what a patch names", async () => {
      const s = ctx.store();
      const u = user({ passwordHash: 'scrypt$x', scopeGroupIds: [uid('g')] });
      await s.users.createUser(u);
      expect(await s.users.getUser(u.id)).toEqual(u);
      await s.users.updateUser(u.id, { role: 'viewer', disabledAt: at(3) });
      expect(await s.users.getUser(u.id)).toEqual({ ...u, role: 'viewer', disabledAt: at(3) });
      await s.users.updateUser(u.id, { scopeGroupIds: null, passwordHash: 'scrypt$y', passwordChangedAt: at(4) });
      await s.users.updateUser(u.id, { disabledAt: null });
      expect(await s.users.getUser(u.id)).toEqual({
        ...u,
        role: 'viewer',
        scopeGroupIds: null,
        passwordHash: 'scrypt$y',
        passwordChangedAt: at(4),
      });
      await s.users.updateUser(u.id, { scopeGroupIds: [] });
      expect((await s.users.getUser(u.id))?.scopeGroupIds).toEqual([]);
      await expectStoreError(s.users.updateUser(uid('missing'), { role: 'admin' }), 'E_USER_NOT_FOUND');
    });

    it('creates, reads, touches, and revokes sessions; refuses one of an unknown user', async () => {
      const s = ctx.store();
      const u = user();
      await s.users.createUser(u);
      const a = session(u.id, { scopeGroupIds: [uid('g')], via: 'token', tokenId: uid('t') });
      await s.sessions.createSession(a);
      expect(await s.sessions.getSession(a.idHash)).toEqual(a);
      expect(await s.sessions.getSession(uid('missing'))).toBeUndefined();
      await s.sessions.touchSession(a.idHash, at(5));
      await s.sessions.touchSession(a.idHash, at(4)); // never backwards
      await s.sessions.setCsrfSecret(a.idHash, 'csrf-secret');
      await s.sessions.touchSession(uid('missing'), at(5));
      expect(await s.sessions.getSession(a.idHash)).toEqual({ ...a, lastSeenAt: at(5), csrfSecret: 'csrf-secret' });
      await s.sessions.revokeSession(a.idHash, at(6));
      await s.sessions.revokeSession(a.idHash, at(7));
      expect((await s.sessions.getSession(a.idHash))?.revokedAt).toBe(at(6));
      await expectStoreError(s.sessions.createSession(session(uid('missing'))), 'E_USER_NOT_FOUND');
      await expectStoreError(s.sessions.createSession({ ...a }), 'E_CONFLICT');
    });

    it('revokes every live session of one user only, and deletes ended sessions', async () => {
      const s = ctx.store();
      const [u, other] = [user(), user()];
      await s.users.createUser(u);
      await s.users.createUser(other);
      const live = [session(u.id), session(u.id)];
      const old = session(u.id, { expiresAt: at(2) });
      const others = session(other.id);
      for (const x of [...live, old, others]) await s.sessions.createSession(x);
      expect(await s.sessions.revokeUserSessions(u.id, at(9), live[1]!.idHash)).toBe(1);
      expect((await s.sessions.getSession(live[1]!.idHash))?.revokedAt).toBeNull();
      expect(await s.sessions.revokeUserSessions(u.id, at(10))).toBe(1);
      expect(await s.sessions.revokeUserSessions(u.id, at(11))).toBe(0);
      expect((await s.sessions.getSession(live[0]!.idHash))?.revokedAt).toBe(at(9));
      expect((await s.sessions.getSession(live[1]!.idHash))?.revokedAt).toBe(at(10));
      expect((await s.sessions.getSession(others.idHash))?.revokedAt).toBeNull();
      expect(await s.sessions.deleteEndedSessions(at(3))).toBeGreaterThanOrEqual(1);
      expect(await s.sessions.getSession(old.idHash)).toBeUndefined();
      expect(await s.sessions.getSession(live[0]!.idHash)).toBeDefined();
      expect(await s.sessions.deleteEndedSessions(at(50))).toBeGreaterThanOrEqual(2);
      expect(await s.sessions.getSession(live[0]!.idHash)).toBeUndefined();
      expect(await s.sessions.getSession(others.idHash)).toBeDefined();
    });

    it('keeps the first shared secret of a name (every node gets the same)', async () => {
      const s = ctx.store();
      const name = uid('cookie');
      expect(await s.sessions.sharedSecret(name, 'first', at(1))).toBe('first');
      expect(await s.sessions.sharedSecret(name, 'second', at(2))).toBe('first');
      const both = await Promise.all([
        s.sessions.sharedSecret(`${name}-b`, 'x', at(1)),
        s.sessions.sharedSecret(`${name}-b`, 'y', at(1)),
      ]);
      expect(both[0]).toBe(both[1]);
    });
  });
}
