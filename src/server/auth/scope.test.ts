import { describe, expect, it } from 'vitest';
import type { Caller } from './caller.js';
import type { GroupService } from '../services/groups.js';
import {
  machineFilter,
  requireWholeFleet,
  ScopeResolver,
  seesGroup,
  seesMachine,
  seesTarget,
  WHOLE_FLEET,
  type Scope,
} from './scope.js';

const web: Scope = { kind: 'groups', groupIds: new Set(['g-web']), machineIds: new Set(['m1', 'm2']) };
const user = (scopeGroupIds: string[] | null): Caller => ({
  kind: 'user',
  userId: 'u',
  userName: 'u',
  role: 'operator',
  tokenId: 't',
  scopeGroupIds,
});

describe('scope', () => {
  it('the whole fleet sees everything; a scope its groups and machines only', () => {
    expect([seesMachine(WHOLE_FLEET, 'm9'), seesGroup(WHOLE_FLEET, 'g-db')]).toEqual([true, true]);
    expect([seesMachine(web, 'm1'), seesMachine(web, 'm9'), seesGroup(web, 'g-web'), seesGroup(web, 'g-db')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('narrows machine filters: none stays none for the fleet, becomes the scope for a scope', () => {
    expect(machineFilter(WHOLE_FLEET, undefined)).toBeUndefined();
    expect(machineFilter(WHOLE_FLEET, ['m9'])).toEqual(['m9']);
    expect(machineFilter(web, undefined)?.sort()).toEqual(['m1', 'm2']);
    expect(machineFilter(web, ['m2', 'm9'])).toEqual(['m2']);
  });

  it('a deployment target is seen when every group and listed machine is', () => {
    expect(seesTarget(web, { groupIds: ['g-web'], machineIds: ['m1'] })).toBe(true);
    expect(seesTarget(web, { groupIds: ['g-web', 'g-db'], machineIds: [] })).toBe(false);
    expect(seesTarget(web, { groupIds: [], machineIds: ['m9'] })).toBe(false);
    expect(seesTarget(WHOLE_FLEET, { groupIds: ['g-db'], machineIds: ['m9'] })).toBe(true);
  });

  it('refuses fleet-wide actions to a scope only', () => {
    expect(() => requireWholeFleet(WHOLE_FLEET, 'sync')).not.toThrow();
    expect(() => requireWholeFleet(web, 'sync')).toThrow(expect.objectContaining({ code: 'E_FORBIDDEN' }));
  });

  it('resolves a caller once per request (caller object), deleted groups drop out, unscoped callers cost nothing', async () => {
    const asked: string[][] = [];
    const groups = {
      async membersOfGroups(ids: readonly string[]) {
        asked.push([...ids]);
        return { groupIds: ids.filter((id) => id !== 'g-gone'), machineIds: ['m1'] };
      },
    } as unknown as GroupService;
    const resolver = new ScopeResolver(groups);
    expect(await resolver.of(user(null))).toBe(WHOLE_FLEET);
    expect(await resolver.of({ kind: 'agent', agentId: 'a', machineId: 'm' })).toBe(WHOLE_FLEET);
    expect(asked).toEqual([]);
    const caller = user(['g-web', 'g-gone']);
    const first = await resolver.of(caller);
    expect(await resolver.of(caller)).toBe(first);
    expect(first).toEqual({ kind: 'groups', groupIds: new Set(['g-web']), machineIds: new Set(['m1']) });
    await resolver.of(user(['g-web']));
    expect(asked).toEqual([['g-web', 'g-gone'], ['g-web']]);
  });

  it('an empty scope sees nothing (it never falls back to the whole fleet)', async () => {
    const groups = { membersOfGroups: async () => ({ groupIds: [], machineIds: [] }) } as unknown as GroupService;
    const s = await new ScopeResolver(groups).of(user(['g-gone']));
    expect([seesMachine(s, 'm1'), seesGroup(s, 'g-gone'), machineFilter(s, undefined)]).toEqual([false, false, []]);
  });
});
