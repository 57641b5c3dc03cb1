/** Contract of OidcStore: pending sign-ins are taken once; provider accounts are one user each. */
import { describe, expect, it } from 'vitest';
import type { PendingOidcLogin } from '../ports.js';
import { at, expectStoreError, uid, user, type ContractContext } from './builders.js';

function pending(over: Partial<PendingOidcLogin> = {}): PendingOidcLogin {
  return {
    stateHash: uid('state'),
    nonce: uid('nonce'),
    codeVerifier: uid('verifier'),
    returnTo: '/machines?group=web',
    createdAt: at(0),
    expiresAt: at(10),
    ...over,
  };
}

/** Defines the OidcStore tests for one adapter. */
export function oidcContract(ctx: ContractContext): void {
  describe('oidc', () => {
    it('takes a pending sign-in once; an unknown state is undefined', async () => {
      const s = ctx.store();
      const p = pending();
      await s.oidc.savePending(p, at(0));
      expect(await s.oidc.takePending(p.stateHash)).toEqual(p);
      expect(await s.oidc.takePending(p.stateHash)).toBeUndefined();
      expect(await s.oidc.takePending(uid('missing'))).toBeUndefined();
      await s.oidc.savePending(p, at(0));
      await expectStoreError(s.oidc.savePending(p, at(0)), 'E_CONFLICT');
    });

    it('deletes expired pending sign-ins when saving a new one', async () => {
      const s = ctx.store();
      const old = pending({ expiresAt: at(5) });
      const live = pending({ expiresAt: at(50) });
      await s.oidc.savePending(old, at(0));
      await s.oidc.savePending(live, at(0));
      await s.oidc.savePending(pending({ expiresAt: at(60) }), at(6));
      expect(await s.oidc.takePending(old.stateHash)).toBeUndefined();
      expect(await s.oidc.takePending(live.stateHash)).toEqual(live);
    });

    it('links a provider account to one user: renamed and re-roled at each sign-in', async () => {
      const s = ctx.store();
      const issuer = `https://${uid('idp')}.example`;
      const name = uid('alice');
      const id = uid('u');
      const first = await s.oidc.upsertUser({ issuer, subject: 'sub-1', name, role: 'viewer' }, id, at(1));
      // a provider's user has no password, no scope of its own and is not disabled
      const none = { passwordHash: null, scopeGroupIds: null, disabledAt: null, passwordChangedAt: null };
      expect(first).toEqual({ user: { id, name, role: 'viewer', createdAt: at(1), ...none }, created: true });
      expect(await s.users.getUser(id)).toEqual(first.user);
      const renamed = await s.oidc.upsertUser(
        { issuer, subject: 'sub-1', name: `${name}-new`, role: 'operator' },
        uid('u'),
        at(2),
      );
      expect(renamed).toEqual({
        user: { id, name: `${name}-new`, role: 'operator', createdAt: at(1), ...none },
        created: false,
      });
      expect(await s.users.getUserByName(`${name}-new`)).toEqual(renamed.user);
      // The same subject at another issuer is another account.
      const other = await s.oidc.upsertUser(
        { issuer: `${issuer}/x`, subject: 'sub-1', name, role: 'admin' },
        uid('u'),
        at(3),
      );
      expect(other.created).toBe(true);
    });

    it('refuses a name that belongs to another user (a local one included)', async () => {
      const s = ctx.store();
      const local = user({ name: uid('bob') });
      await s.users.createUser(local);
      const issuer = `https://${uid('idp')}.example`;
      await expectStoreError(
        s.oidc.upsertUser({ issuer, subject: 's', name: local.name, role: 'viewer' }, uid('u'), at(1)),
        'E_CONFLICT',
      );
      expect(await s.users.getUserByName(local.name)).toEqual(local);
    });
  });
}
