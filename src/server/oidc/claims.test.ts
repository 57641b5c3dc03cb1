import { describe, expect, it } from 'vitest';
import { mapClaims, scopeOfGroupNames, type ClaimMapping } from './claims.js';

const mapping: ClaimMapping = {
  nameClaim: 'preferred_username',
  roleClaim: 'roles',
  roles: { ops: 'operator', readers: 'viewer', root: 'admin' },
  groupsClaim: 'groups',
  ungrouped: 'refuse',
};

describe('mapClaims', () => {
  it.each([
    [
      'a string role, groups',
      { sub: 's1', preferred_username: 'al', roles: 'ops', groups: ['web'] },
      { name: 'al', role: 'operator', groupNames: ['web'] },
    ],
    [
      'the highest of several roles',
      { sub: 's1', roles: ['readers', 'x', 'ops'], groups: 'db' },
      { name: 's1', role: 'operator', groupNames: ['db'] },
    ],
    [
      'an admin is never scoped',
      { sub: 's1', roles: ['root', 'readers'], groups: ['web'] },
      { role: 'admin', groupNames: null },
    ],
    ['the subject when the name claim is absent', { sub: 'abc', roles: 'readers', groups: ['web'] }, { name: 'abc' }],
  ])('%s', (_, claims, expected) => {
    expect(mapClaims(claims, mapping)).toMatchObject({ ok: true, ...expected });
  });

  it.each([
    ['no subject', { roles: 'ops' }, 'E_OIDC_CLAIM_MISSING'],
    ['no role claim', { sub: 's', groups: ['web'] }, 'E_OIDC_CLAIM_MISSING'],
    ['an empty role list', { sub: 's', roles: [] }, 'E_OIDC_CLAIM_MISSING'],
    ['a role claim of another type', { sub: 's', roles: 7 }, 'E_OIDC_CLAIM_MISSING'],
    ['no value maps to a role', { sub: 's', roles: ['interns', 'toString'] }, 'E_OIDC_ROLE_UNMAPPED'],
    ['a name with control characters', { sub: 's', preferred_username: 'a\nb', roles: 'ops' }, 'E_OIDC_CLAIM_MISSING'],
    ['a name that is not a string', { sub: 's', preferred_username: ['a'], roles: 'ops' }, 'E_OIDC_CLAIM_MISSING'],
    ['a non-admin naming no group', { sub: 's', roles: 'ops' }, 'E_OIDC_NO_GROUPS'],
    ['a non-admin with an empty groups list', { sub: 's', roles: 'ops', groups: [] }, 'E_OIDC_NO_GROUPS'],
  ])('refuses %s', (_, claims, code) => {
    expect(mapClaims(claims, mapping)).toMatchObject({ ok: false, code });
  });

  it('gives the whole fleet to ungrouped non-admins only when configured so, and to everyone without a groups claim', () => {
    expect(mapClaims({ sub: 's', roles: 'ops' }, { ...mapping, ungrouped: 'whole-fleet' })).toMatchObject({
      ok: true,
      groupNames: null,
    });
    const { groupsClaim: _, ...noGroups } = mapping;
    expect(mapClaims({ sub: 's', roles: 'ops', groups: ['web'] }, noGroups)).toMatchObject({
      ok: true,
      groupNames: null,
    });
  });
});

describe('scopeOfGroupNames', () => {
  const ids = new Map([
    ['web', 'g-web'],
    ['db', 'g-db'],
  ]);
  it('resolves known names, ignores unknown ones, and never widens an unresolved scope to the fleet', () => {
    expect(scopeOfGroupNames(['web', 'nope', 'web'], ids)).toEqual(['g-web']);
    expect(scopeOfGroupNames(['nope'], ids)).toEqual([]);
    expect(scopeOfGroupNames(null, ids)).toBeNull();
  });
});
