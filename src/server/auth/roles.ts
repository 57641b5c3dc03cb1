/** Roles and what each may do: viewer reads, operator also changes machines/groups/syncs, admin all. */
import type { Role } from '../../protocol/api.js';

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `have` is at least `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}
