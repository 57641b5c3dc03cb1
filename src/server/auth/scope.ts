/**
 * Scopes: an API token limited to some groups sees and acts on those groups and their machines
 * only. The rules every route follows (docs/SCOPES.md):
 *
 * - a single object outside the scope reads as absent: the same 404 as an unknown id or name, so a
 *   scoped caller cannot learn whether it exists;
 * - lists and counts hold only what is in the scope;
 * - a write naming an object outside the scope is that same 404 (a bulk triage action refuses that
 *   item with E_GROUP_NOT_FOUND), and changes nothing;
 * - what a scoped caller can never do, whatever it names, is 403: widen its own scope (create groups,
 *   change a group's members or rule, add machines) and fleet-wide actions (sync a catalog source,
 *   read fleet-wide metrics or sync diffs).
 *
 * A scope is worked out once per request (the machines of its groups now, rule groups evaluated
 * through the GroupService) and passed down to the services explicitly.
 */
import { PatchhiveError } from '../../errors.js';
import type { Caller } from './caller.js';

/** What a caller may see: the whole fleet, or the given groups and the machines in them now. */
export type Scope =
  { kind: 'fleet' } | { kind: 'groups'; groupIds: ReadonlySet<string>; machineIds: ReadonlySet<string> };

/** No limit: today's behaviour, and the one of every caller without a scoped token. */
export const WHOLE_FLEET: Scope = { kind: 'fleet' };

/** True when the scope shows the machine. */
export function seesMachine(scope: Scope, machineId: string): boolean {
  return scope.kind === 'fleet' || scope.machineIds.has(machineId);
}

/** True when the scope shows the group. */
export function seesGroup(scope: Scope, groupId: string): boolean {
  return scope.kind === 'fleet' || scope.groupIds.has(groupId);
}

/** True when the scope shows a deployment target: every group and every listed machine in it. */
export function seesTarget(
  scope: Scope,
  target: { groupIds: readonly string[]; machineIds: readonly string[] },
): boolean {
  return target.groupIds.every((id) => seesGroup(scope, id)) && target.machineIds.every((id) => seesMachine(scope, id));
}

/**
 * An optional machine-id filter narrowed to the scope: the fleet keeps it as given (undefined: no
 * filter); a scope intersects it, or gives its own machines when there was none.
 */
export function machineFilter(scope: Scope, ids: readonly string[] | undefined): string[] | undefined {
  if (scope.kind === 'fleet') return ids ? [...ids] : undefined;
  return ids ? ids.filter((id) => scope.machineIds.has(id)) : [...scope.machineIds];
}

/** Throws E_FORBIDDEN for a scoped caller: `what` is something only a whole-fleet token may do. */
export function requireWholeFleet(scope: Scope, what: string): void {
  if (scope.kind !== 'fleet') throw new PatchhiveError('E_FORBIDDEN', `a token scoped to groups cannot ${what}`);
}

/** The group ids a caller's token is limited to, or null for the whole fleet. */
export function scopeGroupIdsOf(caller: Caller): readonly string[] | null {
  return caller.kind === 'user' ? (caller.scopeGroupIds ?? null) : null;
}

/** What a scope needs of the groups (the GroupService): the groups that still exist and their machines now. */
export interface GroupMembership {
  membersOfGroups(ids: readonly string[]): Promise<{ groupIds: string[]; machineIds: string[] }>;
}

/**
 * Works out callers' scopes. The answer is kept per caller object, and a caller object lives for
 * one request: a scope is computed at most once per request and never outlives it.
 */
export class ScopeResolver {
  private readonly perRequest = new WeakMap<Caller, Promise<Scope>>();

  constructor(private readonly groups: GroupMembership) {}

  /** The caller's scope; the whole fleet for unscoped tokens, agents and anonymous callers. */
  of(caller: Caller): Promise<Scope> {
    const groupIds = scopeGroupIdsOf(caller);
    if (groupIds === null) return Promise.resolve(WHOLE_FLEET);
    let scope = this.perRequest.get(caller);
    if (!scope) {
      scope = this.resolve(groupIds);
      this.perRequest.set(caller, scope);
    }
    return scope;
  }

  private async resolve(groupIds: readonly string[]): Promise<Scope> {
    // A deleted group drops out of the scope: the scope shrinks, it never widens.
    const { groupIds: existing, machineIds } = await this.groups.membersOfGroups(groupIds);
    return { kind: 'groups', groupIds: new Set(existing), machineIds: new Set(machineIds) };
  }
}
