/** Contract of UserStore: users and API tokens. */
import { describe, expect, it } from 'vitest';
import { apiToken, at, expectStoreError, uid, user, type ContractContext } from './builders.js';

/** Defines the UserStore tests for one adapter. */
export function userContract(ctx: ContractContext): void {
  describe('users', () => {
    it('creates users, reads them by id and name, lists them by name', async () => {
      const s = ctx.store();
      const tag = uid('people');
      const [b, a] = [user({ name: `${tag}-bob`, role: 'admin' }), user({ name: `${tag}-alice`, role: 'viewer' })];
      await s.users.createUser(b);
      await s.users.createUser(a);
      expect(await s.users.getUser(b.id)).toEqual(b);
      expect(await s.users.getUserByName(a.name)).toEqual(a);
      expect(await s.users.getUser(uid('missing'))).toBeUndefined();
      expect(await s.users.getUserByName(uid('missing'))).toBeUndefined();
      expect((await s.users.listUsers()).filter((u) => u.name.startsWith(tag))).toEqual([a, b]);
      await expectStoreError(s.users.createUser(user({ name: a.name })), 'E_CONFLICT');
    });

    it('creates, lists, touches and revokes API tokens', async () => {
      const s = ctx.store();
      const u = user();
      await s.users.createUser(u);
      const t1 = apiToken(u.id, { createdAt: at(2), expiresAt: at(100), role: 'admin' });
      const t2 = apiToken(u.id, { createdAt: at(1), name: 'laptop' });
      await s.users.createApiToken(t1);
      await s.users.createApiToken(t2);
      expect(await s.users.getApiToken(t1.id)).toEqual(t1);
      expect((await s.users.listApiTokens()).filter((t) => t.userId === u.id)).toEqual([t2, t1]);
      await s.users.touchApiToken(t1.id, at(3));
      await s.users.revokeApiToken(t1.id, at(4));
      await s.users.revokeApiToken(t1.id, at(5));
      expect(await s.users.getApiToken(t1.id)).toEqual({ ...t1, lastUsedAt: at(3), revokedAt: at(4) });
      expect(await s.users.getApiToken(uid('missing'))).toBeUndefined();
      const scoped = apiToken(u.id, { role: 'operator', scopeGroupIds: [uid('g'), uid('g')] });
      await s.users.createApiToken(scoped);
      expect(await s.users.getApiToken(scoped.id)).toEqual(scoped);
      const empty = apiToken(u.id, { scopeGroupIds: [] });
      await s.users.createApiToken(empty);
      expect((await s.users.getApiToken(empty.id))?.scopeGroupIds).toEqual([]);
      await expectStoreError(s.users.createApiToken({ ...t2 }), 'E_CONFLICT');
    });

    it('refuses a token of an unknown user and updates of an unknown token', async () => {
      const s = ctx.store();
      await expectStoreError(s.users.createApiToken(apiToken(uid('missing'))), 'E_NOT_FOUND');
      await expectStoreError(s.users.touchApiToken(uid('missing'), at(1)), 'E_TOKEN_NOT_FOUND');
      await expectStoreError(s.users.revokeApiToken(uid('missing'), at(1)), 'E_TOKEN_NOT_FOUND');
    });
  });
}
